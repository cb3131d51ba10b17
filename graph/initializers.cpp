#include "dl/graph/initializers.h"

#include <cmath>
#include <sstream>

#include "dl/core/dtype_visit.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl {

Output Initializer::operator()(Graph& g, const Shape& shape, DType dtype) const {
  DL_CHECK(make != nullptr, "Initializer '", kind, "' has no function");
  DL_CHECK(shape.is_fully_defined(), description(), ": the shape must be fully defined, received ",
           shape.to_string());
  return make(g, shape, dtype);
}

std::string Initializer::description() const {
  std::string s = kind + "(";
  for (const auto& [k, v] : params) s += k + "=" + v + ", ";
  s += "seed=" + (seed ? std::to_string(*seed) : std::string("None")) + ")";
  return s;
}

namespace init {
namespace {

std::string num(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

void require_float(const std::string& what, DType dtype) {
  if (!is_floating(dtype)) {
    throw InvalidArgument(
        str_cat(what, ": expected a float32 or float64 dtype, received ", name(dtype)));
  }
}

Initializer random_init(std::string kind, std::vector<std::pair<std::string, std::string>> params,
                        std::optional<int64_t> seed,
                        std::function<Output(Graph&, const Shape&, DType)> make) {
  Initializer i{std::move(kind), std::move(params), seed, nullptr};
  const std::string what = i.kind + "_initializer";
  i.make = [what, make = std::move(make)](Graph& g, const Shape& s, DType t) {
    require_float(what, t);
    return make(g, s, t);
  };
  return i;
}

Initializer variance_scaling(std::string kind, double scale, const std::string& mode,
                             const std::string& distribution, std::optional<int64_t> seed) {
  DL_CHECK(scale > 0, "variance_scaling_initializer: scale must be positive, received ", scale);
  DL_CHECK(mode == "fan_in" || mode == "fan_out" || mode == "fan_avg",
           "variance_scaling_initializer: mode must be fan_in, fan_out or fan_avg, received '",
           mode, "'");
  DL_CHECK(distribution == "truncated_normal" || distribution == "normal" ||
               distribution == "untruncated_normal" || distribution == "uniform",
           "variance_scaling_initializer: distribution must be truncated_normal, "
           "untruncated_normal or uniform, received '",
           distribution, "'");
  std::vector<std::pair<std::string, std::string>> params;
  if (kind == "variance_scaling") {
    params = {{"scale", num(scale)}, {"mode", mode}, {"distribution", distribution}};
  }
  return random_init(std::move(kind), std::move(params), seed,
                     [scale, mode, distribution, seed](Graph& g, const Shape& shape, DType t) {
                       const Fans f = compute_fans(shape);
                       double n = mode == "fan_in"    ? f.fan_in
                                  : mode == "fan_out" ? f.fan_out
                                                      : (f.fan_in + f.fan_out) / 2.0;
                       const double s = scale / std::max(1.0, n);
                       if (distribution == "truncated_normal" || distribution == "normal") {
                         // 0.87962566103423978: std of a unit normal truncated to (-2, 2) (TF's
                         // constant).
                         return ops::truncated_normal(g, shape, 0.0,
                                                      std::sqrt(s) / 0.87962566103423978, t, seed);
                       }
                       if (distribution == "untruncated_normal") {
                         return ops::random_normal(g, shape, 0.0, std::sqrt(s), t, seed);
                       }
                       const double limit = std::sqrt(3.0 * s);
                       return ops::random_uniform(g, shape, -limit, limit, t, seed);
                     });
}

}  // namespace

Fans compute_fans(const Shape& shape) {
  const int r = shape.rank();
  if (r < 1) return {1, 1};
  if (r == 1) return {static_cast<double>(shape.dim(0)), static_cast<double>(shape.dim(0))};
  if (r == 2) return {static_cast<double>(shape.dim(0)), static_cast<double>(shape.dim(1))};
  double receptive = 1;
  for (int i = 0; i < r - 2; ++i) receptive *= static_cast<double>(shape.dim(i));
  return {static_cast<double>(shape.dim(r - 2)) * receptive,
          static_cast<double>(shape.dim(r - 1)) * receptive};
}

Initializer zeros_initializer() {
  return {"zeros", {}, std::nullopt, [](Graph& g, const Shape& s, DType t) {
            return ops::zeros(g, s, t, "zeros");
          }};
}

Initializer ones_initializer() {
  return {"ones", {}, std::nullopt, [](Graph& g, const Shape& s, DType t) {
            return ops::ones(g, s, t, "ones");
          }};
}

Initializer constant_initializer(double value) {
  return {"constant",
          {{"value", num(value)}},
          std::nullopt,
          [value](Graph& g, const Shape& s, DType t) {
            return ops::constant(g, Tensor::filled(t, s, value), "Const");
          }};
}

Initializer constant_initializer(std::vector<double> values) {
  std::string shown = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) shown += ",";
    shown += num(values[i]);
  }
  shown += "]";
  return {"constant",
          {{"value", shown}},
          std::nullopt,
          [values = std::move(values)](Graph& g, const Shape& s, DType t) {
            const int64_t n = s.num_elements();
            if (values.size() == 1)
              return ops::constant(g, Tensor::filled(t, s, values[0]), "Const");
            DL_CHECK(static_cast<int64_t>(values.size()) == n,
                     "constant_initializer: ", values.size(), " values given for shape ",
                     s.to_string(), " (", n, " elements)");
            Tensor v(t, s);
            visit_dtype(t, [&](auto tag) {
              using T = decltype(tag);
              T* p = v.data<T>();
              for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(values[static_cast<size_t>(i)]);
            });
            return ops::constant(g, std::move(v), "Const");
          }};
}

