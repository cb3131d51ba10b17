#include "dl/tools/parity_check/lib/dataset.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "dl/core/io/fashion_mnist.h"

namespace dl::parity {
namespace {

// Rows of Gaussian clusters: x [n, features] (float), y [n] class ids.
void clusters(int64_t n, int64_t features, int64_t classes, const std::vector<float>& centres,
              std::mt19937_64& rng, Tensor& x, Tensor& y) {
  x = Tensor(DType::f32, Shape({n, features}));
  y = Tensor(DType::i32, Shape({n}));
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::uniform_int_distribution<int32_t> cls(0, static_cast<int32_t>(classes - 1));
  float* px = x.data<float>();
  int32_t* py = y.data<int32_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int32_t c = cls(rng);
    py[i] = c;
    for (int64_t j = 0; j < features; ++j)
      px[i * features + j] = centres[static_cast<size_t>(c * features + j)] + noise(rng);
  }
}

}  // namespace

Dataset synthetic_classification(int64_t n_train, int64_t n_val, int64_t features, int64_t classes,
                                 uint64_t seed, double separation) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> centre(0.0f, static_cast<float>(separation));
  std::vector<float> centres(static_cast<size_t>(classes * features));
  for (auto& c : centres) c = centre(rng);
  Dataset d;
  d.name = "synthetic clusters (" + std::to_string(classes) + " classes, " +
           std::to_string(features) + " features)";
  d.num_classes = classes;
  clusters(n_train, features, classes, centres, rng, d.x_train, d.y_train);
  clusters(n_val, features, classes, centres, rng, d.x_val, d.y_val);
  return d;
}

Dataset synthetic_images(int64_t n_train, int64_t n_val, int64_t h, int64_t w, int64_t c,
                         int64_t classes, uint64_t seed, double separation) {
  Dataset d = synthetic_classification(n_train, n_val, h * w * c, classes, seed, separation);
  d.name = "synthetic images (" + std::to_string(classes) + " classes, " + std::to_string(h) + "x" +
           std::to_string(w) + "x" + std::to_string(c) + ")";
  d.x_train = d.x_train.reshaped(Shape({n_train, h, w, c}));
  d.x_val = d.x_val.reshaped(Shape({n_val, h, w, c}));
  return d;
}

Dataset synthetic_sort(int64_t n_train, int64_t n_val, int64_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  auto make = [&](int64_t n, Tensor& x, Tensor& y) {
    x = Tensor(DType::f32, Shape({n, size}));
    y = Tensor(DType::f32, Shape({n, size}));
    std::vector<int64_t> idx(static_cast<size_t>(size));
    for (int64_t i = 0; i < n; ++i) {
      float* row = x.data<float>() + i * size;
      for (int64_t j = 0; j < size; ++j) row[j] = u(rng);
      std::iota(idx.begin(), idx.end(), 0);
      std::stable_sort(idx.begin(), idx.end(),
                       [&](int64_t a, int64_t b) { return row[a] < row[b]; });
      for (int64_t j = 0; j < size; ++j)
        y.data<float>()[i * size + j] = static_cast<float>(idx[static_cast<size_t>(j)]);
    }
  };
  Dataset d;
  d.name = "argsort of " + std::to_string(size) + " uniform numbers";
  make(n_train, d.x_train, d.y_train);
  make(n_val, d.x_val, d.y_val);
  return d;
}

Dataset fashion_mnist_slice(int64_t n_train, int64_t n_val, const std::string& dir) {
  const io::FashionMnist fm = io::load_fashion_mnist(dir.empty() ? io::kFashionMnistDir : dir);
  auto take = [](const Tensor& images, const Tensor& labels, int64_t n, Tensor& x, Tensor& y) {
    n = std::min<int64_t>(n, images.shape().dim(0));
    x = Tensor(DType::f32, Shape({n, 28, 28, 1}));
    y = Tensor(DType::i32, Shape({n}));
    const uint8_t* src = images.data<uint8_t>();
    float* dst = x.data<float>();
    for (int64_t i = 0; i < n * 784; ++i) dst[i] = static_cast<float>(src[i]);
    for (int64_t i = 0; i < n; ++i) y.data<int32_t>()[i] = labels.data<uint8_t>()[i];
  };
  Dataset d;
  d.name = "Fashion-MNIST (" + std::to_string(n_train) + " train, " + std::to_string(n_val) +
           " test images)";
  d.num_classes = 10;
  take(fm.x_train, fm.y_train, n_train, d.x_train, d.y_train);
  take(fm.x_test, fm.y_test, n_val, d.x_val, d.y_val);
  return d;
}

