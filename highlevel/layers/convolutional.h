#pragma once
/// Convolution, pooling and padding layers (keras.layers.Conv1D, Conv2D, MaxPooling1D/2D,
/// AveragePooling1D/2D, GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D, ZeroPadding2D), channels
/// last, with Keras 3's defaults, on the graph tier's nn::conv2d / conv1d / max_pool / avg_pool.
#include <string>
#include <utility>
#include <vector>

#include "dl/highlevel/activations.h"
#include "dl/highlevel/initializers.h"
#include "dl/highlevel/layer.h"
#include "dl/highlevel/regularizers.h"

namespace dl::keras::layers {

struct ConvOptions {
  std::vector<int64_t> strides = {1};  ///< one value for every spatial axis, or one each
  std::string padding = "valid";       ///< "valid" or "same"
  std::vector<int64_t> dilation_rate = {1};
  activations::ActivationArg activation = {};
  bool use_bias = true;
  initializers::InitializerArg kernel_initializer = "glorot_uniform";
  initializers::InitializerArg bias_initializer = "zeros";
  regularizers::RegularizerArg kernel_regularizer = {};
  regularizers::RegularizerArg bias_regularizer = {};
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

/// Conv1D (rank 1: inputs [batch, steps, channels], kernel [k, in, filters]) and Conv2D (rank
/// 2: inputs [batch, h, w, channels], kernel [kh, kw, in, filters]); then the bias and the
/// activation.
class ConvImpl : public Layer {
 public:
  ConvImpl(int rank, int64_t filters, std::vector<int64_t> kernel_size, ConvOptions options);
  const Variable& kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }
  int64_t filters() const { return filters_; }
  int rank() const { return rank_; }
  const std::vector<int64_t>& kernel_size() const { return kernel_size_; }
  const std::vector<int64_t>& strides() const { return strides_; }
  const std::vector<int64_t>& dilation_rate() const { return dilation_; }
  const ConvOptions& options() const { return o_; }

