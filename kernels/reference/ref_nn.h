#pragma once
/// Internal: reference kernels of the nn op family (graph/ops/nn_ops.cpp). float32 and float64.
/// Inputs are validated by the ops' shape functions; these kernels assume concrete, matching
/// shapes.
#include "dl/kernels/kernel.h"
#include "dl/kernels/reference/parallel.h"

namespace dl::kernels::ref {

/// f(r) for each independent row r of a [rows, cols] tensor: in parallel when the tensor is
/// large (detail::parallel_for counts iterations; a row is `cols` elements of work).
template <class F>
void for_each_row(int64_t rows, int64_t cols, F&& f) {
  if (rows < 2 || rows * cols < detail::kParallelThreshold) {
    for (int64_t r = 0; r < rows; ++r) f(r);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) f(r);
}

// BiasAdd(value [..., C], bias [C]) and BiasAddGrad(out_backprop [..., C]) -> [C].
void bias_add(KernelContext& c);
void bias_add_grad(KernelContext& c);

// Activations y = f(x) and their gradient ops, with TF's input order:
// XGrad(gradients, features) for Relu, Relu6, Softplus, Softsign, LeakyRelu (attr alpha);
// XGrad(gradients, outputs) for Elu, Selu; XGrad(y, dy) for Tanh, Sigmoid.
void relu(KernelContext& c);
void relu_grad(KernelContext& c);
void relu6(KernelContext& c);
void relu6_grad(KernelContext& c);
void elu(KernelContext& c);
void elu_grad(KernelContext& c);
void selu(KernelContext& c);
void selu_grad(KernelContext& c);
void softplus(KernelContext& c);
void softplus_grad(KernelContext& c);
void softsign(KernelContext& c);
void softsign_grad(KernelContext& c);
void leaky_relu(KernelContext& c);
void leaky_relu_grad(KernelContext& c);
void tanh(KernelContext& c);
void tanh_grad(KernelContext& c);
void sigmoid(KernelContext& c);
void sigmoid_grad(KernelContext& c);

// Softmax / LogSoftmax over the last axis; SoftmaxGrad(softmax, dy) = (dy - sum(dy*y)) * y and
// LogSoftmaxGrad(logsoftmax, dy) = dy - exp(y) * sum(dy), sums over the last axis.
void softmax(KernelContext& c);
void log_softmax(KernelContext& c);
void softmax_grad(KernelContext& c);
void log_softmax_grad(KernelContext& c);

// Dropout(x) -> (y, mask): attrs rate, seed, seed2, noise_shape; draws from the node's random
// stream (one draw per run).
void dropout(KernelContext& c);

/// SELU's constants (Klambauer et al. 2017), as TF's kernel uses them.
inline constexpr double kSeluScale = 1.0507009873554804934193349852946;
inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

}  // namespace dl::kernels::ref
