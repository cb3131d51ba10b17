// Seed 004 in the Keras tier: the blog post's Keras model, a single Dense(2) on inputs of size 2,
// compiled with SGD(lr=0.5) and mean squared error, trained by train_on_batch on 500 fresh
// batches of 10,000 (x uniform in [0, 1), y = x.argsort()), scored with the post's evaluation
// function (the percentage of rounded predictions equal to the argsort indices; the post saw
// above 99%).
//
//   sort_keras [--runs 500] [--batch 10000] [--seed 0]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "dl/highlevel/keras.h"

namespace {

// get_batch(array_size, n_samples)
void get_batch(std::mt19937_64& rng, int array_size, int n, dl::Tensor& x, dl::Tensor& y) {
  x = dl::Tensor(dl::DType::f32, dl::Shape({n, array_size}));
  y = dl::Tensor(dl::DType::f32, dl::Shape({n, array_size}));
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<int> idx(static_cast<size_t>(array_size));
  for (int i = 0; i < n; ++i) {
    float* xr = x.data<float>() + static_cast<ptrdiff_t>(i) * array_size;
    for (int j = 0; j < array_size; ++j) xr[j] = u(rng);
    for (int j = 0; j < array_size; ++j) idx[static_cast<size_t>(j)] = j;
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return xr[a] < xr[b]; });
    for (int j = 0; j < array_size; ++j) {
      y.data<float>()[i * array_size + j] = static_cast<float>(idx[static_cast<size_t>(j)]);
    }
  }
}

// evaluate(y_pred, y_actual): mean(y_pred.round() == y_actual) * 100
double evaluate(const dl::Tensor& pred, const dl::Tensor& actual) {
  int64_t hits = 0;
  for (int64_t i = 0; i < pred.num_elements(); ++i) {
    hits += std::round(pred.data<float>()[i]) == actual.data<float>()[i];
  }
  return 100.0 * static_cast<double>(hits) / static_cast<double>(pred.num_elements());
}

}  // namespace

int main(int argc, char** argv) {
  namespace keras = dl::keras;
  int runs = 500, batch_size = 10000;
  uint64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) batch_size = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const int array_size = 2;
  keras::utils::set_random_seed(static_cast<int64_t>(seed));

  // model = Sequential(); model.add(Dense(output_dim=array_size, input_dim=array_size))
  keras::Sequential model;
  model.add(keras::layers::Dense(array_size, {.input_dim = array_size}));
  // sgd = SGD(lr=0.5); model.compile(loss='mse', optimizer=sgd)
  model.compile({.optimizer = keras::optimizers::SGD({.learning_rate = 0.5}), .loss = "mse"});

  std::mt19937_64 rng(seed);
  std::vector<double> losses;
  dl::Tensor x, y;
  for (int i = 0; i < runs; ++i) {
    get_batch(rng, array_size, batch_size, x, y);
    losses.push_back(model.train_on_batch(x, y)[0]);
  }
  get_batch(rng, array_size, batch_size, x, y);
  const double score = evaluate(model.predict(x, {.batch_size = batch_size, .verbose = 0}), y);
  std::printf("first loss %.4f, last loss %.4f, score %.2f%%\n", losses.front(), losses.back(),
              score);
  return losses.back() < losses.front() && score > 80.0 ? 0 : 1;
}
