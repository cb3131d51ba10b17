#include "dl/graph/train/gradient_descent.h"

#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/optimizer_ops.h"

namespace dl::train {

GradientDescentOptimizer::GradientDescentOptimizer(Hyper learning_rate, const std::string& name)
    : Optimizer(name) {
  set_hyper("learning_rate", learning_rate);
}

Node* GradientDescentOptimizer::apply_dense(Output grad, const Variable& var) {
  return ops::apply_gradient_descent(var, hyper("learning_rate", var.dtype()), grad).node;
}

Node* GradientDescentOptimizer::apply_sparse(const IndexedSlices& grad, const Variable& var) {
  Output delta = grad.values * hyper("learning_rate", var.dtype());
  return ops::scatter_sub(var, grad.indices, delta).node;
}

}  // namespace dl::train
