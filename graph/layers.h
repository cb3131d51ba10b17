#pragma once
/// tf.layers (TF1's functional layers) for the graph tier: dense, conv1d, conv2d, pooling,
/// flatten, dropout. Each call creates its variables with get_variable under a fresh layer scope
/// named as TF1 does ("dense", "dense_1", ...; variables "dense/kernel", "dense/bias") and
/// returns the output tensor. Defaults are TF1's: kernels glorot-uniform (get_variable's default),
/// biases zero, padding "valid", no activation.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dl/graph/graph.h"
#include "dl/graph/initializers.h"

namespace dl::layers {

/// An activation: any function Output -> Output, or a builder such as dl::ops::tanh or
/// dl::nn::relu (their name argument takes its default).
class Activation {
 public:
  Activation() = default;
  Activation(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): "no activation"
  Activation(std::function<Output(Output)> f) : f_(std::move(f)) {}  // NOLINT
  Activation(Output (*f)(Output, const std::string&))  // NOLINT(google-explicit-constructor)
      : f_([f](Output x) { return f(x, ""); }) {}
  explicit operator bool() const { return static_cast<bool>(f_); }
  Output operator()(Output x) const { return f_ ? f_(x) : x; }

 private:
  std::function<Output(Output)> f_;
};

struct DenseOptions {
  Activation activation = nullptr;
  bool use_bias = true;
  std::optional<Initializer> kernel_initializer = std::nullopt;  ///< default glorot_uniform
  std::optional<Initializer> bias_initializer = std::nullopt;    ///< default zeros
  std::function<Output(Output)> kernel_regularizer = nullptr;
  std::function<Output(Output)> bias_regularizer = nullptr;
  bool trainable = true;
  std::string name = "";  ///< default "dense" (made unique)
};

/// tf.layers.dense(inputs, units, ...): inputs [batch, in] (the last dimension must be known).
Output dense(Output inputs, int64_t units, const DenseOptions& opts = {});

struct ConvOptions {
  std::vector<int64_t> strides = {1};  ///< one value for every dimension, or one each
  std::string padding = "valid";       ///< "valid" or "same" (either case)
  std::vector<int64_t> dilation_rate = {1};
  Activation activation = nullptr;
  bool use_bias = true;
  std::optional<Initializer> kernel_initializer = std::nullopt;
  std::optional<Initializer> bias_initializer = std::nullopt;
  std::function<Output(Output)> kernel_regularizer = nullptr;
  std::function<Output(Output)> bias_regularizer = nullptr;
  bool trainable = true;
  std::string name = "";  ///< default "conv2d" / "conv1d"
};

/// tf.layers.conv2d(inputs [N,H,W,C], filters, kernel_size (one or two values), ...).
Output conv2d(Output inputs, int64_t filters, std::vector<int64_t> kernel_size,
              const ConvOptions& opts = {});
/// tf.layers.conv1d(inputs [N,W,C], filters, kernel_size, ...).
Output conv1d(Output inputs, int64_t filters, int64_t kernel_size, const ConvOptions& opts = {});

/// tf.layers.max_pooling2d / average_pooling2d(inputs, pool_size, strides, padding="valid").
Output max_pooling2d(Output inputs, std::vector<int64_t> pool_size, std::vector<int64_t> strides,
                     const std::string& padding = "valid", const std::string& name = "");
Output average_pooling2d(Output inputs, std::vector<int64_t> pool_size,
                         std::vector<int64_t> strides, const std::string& padding = "valid",
                         const std::string& name = "");
/// tf.layers.max_pooling1d / average_pooling1d on [N, W, C].
Output max_pooling1d(Output inputs, int64_t pool_size, int64_t strides,
                     const std::string& padding = "valid", const std::string& name = "");
Output average_pooling1d(Output inputs, int64_t pool_size, int64_t strides,
                         const std::string& padding = "valid", const std::string& name = "");

/// tf.layers.flatten: [N, ...] -> [N, product of the rest].
Output flatten(Output inputs, const std::string& name = "");

/// tf.layers.dropout(inputs, rate=0.5, noise_shape, seed, training=False): identity unless
/// `training`. The tensor form picks at run time (both branches are built, as Keras 2's
/// in_train_phase selects between them).
Output dropout(Output inputs, double rate = 0.5, bool training = false,
               std::optional<int64_t> seed = std::nullopt, const std::string& name = "");
Output dropout(Output inputs, double rate, Output training,
               std::optional<int64_t> seed = std::nullopt, const std::string& name = "");

}  // namespace dl::layers
