// The JPEG input pipeline of seed 003 (read, decode_jpeg, resize to 128x128, to_float / 255,
// shuffle(5000), batch(128)):
//  - BM_DecodeResize: one 128x128 JPEG decoded and resized, per image;
//  - BM_JpegPipeline/<map threads>/<prefetch>: images per second through a whole epoch;
//  - BM_TrainStepWait/<map threads>/<prefetch>/<units>/<batch>: a light training step (a linear
//    layer 128*128*3 -> units and its gradient step, one intra-op thread) fed from the pipeline
//    batched by <batch> (the other benchmarks batch by 128); the "wait_fraction" counter is
//    the share of the wall time spent in Iterator::next(), i.e. waiting for input (target with
//    prefetch: under 5%), "step_ms" the step alone;
//  - BM_Seed003StepWait/<map threads>/<prefetch>: the same with seed 003's own model (two
//    8x8 convolutions with max pooling, dense 16, dense 11, sparse softmax cross-entropy,
//    Adam), built with tf.layers.
// The images are made once from Fashion-MNIST (as tools/make_image_folder does), tinted and
// with noise so that they compress like photographs, and removed at exit.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "dl/core/data/dataset.h"
#include "dl/core/io/fashion_mnist.h"
#include "dl/core/io/file_util.h"
#include "dl/core/io/image.h"
#include "dl/graph/data_feed.h"
#include "dl/graph/gradients.h"
#include "dl/graph/layers.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/train/adam.h"
#include "dl/graph/variable.h"

