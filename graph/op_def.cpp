#include "dl/graph/op_def.h"

#include "dl/graph/graph.h"
#include "dl/graph/ops/state_ops.h"

namespace dl {

void InferContext::fail(const std::string& msg) const {
  std::string specs;
  for (size_t i = 0; i < inputs.size(); ++i) specs += str_cat(i ? ", " : "", inputs[i].to_string());
  throw InvalidArgument(str_cat(op_type, " '", node_name, "': ", msg, "; inputs: [", specs, "]"));
}

Output GradContext::dy(int i) const {
  const Output& d = dys[static_cast<size_t>(i)];
  return d ? d : ops::zeros_like(output(i));
}

OpDef& OpDef::reference(ComputeFn f) {
  reference_factory = [f](const KernelKey&) { return make_function_kernel(f); };
  return *this;
}

}  // namespace dl
