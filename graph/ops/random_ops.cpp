#include "dl/graph/ops/random_ops.h"

#include <random>

#include "dl/core/dtype_visit.h"
#include "dl/graph/op_registry.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/parallel.h"

namespace dl {
namespace {

std::vector<TensorSpec> infer_random(InferContext& c) {
  const Shape& s = c.attrs.get<Shape>("shape");
  if (!s.is_fully_defined()) c.fail("the shape must be fully defined, received " + s.to_string());
  const DType t = c.attrs.get<DType>("dtype");
  if (!is_floating(t)) c.fail(str_cat("dtype must be float32 or float64, received ", name(t)));
  return {{t, s}};
}

template <int Kind>
void random_kernel(KernelContext& c) {
  const RandomStream rs = c.run.random_stream(c.node);
  Tensor& o = c.output(0);
  visit_float_dtype(o.dtype(), "random", [&](auto tag) {
    using T = decltype(tag);
    T* p = o.data<T>();
    const int64_t n = o.num_elements();
    detail::parallel_for(n, [&](int64_t i) {
      const auto u = static_cast<uint64_t>(i);
      if constexpr (Kind == 0) {
        p[i] = std::is_same_v<T, float> ? static_cast<T>(rs.uniform(u))
                                        : static_cast<T>(rs.uniform_double(u));
      } else if constexpr (Kind == 1) {
        p[i] = static_cast<T>(rs.normal(u));
      } else {
        p[i] = static_cast<T>(rs.truncated_normal(u));
      }
    });
  });
}

}  // namespace

void register_random_ops(OpRegistry& r) {
  for (const char* n : {"RandomUniform", "RandomStandardNormal", "TruncatedNormal"}) {
    OpDef d(n);
    d.outputs({"output"})
        .attr("shape", Shape{})
        .attr("dtype", DType::f32)
        .attr("seed", int64_t{0})
        .attr("seed2", int64_t{0})
        .infer(infer_random)
        .is_stateful()
        .not_differentiable();
    if (std::string(n) == "RandomUniform") d.reference(random_kernel<0>);
    if (std::string(n) == "RandomStandardNormal") d.reference(random_kernel<1>);
    if (std::string(n) == "TruncatedNormal") d.reference(random_kernel<2>);
    r.add(std::move(d));
  }
}

namespace ops {

std::pair<int64_t, int64_t> get_seed(const Graph& g, std::optional<int64_t> op_seed,
                                     const std::string& node_name) {
  std::optional<int64_t> graph_seed = g.random_seed();
  int64_t s1, s2;
  if (graph_seed && op_seed) {
    s1 = *graph_seed;
    s2 = *op_seed;
  } else if (graph_seed) {
    s1 = *graph_seed;
    s2 = seed_from_name(node_name);
  } else if (op_seed) {
    s1 = kDefaultGraphSeed;
    s2 = *op_seed;
  } else {
    std::random_device rd;
    s1 = rd() & 0x7fffffff;
    s2 = rd() & 0x7fffffff;
  }
  if (s1 == 0 && s2 == 0) s2 = 0x7fffffff;  // TF: (0, 0) would mean "unseeded"
  return {s1, s2};
}

Output random_raw(Graph& g, const std::string& op, Shape shape, DType dtype,
                  std::optional<int64_t> seed, const std::string& name) {
  const std::string full = g.unique_name(g.current_name_scope() + name, false);
  auto [s1, s2] = get_seed(g, seed, full);
  return g
      .add_node(op, name, {},
                {{"shape", std::move(shape)}, {"dtype", dtype}, {"seed", s1}, {"seed2", s2}})
      ->output(0);
}

Output random_uniform(Graph& g, Shape shape, double minval, double maxval, DType dtype,
                      std::optional<int64_t> seed, const std::string& name) {
  NameScope scope(g, name);
  Output u = random_raw(g, "RandomUniform", std::move(shape), dtype, seed, "RandomUniform");
  if (minval == 0.0 && maxval == 1.0) return u;
  return ops::add(u * (maxval - minval), scalar(g, minval, dtype, "min"), "random_uniform");
}

Output random_normal(Graph& g, Shape shape, double mean, double stddev, DType dtype,
                     std::optional<int64_t> seed, const std::string& name) {
  NameScope scope(g, name);
  Output z =
      random_raw(g, "RandomStandardNormal", std::move(shape), dtype, seed, "RandomStandardNormal");
  if (mean == 0.0 && stddev == 1.0) return z;
  return ops::add(z * stddev, scalar(g, mean, dtype, "mean"), "random_normal");
}

Output truncated_normal(Graph& g, Shape shape, double mean, double stddev, DType dtype,
                        std::optional<int64_t> seed, const std::string& name) {
  NameScope scope(g, name);
  Output z = random_raw(g, "TruncatedNormal", std::move(shape), dtype, seed, "TruncatedNormal");
  if (mean == 0.0 && stddev == 1.0) return z;
  return ops::add(z * stddev, scalar(g, mean, dtype, "mean"), "truncated_normal");
}

}  // namespace ops
}  // namespace dl