namespace {

namespace fs = std::filesystem;
using dl::data::Dataset;
using dl::data::Element;

constexpr int kImages = 512;
constexpr int64_t kSide = 128;
constexpr int64_t kBatch = 128;

struct JpegFolder {
  std::vector<std::string> paths;
  dl::Tensor labels;
  fs::path dir;
  JpegFolder() {
    dir = fs::temp_directory_path() / ("dl_bench_jpeg_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    dl::Tensor x, y;
    try {
      auto fm = dl::io::load_fashion_mnist();
      x = fm.x_train;
      y = fm.y_train;
    } catch (const dl::Error&) {  // no Fashion-MNIST: noise images
      x = dl::Tensor::zeros(dl::DType::u8, dl::Shape({kImages, 28, 28}));
      y = dl::Tensor::zeros(dl::DType::u8, dl::Shape({kImages}));
    }
    std::mt19937 rng(1);
    std::vector<int32_t> ys;
    for (int i = 0; i < kImages; ++i) {
      dl::Tensor g = dl::io::resize(x.slice_rows(i, i + 1).reshaped(dl::Shape({28, 28, 1})), kSide,
                                    kSide, "bilinear");
      dl::Tensor rgb(dl::DType::u8, dl::Shape({kSide, kSide, 3}));
      for (int64_t p = 0; p < kSide * kSide; ++p) {
        for (int c = 0; c < 3; ++c) {
          const float v = g.data<float>()[p] * (0.6f + 0.2f * static_cast<float>(c)) +
                          static_cast<float>(rng() % 32);
          rgb.data<uint8_t>()[3 * p + c] = static_cast<uint8_t>(std::min(v, 255.0f));
        }
      }
      paths.push_back((dir / (std::to_string(i) + ".jpg")).string());
      dl::io::write_file_atomically(paths.back(), dl::io::encode_jpeg(rgb, 90));
      ys.push_back(y.data<uint8_t>()[i]);
    }
    labels = dl::Tensor::from_vector<int32_t>(dl::Shape({kImages}), ys);
  }
  ~JpegFolder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const JpegFolder& folder() {
  static JpegFolder f;
  return f;
}

// Seed 003's map_fn: read_file, decode_jpeg, resize to 128x128 (TF2 bilinear), to_float / 255.
Element load(Element e) {
  dl::Tensor img = dl::io::decode_jpeg(dl::io::read_file(dl::data::tensor_string(e[0])));
  img = dl::io::resize(img, kSide, kSide, "bilinear");
  // Through a local pointer the division vectorises (10 us per image); calling data<float>()
  // inside the loop kept it scalar: 41-53 us per image, half the cost of decoding it.
  float* p = img.data<float>();
  for (int64_t i = 0, n = img.num_elements(); i < n; ++i) p[i] /= 255.0f;
  return {img, e[1]};
}

Dataset pipeline(int threads, bool prefetch, bool repeat, int64_t batch = kBatch) {
  const JpegFolder& f = folder();
  Dataset ds =
      Dataset::zip({Dataset::from_strings(f.paths), Dataset::from_tensor_slices({f.labels})})
          .map(load, threads)
          .shuffle(5000, 42)
          .batch(batch);
  if (repeat) ds = ds.repeat();
  return prefetch ? ds.prefetch(2) : ds;
}

void BM_DecodeResize(benchmark::State& state) {
  const JpegFolder& f = folder();
  const std::string bytes = dl::io::read_file(f.paths[0]);
  for (auto _ : state) {
    dl::Tensor img = dl::io::resize(dl::io::decode_jpeg(bytes), kSide, kSide, "bilinear");
    benchmark::DoNotOptimize(img.raw_data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeResize)->Unit(benchmark::kMicrosecond);

void BM_JpegPipeline(benchmark::State& state) {
  const Dataset ds = pipeline(static_cast<int>(state.range(0)), state.range(1) != 0, false);
  int64_t images = 0;
  for (auto _ : state) {
    dl::data::Iterator it = ds.make_iterator();
    while (auto b = it.next()) images += (*b)[0].shape().dim(0);
  }
  state.SetItemsProcessed(images);
}
BENCHMARK(BM_JpegPipeline)
    ->ArgNames({"threads", "prefetch"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Runs `train` on batches from the pipeline and reports how much of the wall time went to
// waiting for the next batch.
void measure_wait(benchmark::State& state, dl::Session& sess, dl::Output x, dl::Output y,
                  dl::Node* train, int64_t batch = kBatch) {
  dl::DataFeed feed(pipeline(static_cast<int>(state.range(0)), state.range(1) != 0, true, batch),
                    {x, y});
  sess.run(feed.next(), {}, {train});  // the first batch (the shuffle buffer fills) and the plan
  double wait_s = 0, step_s = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    dl::FeedDict feeds = feed.next();
    const auto t1 = std::chrono::steady_clock::now();
    sess.run(feeds, {}, {train});
    const auto t2 = std::chrono::steady_clock::now();
    wait_s += std::chrono::duration<double>(t1 - t0).count();
    step_s += std::chrono::duration<double>(t2 - t1).count();
  }
  state.counters["wait_fraction"] = wait_s / (wait_s + step_s);
  state.counters["step_ms"] = 1e3 * step_s / static_cast<double>(state.iterations());
  state.counters["wait_ms"] = 1e3 * wait_s / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_TrainStepWait(benchmark::State& state) {
  dl::Graph g;
  dl::Output x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, kSide, kSide, 3}), "x");
  dl::Output y = dl::ops::placeholder(g, dl::DType::i32, dl::Shape({-1}), "y");
  const int64_t units = state.range(2);
  dl::Variable w(dl::ops::zeros(g, dl::Shape({kSide * kSide * 3, units})), {.name = "w"});
  dl::Output h = dl::ops::matmul(dl::ops::reshape(x, dl::Shape({-1, kSide * kSide * 3})), w);
  dl::Output loss = dl::ops::reduce_mean(dl::ops::square(h));
  dl::Node* train = w.assign_sub(dl::gradients({loss}, {w})[0] * 1e-9).node;
  dl::Session sess(g, {.intra_op_threads = 1});
  sess.run(dl::global_variables_initializer(g));
  measure_wait(state, sess, x, y, train, state.range(3));
}
BENCHMARK(BM_TrainStepWait)
    ->ArgNames({"threads", "prefetch", "units", "batch"})
    ->Args({1, 0, 16, 128})
    ->Args({1, 1, 16, 128})
    ->Args({2, 1, 16, 128})
    ->Args({1, 1, 16, 16})
    ->Args({2, 1, 16, 16})
    ->Args({1, 0, 128, 128})
    ->Args({1, 1, 128, 128})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3.0);

void BM_Seed003StepWait(benchmark::State& state) {
  namespace L = dl::layers;
  dl::Graph g;
  dl::Output x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, kSide, kSide, 3}), "x");
  dl::Output y = dl::ops::placeholder(g, dl::DType::i32, dl::Shape({-1}), "y");
  const L::ConvOptions conv{.padding = "same", .activation = dl::nn::relu};
  dl::Output h = L::conv2d(x, 4, {8, 8}, conv);
  h = L::max_pooling2d(h, {2, 2}, {2, 2}, "same");
  h = L::conv2d(h, 8, {8, 8}, conv);
  h = L::max_pooling2d(h, {2, 2}, {2, 2}, "same");
  h = L::dense(L::flatten(h), 16, {.activation = dl::nn::relu});
  dl::Output logits = L::dense(h, 11);
  dl::Output loss =
      dl::ops::reduce_mean(dl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  dl::Node* train = dl::train::AdamOptimizer().minimize(loss);
  dl::Session sess(g);
  sess.run(dl::global_variables_initializer(g));
  measure_wait(state, sess, x, y, train);
}
BENCHMARK(BM_Seed003StepWait)
    ->ArgNames({"threads", "prefetch"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(5.0);

}  // namespace
