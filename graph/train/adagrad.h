#pragma once
/// tf.train.AdagradOptimizer.
#include "dl/graph/train/optimizer.h"

namespace dl::train {

/// accumulator += grad^2; var -= learning_rate * grad / sqrt(accumulator) (ApplyAdagrad).
/// Slot "accumulator" starts at initial_accumulator_value (float32-rounded, as TF1).
/// IndexedSlices go to SparseApplyAdagrad.
/// Throws InvalidArgument: initial_accumulator_value <= 0.
class AdagradOptimizer : public Optimizer {
 public:
  explicit AdagradOptimizer(Hyper learning_rate, double initial_accumulator_value = 0.1,
                            const std::string& name = "Adagrad");

 protected:
  void create_slots(const std::vector<Variable>& var_list) override;
  Node* apply_dense(Output grad, const Variable& var) override;
  Node* apply_sparse(const IndexedSlices& grad, const Variable& var) override;

 private:
  double initial_accumulator_value_;
};

}  // namespace dl::train
