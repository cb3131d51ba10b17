#include "dl/graph/node.h"

#include "dl/graph/graph.h"
#include "dl/graph/op_def.h"

namespace dl {

std::string TensorSpec::to_string() const { return str_cat(name(dtype), shape.to_string()); }

DType Output::dtype() const { return spec().dtype; }
const Shape& Output::shape() const { return spec().shape; }
const TensorSpec& Output::spec() const {
  DL_CHECK(node != nullptr, "use of an empty Output (no tensor)");
  return node->output_specs()[static_cast<size_t>(index)];
}
Graph& Output::graph() const {
  DL_CHECK(node != nullptr, "use of an empty Output (no tensor)");
  return node->graph();
}
std::string Output::name() const { return node ? str_cat(node->name(), ":", index) : "<none>"; }
bool Output::operator<(const Output& o) const {
  const int a = node ? node->id() : -1, b = o.node ? o.node->id() : -1;
  return a != b ? a < b : index < o.index;
}

const std::string& Node::type() const { return op_->name; }

}  // namespace dl
