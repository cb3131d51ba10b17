// The keras2 profile: Keras 2.2.4's names, 'acc' resolution and log keys, clipped cross-entropy,
// optimizer defaults and update rules, progress bar and summary formats. Reference values:
// tests/fixtures/keras/make_keras2_fixtures.py (a transcription of the 2.2.4 source, which
// cannot run here).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../testing/test_util.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using json = nlohmann::json;
using testing::contains;
using testing::near;
using testing::tensor;
using namespace layers;

const json& fixtures2() {
  static const json j = [] {
    std::ifstream f(DL_FIXTURES_DIR "/keras/keras2_fixtures.json");
    if (!f) throw NotFound("cannot open keras2_fixtures.json");
    return json::parse(f);
  }();
  return j;
}

/// Switches the profile for the test and back.
struct Keras2 {
  Keras2() {
    backend::set_profile(Profile::keras2);
    backend::clear_session();
  }
  ~Keras2() { backend::set_profile(Profile::keras3); }
};

class CoutCapture {
 public:
  CoutCapture() : old_(std::cout.rdbuf(buf_.rdbuf())) {}
  ~CoutCapture() { std::cout.rdbuf(old_); }
  std::string str() const { return buf_.str(); }

 private:
  std::ostringstream buf_;
  std::streambuf* old_;
};

Tensor class_ids(int64_t n, int64_t classes) {
  Tensor t(DType::f32, Shape({n}));
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = float(i % classes);
  return t;
}

TEST(Keras2Profile, NamesStartAtOne) {
  Keras2 k2;
  Sequential s({Dense(4, {.input_shape = {3}}), Dropout(0.1), Dense(2)});
  EXPECT_EQ(s.name(), "sequential_1");
  EXPECT_EQ(s.layers()[0]->name(), "dense_1");
  EXPECT_EQ(s.layers()[1]->name(), "dropout_1");
  EXPECT_EQ(s.layers()[2]->name(), "dense_2");
  EXPECT_EQ(s.input().layer()->name(), "dense_1_input");
  KerasTensor x = Input({3});
  EXPECT_EQ(x.layer()->name(), "input_1");
  Model m(x, Dense(1)(x));
  EXPECT_EQ(m.name(), "model_1");
  EXPECT_EQ(m.layers()[1]->name(), "dense_3");
}

TEST(Keras2Profile, SummaryIsThePlainLayout) {
  Keras2 k2;
  Sequential s({Dense(32, {.input_shape = {784}}), Dropout(0.2), Dense(10)});
  EXPECT_EQ(s.summary(), fixtures2()["summary"][0]["text"].get<std::string>());
  backend::clear_session();
  KerasTensor x = Input({4});
  KerasTensor a = Dense(5)(x);
  KerasTensor b = Dense(5)(x);
  KerasTensor c = Add()({a, b});
  Model m(x, Dense(2, {.name = "a_very_long_layer_name_for_wrapping_tests_here"})(c));
  EXPECT_EQ(m.summary(), fixtures2()["summary"][1]["text"].get<std::string>());
}

TEST(Keras2Profile, ProgbarBytes) {
  for (const json& c : fixtures2()["progbar"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::ostringstream out;
    auto times = c["times"].get<std::vector<double>>();
    size_t i = 0;
    utils::ProgbarOptions o;
    o.verbose = c["verbose"].get<int>();
    o.profile = Profile::keras2;
    o.average_values = true;
    o.clock = [&] { return times[std::min(i++, times.size() - 1)]; };
    utils::Progbar bar(c["target"].get<int64_t>(), out, o);
    for (const json& u : c["updates"]) {
      std::vector<std::pair<std::string, double>> values;
      for (const json& v : u["values"]) {
        values.emplace_back(v[0].get<std::string>(), v[1].get<double>());
      }
      bar.update(u["current"].get<int64_t>(), values);
    }
    EXPECT_EQ(out.str(), c["output"].get<std::string>());
  }
}

std::shared_ptr<optimizers::Optimizer> make_optimizer(const std::string& n) {
  using namespace optimizers;
  if (n == "sgd_momentum")
    return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .momentum = 0.9});
  if (n == "sgd_nesterov_decay") {
    return std::make_shared<SGD>(
        SGDOptions{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true, .decay = 0.5});
  }
  // Unset learning rates take Keras 2.2.4's defaults (Adagrad 0.01, Adadelta 1.0, Adamax and
  // Nadam 0.002).
  if (n == "rmsprop") return std::make_shared<RMSprop>();
  if (n == "adagrad") return std::make_shared<Adagrad>();
  if (n == "adadelta") return std::make_shared<Adadelta>();
  if (n == "adam") return std::make_shared<Adam>();
  if (n == "adam_amsgrad_decay") {
    return std::make_shared<Adam>(
        AdamOptions{.learning_rate = 0.01, .amsgrad = true, .decay = 0.1});
  }
  if (n == "adamax") return std::make_shared<Adamax>();
  if (n == "nadam") return std::make_shared<Nadam>();
  throw NotFound(n);
}

