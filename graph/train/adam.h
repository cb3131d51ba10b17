#pragma once
/// tf.train.AdamOptimizer.
#include "dl/graph/train/optimizer.h"

namespace dl::train {

/// lr_t = learning_rate * sqrt(1 - beta2^t) / (1 - beta1^t); m = beta1 * m + (1 - beta1) * grad;
/// v = beta2 * v + (1 - beta2) * grad^2; var -= lr_t * m / (sqrt(v) + epsilon) (ApplyAdam;
/// epsilon is TF1's "epsilon hat"). Slots "m" and "v" (zeros); non-slot variables
/// "beta1_power" and "beta2_power" start at beta1 and beta2 and are multiplied by them after
/// every step's updates. As in TF1 they are float32 (cast for float64 variables).
///
/// IndexedSlices follow TF1's _apply_sparse: m and v decay densely, the (summed) gradient rows
/// are added to the touched rows, and var is updated densely from m and v. dl adds the rows as
/// a densified gradient (zeros elsewhere), which gives the same numbers as TF1's
/// deduplicate-then-scatter_add.
class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(Hyper learning_rate = 0.001, Hyper beta1 = 0.9, Hyper beta2 = 0.999,
                         Hyper epsilon = 1e-8, const std::string& name = "Adam");

 protected:
  void create_slots(const std::vector<Variable>& var_list) override;
  Node* apply_dense(Output grad, const Variable& var) override;
  Node* apply_sparse(const IndexedSlices& grad, const Variable& var) override;
  Node* finish(const std::vector<Node*>& update_ops, const std::string& name) override;

 private:
  Variable beta_power(const std::string& which);
  Hyper beta1_, beta2_;
};

}  // namespace dl::train
