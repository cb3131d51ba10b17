#include "dl/graph/train/adagrad.h"

#include "dl/graph/ops/optimizer_ops.h"

namespace dl::train {

AdagradOptimizer::AdagradOptimizer(Hyper learning_rate, double initial_accumulator_value,
                                   const std::string& name)
    : Optimizer(name), initial_accumulator_value_(initial_accumulator_value) {
  DL_CHECK(initial_accumulator_value > 0,
           "AdagradOptimizer: initial_accumulator_value must be "
           "positive, received ",
           initial_accumulator_value);
  set_hyper("learning_rate", learning_rate);
}

void AdagradOptimizer::create_slots(const std::vector<Variable>& var_list) {
  // TF1: constant_initializer(value, dtype=var.dtype), i.e. the value in the variable's dtype.
  for (const Variable& v : var_list) {
    get_or_make_slot(v, init::constant_initializer(initial_accumulator_value_), "accumulator");
  }
}

Node* AdagradOptimizer::apply_dense(Output grad, const Variable& var) {
  return ops::apply_adagrad(var, get_slot(var, "accumulator"), hyper("learning_rate", var.dtype()),
                            grad)
      .node;
}

Node* AdagradOptimizer::apply_sparse(const IndexedSlices& grad, const Variable& var) {
  return ops::sparse_apply_adagrad(var, get_slot(var, "accumulator"),
                                   hyper("learning_rate", var.dtype()), grad.values, grad.indices)
      .node;
}

}  // namespace dl::train
