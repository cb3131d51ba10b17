#pragma once
/// tf.train.AdadeltaOptimizer.
#include "dl/graph/train/optimizer.h"

namespace dl::train {

/// accum = rho * accum + (1 - rho) * grad^2;
/// update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad;
/// var -= learning_rate * update; accum_update = rho * accum_update + (1 - rho) * update^2
/// (ApplyAdadelta). Slots "accum" and "accum_update" (zeros). IndexedSlices go to
/// SparseApplyAdadelta.
class AdadeltaOptimizer : public Optimizer {
 public:
  explicit AdadeltaOptimizer(Hyper learning_rate = 0.001, Hyper rho = 0.95, Hyper epsilon = 1e-8,
                             const std::string& name = "Adadelta");

 protected:
  void create_slots(const std::vector<Variable>& var_list) override;
  Node* apply_dense(Output grad, const Variable& var) override;
  Node* apply_sparse(const IndexedSlices& grad, const Variable& var) override;
};

}  // namespace dl::train
