// MatMul through a Session (so the executor's choice of kernel is what is measured): the dense
// layers of LeNet (forward and both backward products) and square sizes. GFLOP/s in "flops".
#include <benchmark/benchmark.h>

#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/kernels/kernel_registry.h"

namespace {

void BM_MatMul(benchmark::State& state) {
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const bool reference = state.range(3) != 0;
  dl::KernelRegistry::global().set_reference_only(reference);
  dl::Graph g;
  auto a = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({m, k}), "a");
  auto b = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({k, n}), "b");
  auto c = dl::ops::matmul(a, b);
  dl::Session sess(g);
  const dl::FeedDict feeds{{a, dl::Tensor::filled(dl::DType::f32, dl::Shape({m, k}), 0.5)},
                           {b, dl::Tensor::filled(dl::DType::f32, dl::Shape({k, n}), 0.25)}};
  sess.run(feeds, {c});
  for (auto _ : state) {
    auto out = sess.run(feeds, {c});
    benchmark::DoNotOptimize(out);
  }
  dl::KernelRegistry::global().set_reference_only(false);
  state.counters["flops"] = benchmark::Counter(2.0 * static_cast<double>(m * n * k),
                                               benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(reference ? "ref" : "fast");
}
BENCHMARK(BM_MatMul)
    ->Args({64, 800, 500, 0})
    ->Args({64, 500, 10, 0})
    ->Args({800, 64, 500, 0})
    ->Args({512, 512, 512, 0})
    ->Args({64, 800, 500, 1})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
