#include "dl/kernels/onednn/onednn_utils.h"

#include <cstdlib>
#include <cstring>

namespace dl::onednn {

std::optional<std::string> common_decline(const KernelKey& k, std::initializer_list<int> inputs) {
  static const bool disabled = [] {
    const char* v = std::getenv("DL_ONEDNN");
    return v && std::strcmp(v, "0") == 0;
  }();
  if (disabled) return "disabled by DL_ONEDNN=0";
  for (int i : inputs) {
    const TensorSpec& s = k.inputs[static_cast<size_t>(i)];
    if (s.dtype != DType::f32) return str_cat("dtype ", name(s.dtype), " (float32 only)");
    if (s.shape.num_elements() == 0) return "empty tensor";
  }
  for (const TensorSpec& s : k.outputs) {
    if (s.dtype != DType::f32) return str_cat("dtype ", name(s.dtype), " (float32 only)");
  }
  if (!k.outputs.empty() && k.outputs[0].shape.num_elements() == 0) return "empty tensor";
  return std::nullopt;
}

void throw_execution_error(const KernelContext& c, const dnnl::error& e) {
  c.fail(str_cat("oneDNN execution failed (", status_name(e.status), "): ", e.what()));
}

}  // namespace dl::onednn
