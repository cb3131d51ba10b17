// One LeNet-5 training step (seed 001's graph: tf.layers conv/pool/dense, sparse softmax
// cross-entropy, MomentumOptimizer(0.01, 0.9)) at batch 64 on random data, and the forward
// pass alone. bench/compare_lenet_step.py runs the same step in PyTorch and TensorFlow.
#include <benchmark/benchmark.h>

#include "dl/graph/layers.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/variable.h"

namespace {

struct LeNet {
  dl::Graph g;
  dl::Output X, y, logits, loss;
  dl::Node* train = nullptr;

  LeNet() {
    g.set_random_seed(0);
    X = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, 28, 28, 1}), "X");
    y = dl::ops::placeholder(g, dl::DType::i32, dl::Shape({-1}), "y");
    auto h = dl::ops::tanh(dl::layers::conv2d(X, 20, {5}));
    h = dl::layers::max_pooling2d(h, {2}, {2});
    h = dl::ops::tanh(dl::layers::conv2d(h, 50, {5}));
    h = dl::layers::max_pooling2d(h, {2}, {2});
    h = dl::ops::reshape(h, dl::Shape({-1, 800}));
    h = dl::layers::dense(h, 500, {.activation = dl::ops::tanh});
    logits = dl::layers::dense(h, 10, {.name = "output"});
    loss = dl::ops::reduce_mean(dl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
    train = dl::train::MomentumOptimizer(0.01, 0.9).minimize(loss);
  }
};

dl::Tensor random_images(int64_t n) {
  dl::Tensor t(dl::DType::f32, dl::Shape({n, 28, 28, 1}));
  uint32_t s = 12345;
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.data<float>()[i] = static_cast<float>(s >> 8) / 16777216.0f;
  }
  return t;
}

dl::Tensor random_labels(int64_t n) {
  dl::Tensor t(dl::DType::i32, dl::Shape({n}));
  for (int64_t i = 0; i < n; ++i) t.data<int32_t>()[i] = static_cast<int32_t>((i * 7) % 10);
  return t;
}

void BM_LeNetTrainStep(benchmark::State& state) {
  LeNet net;
  dl::Session sess(net.g, {.remapping = state.range(1) != 0});
  sess.run(dl::global_variables_initializer(net.g));
  const int64_t batch = state.range(0);
  const dl::FeedDict feeds{{net.X, random_images(batch)}, {net.y, random_labels(batch)}};
  for (int i = 0; i < 3; ++i) sess.run(feeds, {net.loss}, {net.train});
  for (auto _ : state) {
    auto out = sess.run(feeds, {net.loss}, {net.train});
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_LeNetTrainStep)
    ->ArgsProduct({{64}, {1, 0}})
    ->ArgNames({"batch", "remapping"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_LeNetForward(benchmark::State& state) {
  LeNet net;
  dl::Session sess(net.g, {.remapping = state.range(1) != 0});
  sess.run(dl::global_variables_initializer(net.g));
  const int64_t batch = state.range(0);
  const dl::FeedDict feeds{{net.X, random_images(batch)}};
  for (int i = 0; i < 3; ++i) sess.run(feeds, {net.logits});
  for (auto _ : state) {
    auto out = sess.run(feeds, {net.logits});
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_LeNetForward)
    ->ArgsProduct({{64}, {1, 0}})
    ->ArgNames({"batch", "remapping"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
