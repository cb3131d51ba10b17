// Seed 000 in the Keras tier: the report's text classifier, Embedding with given weights ->
// four Conv1D(relu) -> Flatten -> Dense(128, relu) -> Dropout(0.2) -> Dense(softmax), compiled
// with Adam, binary cross-entropy and 'acc', trained with validation data and a ModelCheckpoint
// "toxic-comments-lstm.{epoch:02d}-{val_acc:.4f}.hdf5", in the keras2 profile (the report's
// Keras 2: 'acc' resolves to binary accuracy through the loss, logs are acc/val_acc).
//
// Substitution: the report's comments and embedding matrix are not available here. Each
// Fashion-MNIST image becomes a "sentence" of 49 tokens (its 7 x 7 average-pooled pixels,
// quantised to a vocabulary of 64 levels) with one-hot labels over the 10 classes, and the given
// embedding matrix is a fixed random one (trainable, as in the report).
//
//   text_conv1d_keras [--epochs 2] [--train 2000] [--batch 128] [--checkpoints 0]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "dl/core/io/fashion_mnist.h"
#include "dl/highlevel/keras.h"

namespace {

constexpr int64_t kLength = 49, kVocab = 64, kEmbedding = 16;

/// Images [n, 28, 28] -> token ids [n, 49]: 4 x 4 average pooling, quantised to kVocab levels.
dl::Tensor tokens(const dl::Tensor& images, int64_t n) {
  dl::Tensor t(dl::DType::i32, dl::Shape({n, kLength}));
  const uint8_t* p = images.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t r = 0; r < 7; ++r) {
      for (int64_t c = 0; c < 7; ++c) {
        int sum = 0;
        for (int64_t dr = 0; dr < 4; ++dr) {
          for (int64_t dc = 0; dc < 4; ++dc) sum += p[i * 784 + (4 * r + dr) * 28 + 4 * c + dc];
        }
        t.data<int32_t>()[i * kLength + r * 7 + c] = (sum / 16) * kVocab / 256;
      }
    }
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  namespace keras = dl::keras;
  using namespace keras::layers;
  int epochs = 2, n_train = 2000, batch = 128, checkpoints = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--epochs") epochs = v;
    if (k == "--train") n_train = v;
    if (k == "--batch") batch = v;
    if (k == "--checkpoints") checkpoints = v;
  }
  keras::backend::set_profile(keras::Profile::keras2);
  keras::utils::set_random_seed(0);
  const dl::io::FashionMnist data = dl::io::load_fashion_mnist();
  const int64_t n_val = 500;
  dl::Tensor x_train = tokens(data.x_train, n_train);
  dl::Tensor y_train = keras::utils::to_categorical(data.y_train.slice_rows(0, n_train), 10);
  dl::Tensor x_val = tokens(data.x_test, n_val);
  dl::Tensor y_val = keras::utils::to_categorical(data.y_test.slice_rows(0, n_val), 10);

  dl::Tensor embedding_matrix(dl::DType::f32, dl::Shape({kVocab, kEmbedding}));
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  for (int64_t i = 0; i < embedding_matrix.num_elements(); ++i) {
    embedding_matrix.data<float>()[i] = normal(rng);
  }

  // The model of the report (its "fast" Keras version).
  keras::KerasTensor inputs = keras::Input({kLength}, {.dtype = dl::DType::i32});
  keras::KerasTensor embedding =
      Embedding(kVocab, kEmbedding,
                {.weights = embedding_matrix, .input_length = kLength, .trainable = true})(inputs);
  keras::KerasTensor conv = Conv1D(128, 5, {.activation = "relu"})(embedding);
  conv = Conv1D(64, 5, {.activation = "relu"})(conv);
  conv = Conv1D(32, 5, {.activation = "relu"})(conv);
  conv = Conv1D(16, 5, {.activation = "relu"})(conv);
  keras::KerasTensor flatten = Flatten()(conv);
  keras::KerasTensor dense = Dense(128, {.activation = "relu"})(flatten);
  keras::KerasTensor dropout = Dropout(0.2, {.name = "dropout"})(dense);
  dense = Dense(10, {.activation = "softmax"})(dropout);
  keras::Model model(inputs, dense);
  model.compile({.optimizer = "adam", .loss = "binary_crossentropy", .metrics = {"acc"}});
  model.print_summary();

  std::vector<keras::callbacks::CallbackArg> callbacks;
  const std::string dir = "text_conv1d_checkpoints";
  if (checkpoints) {
    std::filesystem::create_directories(dir);
    // With HDF5 the checkpoints are Keras HDF5 files; without it, dl's own format.
    callbacks.push_back(keras::callbacks::ModelCheckpoint(
        dir + "/toxic-comments-lstm.{epoch:02d}-{val_acc:.4f}.hdf5"));
  }
  auto history = model.fit(x_train, y_train,
                           {.batch_size = batch,
                            .epochs = epochs,
                            .verbose = 2,
                            .callbacks = callbacks,
                            .validation_data = keras::ValidationData{x_val, y_val}});
  const auto& loss = history.history.at("loss");
  std::printf("loss %.4f -> %.4f, val_acc %.4f\n", loss.front(), loss.back(),
              history.history.at("val_acc").back());
  return loss.back() < loss.front() ? 0 : 1;
}
