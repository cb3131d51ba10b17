#include "dl/graph/train/adadelta.h"

#include "dl/graph/ops/optimizer_ops.h"

namespace dl::train {

AdadeltaOptimizer::AdadeltaOptimizer(Hyper learning_rate, Hyper rho, Hyper epsilon,
                                     const std::string& name)
    : Optimizer(name) {
  set_hyper("lr", learning_rate);
  set_hyper("rho", rho);
  set_hyper("epsilon", epsilon);
}

void AdadeltaOptimizer::create_slots(const std::vector<Variable>& var_list) {
  for (const Variable& v : var_list) {
    zeros_slot(v, "accum");
    zeros_slot(v, "accum_update");
  }
}

Node* AdadeltaOptimizer::apply_dense(Output grad, const Variable& var) {
  const DType t = var.dtype();
  return ops::apply_adadelta(var, get_slot(var, "accum"), get_slot(var, "accum_update"),
                             hyper("lr", t), hyper("rho", t), hyper("epsilon", t), grad)
      .node;
}

Node* AdadeltaOptimizer::apply_sparse(const IndexedSlices& grad, const Variable& var) {
  const DType t = var.dtype();
  return ops::sparse_apply_adadelta(var, get_slot(var, "accum"), get_slot(var, "accum_update"),
                                    hyper("lr", t), hyper("rho", t), hyper("epsilon", t),
                                    grad.values, grad.indices)
      .node;
}

}  // namespace dl::train
