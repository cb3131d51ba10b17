#include "dl/graph/train/training_util.h"

#include "dl/graph/initializers.h"

namespace dl::train {

std::optional<Variable> get_global_step(const Graph& g) {
  std::vector<Node*> in = g.get_collection(GraphKeys::GLOBAL_STEP);
  Node* n = nullptr;
  if (in.size() > 1) {
    throw InvalidArgument(str_cat("the GLOBAL_STEP collection holds ", in.size(),
                                  " variables; there must be at most one"));
  }
  if (in.size() == 1) {
    n = in[0];
  } else {
    n = g.find_node(GraphKeys::GLOBAL_STEP);
    if (!n) return std::nullopt;
  }
  const TensorSpec& s = n->output_specs().empty() ? TensorSpec{} : n->output_specs()[0];
  if (n->type() != "VariableV2" || (s.dtype != DType::i32 && s.dtype != DType::i64) ||
      s.shape.rank() != 0) {
    throw InvalidArgument(str_cat("the global step '", n->name(),
                                  "' must be an integer scalar variable, received ", n->type(), " ",
                                  s.to_string()));
  }
  return Variable::from_node(n);
}

Variable create_global_step(Graph& g) {
  if (get_global_step(g)) throw InvalidArgument("create_global_step: the graph has a global step");
  g.push_name_scope("");
  try {
    Variable v = get_variable(g, GraphKeys::GLOBAL_STEP, Shape{},
                              {.dtype = DType::i64,
                               .initializer = init::zeros_initializer(),
                               .trainable = false,
                               .collections = {GraphKeys::GLOBAL_STEP}});
    g.pop_name_scope();
    return v;
  } catch (...) {
    g.pop_name_scope();
    throw;
  }
}

Variable get_or_create_global_step(Graph& g) {
  if (auto v = get_global_step(g)) return *v;
  return create_global_step(g);
}

}  // namespace dl::train
