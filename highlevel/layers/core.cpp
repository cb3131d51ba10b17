#include "dl/highlevel/layers/core.h"

#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::keras::layers {
namespace {

LayerArgs args_of(const std::string& name, bool trainable, std::vector<int64_t> input_shape) {
  return LayerArgs{name, trainable, std::move(input_shape)};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Dense

DenseImpl::DenseImpl(int64_t units, DenseOptions o)
    : Layer("Dense", args_of(o.name, o.trainable,
                             o.input_dim > 0 ? std::vector<int64_t>{o.input_dim} : o.input_shape)),
      units_(units),
      o_(std::move(o)) {
  if (units_ <= 0) {
    throw InvalidArgument(str_cat(
        "Received an invalid value for `units`, expected a positive integer. Received: units=",
        units_));
  }
  input_spec_.min_ndim = 2;
}

void DenseImpl::build(const std::vector<TensorSpec>& inputs) {
  const Shape& s = inputs[0].shape;
  if (s.rank() < 2) {
    fail(str_cat("expects inputs of rank >= 2 (batch, features), received ", shape_to_string(s)));
  }
  const int64_t input_dim = s[s.rank() - 1];
  if (input_dim < 0) {
    fail(
        str_cat("the last dimension of the inputs should be defined. Found None. Full input "
                "shape received: ",
                shape_to_string(s)));
  }
  kernel_ = add_weight("kernel", Shape({input_dim, units_}), o_.kernel_initializer,
                       o_.kernel_regularizer);
  if (o_.use_bias) {
    bias_ = add_weight("bias", Shape({units_}), o_.bias_initializer, o_.bias_regularizer);
  }
  input_spec_.axes = {{-1, input_dim}};
}

std::vector<Output> DenseImpl::call(const std::vector<Output>& inputs, bool) {
  Output x = inputs[0];
  if (x.dtype() != kernel_.dtype()) x = ops::cast(x, kernel_.dtype());
  const Shape& s = x.shape();
  Output y;
  if (s.rank() == 2) {
    y = ops::matmul(x, kernel_);
  } else {
    // Contract the last axis: [..., in] -> [-1, in] @ kernel -> [..., units].
    std::vector<int64_t> out_dims = s.dims();
    int unknown = 0;
    for (int64_t d : out_dims) unknown += d < 0 ? 1 : 0;
    if (unknown > 1) {
      fail(str_cat("inputs of rank > 2 need every dimension but the batch known, received ",
                   shape_to_string(s)));
    }
    out_dims.back() = units_;
    y = ops::matmul(ops::reshape(x, Shape({-1, s[s.rank() - 1]})), kernel_);
    y = ops::reshape(y, Shape(out_dims));
  }
  if (o_.use_bias) y = nn::bias_add(y, bias_);
  if (!o_.activation.is_linear()) y = o_.activation(y);
  return {y};
}

// ---------------------------------------------------------------------------------------------
// Activation, ReLU

ActivationImpl::ActivationImpl(activations::ActivationArg activation, LayerOptions o)
    : Layer("Activation", args_of(o.name, o.trainable, o.input_shape)),
      activation_(std::move(activation)) {}

std::vector<Output> ActivationImpl::call(const std::vector<Output>& inputs, bool) {
  return {activation_(inputs[0])};
}

ReLUImpl::ReLUImpl(ReLUOptions o)
    : Layer("ReLU", args_of(o.name, o.trainable, o.input_shape)), o_(std::move(o)) {
  if (o_.max_value && *o_.max_value < 0) {
    throw InvalidArgument(
        str_cat("max_value of a ReLU layer cannot be a negative value. Received: max_value=",
                *o_.max_value));
  }
  if (o_.negative_slope < 0) {
    throw InvalidArgument(str_cat(
        "negative_slope of a ReLU layer cannot be a negative value. Received: negative_slope=",
        o_.negative_slope));
  }
}

std::vector<Output> ReLUImpl::call(const std::vector<Output>& inputs, bool) {
  // Keras 3's activations.ReLU.static_call, op by op.
  Output x = inputs[0];
  Graph& g = x.graph();
  Output negative_part;
  if (o_.negative_slope != 0.0) {
    if (!o_.max_value && o_.threshold == 0.0) return {nn::leaky_relu(x, o_.negative_slope)};
    negative_part = o_.threshold != 0.0 ? nn::relu(-x + o_.threshold) : nn::relu(-x);
  }
  bool clip_max = o_.max_value.has_value();
  if (o_.threshold != 0.0) {
    x = x * ops::cast(ops::greater(x, ops::scalar(g, o_.threshold, x.dtype())), x.dtype());
  } else if (o_.max_value && *o_.max_value == 6.0) {
    x = nn::relu6(x);
    clip_max = false;
  } else {
    x = nn::relu(x);
  }
  if (clip_max) x = ops::clip_by_value(x, 0.0, *o_.max_value);
  if (o_.negative_slope != 0.0) x = x - o_.negative_slope * negative_part;
  return {x};
}

// ---------------------------------------------------------------------------------------------
// Flatten, Reshape

FlattenImpl::FlattenImpl(LayerOptions o)
    : Layer("Flatten", args_of(o.name, o.trainable, o.input_shape)) {}

std::vector<Output> FlattenImpl::call(const std::vector<Output>& inputs, bool) {
  const Shape& s = inputs[0].shape();
  if (s.rank() < 1) fail("expects inputs with a batch dimension, received a scalar");
  int64_t n = 1;
  for (int i = 1; i < s.rank(); ++i) {
    if (s[i] < 0) {
      fail(str_cat("the shape of the input to \"Flatten\" is not fully defined (got ",
                   shape_to_string(s),
                   "). Make sure to pass a complete \"input_shape\" or "
                   "\"batch_input_shape\" argument to the first layer in your model."));
    }
    n *= s[i];
  }
  return {ops::reshape(inputs[0], Shape({-1, n}))};
}

ReshapeImpl::ReshapeImpl(std::vector<int64_t> target_shape, LayerOptions o)
    : Layer("Reshape", args_of(o.name, o.trainable, o.input_shape)),
      target_(std::move(target_shape)) {
  int unknown = 0;
  for (int64_t d : target_) {
    if (d == -1) {
      ++unknown;
    } else if (d <= 0) {
      throw InvalidArgument(str_cat("Reshape \"", name(), "\": target_shape must hold positive ",
                                    "sizes or one -1, received ", shape_to_string(Shape(target_))));
    }
  }
  if (unknown > 1) {
    throw InvalidArgument(str_cat("Reshape \"", name(), "\": there must be at most one unknown ",
                                  "dimension in target_shape, received ",
                                  shape_to_string(Shape(target_))));
  }
}

std::vector<Output> ReshapeImpl::call(const std::vector<Output>& inputs, bool) {
  const Shape& s = inputs[0].shape();
  int64_t in = 1;
  for (int i = 1; i < s.rank(); ++i) {
    if (s[i] < 0) {
      fail(str_cat("needs the input's non-batch dimensions known, received ", shape_to_string(s)));
    }
    in *= s[i];
  }
  int64_t known = 1;
  for (int64_t d : target_) known *= d > 0 ? d : 1;
  std::vector<int64_t> dims{-1};
  for (int64_t d : target_) {
    if (d == -1) {
      if (known == 0 || in % known != 0) {
        fail(str_cat("total size of new array must be unchanged, input_shape = ",
                     shape_to_string(s), ", output_shape = ", shape_to_string(Shape(target_))));
      }
      dims.push_back(in / known);
    } else {
      dims.push_back(d);
    }
  }
  int64_t out = 1;
  for (size_t i = 1; i < dims.size(); ++i) out *= dims[i];
  if (out != in) {
    fail(str_cat("total size of new array must be unchanged, input_shape = ", shape_to_string(s),
                 ", output_shape = ", shape_to_string(Shape(target_))));
  }
  return {ops::reshape(inputs[0], Shape(dims))};
}

// ---------------------------------------------------------------------------------------------
// Dropout

DropoutImpl::DropoutImpl(double rate, DropoutOptions o)
    : Layer("Dropout", args_of(o.name, o.trainable, o.input_shape)), rate_(rate), o_(std::move(o)) {
  if (!(rate_ >= 0.0 && rate_ <= 1.0)) {
    throw InvalidArgument(str_cat(
        "Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
        "Received: rate=",
        rate_));
  }
  if (rate_ == 1.0) {
    throw InvalidArgument(
        "Dropout: rate=1.0 would drop every value; Keras refuses it too (rate must be < 1)");
  }
}

std::vector<Output> DropoutImpl::call(const std::vector<Output>& inputs, bool training) {
  if (!training || rate_ == 0.0) return {inputs[0]};
  std::optional<Shape> noise;
  if (!o_.noise_shape.empty()) {
    if (static_cast<int>(o_.noise_shape.size()) != inputs[0].shape().rank()) {
      fail(str_cat("noise_shape ", shape_to_string(Shape(o_.noise_shape)), " must have the rank ",
                   "of the input ", shape_to_string(inputs[0].shape())));
    }
    noise = Shape(o_.noise_shape);
  }
  return {nn::dropout(inputs[0], rate_, noise, o_.seed)};
}

}  // namespace dl::keras::layers
