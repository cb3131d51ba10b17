#include "dl/highlevel/initializers.h"

#include <cmath>
#include <functional>
#include <map>

#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/backend.h"

namespace dl::keras::initializers {

std::pair<double, double> compute_fans(const Shape& shape) {
  const int r = shape.rank();
  if (r < 1) return {1.0, 1.0};
  if (r == 1) return {double(shape[0]), double(shape[0])};
  if (r == 2) return {double(shape[0]), double(shape[1])};
  double receptive = 1;
  for (int i = 0; i < r - 2; ++i) receptive *= double(shape[i]);
  return {double(shape[r - 2]) * receptive, double(shape[r - 1]) * receptive};
}

Output Zeros::operator()(Graph& g, const Shape& shape, DType dtype) const {
  return ops::zeros(g, shape, dtype);
}
Output Ones::operator()(Graph& g, const Shape& shape, DType dtype) const {
  return ops::ones(g, shape, dtype);
}
Output Constant::operator()(Graph& g, const Shape& shape, DType dtype) const {
  return ops::fill(g, shape, value_, dtype, "Const");
}
Output Value::operator()(Graph& g, const Shape& shape, DType dtype) const {
  DL_CHECK(value_.valid(), "initial value: the given tensor is empty");
  if (value_.shape() != shape) {
    throw InvalidArgument(str_cat("The initial value has shape ", value_.shape().to_string(),
                                  ", but the weight expects shape ", shape.to_string()));
  }
  return ops::constant(g, value_.dtype() == dtype ? value_ : value_.cast(dtype), "Const");
}

Output RandomNormal::operator()(Graph& g, const Shape& shape, DType dtype) const {
  return ops::random_normal(g, shape, o_.mean, o_.stddev, dtype, o_.seed);
}
Output TruncatedNormal::operator()(Graph& g, const Shape& shape, DType dtype) const {
  return ops::truncated_normal(g, shape, o_.mean, o_.stddev, dtype, o_.seed);
}
Output RandomUniform::operator()(Graph& g, const Shape& shape, DType dtype) const {
  return ops::random_uniform(g, shape, o_.minval, o_.maxval, dtype, o_.seed);
}

VarianceScaling::VarianceScaling(VarianceScalingOptions o)
    : VarianceScaling(std::move(o), "VarianceScaling") {}

VarianceScaling::VarianceScaling(VarianceScalingOptions o, std::string class_name)
    : o_(std::move(o)), class_name_(std::move(class_name)) {
  if (!(o_.scale > 0)) {
    throw InvalidArgument(
        str_cat("Argument `scale` must be positive float. Received: scale=", o_.scale));
  }
  if (o_.mode != "fan_in" && o_.mode != "fan_out" && o_.mode != "fan_avg") {
    throw InvalidArgument(
        str_cat("Invalid `mode` argument: expected one of {\"fan_in\", \"fan_out\", \"fan_avg\"}. "
                "Received: mode=",
                o_.mode));
  }
  if (o_.distribution != "truncated_normal" && o_.distribution != "untruncated_normal" &&
      o_.distribution != "uniform") {
    throw InvalidArgument(str_cat(
        "Invalid `distribution` argument: expected one of {\"uniform\", \"truncated_normal\", "
        "\"untruncated_normal\"}. Received: distribution=",
        o_.distribution));
  }
}

Output VarianceScaling::operator()(Graph& g, const Shape& shape, DType dtype) const {
  auto [fan_in, fan_out] = compute_fans(shape);
  double scale = o_.scale;
  if (o_.mode == "fan_in") {
    scale /= std::max(1.0, fan_in);
  } else if (o_.mode == "fan_out") {
    scale /= std::max(1.0, fan_out);
  } else {
    scale /= std::max(1.0, (fan_in + fan_out) / 2.0);
  }
  if (o_.distribution == "truncated_normal") {
    // 0.8796... is the standard deviation of a standard normal truncated to (-2, 2).
    const double stddev = std::sqrt(scale) / 0.87962566103423978;
    return ops::truncated_normal(g, shape, 0.0, stddev, dtype, o_.seed);
  }
  if (o_.distribution == "untruncated_normal") {
    return ops::random_normal(g, shape, 0.0, std::sqrt(scale), dtype, o_.seed);
  }
  const double limit = std::sqrt(3.0 * scale);
  return ops::random_uniform(g, shape, -limit, limit, dtype, o_.seed);
}

GlorotUniform::GlorotUniform(SeedOptions o)
    : VarianceScaling({1.0, "fan_avg", "uniform", o.seed}, "GlorotUniform") {}
GlorotNormal::GlorotNormal(SeedOptions o)
    : VarianceScaling({1.0, "fan_avg", "truncated_normal", o.seed}, "GlorotNormal") {}
HeNormal::HeNormal(SeedOptions o)
    : VarianceScaling({2.0, "fan_in", "truncated_normal", o.seed}, "HeNormal") {}
HeUniform::HeUniform(SeedOptions o)
    : VarianceScaling({2.0, "fan_in", "uniform", o.seed}, "HeUniform") {}
LecunNormal::LecunNormal(SeedOptions o)
    : VarianceScaling({1.0, "fan_in", "truncated_normal", o.seed}, "LecunNormal") {}
LecunUniform::LecunUniform(SeedOptions o)
    : VarianceScaling({1.0, "fan_in", "uniform", o.seed}, "LecunUniform") {}

namespace {

using Factory = std::function<std::shared_ptr<const Initializer>()>;

const std::vector<std::pair<std::string, Factory>>& table() {
  // Keras 3's ALL_OBJECTS_DICT: class names, their snake_case, and the aliases.
  static const std::vector<std::pair<std::string, Factory>> t = [] {
    std::vector<std::pair<std::string, Factory>> v;
    auto add = [&](const std::string& cls, Factory f) {
      v.emplace_back(cls, f);
      v.emplace_back(backend::to_snake_case(cls), f);
    };
    add("Zeros", [] { return std::make_shared<Zeros>(); });
    add("Ones", [] { return std::make_shared<Ones>(); });
    add("Constant", [] { return std::make_shared<Constant>(); });
    add("RandomNormal", [] { return std::make_shared<RandomNormal>(); });
    add("RandomUniform", [] { return std::make_shared<RandomUniform>(); });
    add("TruncatedNormal", [] { return std::make_shared<TruncatedNormal>(); });
    add("VarianceScaling", [] { return std::make_shared<VarianceScaling>(); });
    add("GlorotUniform", [] { return std::make_shared<GlorotUniform>(); });
    add("GlorotNormal", [] { return std::make_shared<GlorotNormal>(); });
    add("HeNormal", [] { return std::make_shared<HeNormal>(); });
    add("HeUniform", [] { return std::make_shared<HeUniform>(); });
    add("LecunNormal", [] { return std::make_shared<LecunNormal>(); });
    add("LecunUniform", [] { return std::make_shared<LecunUniform>(); });
    v.emplace_back("normal", [] { return std::make_shared<RandomNormal>(); });
    v.emplace_back("uniform", [] { return std::make_shared<RandomUniform>(); });
    v.emplace_back("one", [] { return std::make_shared<Ones>(); });
    v.emplace_back("zero", [] { return std::make_shared<Zeros>(); });
    return v;
  }();
  return t;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& [n, f] : table()) out.push_back(n);
  return out;
}

std::shared_ptr<const Initializer> get(const std::string& name) {
  for (const auto& [n, f] : table()) {
    if (n == name) return f();
  }
  std::string valid;
  for (const auto& [n, f] : table()) {
    if (n[0] >= 'a' && n[0] <= 'z') valid += (valid.empty() ? "" : ", ") + n;
  }
  throw InvalidArgument(str_cat("Could not interpret initializer identifier: '", name,
                                "'. Valid names: ", valid, " (or the class names)"));
}

InitializerArg::InitializerArg(const char* name) : p_(get(name)) {}
InitializerArg::InitializerArg(const std::string& name) : p_(get(name)) {}
InitializerArg::InitializerArg(std::shared_ptr<const Initializer> p) : p_(std::move(p)) {
  DL_CHECK(p_ != nullptr, "initializer: received a null initializer");
}

}  // namespace dl::keras::initializers
