#include "dl/highlevel/layers/normalization.h"

#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/gather_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::keras::layers {

// ---------------------------------------------------------------------------------------------
// BatchNormalization

BatchNormalizationImpl::BatchNormalizationImpl(BatchNormalizationOptions o)
    : Layer("BatchNormalization", LayerArgs{o.name, o.trainable, o.input_shape}), o_(std::move(o)) {
  if (!(o_.epsilon > 0)) {
    throw InvalidArgument(
        str_cat("Layer \"", name(), "\": epsilon must be positive, received ", o_.epsilon));
  }
  input_spec_.min_ndim = 2;
}

void BatchNormalizationImpl::build(const std::vector<TensorSpec>& inputs) {
  const Shape& s = inputs[0].shape;
  const int64_t axis = o_.axis < 0 ? o_.axis + s.rank() : o_.axis;
  if (axis != s.rank() - 1) {
    throw Unimplemented(str_cat("Layer \"", name(), "\": BatchNormalization over axis ", o_.axis,
                                " of inputs ", shape_to_string(s),
                                " is not available; only the last axis (channels last)"));
  }
  const int64_t c = s[s.rank() - 1];
  if (c < 0) {
    fail(str_cat("the normalised axis of the inputs must be known, received ", shape_to_string(s)));
  }
  if (o_.scale)
    gamma_ = add_weight("gamma", Shape({c}), o_.gamma_initializer, o_.gamma_regularizer);
  if (o_.center) beta_ = add_weight("beta", Shape({c}), o_.beta_initializer, o_.beta_regularizer);
  moving_mean_ = add_weight("moving_mean", Shape({c}), o_.moving_mean_initializer, {}, false);
  moving_variance_ =
      add_weight("moving_variance", Shape({c}), o_.moving_variance_initializer, {}, false);
  input_spec_.axes = {{-1, c}};
}

std::vector<Output> BatchNormalizationImpl::call(const std::vector<Output>& inputs, bool training) {
  Output x = inputs[0];
  Graph& g = x.graph();
  const Shape& s = x.shape();
  const int64_t c = s[s.rank() - 1];
  Output gamma = o_.scale ? gamma_.value() : ops::ones(g, Shape({c}), x.dtype(), "gamma");
  Output beta = o_.center ? beta_.value() : ops::zeros(g, Shape({c}), x.dtype(), "beta");
  // FusedBatchNormV3 takes [N, H, W, C] or [N, C]; other ranks are normalised as [-1, C], which
  // gathers the same statistics (every axis but the channels).
  const bool reshape = s.rank() != 2 && s.rank() != 4;
  Output xin = reshape ? ops::reshape(x, Shape({-1, c})) : x;
  Output y;
  if (training && trainable()) {
    auto r = nn::fused_batch_norm(xin, gamma, beta, {}, {}, o_.epsilon, true);
    y = r.y;
    // The op returns the unbiased variance (TF); Keras 3 moves towards the biased one:
    // var * (n - 1) / n with n the number of values per channel, known at run time.
    Output dims = ops::cast(ops::shape(xin, DType::i32), x.dtype());
    Output n = ops::reduce_prod(ops::slice(dims, {0}, {xin.shape().rank() - 1}));
    Output var = r.batch_variance * (n - 1.0) / n;
    const double m = o_.momentum;
    Output mean_update = moving_mean_.assign(moving_mean_.value() * m + r.batch_mean * (1.0 - m),
                                             "AssignMovingMean");
    Output var_update = moving_variance_.assign(moving_variance_.value() * m + var * (1.0 - m),
                                                "AssignMovingVariance");
    add_update(mean_update.node);
    add_update(var_update.node);
  } else {
    y = nn::fused_batch_norm(xin, gamma, beta, moving_mean_.value(), moving_variance_.value(),
                             o_.epsilon, false)
            .y;
  }
  if (reshape) y = ops::reshape(y, s);
  return {y};
}

// ---------------------------------------------------------------------------------------------
// Embedding

EmbeddingImpl::EmbeddingImpl(int64_t input_dim, int64_t output_dim, EmbeddingOptions o)
    : Layer("Embedding",
            LayerArgs{o.name, o.trainable,
                      o.input_length > 0 ? std::vector<int64_t>{o.input_length} : o.input_shape}),
      input_dim_(input_dim),
      output_dim_(output_dim),
      o_(std::move(o)) {
  if (input_dim_ <= 0 || output_dim_ <= 0) {
    throw InvalidArgument(str_cat(
        "Both `input_dim` and `output_dim` should be positive, Received input_dim = ", input_dim_,
        " and output_dim = ", output_dim_));
  }
  if (o_.weights.valid() && o_.weights.shape() != Shape({input_dim_, output_dim_})) {
    throw InvalidArgument(str_cat("Layer \"", name(), "\": the given weights have shape ",
                                  shape_to_string(o_.weights.shape()), ", expected (", input_dim_,
                                  ", ", output_dim_, ")"));
  }
}

void EmbeddingImpl::build(const std::vector<TensorSpec>&) {
  if (o_.weights.valid()) {
    embeddings_ = add_weight("embeddings", Shape({input_dim_, output_dim_}),
                             initializers::Value(o_.weights), o_.embeddings_regularizer);
  } else {
    embeddings_ = add_weight("embeddings", Shape({input_dim_, output_dim_}),
                             o_.embeddings_initializer, o_.embeddings_regularizer);
  }
}

std::vector<Output> EmbeddingImpl::call(const std::vector<Output>& inputs, bool) {
  Output ids = inputs[0];
  if (ids.dtype() != DType::i32 && ids.dtype() != DType::i64) ids = ops::cast(ids, DType::i32);
  return {ops::gather(embeddings_, ids, 0)};
}

}  // namespace dl::keras::layers
