#pragma once
/// tf.train.RMSPropOptimizer.
#include "dl/graph/train/optimizer.h"

namespace dl::train {

/// ms = decay * ms + (1 - decay) * grad^2;
/// mom = momentum * mom + learning_rate * grad / sqrt(ms + epsilon); var -= mom (ApplyRMSProp).
/// centered: mg = decay * mg + (1 - decay) * grad and the denominator is
/// sqrt(ms - mg^2 + epsilon) (ApplyCenteredRMSProp). Slots: "rms" (starts at ONES, as TF1),
/// "mg" (zeros, centered only), "momentum" (zeros). IndexedSlices go to SparseApplyRMSProp /
/// SparseApplyCenteredRMSProp: untouched rows keep their ms and mom.
class RMSPropOptimizer : public Optimizer {
 public:
  RMSPropOptimizer(Hyper learning_rate, Hyper decay = 0.9, Hyper momentum = 0.0,
                   Hyper epsilon = 1e-10, bool centered = false,
                   const std::string& name = "RMSProp");

 protected:
  void create_slots(const std::vector<Variable>& var_list) override;
  Node* apply_dense(Output grad, const Variable& var) override;
  Node* apply_sparse(const IndexedSlices& grad, const Variable& var) override;

 private:
  bool centered_;
};

}  // namespace dl::train
