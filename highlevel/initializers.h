#pragma once
/// keras.initializers with Keras 3's defaults, built from the graph tier's random ops.
///
/// An initializer adds the ops that compute a weight's initial value to a graph. Randomness
/// follows the graph tier (graph/ops/random_ops.h): with utils::set_random_seed or an explicit
/// `seed`, the values are the same on every run; without either they differ from run to run, as
/// in Keras. The random streams are dl's (Philox), so the numbers are not TensorFlow's; the
/// distributions and their parameters are Keras's.
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::keras::initializers {

class Initializer {
 public:
  virtual ~Initializer() = default;
  /// Adds the ops of an initial value of `shape` (fully defined) and `dtype` to `g`, under the
  /// current name scope.
  virtual Output operator()(Graph& g, const Shape& shape, DType dtype) const = 0;
  /// The Keras class name ("GlorotUniform").
  virtual std::string class_name() const = 0;
};

/// Keras's fan computation: a matrix [in, out]; a convolution kernel [..., in, out] multiplies
/// both by the receptive field; a vector has fan_in = fan_out = its size.
std::pair<double, double> compute_fans(const Shape& shape);

class Zeros : public Initializer {
 public:
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return "Zeros"; }
};
class Ones : public Initializer {
 public:
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return "Ones"; }
};
class Constant : public Initializer {
 public:
  explicit Constant(double value = 0.0) : value_(value) {}
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return "Constant"; }
  double value() const { return value_; }

 private:
  double value_;
};
/// A given value (Keras's `weights=[matrix]` or an array identifier); the shape must match.
class Value : public Initializer {
 public:
  explicit Value(Tensor value) : value_(std::move(value)) {}
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return "Value"; }

 private:
  Tensor value_;
};

struct RandomNormalOptions {
  double mean = 0.0;
  double stddev = 0.05;
  std::optional<int64_t> seed;
};
class RandomNormal : public Initializer {
 public:
  explicit RandomNormal(RandomNormalOptions o = {}) : o_(o) {}
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return "RandomNormal"; }
  const RandomNormalOptions& options() const { return o_; }

 private:
  RandomNormalOptions o_;
};
/// Normal(mean, stddev) with draws beyond two standard deviations redrawn.
class TruncatedNormal : public Initializer {
 public:
  explicit TruncatedNormal(RandomNormalOptions o = {}) : o_(o) {}
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return "TruncatedNormal"; }
  const RandomNormalOptions& options() const { return o_; }

 private:
  RandomNormalOptions o_;
};

struct RandomUniformOptions {
  double minval = -0.05;
  double maxval = 0.05;
  std::optional<int64_t> seed;
};
class RandomUniform : public Initializer {
 public:
  explicit RandomUniform(RandomUniformOptions o = {}) : o_(o) {}
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return "RandomUniform"; }
  const RandomUniformOptions& options() const { return o_; }

 private:
  RandomUniformOptions o_;
};

struct VarianceScalingOptions {
  double scale = 1.0;
  std::string mode = "fan_in";                    ///< "fan_in", "fan_out" or "fan_avg"
  std::string distribution = "truncated_normal";  ///< or "untruncated_normal", "uniform"
  std::optional<int64_t> seed;
};
/// Keras 3's VarianceScaling: scale / n with n = fan_in, fan_out or their mean (at least 1);
/// truncated_normal uses stddev sqrt(scale/n) / 0.8796 (so that the truncated distribution has
/// that deviation), uniform the limit sqrt(3 scale/n).
class VarianceScaling : public Initializer {
 public:
  explicit VarianceScaling(VarianceScalingOptions o = {});
  Output operator()(Graph& g, const Shape& shape, DType dtype) const override;
  std::string class_name() const override { return class_name_; }
  const VarianceScalingOptions& options() const { return o_; }

 protected:
  VarianceScaling(VarianceScalingOptions o, std::string class_name);

 private:
  VarianceScalingOptions o_;
  std::string class_name_;
};

struct SeedOptions {
  std::optional<int64_t> seed;
};
/// U(+-sqrt(6 / (fan_in + fan_out))): Dense's and Conv's default kernel initializer.
class GlorotUniform : public VarianceScaling {
 public:
  explicit GlorotUniform(SeedOptions o = {});
};
class GlorotNormal : public VarianceScaling {
 public:
  explicit GlorotNormal(SeedOptions o = {});
};
class HeNormal : public VarianceScaling {
 public:
  explicit HeNormal(SeedOptions o = {});
};
class HeUniform : public VarianceScaling {
 public:
  explicit HeUniform(SeedOptions o = {});
};
class LecunNormal : public VarianceScaling {
 public:
  explicit LecunNormal(SeedOptions o = {});
};
class LecunUniform : public VarianceScaling {
 public:
  explicit LecunUniform(SeedOptions o = {});
};

/// An initializer given by name ("glorot_uniform", "GlorotUniform", "he_normal", "zeros",
/// "uniform", ...) or as an object. Unknown names fail where the argument is given, listing the
/// valid ones.
class InitializerArg {
 public:
  InitializerArg(const char* name);         // NOLINT(google-explicit-constructor)
  InitializerArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::is_base_of_v<Initializer, T> InitializerArg(
      T init)  // NOLINT(google-explicit-constructor)
      : p_(std::make_shared<T>(std::move(init))) {}
  InitializerArg(std::shared_ptr<const Initializer> p);  // NOLINT(google-explicit-constructor)

  const Initializer& operator*() const { return *p_; }
  const Initializer* operator->() const { return p_.get(); }
  std::shared_ptr<const Initializer> ptr() const { return p_; }

 private:
  std::shared_ptr<const Initializer> p_;
};

/// keras.initializers.get(name). Throws InvalidArgument naming the identifier and listing the
/// valid names.
std::shared_ptr<const Initializer> get(const std::string& name);
/// The names get() accepts.
std::vector<std::string> names();

}  // namespace dl::keras::initializers
