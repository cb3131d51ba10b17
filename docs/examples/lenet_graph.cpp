// Seed 001 in the graph tier: LeNet-5 written as its author wrote it with tf.layers, trained on
// Fashion-MNIST with MomentumOptimizer(0.01, 0.9), batch 64, mean sparse softmax cross-entropy.
//
//   lenet_graph [--epochs 2] [--batch 64] [--seed 0] [--threads 0] [--steps N] [--test-limit N]
//               [--profile N] [--profile-nodes 0|1] [--remapping 1|0]
//
// --profile N times N traced steps after training, per op type and kernel (per node with
// --profile-nodes 1); --remapping 0 runs every node by its own kernel (no Conv2D + BiasAdd +
// Tanh fusion; SessionOptions::remapping).
// --steps stops each epoch after N steps (CI runs a short schedule and checks that the loss
// falls); --test-limit evaluates on the first N test images. Each epoch reshuffles the training
// set with a permutation drawn from --seed, and keeps the last partial batch. Prints one line
// per epoch and a final JSON line with the test accuracy and timings.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <string>

#include "dl/core/io/fashion_mnist.h"
#include "dl/graph/layers.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/variable.h"

namespace {

constexpr int kClasses = 10;

struct Args {
  int epochs = 2, batch = 64, threads = 0, steps = 0, test_limit = 0, profile = 0;
  int profile_nodes = 0, remapping = 1;
  uint64_t seed = 0;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--epochs")
      a.epochs = v;
    else if (k == "--batch")
      a.batch = v;
    else if (k == "--threads")
      a.threads = v;
    else if (k == "--steps")
      a.steps = v;
    else if (k == "--test-limit")
      a.test_limit = v;
    else if (k == "--seed")
      a.seed = static_cast<uint64_t>(v);
    else if (k == "--profile")
      a.profile = v;
    else if (k == "--profile-nodes")
      a.profile_nodes = v;
    else if (k == "--remapping")
      a.remapping = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

// Rows `idx` of uint8 images [N,28,28] as float32 [n,28,28,1] scaled to [0,1], and their labels.
void make_batch(const dl::Tensor& images, const dl::Tensor& labels, const int64_t* idx, int64_t n,
                dl::Tensor& xb, dl::Tensor& yb) {
  constexpr int64_t kPixels = 28 * 28;
  if (!xb.valid() || xb.shape().dim(0) != n) {
    xb = dl::Tensor(dl::DType::f32, dl::Shape({n, 28, 28, 1}));
    yb = dl::Tensor(dl::DType::i32, dl::Shape({n}));
  }
  const uint8_t* src = images.data<uint8_t>();
  float* dst = xb.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* row = src + idx[i] * kPixels;
    for (int64_t p = 0; p < kPixels; ++p)
      dst[i * kPixels + p] = static_cast<float>(row[p]) / 255.0f;
    yb.data<int32_t>()[i] = labels.data<uint8_t>()[idx[i]];
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const dl::io::FashionMnist data = dl::io::load_fashion_mnist();

  dl::Graph g;
  g.set_random_seed(static_cast<int64_t>(args.seed));
  auto X = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, 28, 28, 1}), "X");
  auto y = dl::ops::placeholder(g, dl::DType::i32, dl::Shape({-1}), "y");

  // create_model(), as in the report
  auto conv1 = dl::layers::conv2d(X, 20, {5}, {.strides = {1}, .padding = "valid"});
  auto tanh1 = dl::ops::tanh(conv1);
  auto pool1 = dl::layers::max_pooling2d(tanh1, {2}, {2}, "valid");
  auto conv2 = dl::layers::conv2d(pool1, 50, {5}, {.strides = {1}, .padding = "valid"});
  auto tanh2 = dl::ops::tanh(conv2);
  auto pool2 = dl::layers::max_pooling2d(tanh2, {2}, {2}, "valid");
  auto flatten = dl::ops::reshape(pool2, dl::Shape({-1, 50 * 4 * 4}));
  auto fc1 = dl::layers::dense(flatten, 500, {.activation = dl::ops::tanh});
  auto logits = dl::layers::dense(fc1, kClasses, {.name = "output"});

  // init_model()
  auto xentropy = dl::nn::sparse_softmax_cross_entropy_with_logits(y, logits);
  auto loss = dl::ops::reduce_mean(xentropy);
  auto training_op = dl::train::MomentumOptimizer(0.01, 0.9).minimize(loss);
  auto correct = dl::ops::equal(dl::ops::argmax(logits, 1, dl::DType::i32), y);
  auto accuracy = dl::ops::reduce_mean(dl::ops::cast(correct, dl::DType::f32));

  dl::Session sess(g, {.intra_op_threads = args.threads, .remapping = args.remapping != 0});
  sess.run(dl::global_variables_initializer(g));

  const int64_t n_train = data.x_train.shape().dim(0);
  std::vector<int64_t> order(static_cast<size_t>(n_train));
  std::mt19937_64 rng(args.seed);
  dl::Tensor xb, yb;
  double first_loss = -1, last_epoch_loss = 0;
  std::vector<double> epoch_seconds;
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const auto t0 = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t seen = 0;
    int step = 0;
    for (int64_t i = 0; i < n_train; i += args.batch, ++step) {
      if (args.steps && step >= args.steps) break;
      const int64_t n = std::min<int64_t>(args.batch, n_train - i);
      make_batch(data.x_train, data.y_train, order.data() + i, n, xb, yb);
      auto out = sess.run({{X, xb}, {y, yb}}, {loss}, {training_op});
      const double l = out[0].data<float>()[0];
      if (first_loss < 0) first_loss = l;
      loss_sum += l * static_cast<double>(n);
      seen += n;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    epoch_seconds.push_back(secs);
    last_epoch_loss = loss_sum / static_cast<double>(seen);
    std::printf("epoch %d: %d steps, mean loss %.4f, %.1f s\n", epoch + 1, step, last_epoch_loss,
                secs);
  }

  // --profile N: N traced training steps, time per op type and kernel (RunOptions.trace).
  if (args.profile > 0) {
    std::map<std::string, double> per_kernel;
    double total = 0;
    dl::RunOptions opts{.trace = true};
    for (int i = 0; i < args.profile; ++i) {
      make_batch(data.x_train, data.y_train,
                 order.data() + (i * args.batch) % (n_train - args.batch), args.batch, xb, yb);
      dl::RunMetadata md;
      sess.run({{X, xb}, {y, yb}}, {loss}, {training_op}, &opts, &md);
      for (const auto& st : md.step_stats)
        per_kernel[st.op + " " + st.kernel +
                   (args.profile_nodes ? " " + st.node_name : std::string())] +=
            (st.end_ns - st.start_ns) / 1e6;
      total += md.exec_ns / 1e6;
    }
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& [k, v] : per_kernel) rows.emplace_back(v / args.profile, k);
    std::sort(rows.rbegin(), rows.rend());
    std::printf("profile: %.3f ms per step executing kernels\n", total / args.profile);
    for (const auto& [ms, k] : rows) std::printf("  %8.3f ms  %s\n", ms, k.c_str());
  }

  // Test accuracy in batches of 1000.
  const int64_t n_test = args.test_limit
                             ? std::min<int64_t>(args.test_limit, data.x_test.shape().dim(0))
                             : data.x_test.shape().dim(0);
  std::vector<int64_t> test_idx(static_cast<size_t>(n_test));
  std::iota(test_idx.begin(), test_idx.end(), 0);
  double correct_count = 0;
  for (int64_t i = 0; i < n_test; i += 1000) {
    const int64_t n = std::min<int64_t>(1000, n_test - i);
    make_batch(data.x_test, data.y_test, test_idx.data() + i, n, xb, yb);
    correct_count +=
        sess.run(accuracy, {{X, xb}, {y, yb}}).data<float>()[0] * static_cast<double>(n);
  }
  const double test_acc = correct_count / static_cast<double>(n_test);
  std::printf("test accuracy %.4f on %lld images\n", test_acc, static_cast<long long>(n_test));
  std::printf("{\"framework\": \"dl\", \"test_accuracy\": %.4f, \"epoch_seconds\": [", test_acc);
  for (size_t i = 0; i < epoch_seconds.size(); ++i)
    std::printf("%s%.3f", i ? ", " : "", epoch_seconds[i]);
  std::printf("], \"first_loss\": %.4f, \"last_epoch_loss\": %.4f}\n", first_loss, last_epoch_loss);
  // A run that did not learn is a failure (CI runs a short schedule).
  return last_epoch_loss < first_loss ? 0 : 1;
}
