#include "dl/graph/train/momentum.h"

#include "dl/graph/ops/optimizer_ops.h"

namespace dl::train {

MomentumOptimizer::MomentumOptimizer(Hyper learning_rate, Hyper momentum, bool use_nesterov,
                                     const std::string& name)
    : Optimizer(name), use_nesterov_(use_nesterov) {
  set_hyper("learning_rate", learning_rate);
  set_hyper("momentum", momentum);
}

void MomentumOptimizer::create_slots(const std::vector<Variable>& var_list) {
  for (const Variable& v : var_list) zeros_slot(v, "momentum");
}

Node* MomentumOptimizer::apply_dense(Output grad, const Variable& var) {
  const DType t = var.dtype();
  return ops::apply_momentum(var, get_slot(var, "momentum"), hyper("learning_rate", t), grad,
                             hyper("momentum", t), use_nesterov_)
      .node;
}

Node* MomentumOptimizer::apply_sparse(const IndexedSlices& grad, const Variable& var) {
  const DType t = var.dtype();
  return ops::sparse_apply_momentum(var, get_slot(var, "momentum"), hyper("learning_rate", t),
                                    grad.values, grad.indices, hyper("momentum", t), use_nesterov_)
      .node;
}

}  // namespace dl::train
