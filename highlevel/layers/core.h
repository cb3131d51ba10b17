#pragma once
/// Core layers: Dense, Activation, ReLU, Flatten, Reshape, Dropout (keras.layers), with Keras 3's
/// defaults. Each is a handle (layers::Dense) to its implementation (layers::DenseImpl).
#include <optional>
#include <string>
#include <vector>

#include "dl/highlevel/activations.h"
#include "dl/highlevel/initializers.h"
#include "dl/highlevel/layer.h"
#include "dl/highlevel/regularizers.h"

namespace dl::keras::layers {

// ---- Dense ----

struct DenseOptions {
  activations::ActivationArg activation;  ///< none (linear)
  bool use_bias = true;
  initializers::InitializerArg kernel_initializer = "glorot_uniform";
  initializers::InitializerArg bias_initializer = "zeros";
  regularizers::RegularizerArg kernel_regularizer = {};
  regularizers::RegularizerArg bias_regularizer = {};
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};  ///< makes a Sequential's input (without the batch)
  int64_t input_dim = -1;                 ///< Keras 2's input_dim: input_shape = (input_dim,)
};

/// activation(inputs @ kernel + bias) on the last axis; kernel [input_dim, units], bias [units].
/// Inputs of rank > 2 are multiplied on their last axis.
class DenseImpl : public Layer {
 public:
  DenseImpl(int64_t units, DenseOptions options);
  int64_t units() const { return units_; }
  /// The weights (valid once the layer is built).
  const Variable& kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }
  const DenseOptions& options() const { return o_; }

 protected:
  void build(const std::vector<TensorSpec>& inputs) override;
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  int64_t units_;
  DenseOptions o_;
  Variable kernel_, bias_;
};

class Dense : public LayerHolder<DenseImpl> {
 public:
  explicit Dense(int64_t units, DenseOptions options = {})
      : LayerHolder(std::make_shared<DenseImpl>(units, std::move(options))) {}
};

// ---- Activation ----

struct LayerOptions {
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

class ActivationImpl : public Layer {
 public:
  ActivationImpl(activations::ActivationArg activation, LayerOptions options);
  const activations::ActivationArg& activation() const { return activation_; }

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  activations::ActivationArg activation_;
};

class Activation : public LayerHolder<ActivationImpl> {
 public:
  explicit Activation(activations::ActivationArg activation, LayerOptions options = {})
      : LayerHolder(std::make_shared<ActivationImpl>(std::move(activation), std::move(options))) {}
};

// ---- ReLU ----

struct ReLUOptions {
  std::optional<double> max_value = {};
  double negative_slope = 0.0;
  double threshold = 0.0;
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

/// Keras's ReLU layer: x for x > threshold (else negative_slope * (x - threshold)), capped at
/// max_value.
class ReLUImpl : public Layer {
 public:
  explicit ReLUImpl(ReLUOptions options);
  const ReLUOptions& options() const { return o_; }

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  ReLUOptions o_;
};

class ReLU : public LayerHolder<ReLUImpl> {
 public:
  explicit ReLU(ReLUOptions options = {})
      : LayerHolder(std::make_shared<ReLUImpl>(std::move(options))) {}
};

// ---- Flatten, Reshape ----

/// Flattens every axis but the batch (row-major, channels last); the sizes must be known.
class FlattenImpl : public Layer {
 public:
  explicit FlattenImpl(LayerOptions options);

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;
};

class Flatten : public LayerHolder<FlattenImpl> {
 public:
  explicit Flatten(LayerOptions options = {})
      : LayerHolder(std::make_shared<FlattenImpl>(std::move(options))) {}
};

/// Reshapes to (batch, target_shape...); one entry of target_shape may be -1 (inferred).
class ReshapeImpl : public Layer {
 public:
  ReshapeImpl(std::vector<int64_t> target_shape, LayerOptions options);
  const std::vector<int64_t>& target_shape() const { return target_; }

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  std::vector<int64_t> target_ = {};
};

class Reshape : public LayerHolder<ReshapeImpl> {
 public:
  explicit Reshape(std::vector<int64_t> target_shape, LayerOptions options = {})
      : LayerHolder(std::make_shared<ReshapeImpl>(std::move(target_shape), std::move(options))) {}
};

// ---- Dropout ----

struct DropoutOptions {
  std::vector<int64_t> noise_shape = {};  ///< empty: x's shape; -1 entries take x's dimension
  std::optional<int64_t> seed;
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

/// Inverted dropout (nn::dropout): in training, each element is zeroed with probability `rate`
/// and the others scaled by 1 / (1 - rate); in inference the input passes unchanged.
class DropoutImpl : public Layer {
 public:
  DropoutImpl(double rate, DropoutOptions options);
  bool uses_training() const override { return true; }
  double rate() const { return rate_; }
  const DropoutOptions& options() const { return o_; }

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  double rate_;
  DropoutOptions o_;
};

class Dropout : public LayerHolder<DropoutImpl> {
 public:
  explicit Dropout(double rate, DropoutOptions options = {})
      : LayerHolder(std::make_shared<DropoutImpl>(rate, std::move(options))) {}
};

}  // namespace dl::keras::layers
