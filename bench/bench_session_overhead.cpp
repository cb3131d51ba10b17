// Session overhead per op: a chain of N tiny element-wise ops on a one-element tensor, so the
// time is almost all executor work (plan lookup, feed binding, kernel dispatch, fetch copy).
// Reported as ns per op in the "ns_per_op" counter. Target: at most 1 microsecond per op.
#include <benchmark/benchmark.h>

#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"

namespace {

void BM_SessionOverheadChain(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  dl::Graph g;
  dl::Output x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({1}), "x");
  dl::Output one = dl::ops::constant(g, {1.0f}, dl::Shape({1}), "one");
  dl::Output y = x;
  for (int i = 0; i < n; ++i) y = dl::ops::add(y, one);
  dl::Session sess(g);
  dl::Tensor feed = dl::Tensor::from_vector<float>(dl::Shape({1}), {0.0f});
  const dl::FeedDict feeds{{x, feed}};
  sess.run(feeds, {y});  // plan and specialise once
  for (auto _ : state) {
    auto out = sess.run(feeds, {y});
    benchmark::DoNotOptimize(out);
  }
  state.counters["ns_per_op"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}
BENCHMARK(BM_SessionOverheadChain)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_SessionOverheadCallable(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  dl::Graph g;
  dl::Output x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({1}), "x");
  dl::Output one = dl::ops::constant(g, {1.0f}, dl::Shape({1}), "one");
  dl::Output y = x;
  for (int i = 0; i < n; ++i) y = dl::ops::add(y, one);
  dl::Session sess(g);
  dl::Callable call = sess.make_callable({x}, {y});
  const std::vector<dl::Tensor> feeds{dl::Tensor::from_vector<float>(dl::Shape({1}), {0.0f})};
  call(feeds);
  for (auto _ : state) {
    auto out = call(feeds);
    benchmark::DoNotOptimize(out);
  }
  state.counters["ns_per_op"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}
BENCHMARK(BM_SessionOverheadCallable)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
