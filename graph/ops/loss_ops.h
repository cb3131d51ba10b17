#pragma once
/// Loss ops (tf.nn.softmax_cross_entropy_with_logits and friends, tf.nn.l2_loss).
/// float32 and float64. The softmax cross entropies are TF's fused ops: one node computes the
/// per-example loss and, as its second output, the backprop softmax(logits) - labels that the
/// gradient reuses.
#include <string>

#include "dl/graph/graph.h"

namespace dl::nn {

/// tf.nn.softmax_cross_entropy_with_logits (TF1's v1): per-row
/// -sum(labels * log_softmax(logits)) for logits and labels [batch, classes] -> [batch].
/// Each labels row must be a probability distribution: as in TF, the gradient to logits is
/// softmax(logits) - labels, which assumes the row sums to 1.
/// No gradient flows to labels (they pass through stop_gradient), as in TF1.
/// As TF, logits [d0, ..., classes] of another rank >= 1 are flattened to 2-D around the op
/// and the loss has shape [d0, ...] (needs a known class count and at most one unknown leading
/// dimension, else Unimplemented). Only the last axis (dim = -1 or rank - 1) is supported;
/// another throws Unimplemented.
/// The op's second output, backprop = softmax(logits) - labels, is differentiable (as in
/// TF >= 1.5), so second derivatives of these losses work.
Output softmax_cross_entropy_with_logits(
    Output labels, Output logits, int64_t dim = -1,
    const std::string& name = "softmax_cross_entropy_with_logits");
/// tf.nn.softmax_cross_entropy_with_logits_v2: the same loss, with a gradient to labels too
/// (-log_softmax(logits) times the loss gradient).
Output softmax_cross_entropy_with_logits_v2(
    Output labels, Output logits, int64_t axis = -1,
    const std::string& name = "softmax_cross_entropy_with_logits");
/// tf.nn.sparse_softmax_cross_entropy_with_logits: labels [batch] int32 or int64 class indices,
/// logits [batch, classes] -> [batch] (or labels [d0, ...] and logits [d0, ..., classes], as
/// above). A label outside [0, classes) fails at run time with
/// InvalidArgument naming the node, the label and the class count.
Output sparse_softmax_cross_entropy_with_logits(
    Output labels, Output logits, const std::string& name = "SparseSoftmaxCrossEntropyWithLogits");
/// tf.nn.sigmoid_cross_entropy_with_logits: element-wise
/// max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x and labels z of one shape (stable for
/// any x). Gradients: sigmoid(x) - z to logits, -x to labels (times the incoming gradient).
Output sigmoid_cross_entropy_with_logits(Output labels, Output logits,
                                         const std::string& name = "logistic_loss");
/// tf.nn.l2_loss(t): sum(t^2) / 2, a scalar. Gradient t * dy.
Output l2_loss(Output t, const std::string& name = "L2Loss");

}  // namespace dl::nn
