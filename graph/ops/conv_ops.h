#pragma once
/// Convolution, pooling and batch normalization (tf.nn.conv2d, tf.nn.conv1d, tf.nn.max_pool,
/// tf.nn.avg_pool, tf.nn.fused_batch_norm, tf.layers.batch_normalization), TF1 semantics.
///
/// Layouts: inputs are NHWC ([batch, height, width, channels]; conv1d and the 1-D pools take
/// NWC), filters are HWIO ([height, width, in_channels, out_channels]; conv1d: [width, in,
/// out]). Only data_format "NHWC" exists. dtypes: float32 and float64.
///
/// Padding follows TF exactly. With the effective kernel size e = (k - 1) * dilation + 1:
///   VALID: out = ceil((in - e + 1) / stride), no padding (the window must fit: e <= in);
///   SAME:  out = ceil(in / stride), pad_total = max((out - 1) * stride + e - in, 0),
///          pad_before = pad_total / 2, pad_after = pad_total - pad_before.
/// Pooling ignores padded cells: MaxPool takes the max of the real cells, AvgPool divides by
/// the number of real cells.
///
/// Ops (TF1 type names and attributes): Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter,
/// MaxPool, MaxPoolGrad, AvgPool, AvgPoolGrad, FusedBatchNormV3, FusedBatchNormGradV3.
/// Every builder throws InvalidArgument naming the node, the expected and the received value
/// when shapes, dtypes or attributes do not fit.
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::nn {

// ---- convolution ----

/// tf.nn.conv2d(input, filter, strides, padding, data_format, dilations, name).
/// input [N, H, W, C], filter [kh, kw, C, O] -> [N, oh, ow, O].
/// strides and dilations are 4-vectors [1, h, w, 1]; padding "SAME" or "VALID".
/// Throws InvalidArgument when C differs from the filter's in-channels, when the filter does not
/// fit a VALID input, or for bad attributes (dilations and strides > 1 together are allowed).
Output conv2d(Output input, Output filter, std::vector<int64_t> strides, const std::string& padding,
              const std::string& data_format = "NHWC",
              std::vector<int64_t> dilations = {1, 1, 1, 1}, const std::string& name = "Conv2D");

/// tf.nn.conv2d_backprop_input: the gradient of conv2d with respect to its input, for an input
/// of shape `input_sizes` [N, H, W, C] (fully defined).
Output conv2d_backprop_input(Shape input_sizes, Output filter, Output out_backprop,
                             std::vector<int64_t> strides, const std::string& padding,
                             const std::string& data_format = "NHWC",
                             std::vector<int64_t> dilations = {1, 1, 1, 1},
                             const std::string& name = "Conv2DBackpropInput");
/// Same, with the input's shape taken from the tensor `input_like` when the plan runs (its
/// values are not read), so the batch size may be unknown when the graph is built.
Output conv2d_backprop_input_like(Output input_like, Output filter, Output out_backprop,
                                  std::vector<int64_t> strides, const std::string& padding,
                                  const std::string& data_format = "NHWC",
                                  std::vector<int64_t> dilations = {1, 1, 1, 1},
                                  const std::string& name = "Conv2DBackpropInput");

/// tf.nn.conv2d_backprop_filter: the gradient of conv2d with respect to its filter, of shape
/// `filter_sizes` [kh, kw, C, O] (fully defined).
Output conv2d_backprop_filter(Output input, Shape filter_sizes, Output out_backprop,
                              std::vector<int64_t> strides, const std::string& padding,
                              const std::string& data_format = "NHWC",
                              std::vector<int64_t> dilations = {1, 1, 1, 1},
                              const std::string& name = "Conv2DBackpropFilter");
/// Same, with the filter's shape taken from `filter_like` when the plan runs.
Output conv2d_backprop_filter_like(Output input, Output filter_like, Output out_backprop,
                                   std::vector<int64_t> strides, const std::string& padding,
                                   const std::string& data_format = "NHWC",
                                   std::vector<int64_t> dilations = {1, 1, 1, 1},
                                   const std::string& name = "Conv2DBackpropFilter");

/// tf.nn.conv1d(value, filters, stride, padding): value [N, W, C], filters [k, C, O] ->
/// [N, ow, O]. As TF: ExpandDims -> Conv2D -> Squeeze under the name scope `name`.
Output conv1d(Output value, Output filters, int64_t stride, const std::string& padding,
              int64_t dilation = 1, const std::string& name = "conv1d");

// ---- pooling ----

/// tf.nn.max_pool(value, ksize, strides, padding, data_format, name): ksize and strides are
/// 4-vectors [1, h, w, 1]. value [N, H, W, C] -> [N, oh, ow, C].
Output max_pool(Output value, std::vector<int64_t> ksize, std::vector<int64_t> strides,
                const std::string& padding, const std::string& data_format = "NHWC",
                const std::string& name = "MaxPool");
/// tf.nn.avg_pool(value, ksize, strides, padding, data_format, name). The average of each
/// window is over its real (unpadded) cells.
Output avg_pool(Output value, std::vector<int64_t> ksize, std::vector<int64_t> strides,
                const std::string& padding, const std::string& data_format = "NHWC",
                const std::string& name = "AvgPool");

/// tf.nn.max_pool1d / avg_pool1d(input, ksize, strides, padding): input [N, W, C]. As TF:
/// ExpandDims -> MaxPool / AvgPool -> Squeeze.
Output max_pool1d(Output input, int64_t ksize, int64_t strides, const std::string& padding,
                  const std::string& name = "MaxPool1d");
Output avg_pool1d(Output input, int64_t ksize, int64_t strides, const std::string& padding,
                  const std::string& name = "AvgPool1d");

/// tf.nn.max_pool2d / avg_pool2d with 2-D sizes: pool_size and strides hold one value (used for
/// both dimensions) or two [h, w]. Strides default to the pool size (as Keras' MaxPooling2D).
Output max_pool2d(Output x, std::vector<int64_t> pool_size, std::vector<int64_t> strides = {},
                  const std::string& padding = "VALID", const std::string& name = "MaxPool2d");
Output avg_pool2d(Output x, std::vector<int64_t> pool_size, std::vector<int64_t> strides = {},
                  const std::string& padding = "VALID", const std::string& name = "AvgPool2d");

// ---- batch normalization ----

/// The outputs of fused_batch_norm (also usable with structured bindings).
struct FusedBatchNormOutputs {
  Output y;
  Output batch_mean;      ///< training: the batch mean; inference: `mean`
  Output batch_variance;  ///< training: the UNBIASED (Bessel-corrected) batch variance, as TF
};

/// tf.nn.fused_batch_norm(x, scale, offset, mean, variance, epsilon, data_format, is_training).
/// x is [N, H, W, C] or [N, C] (treated as [N, 1, 1, C]); scale, offset, mean, variance [C].
/// Training: normalises with the batch mean and the biased batch variance; `mean` and
/// `variance` may be empty Outputs (TF's None). Inference: uses `mean` and `variance`.
/// y = scale * (x - mean) / sqrt(variance + epsilon) + offset.
/// Gradients flow to x, scale and offset only (as TF: none to mean and variance, even in
/// inference mode, and none through batch_mean / batch_variance).
FusedBatchNormOutputs fused_batch_norm(Output x, Output scale, Output offset, Output mean = {},
                                       Output variance = {}, double epsilon = 0.001,
                                       bool is_training = true,
                                       const std::string& name = "FusedBatchNormV3");

/// tf.layers.batch_normalization(x, training, momentum, epsilon, name) over the last axis.
/// Creates, under the name scope `name` (made unique), the variables gamma (ones), beta
/// (zeros), both trainable, and moving_mean (zeros), moving_variance (ones), not trainable.
/// The channel count (last dimension of x) must be known.
/// training = true: normalises with batch statistics and adds to GraphKeys::UPDATE_OPS the
/// moving-average updates AssignSub(var, (var - value) * (1 - momentum)) named
/// AssignMovingAvg / AssignMovingAvg_1; run them with the train op (control_dependencies on
/// get_collection(UPDATE_OPS)), as in TF1.
/// training = false: normalises with the moving statistics; nothing is added.
/// The moving variance is updated with the variance TF1's tf.layers uses: for a rank-4 input
/// (fused path) the UNBIASED batch variance that FusedBatchNormV3 returns (Keras 2.x later
/// removed this Bessel correction; tf.layers did not); for a rank-2 input (TF's non-fused
/// path, tf.nn.moments) the biased batch variance.
Output batch_normalization_layer(Output x, bool training, double momentum = 0.99,
                                 double epsilon = 0.001,
                                 const std::string& name = "batch_normalization");

}  // namespace dl::nn