 protected:
  void build(const std::vector<TensorSpec>& inputs) override;
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  int rank_;
  int64_t filters_;
  std::vector<int64_t> kernel_size_, strides_, dilation_;
  ConvOptions o_;
  Variable kernel_, bias_;
};

class Conv2D : public LayerHolder<ConvImpl> {
 public:
  /// kernel_size: one value (square) or {kh, kw}.
  Conv2D(int64_t filters, std::vector<int64_t> kernel_size, ConvOptions options = {})
      : LayerHolder(
            std::make_shared<ConvImpl>(2, filters, std::move(kernel_size), std::move(options))) {}
};
class Conv1D : public LayerHolder<ConvImpl> {
 public:
  Conv1D(int64_t filters, int64_t kernel_size, ConvOptions options = {})
      : LayerHolder(std::make_shared<ConvImpl>(1, filters, std::vector<int64_t>{kernel_size},
                                               std::move(options))) {}
};

struct PoolOptions {
  std::vector<int64_t> strides = {};  ///< empty: the pool size
  std::string padding = "valid";
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

/// Max or average pooling over 1 or 2 spatial axes (pool_size default 2 / (2, 2)).
class PoolImpl : public Layer {
 public:
  PoolImpl(int rank, bool max, std::vector<int64_t> pool_size, PoolOptions options);
  int rank() const { return rank_; }
  bool is_max() const { return max_; }
  const std::vector<int64_t>& pool_size() const { return pool_; }
  const std::vector<int64_t>& strides() const { return strides_; }
  const PoolOptions& options() const { return o_; }

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  int rank_;
  bool max_;
  std::vector<int64_t> pool_, strides_;
  PoolOptions o_;
};

class MaxPooling2D : public LayerHolder<PoolImpl> {
 public:
  explicit MaxPooling2D(std::vector<int64_t> pool_size = {2, 2}, PoolOptions options = {})
      : LayerHolder(std::make_shared<PoolImpl>(2, true, std::move(pool_size), std::move(options))) {
  }
};
/// Keras 3 gives AveragePooling no default pool size (MaxPooling has 2).
class AveragePooling2D : public LayerHolder<PoolImpl> {
 public:
  explicit AveragePooling2D(std::vector<int64_t> pool_size, PoolOptions options = {})
      : LayerHolder(
            std::make_shared<PoolImpl>(2, false, std::move(pool_size), std::move(options))) {}
};
class MaxPooling1D : public LayerHolder<PoolImpl> {
 public:
  explicit MaxPooling1D(int64_t pool_size = 2, PoolOptions options = {})
      : LayerHolder(std::make_shared<PoolImpl>(1, true, std::vector<int64_t>{pool_size},
                                               std::move(options))) {}
};
class AveragePooling1D : public LayerHolder<PoolImpl> {
 public:
  explicit AveragePooling1D(int64_t pool_size, PoolOptions options = {})
      : LayerHolder(std::make_shared<PoolImpl>(1, false, std::vector<int64_t>{pool_size},
                                               std::move(options))) {}
};

struct GlobalPoolOptions {
  bool keepdims = false;
  std::string name = {};
  bool trainable = true;
};

/// The mean or max over every spatial axis: [batch, ..., channels] -> [batch, channels].
class GlobalPoolImpl : public Layer {
 public:
  GlobalPoolImpl(int rank, bool max, GlobalPoolOptions options);
  int rank() const { return rank_; }
  bool is_max() const { return max_; }
  const GlobalPoolOptions& options() const { return o_; }

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  int rank_;
  bool max_;
  GlobalPoolOptions o_;
};

class GlobalAveragePooling2D : public LayerHolder<GlobalPoolImpl> {
 public:
  explicit GlobalAveragePooling2D(GlobalPoolOptions o = {})
      : LayerHolder(std::make_shared<GlobalPoolImpl>(2, false, std::move(o))) {}
};
class GlobalMaxPooling2D : public LayerHolder<GlobalPoolImpl> {
 public:
  explicit GlobalMaxPooling2D(GlobalPoolOptions o = {})
      : LayerHolder(std::make_shared<GlobalPoolImpl>(2, true, std::move(o))) {}
};
class GlobalAveragePooling1D : public LayerHolder<GlobalPoolImpl> {
 public:
  explicit GlobalAveragePooling1D(GlobalPoolOptions o = {})
      : LayerHolder(std::make_shared<GlobalPoolImpl>(1, false, std::move(o))) {}
};
class GlobalMaxPooling1D : public LayerHolder<GlobalPoolImpl> {
 public:
  explicit GlobalMaxPooling1D(GlobalPoolOptions o = {})
      : LayerHolder(std::make_shared<GlobalPoolImpl>(1, true, std::move(o))) {}
};

struct ZeroPaddingOptions {
  std::string name = {};
  bool trainable = true;
  std::vector<int64_t> input_shape = {};
};

/// Zeros around the height and width axes: ((top, bottom), (left, right)).
class ZeroPadding2DImpl : public Layer {
 public:
  ZeroPadding2DImpl(std::pair<int64_t, int64_t> rows, std::pair<int64_t, int64_t> cols,
                    ZeroPaddingOptions options);
  std::pair<int64_t, int64_t> rows() const { return rows_; }
  std::pair<int64_t, int64_t> cols() const { return cols_; }

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  std::pair<int64_t, int64_t> rows_, cols_;
};

class ZeroPadding2D : public LayerHolder<ZeroPadding2DImpl> {
 public:
  /// The same padding on every side.
  explicit ZeroPadding2D(int64_t padding = 1, ZeroPaddingOptions o = {})
      : ZeroPadding2D({padding, padding}, {padding, padding}, std::move(o)) {}
  /// ((top, bottom), (left, right)).
  ZeroPadding2D(std::pair<int64_t, int64_t> rows, std::pair<int64_t, int64_t> cols,
                ZeroPaddingOptions o = {})
      : LayerHolder(std::make_shared<ZeroPadding2DImpl>(rows, cols, std::move(o))) {}
};

}  // namespace dl::keras::layers