TEST(Keras2Profile, OptimizerDefaultsAndUpdateRules) {
  const json& f = fixtures2()["optimizers"];
  for (const json& c : f["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    backend::clear_session();
    Graph& g = backend::graph();
    Variable v(ops::constant(g, tensor(f["var0"])), {.name = "v"});
    Output grad = ops::placeholder(g, DType::f32, Shape({3, 4}), "grad");
    auto opt = make_optimizer(name);
    Node* train = opt->apply_gradients({grad}, {v}, Profile::keras2);
    Session& s = backend::session();
    for (size_t step = 0; step < 3; ++step) {
      s.run(train, {{grad, tensor(f["grads"][step])}});
      EXPECT_TRUE(near(s.variable_value(v.op()), c["steps"][step], 1e-6, 1e-5)) << step;
    }
  }
  Keras2 k2;
  Sequential m({Dense(2, {.input_shape = {3}})});
  m.compile({.optimizer = "adagrad", .loss = "mse"});
  EXPECT_NEAR(m.optimizer().learning_rate(), 0.01, 1e-9);
}

TEST(Keras2Profile, CrossEntropyClipsProbabilities) {
  const json& f = fixtures2()["losses"];
  backend::clear_session();
  Graph& g = backend::graph();
  Output logits = ops::constant(g, tensor(f["logits"]));
  Output labels = ops::constant(g, tensor(f["labels"]));
  Output probs = activations::softmax(logits);
  Session& s = backend::session();
  auto value = [&](const losses::Loss& l, Output y, Output p, Profile prof) {
    return s.run(l(y, p, {}, prof)).value_at(0);
  };
  losses::CategoricalCrossentropy cce;
  EXPECT_NEAR(value(cce, labels, probs, Profile::keras2), f["categorical"].get<double>(), 1e-5);
  // Keras 3 uses the softmax's logits instead: row 0 (label 1, logit gap 20) costs 20, not
  // -log(1e-7) = 16.1.
  EXPECT_GT(value(cce, labels, probs, Profile::keras3), f["categorical"].get<double>() + 1.0);
  Output ids = ops::argmax(labels, -1);
  losses::SparseCategoricalCrossentropy scce;
  EXPECT_NEAR(value(scce, ops::cast(ids, DType::f32), probs, Profile::keras2),
              f["sparse"].get<double>(), 1e-5);
  Output bl = ops::constant(g, tensor(f["binary_logits"]));
  Output by = ops::constant(g, tensor(f["binary_labels"]));
  losses::BinaryCrossentropy bce;
  EXPECT_NEAR(value(bce, by, activations::sigmoid(bl), Profile::keras2), f["binary"].get<double>(),
              1e-5);
  EXPECT_GT(value(bce, by, activations::sigmoid(bl), Profile::keras3),
            f["binary"].get<double>() + 0.5);
}

TEST(Keras2Profile, WeightedLossDividesByTheShareOfNonZeroWeights) {
  backend::clear_session();
  Graph& g = backend::graph();
  Output y = ops::constant(g, {0, 0, 0, 0}, Shape({4, 1}));
  Output p = ops::constant(g, {1, 1, 2, 2}, Shape({4, 1}));
  Output w = ops::constant(g, {1, 0, 2, 0}, Shape({4}));
  losses::MeanSquaredError mse;
  Session& s = backend::session();
  // Keras 2.2.4: mean(e * w) / mean(w != 0) = (1 + 8) / 4 / 0.5; Keras 3: (1 + 8) / 4.
  EXPECT_NEAR(s.run(mse(y, p, w, Profile::keras2)).value_at(0), 4.5, 1e-6);
  EXPECT_NEAR(s.run(mse(y, p, w, Profile::keras3)).value_at(0), 2.25, 1e-6);
}

TEST(Keras2Profile, AccResolvesByTheLossAndLogsAsAcc) {
  Keras2 k2;
  auto resolve = [](const losses::Loss& loss, int64_t out_last, int t_rank) {
    metrics::MetricArg acc("accuracy");
    return acc.resolve(t_rank, t_rank == 2 ? out_last : 1, 2, out_last, &loss, Profile::keras2);
  };
  auto m1 = resolve(losses::BinaryCrossentropy(), 3, 2);  // Keras 3 would pick categorical
  EXPECT_NE(dynamic_cast<const metrics::BinaryAccuracy*>(m1.get()), nullptr);
  EXPECT_EQ(m1->name(), "acc");
  auto m2 = resolve(losses::SparseCategoricalCrossentropy(), 10, 1);
  EXPECT_NE(dynamic_cast<const metrics::SparseCategoricalAccuracy*>(m2.get()), nullptr);
  auto m3 = resolve(losses::CategoricalCrossentropy(), 10, 2);
  EXPECT_NE(dynamic_cast<const metrics::CategoricalAccuracy*>(m3.get()), nullptr);
  auto m4 = resolve(losses::MeanSquaredError(), 1, 2);
  EXPECT_NE(dynamic_cast<const metrics::BinaryAccuracy*>(m4.get()), nullptr);

  Sequential m({Dense(3, {.activation = "softmax", .input_shape = {4}})});
  m.compile(
      {.optimizer = "sgd", .loss = "categorical_crossentropy", .metrics = {"accuracy", "mse"}});
  EXPECT_EQ(m.metrics_names(), (std::vector<std::string>{"loss", "acc", "mean_squared_error"}));
  Tensor x = dl::testing::random_tensor(Shape({20, 4}), 1);
  Tensor y = Tensor::zeros(DType::f32, Shape({20, 3}));
  for (int i = 0; i < 20; ++i) y.data<float>()[i * 3 + i % 3] = 1;
  auto h = m.fit(x, y, {.epochs = 1, .verbose = 0, .validation_split = 0.2});
  // Keras 2.2.4's epoch logs: the val_ entries were added first.
  EXPECT_EQ(h.keys, (std::vector<std::string>{"val_loss", "val_acc", "val_mean_squared_error",
                                              "loss", "acc", "mean_squared_error"}));
}

TEST(Keras2Profile, FitPrintsEpochLinesAndCountsSamples) {
  Keras2 k2;
  Sequential m({Dense(3, {.activation = "softmax", .input_shape = {4}})});
  m.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy", .metrics = {"acc"}});
  std::ostringstream out;
  double t = 0;
  auto bar = std::make_shared<callbacks::ProgbarLogger>(callbacks::ProgbarLoggerOptions{
      .out = &out, .dynamic_display = 0, .clock = [&t] { return t += 0.25; }});
  Tensor x = dl::testing::random_tensor(Shape({40, 4}), 2);
  m.fit(x, class_ids(40, 3),
        {.batch_size = 16, .epochs = 1, .verbose = 1, .callbacks = {bar}, .validation_split = 0.2});
  const std::string s = out.str();
  // "Epoch 1/1" even for one epoch; 32 training samples. The clock: bar created at 0.25, the
  // first batch's update at 0.5, the last batch left to the epoch end at 0.75: 0.5 s for 32
  // samples ("%.0f" of 0.5 is "0"), 16ms per sample (Keras 2 still prints "/step").
  EXPECT_EQ(s.substr(0, 10), "Epoch 1/1\n");
  EXPECT_TRUE(contains(s, "32/32 [==============================] - 0s 16ms/step - loss: ")) << s;
  EXPECT_TRUE(contains(s, " - acc: ") && contains(s, " - val_loss: ") &&
              contains(s, " - val_acc: "))
      << s;
  EXPECT_LT(s.find(" - loss: "), s.find(" - acc: "));
  EXPECT_LT(s.find(" - acc: "), s.find(" - val_loss: "));
}

TEST(Keras2Profile, CheckpointMessagesAndAccMode) {
  Keras2 k2;
  const std::string dir = ::testing::TempDir() + "/keras2_ckpt";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Sequential m({Dense(3, {.activation = "softmax", .input_shape = {4}})});
  m.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy", .metrics = {"acc"}});
  Tensor x = dl::testing::random_tensor(Shape({20, 4}), 3);
  callbacks::LambdaCallback script({.on_epoch_end = [](int e, Logs& logs) {
    logs.set("val_acc", std::vector<double>{0.5, 0.625, 0.375}[static_cast<size_t>(e)]);
  }});
  auto ckpt = std::make_shared<callbacks::ModelCheckpoint>(
      dir + "/m.{epoch:02d}-{val_acc:.4f}.hdf5",
      callbacks::ModelCheckpointOptions{
          .monitor = "val_acc", .verbose = 1, .save_best_only = true});
  CoutCapture cap;
  m.fit(x, class_ids(20, 3),
        {.epochs = 3, .verbose = 0, .callbacks = {script, ckpt}, .validation_split = 0.2});
  const std::string s = cap.str();
  EXPECT_TRUE(contains(s, "\nEpoch 00001: val_acc improved from -inf to 0.50000, saving model to " +
                              dir + "/m.01-0.5000.hdf5\n"))
      << s;
  EXPECT_TRUE(contains(s, "\nEpoch 00003: val_acc did not improve from 0.62500\n")) << s;
  EXPECT_TRUE(std::filesystem::exists(dir + "/m.02-0.6250.hdf5"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/m.03-0.3750.hdf5"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dl::keras

namespace dl::keras {
namespace {

TEST(Keras2Profile, FitGeneratorCountsSteps) {
  Keras2 k2;
  Sequential m({layers::Dense(3, {.activation = "softmax", .input_shape = {4}})});
  m.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy", .metrics = {"acc"}});
  Tensor x = dl::testing::random_tensor(Shape({5, 4}), 4);
  GeneratorSource gen([&] { return Batch{x, class_ids(5, 3), {}}; }, 3);
  std::ostringstream out;
  double t = 0;
  auto bar = std::make_shared<callbacks::ProgbarLogger>(callbacks::ProgbarLoggerOptions{
      .out = &out, .dynamic_display = 0, .clock = [&t] { return t += 1.0; }});
  m.fit_generator(gen, {.epochs = 1, .verbose = 1, .callbacks = {bar}});
  EXPECT_TRUE(contains(out.str(),
                       "Epoch 1/1\n3/3 [==============================] - 3s 1s/step - "
                       "loss: "))
      << out.str();
}

}  // namespace
}  // namespace dl::keras
