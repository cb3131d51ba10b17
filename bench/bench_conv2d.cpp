// Conv2D forward, backward-data (Conv2DBackpropInput) and backward-weights
// (Conv2DBackpropFilter) kernels, timed alone (no Session): the kernel is built once for the
// concrete shapes, as a plan does, and compute() is timed. Reported as GFLOP/s (2 * N * OH * OW *
// OC * KH * KW * IC per call, the same count for the three directions).
//
// Shapes: LeNet-5 with batch 64 (28x28x1 -> 20@5x5, 12x12x20 -> 50@5x5, VALID) and ResNet-50
// layers with batch 8. Implementations: onednn (the default layout policy), onednn_user (NHWC /
// HWIO given to oneDNN directly), onednn_wany (NHWC data, weights layout chosen by oneDNN),
// onednn_any (every layout chosen by oneDNN, with reorders), ref (the reference kernel). The
// policy variants and ref run on the LeNet shapes only; they chose the default per direction
// (kernels/onednn/onednn_context.cpp).
//
// With OMP_NUM_THREADS=1 the rates come from process CPU time, which other load on the machine
// disturbs less than wall time; with more threads, from wall time.
//
// Names: BM_Conv2D/<direction>/<impl>/<shape>.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/threading.h"

namespace {

using namespace dl;

struct ConvProblem {
  const char* name;
  int64_t n, h, w, c, k, o, stride;
  const char* padding;
};

enum class Direction { forward, backward_data, backward_weights };

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::forward:
      return "fwd";
    case Direction::backward_data:
      return "bwd_data";
    case Direction::backward_weights:
      return "bwd_weights";
  }
  return "";
}

void bench_conv(benchmark::State& state, ConvProblem p, Direction dir, std::string impl) {
  if (impl == "onednn_user") onednn::set_conv_layout(onednn::ConvLayout::user);
  if (impl == "onednn_wany") onednn::set_conv_layout(onednn::ConvLayout::weights_any);
  if (impl == "onednn_any") onednn::set_conv_layout(onednn::ConvLayout::any);
  Graph g;
  const Shape xs({p.n, p.h, p.w, p.c}), ws({p.k, p.k, p.c, p.o});
  const std::vector<int64_t> strides{1, p.stride, p.stride, 1};
  Output x = ops::placeholder(g, DType::f32, xs, "x");
  Output w = ops::placeholder(g, DType::f32, ws, "w");
  Output y = nn::conv2d(x, w, strides, p.padding);
  Output dy = ops::placeholder(g, DType::f32, y.shape(), "dy");
  Output op = y;
  if (dir == Direction::backward_data) {
    op = nn::conv2d_backprop_input(xs, w, dy, strides, p.padding);
  } else if (dir == Direction::backward_weights) {
    op = nn::conv2d_backprop_filter(x, ws, dy, strides, p.padding);
  }
  bench::KernelRun run(*op.node, impl == "ref" ? "ref" : "onednn:");
  onednn::set_conv_layout(std::nullopt);
  if (!run.error().empty()) {
    state.SkipWithError(run.error().c_str());
    return;
  }
  run.compute();  // warm-up
  for (auto _ : state) {
    run.compute();
    benchmark::ClobberMemory();
  }
  const double flops =
      2.0 * static_cast<double>(p.n * y.shape().dim(1) * y.shape().dim(2) * p.o * p.k * p.k * p.c);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(str_cat(p.n, "x", p.h, "x", p.w, "x", p.c, " -> ", p.o, "@", p.k, "x", p.k, " s",
                         p.stride, " ", p.padding));
}

const ConvProblem kLeNet[] = {
    {"lenet_conv1", 64, 28, 28, 1, 5, 20, 1, "VALID"},
    {"lenet_conv2", 64, 12, 12, 20, 5, 50, 1, "VALID"},
};
const ConvProblem kResNet[] = {
    {"resnet_56x56x64_3x3x64", 8, 56, 56, 64, 3, 64, 1, "SAME"},
    {"resnet_56x56x64_1x1x256", 8, 56, 56, 64, 1, 256, 1, "SAME"},
    {"resnet_28x28x128_3x3x128", 8, 28, 28, 128, 3, 128, 1, "SAME"},
    {"resnet_224x224x3_7x7x64_s2", 8, 224, 224, 3, 7, 64, 2, "SAME"},
};

int register_all() {
  // One thread: rates from the process CPU time, which a busy machine disturbs less than wall
  // time. Several threads: rates from wall time.
  const bool cpu_time = intra_op_threads() == 1;
  for (Direction d : {Direction::forward, Direction::backward_data, Direction::backward_weights}) {
    auto add = [&](const ConvProblem& p, const char* impl) {
      auto* b = benchmark::RegisterBenchmark(
                    str_cat("BM_Conv2D/", direction_name(d), "/", impl, "/", p.name).c_str(),
                    bench_conv, p, d, std::string(impl))
                    ->Unit(benchmark::kMillisecond)
                    ->MeasureProcessCPUTime()
                    ->MinTime(0.3);
      if (!cpu_time) b->UseRealTime();
    };
    for (const ConvProblem& p : kLeNet) {
      add(p, "onednn");
      add(p, "onednn_user");
      add(p, "onednn_wany");
      add(p, "onednn_any");
      add(p, "ref");
    }
    for (const ConvProblem& p : kResNet) {
      add(p, "onednn");
      add(p, "onednn_user");
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
