#pragma once
/// Initializers (tf.compat.v1 initializers) and tf.get_variable.
///
/// An Initializer is a value: a function that builds a tensor of a given shape and dtype in a
/// graph, plus a description (kind, parameters in TF's argument order, seed) that can be printed
/// and compared, so two programs' initializers can be diffed without running them.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dl/graph/graph.h"
#include "dl/graph/variable.h"

namespace dl {

struct Initializer {
  std::string kind;  ///< "zeros", "glorot_uniform", "variance_scaling", ...
  /// Parameters in TF's argument order, as printed ("scale" -> "2", "mode" -> "fan_in").
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<int64_t> seed;  ///< op seed of the random op (TF1's get_seed rules apply)
  std::function<Output(Graph&, const Shape&, DType)> make;

  /// Builds the initial value under the current name scope. Requires: shape fully defined.
  /// Throws InvalidArgument naming the initializer for a dtype it cannot produce (random
  /// initializers need float32 or float64).
  Output operator()(Graph& g, const Shape& shape, DType dtype = DType::f32) const;
  /// "variance_scaling(scale=2, mode=fan_in, distribution=truncated_normal, seed=None)"
  std::string description() const;
  bool operator==(const Initializer& o) const { return description() == o.description(); }
};

namespace init {

/// The fans TF computes (init_ops._compute_fans): scalar -> (1, 1); [n] -> (n, n);
/// [in, out] -> (in, out); conv kernels [..., in, out] -> (in * receptive, out * receptive),
/// receptive = product of the leading (spatial) dimensions.
struct Fans {
  double fan_in = 1;
  double fan_out = 1;
};
Fans compute_fans(const Shape& shape);

/// tf.zeros_initializer() / tf.ones_initializer() (any dtype).
Initializer zeros_initializer();
Initializer ones_initializer();
/// tf.constant_initializer(value): every element `value`, or the given values in row-major order
/// (their count must equal the number of elements).
Initializer constant_initializer(double value = 0.0);
Initializer constant_initializer(std::vector<double> values);
/// tf.random_uniform_initializer(minval=0, maxval=1): uniform in [minval, maxval).
Initializer random_uniform_initializer(double minval = 0.0, double maxval = 1.0,
                                       std::optional<int64_t> seed = std::nullopt);
/// tf.random_normal_initializer(mean=0, stddev=1).
Initializer random_normal_initializer(double mean = 0.0, double stddev = 1.0,
                                      std::optional<int64_t> seed = std::nullopt);
/// tf.truncated_normal_initializer(mean=0, stddev=1): values beyond 2 stddev are redrawn.
Initializer truncated_normal_initializer(double mean = 0.0, double stddev = 1.0,
                                         std::optional<int64_t> seed = std::nullopt);
/// tf.variance_scaling_initializer(scale=1, mode="fan_in", distribution="truncated_normal"):
/// n = fan_in, fan_out or (fan_in + fan_out) / 2 (at least 1); "truncated_normal" (or its old
/// name "normal") draws a truncated normal of stddev sqrt(scale / n) / 0.87962566103423978 (the
/// std of a unit normal truncated to +-2), "untruncated_normal" a normal of stddev
/// sqrt(scale / n), "uniform" a uniform in +-sqrt(3 * scale / n).
/// Throws InvalidArgument for scale <= 0 or an unknown mode or distribution.
Initializer variance_scaling_initializer(double scale = 1.0, const std::string& mode = "fan_in",
                                         const std::string& distribution = "truncated_normal",
                                         std::optional<int64_t> seed = std::nullopt);
/// Variance-scaling presets, as TF1 defines them:
/// glorot_uniform = (1, fan_avg, uniform); glorot_normal = (1, fan_avg, truncated_normal);
/// he_normal = (2, fan_in, truncated_normal); he_uniform = (2, fan_in, uniform);
/// lecun_normal = (1, fan_in, truncated_normal); lecun_uniform = (1, fan_in, uniform).
Initializer glorot_uniform_initializer(std::optional<int64_t> seed = std::nullopt);
Initializer glorot_normal_initializer(std::optional<int64_t> seed = std::nullopt);
Initializer he_normal(std::optional<int64_t> seed = std::nullopt);
Initializer he_uniform(std::optional<int64_t> seed = std::nullopt);
Initializer lecun_normal(std::optional<int64_t> seed = std::nullopt);
Initializer lecun_uniform(std::optional<int64_t> seed = std::nullopt);

}  // namespace init

struct GetVariableOptions {
  DType dtype = DType::f32;
  /// Default (as TF1): glorot_uniform for float dtypes, zeros for the others.
  std::optional<Initializer> initializer = std::nullopt;
  bool trainable = true;
  /// Called with the variable's value; its result is added to REGULARIZATION_LOSSES.
  std::function<Output(Output)> regularizer = nullptr;
  /// Collections besides GLOBAL_VARIABLES (and TRAINABLE_VARIABLES when trainable).
  std::vector<std::string> collections = {};
};

/// tf.get_variable(name, shape, dtype, initializer, regularizer, trainable) for a new variable
/// named `name` under the current name scope. The initial value is built under
/// "<name>/Initializer/" and the regularization loss under "<name>/Regularizer/", as in TF.
/// dl has no variable scopes with reuse: a second get_variable with the same full name throws
/// InvalidArgument (share a Variable by passing it around instead). Also throws for a shape that
/// is not fully defined.
Variable get_variable(Graph& g, const std::string& name, const Shape& shape,
                      const GetVariableOptions& options = {});

}  // namespace dl
