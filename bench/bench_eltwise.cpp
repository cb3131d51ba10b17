// Eltwise activations (Relu, Tanh, Sigmoid, Elu), float32: the oneDNN kernel (built even where it
// would decline) against the reference kernel, timed alone for several sizes, to place the size
// below which the oneDNN kernels decline (kernels/onednn/onednn_eltwise.cpp).
// Names: BM_Eltwise/<op>/<impl>/<elements>; "Gelem/s" is elements per second / 1e9.
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace {

using namespace dl;

void bench_eltwise(benchmark::State& state, std::string op, std::string impl) {
  const int64_t n = state.range(0);
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({n}), "x");
  Node* node = g.add_node(op, op, {x});
  bench::KernelRun run(*node, impl, /*force=*/true);
  if (!run.error().empty()) {
    state.SkipWithError(run.error().c_str());
    return;
  }
  run.compute();
  for (auto _ : state) {
    run.compute();
    benchmark::ClobberMemory();
  }
  state.counters["Gelem/s"] = benchmark::Counter(static_cast<double>(n) / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

int register_all() {
  for (const char* op : {"Relu", "Tanh", "Sigmoid", "Elu"}) {
    for (const char* impl : {"onednn:", "ref"}) {
      benchmark::RegisterBenchmark(
          str_cat("BM_Eltwise/", op, "/", impl[0] == 'r' ? "ref" : "onednn").c_str(), bench_eltwise,
          std::string(op), std::string(impl))
          ->RangeMultiplier(4)
          ->Range(1024, 1 << 20)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
