#pragma once
/// Neural-network ops: bias_add, activations, softmax, dropout (tf.nn.*, tf.tanh, tf.sigmoid).
/// float32 and float64 only; other dtypes fail when the node is created, naming the node.
/// Every activation has its own gradient op ("ReluGrad", "TanhGrad", ...) as in TF, so a fast
/// kernel can attach to the backward pass by op name.
#include <optional>
#include <string>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.tanh(x). Gradient op TanhGrad(y, dy) = dy * (1 - y^2).
Output tanh(Output x, const std::string& name = "Tanh");
/// tf.sigmoid(x) = 1 / (1 + exp(-x)), computed without overflow. Gradient op
/// SigmoidGrad(y, dy) = dy * y * (1 - y).
Output sigmoid(Output x, const std::string& name = "Sigmoid");

}  // namespace dl::ops

namespace dl::nn {

/// tf.nn.bias_add(value, bias, data_format): value [..., C] (rank >= 2) plus bias [C] broadcast
/// over the leading axes. Gradient: BiasAddGrad (sum over every axis but the last).
/// Throws InvalidArgument when C differs, naming both shapes; Unimplemented for "NCHW".
Output bias_add(Output value, Output bias, const std::string& data_format = "NHWC",
                const std::string& name = "BiasAdd");

/// tf.nn.relu: max(x, 0). Gradient op ReluGrad(gradients, features).
Output relu(Output features, const std::string& name = "Relu");
/// tf.nn.relu6: min(max(x, 0), 6). Gradient op Relu6Grad(gradients, features).
Output relu6(Output features, const std::string& name = "Relu6");
/// tf.nn.elu: x if x > 0 else exp(x) - 1. Gradient op EluGrad(gradients, outputs).
Output elu(Output features, const std::string& name = "Elu");
/// tf.nn.selu: scale * (x if x > 0 else alpha * (exp(x) - 1)) with Klambauer et al.'s
/// constants. Gradient op SeluGrad(gradients, outputs).
Output selu(Output features, const std::string& name = "Selu");
/// tf.nn.softplus: log(exp(x) + 1), stable for large |x|. Gradient op SoftplusGrad.
Output softplus(Output features, const std::string& name = "Softplus");
/// tf.nn.softsign: x / (|x| + 1). Gradient op SoftsignGrad.
Output softsign(Output features, const std::string& name = "Softsign");
/// tf.nn.leaky_relu: x if x > 0 else alpha * x. `alpha` is stored as TF's float attr.
/// Gradient op LeakyReluGrad(gradients, features).
Output leaky_relu(Output features, double alpha = 0.2, const std::string& name = "LeakyRelu");
/// tf.nn.tanh / tf.nn.sigmoid: the same as ops::tanh / ops::sigmoid.
Output tanh(Output x, const std::string& name = "Tanh");
Output sigmoid(Output x, const std::string& name = "Sigmoid");

/// tf.nn.softmax(logits, axis=-1): exp(x - max) / sum(exp(x - max)) along `axis`.
/// Gradient op SoftmaxGrad(softmax, dy) = (dy - sum(dy * softmax)) * softmax.
/// Only the last axis is computed (or an axis followed by dimensions of size 1 only);
/// another axis throws Unimplemented.
Output softmax(Output logits, int64_t axis = -1, const std::string& name = "Softmax");
/// tf.nn.log_softmax(logits, axis=-1): x - max - log(sum(exp(x - max))). Gradient op
/// LogSoftmaxGrad(logsoftmax, dy) = dy - exp(logsoftmax) * sum(dy). Same axis rule as softmax.
Output log_softmax(Output logits, int64_t axis = -1, const std::string& name = "LogSoftmax");

/// tf.nn.dropout(x, rate, noise_shape, seed) as in TF >= 1.13: each element (or each element
/// of `noise_shape`, broadcast over x) is kept where a uniform draw is >= rate and scaled by
/// 1 / (1 - rate); dropped ones become 0. One "Dropout" node with outputs (y, mask); the mask
/// (0 or 1/(1-rate)) is output 1 of y's node, and the gradient is dy * mask, the same mask the
/// forward used in that run. Fresh numbers every run; seeds as ops::get_seed (random_ops.h).
/// noise_shape has x's rank; each entry is 1, x's dimension, or -1 (= x's dimension).
/// Requires: 0 <= rate < 1 (InvalidArgument otherwise). rate == 0 returns x itself.
Output dropout(Output x, double rate, std::optional<Shape> noise_shape = std::nullopt,
               std::optional<int64_t> seed = std::nullopt, const std::string& name = "dropout");
/// TF1 <= 1.12's tf.nn.dropout(x, keep_prob, noise_shape, seed): dropout with
/// rate = 1 - keep_prob. Requires: 0 < keep_prob <= 1; keep_prob == 1 returns x itself.
/// (TF 1.12 keeps where floor(keep_prob + u) == 1, which differs from u >= 1 - keep_prob only
/// by the rounding of the float sum.)
Output dropout_keep_prob(Output x, double keep_prob,
                         std::optional<Shape> noise_shape = std::nullopt,
                         std::optional<int64_t> seed = std::nullopt,
                         const std::string& name = "dropout");

}  // namespace dl::nn
