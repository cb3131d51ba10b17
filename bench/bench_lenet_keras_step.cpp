// Seed 001's Keras LeNet (docs/examples/lenet_keras.cpp: Conv2D(20, 5, tanh), MaxPooling2D,
// Conv2D(50, 5, tanh), MaxPooling2D, Flatten, Dense(500, tanh), Dense(10, softmax);
// SGD(0.01, momentum 0.9), categorical cross-entropy, metric accuracy) at batch 64 on the same
// random data as bench_lenet_step.cpp, for the target "the Keras tier's step time within 2% of
// the same model written in the graph tier" (compare with BM_LeNetTrainStep):
//  - BM_KerasLeNetTrainOnBatch: model.train_on_batch(x, y), the Callable that fit() runs per
//    step (loss and accuracy fetched) plus train_on_batch's checks of its arguments;
//  - BM_KerasLeNetSessionRun: the graph that compile() built, run as BM_LeNetTrainStep runs
//    its graph (Session::run, loss fetched, train op as target);
//  - BM_LeNetOneHotTrainStep: the graph tier by hand with the Keras model's loss (one-hot
//    labels, softmax_cross_entropy_with_logits_v2 on the logits) and MomentumOptimizer.
#include <benchmark/benchmark.h>

#include <memory>

#include "dl/graph/layers.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/variable.h"
#include "dl/highlevel/keras.h"

namespace {

// The same pattern as bench_lenet_step.cpp's random_images / random_labels.
dl::Tensor random_images(int64_t n) {
  dl::Tensor t(dl::DType::f32, dl::Shape({n, 28, 28, 1}));
  uint32_t s = 12345;
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.data<float>()[i] = static_cast<float>(s >> 8) / 16777216.0f;
  }
  return t;
}

dl::Tensor one_hot_labels(int64_t n) {
  dl::Tensor t = dl::Tensor::zeros(dl::DType::f32, dl::Shape({n, 10}));
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i * 10 + (i * 7) % 10] = 1.0f;
  return t;
}

std::unique_ptr<dl::keras::Sequential> keras_lenet() {
  namespace keras = dl::keras;
  using namespace dl::keras::layers;
  keras::backend::clear_session();
  keras::utils::set_random_seed(0);
  auto model = std::make_unique<keras::Sequential>();
  model->add(Conv2D(20, {5, 5}, {.activation = "tanh", .input_shape = {28, 28, 1}}));
  model->add(MaxPooling2D({2, 2}, {.strides = {2, 2}}));
  model->add(Conv2D(50, {5, 5}, {.activation = "tanh"}));
  model->add(MaxPooling2D({2, 2}, {.strides = {2, 2}}));
  model->add(Flatten());
  model->add(Dense(500, {.activation = "tanh"}));
  model->add(Dense(10, {.activation = "softmax"}));
  model->compile({.optimizer = keras::optimizers::SGD({.learning_rate = 0.01, .momentum = 0.9}),
                  .loss = "categorical_crossentropy",
                  .metrics = {"accuracy"}});
  return model;
}

void BM_KerasLeNetTrainOnBatch(benchmark::State& state) {
  auto model = keras_lenet();
  const int64_t batch = state.range(0);
  const dl::Tensor x = random_images(batch);
  const dl::Tensor y = one_hot_labels(batch);
  for (int i = 0; i < 3; ++i) model->train_on_batch(x, y);
  for (auto _ : state) {
    auto out = model->train_on_batch(x, y);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_KerasLeNetTrainOnBatch)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_KerasLeNetSessionRun(benchmark::State& state) {
  auto model = keras_lenet();
  const dl::keras::TrainingGraph& tg = model->training_graph();
  dl::Session& sess = model->session();
  const int64_t batch = state.range(0);
  const dl::FeedDict feeds{{tg.inputs[0], random_images(batch)},
                           {tg.targets[0], one_hot_labels(batch)}};
  for (int i = 0; i < 3; ++i) sess.run(feeds, {tg.loss}, {tg.train_op});
  for (auto _ : state) {
    auto out = sess.run(feeds, {tg.loss}, {tg.train_op});
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_KerasLeNetSessionRun)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LeNetOneHotTrainStep(benchmark::State& state) {
  dl::Graph g;
  g.set_random_seed(0);
  auto X = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, 28, 28, 1}), "X");
  auto y = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, 10}), "y");
  auto h = dl::ops::tanh(dl::layers::conv2d(X, 20, {5}));
  h = dl::layers::max_pooling2d(h, {2}, {2});
  h = dl::ops::tanh(dl::layers::conv2d(h, 50, {5}));
  h = dl::layers::max_pooling2d(h, {2}, {2});
  h = dl::ops::reshape(h, dl::Shape({-1, 800}));
  h = dl::layers::dense(h, 500, {.activation = dl::ops::tanh});
  auto logits = dl::layers::dense(h, 10, {.name = "output"});
  auto loss = dl::ops::reduce_mean(dl::nn::softmax_cross_entropy_with_logits_v2(y, logits));
  dl::Node* train = dl::train::MomentumOptimizer(0.01, 0.9).minimize(loss);
  dl::Session sess(g);
  sess.run(dl::global_variables_initializer(g));
  const int64_t batch = state.range(0);
  const dl::FeedDict feeds{{X, random_images(batch)}, {y, one_hot_labels(batch)}};
  for (int i = 0; i < 3; ++i) sess.run(feeds, {loss}, {train});
  for (auto _ : state) {
    auto out = sess.run(feeds, {loss}, {train});
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_LeNetOneHotTrainStep)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
