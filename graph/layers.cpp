#include "dl/graph/layers.h"

#include <algorithm>
#include <cctype>

#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::layers {
namespace {

// A layer's scope: the given name, or the default made unique ("dense", "dense_1", ...).
class LayerScope {
 public:
  LayerScope(Graph& g, const std::string& name, const std::string& def) : g_(g) {
    g_.push_name_scope(name.empty() ? def : name);
  }
  ~LayerScope() { g_.pop_name_scope(); }
  LayerScope(const LayerScope&) = delete;
  LayerScope& operator=(const LayerScope&) = delete;
  std::string layer_name() const {
    const std::string& s = g_.current_name_scope();
    return s.substr(0, s.size() - 1);
  }

 private:
  Graph& g_;
};

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::vector<int64_t> pair_of(const std::vector<int64_t>& v, const std::string& layer,
                             const char* what) {
  DL_CHECK(v.size() == 1 || v.size() == 2, "layer '", layer, "': ", what,
           " must have one or two values, received ", v.size());
  return v.size() == 1 ? std::vector<int64_t>{v[0], v[0]} : v;
}

Variable make_var(Graph& g, const std::string& name, const Shape& shape,
                  const std::optional<Initializer>& init, const std::function<Output(Output)>& reg,
                  bool trainable, DType dtype) {
  GetVariableOptions o;
  o.dtype = dtype;
  o.initializer = init;
  o.regularizer = reg;
  o.trainable = trainable;
  return get_variable(g, name, shape, o);
}

}  // namespace

Output dense(Output inputs, int64_t units, const DenseOptions& opts) {
  Graph& g = inputs.graph();
  LayerScope scope(g, opts.name, "dense");
  DL_CHECK(inputs.shape().rank() == 2, "layer '", scope.layer_name(),
           "': expected inputs of rank 2 [batch, features], received shape ",
           inputs.shape().to_string());
  const int64_t in = inputs.shape().dim(1);
  DL_CHECK(in >= 0, "layer '", scope.layer_name(),
           "': the last dimension of the inputs must be known, received shape ",
           inputs.shape().to_string());
  Variable kernel = make_var(g, "kernel", Shape({in, units}), opts.kernel_initializer,
                             opts.kernel_regularizer, opts.trainable, inputs.dtype());
  Output y = ops::matmul(inputs, kernel, false, false, "MatMul");
  if (opts.use_bias) {
    Variable bias =
        make_var(g, "bias", Shape({units}),
                 opts.bias_initializer ? opts.bias_initializer : init::zeros_initializer(),
                 opts.bias_regularizer, opts.trainable, inputs.dtype());
    y = nn::bias_add(y, bias, "NHWC", "BiasAdd");
  }
  return opts.activation(y);
}

Output conv2d(Output inputs, int64_t filters, std::vector<int64_t> kernel_size,
              const ConvOptions& opts) {
  Graph& g = inputs.graph();
  LayerScope scope(g, opts.name, "conv2d");
  const std::string lname = scope.layer_name();
  DL_CHECK(inputs.shape().rank() == 4, "layer '", lname,
           "': expected inputs of rank 4 [batch, height, width, channels], received shape ",
           inputs.shape().to_string());
  const int64_t in = inputs.shape().dim(3);
  DL_CHECK(in >= 0, "layer '", lname, "': the channel dimension must be known, received ",
           inputs.shape().to_string());
  const auto k = pair_of(kernel_size, lname, "kernel_size");
  const auto s = pair_of(opts.strides, lname, "strides");
  const auto d = pair_of(opts.dilation_rate, lname, "dilation_rate");
  Variable kernel = make_var(g, "kernel", Shape({k[0], k[1], in, filters}), opts.kernel_initializer,
                             opts.kernel_regularizer, opts.trainable, inputs.dtype());
  Output y = nn::conv2d(inputs, kernel, {1, s[0], s[1], 1}, upper(opts.padding), "NHWC",
                        {1, d[0], d[1], 1}, "Conv2D");
  if (opts.use_bias) {
    Variable bias =
        make_var(g, "bias", Shape({filters}),
                 opts.bias_initializer ? opts.bias_initializer : init::zeros_initializer(),
                 opts.bias_regularizer, opts.trainable, inputs.dtype());
    y = nn::bias_add(y, bias, "NHWC", "BiasAdd");
  }
  return opts.activation(y);
}