Initializer random_uniform_initializer(double minval, double maxval, std::optional<int64_t> seed) {
  return random_init("random_uniform", {{"minval", num(minval)}, {"maxval", num(maxval)}}, seed,
                     [=](Graph& g, const Shape& s, DType t) {
                       return ops::random_uniform(g, s, minval, maxval, t, seed);
                     });
}

Initializer random_normal_initializer(double mean, double stddev, std::optional<int64_t> seed) {
  return random_init("random_normal", {{"mean", num(mean)}, {"stddev", num(stddev)}}, seed,
                     [=](Graph& g, const Shape& s, DType t) {
                       return ops::random_normal(g, s, mean, stddev, t, seed);
                     });
}

Initializer truncated_normal_initializer(double mean, double stddev, std::optional<int64_t> seed) {
  return random_init("truncated_normal", {{"mean", num(mean)}, {"stddev", num(stddev)}}, seed,
                     [=](Graph& g, const Shape& s, DType t) {
                       return ops::truncated_normal(g, s, mean, stddev, t, seed);
                     });
}

Initializer variance_scaling_initializer(double scale, const std::string& mode,
                                         const std::string& distribution,
                                         std::optional<int64_t> seed) {
  return variance_scaling("variance_scaling", scale, mode, distribution, seed);
}
Initializer glorot_uniform_initializer(std::optional<int64_t> seed) {
  return variance_scaling("glorot_uniform", 1.0, "fan_avg", "uniform", seed);
}
Initializer glorot_normal_initializer(std::optional<int64_t> seed) {
  return variance_scaling("glorot_normal", 1.0, "fan_avg", "truncated_normal", seed);
}
Initializer he_normal(std::optional<int64_t> seed) {
  return variance_scaling("he_normal", 2.0, "fan_in", "truncated_normal", seed);
}
Initializer he_uniform(std::optional<int64_t> seed) {
  return variance_scaling("he_uniform", 2.0, "fan_in", "uniform", seed);
}
Initializer lecun_normal(std::optional<int64_t> seed) {
  return variance_scaling("lecun_normal", 1.0, "fan_in", "truncated_normal", seed);
}
Initializer lecun_uniform(std::optional<int64_t> seed) {
  return variance_scaling("lecun_uniform", 1.0, "fan_in", "uniform", seed);
}

}  // namespace init

Variable get_variable(Graph& g, const std::string& name, const Shape& shape,
                      const GetVariableOptions& o) {
  DL_CHECK(!name.empty(), "get_variable: the name is empty");
  const std::string full = g.current_name_scope() + name;
  if (g.unique_name(full, false) != full) {
    throw InvalidArgument(str_cat("get_variable: variable '", full,
                                  "' already exists (or the name is taken by a node or scope); dl "
                                  "has no variable reuse: pass the Variable around to share it"));
  }
  DL_CHECK(shape.is_fully_defined(), "get_variable '", full,
           "': the shape must be fully defined, received ", shape.to_string());
  Initializer init = o.initializer          ? *o.initializer
                     : is_floating(o.dtype) ? init::glorot_uniform_initializer()
                                            : init::zeros_initializer();
  Output initial;
  {
    NameScope scope(g, full + "/Initializer/");
    initial = init(g, shape, o.dtype);
  }
  if (initial.dtype() != o.dtype || initial.shape() != shape) {
    throw InvalidArgument(str_cat("get_variable '", full, "': initializer ", init.description(),
                                  " made ", initial.spec().to_string(), ", expected ",
                                  TensorSpec{o.dtype, shape}.to_string()));
  }
  Variable v(initial, {.trainable = o.trainable, .name = name, .collections = o.collections});
  DL_ASSERT(v.name() == full);
  if (o.regularizer) {
    NameScope scope(g, full + "/Regularizer/");
    Output loss = o.regularizer(v);
    if (loss) g.add_to_collection(GraphKeys::REGULARIZATION_LOSSES, loss.node);
  }
  return v;
}

}  // namespace dl
