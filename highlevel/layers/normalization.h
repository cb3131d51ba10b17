#pragma once
/// keras.layers.BatchNormalization (over the last axis) and keras.layers.Embedding.
#include <string>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/highlevel/initializers.h"
#include "dl/highlevel/layer.h"
#include "dl/highlevel/regularizers.h"

namespace dl::keras::layers {

struct BatchNormalizationOptions {
  int64_t axis = -1;  ///< only the last axis (channels last)
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  initializers::InitializerArg beta_initializer = "zeros";
  initializers::InitializerArg gamma_initializer = "ones";
  initializers::InitializerArg moving_mean_initializer = "zeros";
  initializers::InitializerArg moving_variance_initializer = "ones";
  regularizers::RegularizerArg beta_regularizer = {};
  regularizers::RegularizerArg gamma_regularizer = {};
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

/// Keras 3's BatchNormalization on the graph tier's FusedBatchNormV3. Training mode (and a
/// trainable layer, as Keras >= 2.1.3) normalises with the batch statistics and updates
/// moving_mean and moving_variance as x * momentum + batch_value * (1 - momentum) with the
/// biased batch variance; inference mode normalises with the moving statistics. Weights: gamma,
/// beta, moving_mean, moving_variance.
class BatchNormalizationImpl : public Layer {
 public:
  explicit BatchNormalizationImpl(BatchNormalizationOptions options);
  const BatchNormalizationOptions& options() const { return o_; }
  bool uses_training() const override { return true; }

 protected:
  void build(const std::vector<TensorSpec>& inputs) override;
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  BatchNormalizationOptions o_;
  Variable gamma_, beta_, moving_mean_, moving_variance_;
};

class BatchNormalization : public LayerHolder<BatchNormalizationImpl> {
 public:
  explicit BatchNormalization(BatchNormalizationOptions o = {})
      : LayerHolder(std::make_shared<BatchNormalizationImpl>(std::move(o))) {}
};

struct EmbeddingOptions {
  initializers::InitializerArg embeddings_initializer = "uniform";
  regularizers::RegularizerArg embeddings_regularizer = {};
  /// The initial matrix [input_dim, output_dim] (Keras's `weights=[matrix]`), if any.
  Tensor weights = {};
  int64_t input_length = -1;  ///< Keras 2's input_length: the input shape (input_length,)
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

/// Rows of an [input_dim, output_dim] table looked up by integer ids (float ids are cast to
/// int32, as Keras does): [batch, ...] -> [batch, ..., output_dim]. Its gradient is sparse
/// (the rows looked up).
class EmbeddingImpl : public Layer {
 public:
  EmbeddingImpl(int64_t input_dim, int64_t output_dim, EmbeddingOptions options);
  const Variable& embeddings() const { return embeddings_; }
  int64_t input_dim() const { return input_dim_; }
  int64_t output_dim() const { return output_dim_; }
  const EmbeddingOptions& options() const { return o_; }

 protected:
  void build(const std::vector<TensorSpec>& inputs) override;
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  int64_t input_dim_, output_dim_;
  EmbeddingOptions o_;
  Variable embeddings_;
};

class Embedding : public LayerHolder<EmbeddingImpl> {
 public:
  Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions o = {})
      : LayerHolder(std::make_shared<EmbeddingImpl>(input_dim, output_dim, std::move(o))) {}
};

}  // namespace dl::keras::layers
