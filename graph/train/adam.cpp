#include "dl/graph/train/adam.h"

#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/optimizer_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::train {

AdamOptimizer::AdamOptimizer(Hyper learning_rate, Hyper beta1, Hyper beta2, Hyper epsilon,
                             const std::string& name)
    : Optimizer(name), beta1_(beta1), beta2_(beta2) {
  set_hyper("learning_rate", learning_rate);
  set_hyper("beta1", beta1);
  set_hyper("beta2", beta2);
  set_hyper("epsilon", epsilon);
}

Variable AdamOptimizer::beta_power(const std::string& which) {
  const Hyper& b = which == "beta1_power" ? beta1_ : beta2_;
  // TF1: a variable initialised with the Python float beta, hence float32.
  return get_or_make_non_slot(which, [&](Graph& g) -> Output {
    if (b.is_tensor()) return b.tensor();
    return ops::scalar(g, b.value(), DType::f32, "initial_value");
  });
}

void AdamOptimizer::create_slots(const std::vector<Variable>& var_list) {
  beta_power("beta1_power");
  beta_power("beta2_power");
  for (const Variable& v : var_list) {
    zeros_slot(v, "m");
    zeros_slot(v, "v");
  }
}

Node* AdamOptimizer::apply_dense(Output grad, const Variable& var) {
  const DType t = var.dtype();
  Output b1p = ops::cast(beta_power("beta1_power"), t);
  Output b2p = ops::cast(beta_power("beta2_power"), t);
  return ops::apply_adam(var, get_slot(var, "m"), get_slot(var, "v"), b1p, b2p,
                         hyper("learning_rate", t), hyper("beta1", t), hyper("beta2", t),
                         hyper("epsilon", t), grad)
      .node;
}

Node* AdamOptimizer::apply_sparse(const IndexedSlices& grad, const Variable& var) {
  const DType t = var.dtype();
  Output b1p = ops::cast(beta_power("beta1_power"), t);
  Output b2p = ops::cast(beta_power("beta2_power"), t);
  Output lr_t = hyper("learning_rate", t), beta1 = hyper("beta1", t), beta2 = hyper("beta2", t);
  Output eps = hyper("epsilon", t);
  // TF1 _apply_sparse_shared, term by term.
  Output lr = lr_t * ops::sqrt(1.0 - b2p) / (1.0 - b1p);
  Output g = to_dense(grad);
  Variable m = get_slot(var, "m"), v = get_slot(var, "v");
  Output m_t = m.assign(m.value() * beta1 + g * (1.0 - beta1));
  // TF1 writes (g * g) * (1 - beta2); a TF session evaluates it as g * (g * (1 - beta2)) after
  // Grappler's arithmetic optimizer moves the scalar inward (MinimizeBroadcasts): 1 ulp apart,
  // and dl follows what TF computes.
  Output v_t = v.assign(v.value() * beta2 + g * (g * (1.0 - beta2)));
  Output var_update = var.assign_sub(lr * m_t / (ops::sqrt(v_t) + eps));
  return ops::group(var.op()->graph(), {var_update.node, m_t.node, v_t.node});
}

Node* AdamOptimizer::finish(const std::vector<Node*>& update_ops, const std::string& name) {
  Graph& g = graph();
  std::vector<Node*> all = update_ops;
  {
    // TF1: the powers advance after every update of the step has read them.
    ControlDependencies after(g, update_ops);
    for (const char* which : {"beta1_power", "beta2_power"}) {
      Variable p = get_or_make_non_slot(which, nullptr);
      Output b = hyper(which == std::string("beta1_power") ? "beta1" : "beta2", p.dtype());
      all.push_back(p.assign(p.value() * b).node);
    }
  }
  return ops::group(g, all, name);
}

}  // namespace dl::train
