#include "dl/highlevel/layers/convolutional.h"

#include <algorithm>

#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"

namespace dl::keras::layers {
namespace {

/// One value for every spatial axis, or one per axis.
std::vector<int64_t> per_axis(std::vector<int64_t> v, int rank, const std::string& what,
                              const std::string& layer) {
  if (v.size() == 1) v.assign(static_cast<size_t>(rank), v[0]);
  if (static_cast<int>(v.size()) != rank) {
    throw InvalidArgument(str_cat("Layer \"", layer, "\": `", what, "` takes 1 or ", rank,
                                  " values, received ", v.size()));
  }
  for (int64_t x : v) {
    if (x <= 0) {
      throw InvalidArgument(str_cat("Layer \"", layer, "\": `", what,
                                    "` must hold positive values, received ",
                                    shape_to_string(Shape(v))));
    }
  }
  return v;
}

std::string tf_padding(const std::string& padding, const std::string& layer) {
  std::string p = padding;
  std::transform(p.begin(), p.end(), p.begin(), ::tolower);
  if (p == "valid") return "VALID";
  if (p == "same") return "SAME";
  throw InvalidArgument(str_cat("Layer \"", layer,
                                "\": `padding` must be \"valid\" or \"same\", received \"", padding,
                                "\""));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Conv1D / Conv2D

ConvImpl::ConvImpl(int rank, int64_t filters, std::vector<int64_t> kernel_size, ConvOptions o)
    : Layer(rank == 1 ? "Conv1D" : "Conv2D", LayerArgs{o.name, o.trainable, o.input_shape}),
      rank_(rank),
      filters_(filters),
      o_(std::move(o)) {
  if (filters_ <= 0) {
    throw InvalidArgument(
        str_cat("Invalid value for argument `filters`. Expected a strictly "
                "positive value. Received filters=",
                filters_, "."));
  }
  kernel_size_ = per_axis(std::move(kernel_size), rank_, "kernel_size", name());
  strides_ = per_axis(o_.strides, rank_, "strides", name());
  dilation_ = per_axis(o_.dilation_rate, rank_, "dilation_rate", name());
  tf_padding(o_.padding, name());
  input_spec_.ndim = rank_ + 2;
}

void ConvImpl::build(const std::vector<TensorSpec>& inputs) {
  const Shape& s = inputs[0].shape;
  const int64_t in = s[s.rank() - 1];
  if (in < 0) {
    fail(
        str_cat("the channel dimension of the inputs should be defined. Found None. Full input "
                "shape received: ",
                shape_to_string(s)));
  }
  std::vector<int64_t> kdims = kernel_size_;
  kdims.push_back(in);
  kdims.push_back(filters_);
  kernel_ = add_weight("kernel", Shape(kdims), o_.kernel_initializer, o_.kernel_regularizer);
  if (o_.use_bias) {
    bias_ = add_weight("bias", Shape({filters_}), o_.bias_initializer, o_.bias_regularizer);
  }
  input_spec_.axes = {{-1, in}};
}

std::vector<Output> ConvImpl::call(const std::vector<Output>& inputs, bool) {
  Output x = inputs[0];
  const std::string padding = tf_padding(o_.padding, name());
  Output y;
  if (rank_ == 2) {
    y = nn::conv2d(x, kernel_, {1, strides_[0], strides_[1], 1}, padding, "NHWC",
                   {1, dilation_[0], dilation_[1], 1});
  } else {
    y = nn::conv1d(x, kernel_, strides_[0], padding, dilation_[0]);
  }
  if (o_.use_bias) y = nn::bias_add(y, bias_);
  if (!o_.activation.is_linear()) y = o_.activation(y);
  return {y};
}

// ---------------------------------------------------------------------------------------------
// Pooling

PoolImpl::PoolImpl(int rank, bool max, std::vector<int64_t> pool_size, PoolOptions o)
    : Layer(str_cat(max ? "MaxPooling" : "AveragePooling", rank, "D"),
            LayerArgs{o.name, o.trainable, o.input_shape}),
      rank_(rank),
      max_(max),
      o_(std::move(o)) {
  pool_ = per_axis(std::move(pool_size), rank_, "pool_size", name());
  strides_ = o_.strides.empty() ? pool_ : per_axis(o_.strides, rank_, "strides", name());
  tf_padding(o_.padding, name());
  input_spec_.ndim = rank_ + 2;
}

std::vector<Output> PoolImpl::call(const std::vector<Output>& inputs, bool) {
  const std::string padding = tf_padding(o_.padding, name());
  Output x = inputs[0];
  if (rank_ == 2) {
    return {max_ ? nn::max_pool(x, {1, pool_[0], pool_[1], 1}, {1, strides_[0], strides_[1], 1},
                                padding)
                 : nn::avg_pool(x, {1, pool_[0], pool_[1], 1}, {1, strides_[0], strides_[1], 1},
                                padding)};
  }
  return {max_ ? nn::max_pool1d(x, pool_[0], strides_[0], padding)
               : nn::avg_pool1d(x, pool_[0], strides_[0], padding)};
}

GlobalPoolImpl::GlobalPoolImpl(int rank, bool max, GlobalPoolOptions o)
    : Layer(str_cat(max ? "GlobalMaxPooling" : "GlobalAveragePooling", rank, "D"),
            LayerArgs{o.name, o.trainable, {}}),
      rank_(rank),
      max_(max),
      o_(std::move(o)) {
  input_spec_.ndim = rank_ + 2;
}

std::vector<Output> GlobalPoolImpl::call(const std::vector<Output>& inputs, bool) {
  std::vector<int64_t> axes;
  for (int i = 1; i <= rank_; ++i) axes.push_back(i);
  return {max_ ? ops::reduce_max(inputs[0], axes, o_.keepdims)
               : ops::reduce_mean(inputs[0], axes, o_.keepdims)};
}

// ---------------------------------------------------------------------------------------------
// ZeroPadding2D

ZeroPadding2DImpl::ZeroPadding2DImpl(std::pair<int64_t, int64_t> rows,
                                     std::pair<int64_t, int64_t> cols, ZeroPaddingOptions o)
    : Layer("ZeroPadding2D", LayerArgs{o.name, o.trainable, o.input_shape}),
      rows_(rows),
      cols_(cols) {
  if (rows.first < 0 || rows.second < 0 || cols.first < 0 || cols.second < 0) {
    throw InvalidArgument(str_cat("Layer \"", name(), "\": padding must be >= 0"));
  }
  input_spec_.ndim = 4;
}

std::vector<Output> ZeroPadding2DImpl::call(const std::vector<Output>& inputs, bool) {
  return {ops::pad(inputs[0], {{0, 0}, rows_, cols_, {0, 0}})};
}

}  // namespace dl::keras::layers