int64_t training_rows(const DataRecipe& r, int64_t n) {
  if (r.validation_split <= 0.0) return n;
  // Keras: split_at = int(n * (1 - validation_split)).
  return static_cast<int64_t>(static_cast<double>(n) * (1.0 - r.validation_split));
}

std::vector<std::vector<int64_t>> epoch_batches(const DataRecipe& r, int64_t n, int epoch) {
  const int64_t rows = training_rows(r, n);
  std::vector<int64_t> order(static_cast<size_t>(rows));
  std::iota(order.begin(), order.end(), 0);
  if (r.shuffle) {
    std::mt19937_64 rng(r.shuffle_seed * 1000003ULL + static_cast<uint64_t>(epoch));
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::vector<std::vector<int64_t>> out;
  const int64_t bs = std::max<int64_t>(1, r.batch_size);
  for (int64_t i = 0; i < rows; i += bs) {
    const int64_t e = std::min(rows, i + bs);
    if (e - i < bs && !r.keep_partial_batch) break;
    out.emplace_back(order.begin() + i, order.begin() + e);
  }
  return out;
}

namespace {
Batch gather(const Tensor& x, const Tensor& y, int64_t classes, const std::vector<int64_t>& rows) {
  const int64_t n = static_cast<int64_t>(rows.size());
  std::vector<int64_t> xd = x.shape().dims();
  std::vector<int64_t> yd = y.shape().dims();
  const int64_t xrow = x.num_elements() / x.shape().dim(0);
  const int64_t yrow = y.num_elements() / y.shape().dim(0);
  xd[0] = n;
  yd[0] = n;
  Batch b;
  b.num_classes = classes;
  b.x = Tensor(DType::f32, Shape(xd));
  b.y = Tensor(y.dtype(), Shape(yd));
  const size_t ybytes = size_of(y.dtype()) * static_cast<size_t>(yrow);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = rows[static_cast<size_t>(i)];
    std::copy_n(x.data<float>() + r * xrow, xrow, b.x.data<float>() + i * xrow);
    std::copy_n(static_cast<const char*>(y.raw_data()) + static_cast<size_t>(r) * ybytes, ybytes,
                static_cast<char*>(b.y.raw_data()) + static_cast<size_t>(i) * ybytes);
  }
  return b;
}
}  // namespace

Batch gather_batch(const Dataset& d, bool validation, const std::vector<int64_t>& rows) {
  return validation ? gather(d.x_val, d.y_val, d.num_classes, rows)
                    : gather(d.x_train, d.y_train, d.num_classes, rows);
}

Batch val_batch(const Dataset& d, int64_t begin, int64_t end) {
  Batch b;
  b.num_classes = d.num_classes;
  b.x = d.x_val.slice_rows(begin, end);
  b.y = d.y_val.slice_rows(begin, end);
  return b;
}

std::string describe(const DataRecipe& r) {
  std::string s = "batch " + std::to_string(r.batch_size);
  s += r.shuffle ? ", shuffled every epoch (seed " + std::to_string(r.shuffle_seed) + ")"
                 : ", in file order";
  s += r.keep_partial_batch ? ", partial last batch kept" : ", partial last batch dropped";
  if (r.validation_split > 0) s += ", last " + std::to_string(r.validation_split) + " held out";
  if (r.scale != 1.0) s += ", inputs x " + std::to_string(r.scale);
  s += std::string(", labels as ") + to_string(r.label_format);
  return s;
}

}  // namespace dl::parity
