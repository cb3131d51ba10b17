#pragma once
/// tf.train.MomentumOptimizer.
#include "dl/graph/train/optimizer.h"

namespace dl::train {

/// accum = momentum * accum + grad; var -= learning_rate * accum (ApplyMomentum), or with
/// use_nesterov var -= learning_rate * (grad + momentum * accum). Slot "momentum" (zeros).
/// IndexedSlices go to SparseApplyMomentum: untouched rows keep their accumulator.
class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(Hyper learning_rate, Hyper momentum, bool use_nesterov = false,
                    const std::string& name = "Momentum");

 protected:
  void create_slots(const std::vector<Variable>& var_list) override;
  Node* apply_dense(Output grad, const Variable& var) override;
  Node* apply_sparse(const IndexedSlices& grad, const Variable& var) override;

 private:
  bool use_nesterov_;
};

}  // namespace dl::train
