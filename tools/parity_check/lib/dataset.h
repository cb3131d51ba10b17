#pragma once
/// Data sets both programs of a pair train on, and the batching that each program's DataRecipe
/// implies (order, shuffle, partial last batch, validation split).
#include <cstdint>
#include <string>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/tools/parity_check/lib/program.h"

namespace dl::parity {

/// Raw rows (before any program's preprocessing) and their labels.
struct Dataset {
  std::string name;
  Tensor x_train;  ///< float32 [N, ...]
  Tensor y_train;  ///< int32 [N] class ids (num_classes > 0) or float32 [N, k] targets
  Tensor x_val;    ///< held-out rows every program is measured on
  Tensor y_val;
  int64_t num_classes = 0;  ///< 0: regression targets
  bool is_classification() const { return num_classes > 0; }
  int64_t num_train() const { return x_train.shape().dim(0); }
  int64_t num_val() const { return x_val.shape().dim(0); }
};

/// Gaussian clusters: `classes` centres drawn N(0, separation^2) in `features` dimensions,
/// each row its class centre plus N(0, 1) noise. Reproducible from `seed`.
Dataset synthetic_classification(int64_t n_train, int64_t n_val, int64_t features, int64_t classes,
                                 uint64_t seed, double separation = 1.5);
/// The same clusters laid out as images [N, h, w, c] (for convolutional programs).
Dataset synthetic_images(int64_t n_train, int64_t n_val, int64_t h, int64_t w, int64_t c,
                         int64_t classes, uint64_t seed, double separation = 1.0);
/// Seed 004's task: rows of `size` uniform numbers, targets their argsort (float32 [N, size]).
Dataset synthetic_sort(int64_t n_train, int64_t n_val, int64_t size, uint64_t seed);
/// The first n_train training and n_val test images of Fashion-MNIST as float32
/// [N, 28, 28, 1] pixel values 0..255 (scale them with DataRecipe::scale). Throws NotFound when
/// the files are missing.
Dataset fashion_mnist_slice(int64_t n_train, int64_t n_val, const std::string& dir = "");

/// Rows [0, n) the recipe trains on (the rest is its validation split).
int64_t training_rows(const DataRecipe& r, int64_t n);
/// The row indices of each batch of epoch `epoch` under the recipe.
std::vector<std::vector<int64_t>> epoch_batches(const DataRecipe& r, int64_t n, int epoch);

/// Rows `rows` of x and y as a Batch (x copied as float32, y as stored).
Batch gather_batch(const Dataset& d, bool validation, const std::vector<int64_t>& rows);
/// Rows [begin, end) of the validation set.
Batch val_batch(const Dataset& d, int64_t begin, int64_t end);

/// One-line description of a recipe ("batch 32, shuffled (seed 0), partial batch kept").
std::string describe(const DataRecipe& r);

}  // namespace dl::parity
