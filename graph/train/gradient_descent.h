#pragma once
/// tf.train.GradientDescentOptimizer.
#include "dl/graph/train/optimizer.h"

namespace dl::train {

/// var -= learning_rate * grad (ApplyGradientDescent). IndexedSlices: ScatterSub(var, indices,
/// values * learning_rate), duplicates accumulating (TF1 does not deduplicate here). No slots.
class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(Hyper learning_rate,
                                    const std::string& name = "GradientDescent");

 protected:
  Node* apply_dense(Output grad, const Variable& var) override;
  Node* apply_sparse(const IndexedSlices& grad, const Variable& var) override;
};

}  // namespace dl::train
