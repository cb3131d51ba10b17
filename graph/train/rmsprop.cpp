#include "dl/graph/train/rmsprop.h"

#include "dl/graph/ops/optimizer_ops.h"

namespace dl::train {

RMSPropOptimizer::RMSPropOptimizer(Hyper learning_rate, Hyper decay, Hyper momentum, Hyper epsilon,
                                   bool centered, const std::string& name)
    : Optimizer(name), centered_(centered) {
  set_hyper("learning_rate", learning_rate);
  set_hyper("decay", decay);
  set_hyper("momentum", momentum);
  set_hyper("epsilon", epsilon);
}

void RMSPropOptimizer::create_slots(const std::vector<Variable>& var_list) {
  // TF1's order (it fixes the slot variables' names): rms, mg, momentum.
  for (const Variable& v : var_list) {
    get_or_make_slot(v, init::ones_initializer(), "rms");
    if (centered_) zeros_slot(v, "mg");
    zeros_slot(v, "momentum");
  }
}

Node* RMSPropOptimizer::apply_dense(Output grad, const Variable& var) {
  const DType t = var.dtype();
  Output rms = get_slot(var, "rms"), mom = get_slot(var, "momentum");
  Output lr = hyper("learning_rate", t), rho = hyper("decay", t), m = hyper("momentum", t),
         eps = hyper("epsilon", t);
  if (centered_) {
    return ops::apply_centered_rms_prop(var, get_slot(var, "mg"), rms, mom, lr, rho, m, eps, grad)
        .node;
  }
  return ops::apply_rms_prop(var, rms, mom, lr, rho, m, eps, grad).node;
}

Node* RMSPropOptimizer::apply_sparse(const IndexedSlices& grad, const Variable& var) {
  const DType t = var.dtype();
  Output rms = get_slot(var, "rms"), mom = get_slot(var, "momentum");
  Output lr = hyper("learning_rate", t), rho = hyper("decay", t), m = hyper("momentum", t),
         eps = hyper("epsilon", t);
  if (centered_) {
    return ops::sparse_apply_centered_rms_prop(var, get_slot(var, "mg"), rms, mom, lr, rho, m, eps,
                                               grad.values, grad.indices)
        .node;
  }
  return ops::sparse_apply_rms_prop(var, rms, mom, lr, rho, m, eps, grad.values, grad.indices).node;
}

}  // namespace dl::train