Output conv1d(Output inputs, int64_t filters, int64_t kernel_size, const ConvOptions& opts) {
  Graph& g = inputs.graph();
  LayerScope scope(g, opts.name, "conv1d");
  const std::string lname = scope.layer_name();
  DL_CHECK(inputs.shape().rank() == 3, "layer '", lname,
           "': expected inputs of rank 3 [batch, steps, channels], received shape ",
           inputs.shape().to_string());
  const int64_t in = inputs.shape().dim(2);
  DL_CHECK(in >= 0, "layer '", lname, "': the channel dimension must be known, received ",
           inputs.shape().to_string());
  DL_CHECK(opts.strides.size() == 1 && opts.dilation_rate.size() == 1, "layer '", lname,
           "': strides and dilation_rate take one value");
  Variable kernel =
      make_var(g, "kernel", Shape({kernel_size, in, filters}), opts.kernel_initializer,
               opts.kernel_regularizer, opts.trainable, inputs.dtype());
  Output y =
      nn::conv1d(inputs, kernel, opts.strides[0], upper(opts.padding), opts.dilation_rate[0]);
  if (opts.use_bias) {
    Variable bias =
        make_var(g, "bias", Shape({filters}),
                 opts.bias_initializer ? opts.bias_initializer : init::zeros_initializer(),
                 opts.bias_regularizer, opts.trainable, inputs.dtype());
    y = nn::bias_add(y, bias, "NHWC", "BiasAdd");
  }
  return opts.activation(y);
}

Output max_pooling2d(Output inputs, std::vector<int64_t> pool_size, std::vector<int64_t> strides,
                     const std::string& padding, const std::string& name) {
  LayerScope scope(inputs.graph(), name, "max_pooling2d");
  const auto p = pair_of(pool_size, scope.layer_name(), "pool_size");
  const auto s = pair_of(strides, scope.layer_name(), "strides");
  return nn::max_pool(inputs, {1, p[0], p[1], 1}, {1, s[0], s[1], 1}, upper(padding), "NHWC",
                      "MaxPool");
}

Output average_pooling2d(Output inputs, std::vector<int64_t> pool_size,
                         std::vector<int64_t> strides, const std::string& padding,
                         const std::string& name) {
  LayerScope scope(inputs.graph(), name, "average_pooling2d");
  const auto p = pair_of(pool_size, scope.layer_name(), "pool_size");
  const auto s = pair_of(strides, scope.layer_name(), "strides");
  return nn::avg_pool(inputs, {1, p[0], p[1], 1}, {1, s[0], s[1], 1}, upper(padding), "NHWC",
                      "AvgPool");
}

Output max_pooling1d(Output inputs, int64_t pool_size, int64_t strides, const std::string& padding,
                     const std::string& name) {
  LayerScope scope(inputs.graph(), name, "max_pooling1d");
  return nn::max_pool1d(inputs, pool_size, strides, upper(padding));
}

Output average_pooling1d(Output inputs, int64_t pool_size, int64_t strides,
                         const std::string& padding, const std::string& name) {
  LayerScope scope(inputs.graph(), name, "average_pooling1d");
  return nn::avg_pool1d(inputs, pool_size, strides, upper(padding));
}

Output flatten(Output inputs, const std::string& name) {
  LayerScope scope(inputs.graph(), name, "flatten");
  return ops::flatten(inputs);
}

Output dropout(Output inputs, double rate, bool training, std::optional<int64_t> seed,
               const std::string& name) {
  LayerScope scope(inputs.graph(), name, "dropout");
  if (!training) return ops::identity(inputs);
  return nn::dropout(inputs, rate, std::nullopt, seed);
}

Output dropout(Output inputs, double rate, Output training, std::optional<int64_t> seed,
               const std::string& name) {
  LayerScope scope(inputs.graph(), name, "dropout");
  DL_CHECK(training.dtype() == DType::boolean && training.shape().rank() == 0, "layer '",
           scope.layer_name(), "': training must be a bool scalar, received ",
           training.spec().to_string());
  return ops::where(training, nn::dropout(inputs, rate, std::nullopt, seed), inputs);
}

}  // namespace dl::layers
