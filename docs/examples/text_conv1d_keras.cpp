// Seed 000 in the Keras tier: the report's text classifier, Embedding with given weights ->
// four Conv1D(relu) -> Flatten -> Dense(128, relu) -> Dropout(0.2) -> Dense(softmax), compiled
// with Adam, binary cross-entropy and 'acc', trained with validation data and a ModelCheckpoint
// "toxic-comments-lstm.{epoch:02d}-{val_acc:.4f}.hdf5", in the keras2 profile (the report's
// Keras 2: 'acc' resolves to binary accuracy through the loss, logs are acc/val_acc).
//
// Substitution: the report's toxic comments (7 labels) and its embedding matrix are not
// available here. The texts are seven categories of the Debian `fortunes` package (computers,
// definitions, food, law, medicine, people, politics), one category per text, tokenized as the
// report's Keras 2 code does (Tokenizer(num_words=2000).fit_on_texts, texts_to_sequences,
// pad_sequences to 50), with one-hot labels; the given embedding matrix is a fixed random one
// (trainable, as in the report).
//
//   text_conv1d_keras [--epochs 2] [--train 2000] [--batch 128] [--checkpoints 0]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "dl/core/data/text.h"
#include "dl/highlevel/keras.h"

namespace {

constexpr int64_t kLength = 50, kVocab = 2000, kEmbedding = 16;
const std::vector<std::string> kCategories = {"computers", "definitions", "food",    "law",
                                              "medicine",  "people",      "politics"};

}  // namespace

int main(int argc, char** argv) {
  namespace keras = dl::keras;
  using namespace keras::layers;
  int epochs = 2, batch = 128, checkpoints = 0;
  int64_t n_train = 2000;
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
  // The texts in a fixed shuffled order; the last 500 are the validation data.
  const dl::data::Fortunes f = dl::data::load_fortunes(kCategories);
  std::vector<size_t> order(f.texts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  const int64_t n_val = 500;
  n_train = std::min<int64_t>(n_train, static_cast<int64_t>(order.size()) - n_val);
  std::vector<std::string> train_texts, val_texts;
  dl::Tensor train_labels(dl::DType::i32, dl::Shape({n_train}));
  dl::Tensor val_labels(dl::DType::i32, dl::Shape({n_val}));
  for (int64_t i = 0; i < n_train; ++i) {
    train_texts.push_back(f.texts[order[static_cast<size_t>(i)]]);
    train_labels.data<int32_t>()[i] = f.labels[order[static_cast<size_t>(i)]];
  }
  for (int64_t i = 0; i < n_val; ++i) {
    const size_t k = order[order.size() - static_cast<size_t>(n_val) + static_cast<size_t>(i)];
    val_texts.push_back(f.texts[k]);
    val_labels.data<int32_t>()[i] = f.labels[k];
  }
  dl::data::Tokenizer tokenizer({.num_words = kVocab});
  tokenizer.fit_on_texts(train_texts);
  const auto classes = static_cast<int64_t>(kCategories.size());
  dl::Tensor x_train = dl::data::pad_sequences(tokenizer.texts_to_sequences(train_texts), kLength);
  dl::Tensor y_train = keras::utils::to_categorical(train_labels, classes);
  dl::Tensor x_val = dl::data::pad_sequences(tokenizer.texts_to_sequences(val_texts), kLength);
  dl::Tensor y_val = keras::utils::to_categorical(val_labels, classes);
  std::printf("%lld training and %lld validation texts, %zu words in the index\n",
              static_cast<long long>(n_train), static_cast<long long>(n_val),
              tokenizer.word_index().size());

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
  dense = Dense(classes, {.activation = "softmax"})(dropout);
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
