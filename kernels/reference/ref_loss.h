#pragma once
/// Internal: reference kernels of the loss op family (graph/ops/loss_ops.cpp). float32 and
/// float64; shapes are validated by the ops' shape functions.
#include "dl/kernels/kernel.h"

namespace dl::kernels::ref {

// SoftmaxCrossEntropyWithLogits(features [N,C], labels [N,C]) -> (loss [N], backprop [N,C]),
// computed as TF's fused kernel: shifted = x - max, loss = sum(labels * (log(sum(exp(shifted)))
// - shifted)), backprop = softmax - labels.
void softmax_cross_entropy(KernelContext& c);
// SparseSoftmaxCrossEntropyWithLogits(features [N,C], labels [N] int32/int64): as above with
// one-hot labels. A label outside [0, C) fails, naming the node, the label and C.
void sparse_softmax_cross_entropy(KernelContext& c);
// SigmoidCrossEntropyWithLogits(logits, labels): max(x, 0) - x * z + log(1 + exp(-|x|)).
void sigmoid_cross_entropy(KernelContext& c);
// L2Loss(t) -> sum(t^2) / 2, summed in order in double.
void l2_loss(KernelContext& c);

}  // namespace dl::kernels::ref
