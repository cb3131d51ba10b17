// compile/fit/evaluate/predict behaviours: validation split, shuffling, sample and class
// weights, epochs and steps, the *_on_batch methods, multi-input/multi-output models, dropout,
// regularization, deferred building, weights files, and the graph a compiled model hands out.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "../testing/test_util.h"
#include "dl/core/io/fashion_mnist.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using dl::testing::random_tensor;
using dl::testing::tensors_equal;
using namespace layers;

Tensor class_ids(int64_t n, int64_t classes, int64_t offset = 0) {
  Tensor t(DType::f32, Shape({n}));
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = float((i * 7 + offset) % classes);
  return t;
}

Tensor one_hot(const Tensor& ids, int64_t classes) {
  const int64_t n = ids.shape()[0];
  Tensor t = Tensor::zeros(DType::f32, Shape({n, classes}));
  for (int64_t i = 0; i < n; ++i) {
    t.data<float>()[i * classes + static_cast<int64_t>(ids.value_at(i))] = 1;
  }
  return t;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double m = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    m = std::max(m, std::fabs(a.value_at(i) - b.value_at(i)));
  }
  return m;
}

std::unique_ptr<Sequential> small_classifier(int64_t in = 6, int64_t classes = 3) {
  auto m = std::make_unique<Sequential>(std::initializer_list<std::shared_ptr<Layer>>{
      Dense(8, {.activation = "tanh", .input_shape = {in}}),
      Dense(classes, {.activation = "softmax"})});
  return m;
}

TEST(KerasFit, ValidationSplitTakesTheLastSamplesBeforeShuffling) {
  backend::clear_session();
  utils::set_random_seed(3);
  auto m = small_classifier();
  m->compile({.optimizer = optimizers::SGD({.learning_rate = 0.0}),
              .loss = "sparse_categorical_crossentropy",
              .metrics = {"accuracy"}});
  Tensor x = random_tensor(Shape({50, 6}), 1);
  Tensor y = class_ids(50, 3);
  auto h = m->fit(x, y, {.batch_size = 7, .epochs = 1, .verbose = 0, .validation_split = 0.2});
  // With a zero learning rate the weights do not move: val_ is the evaluation of the last 10.
  auto ev = m->evaluate(x.slice_rows(40, 50), y.slice_rows(40, 50), {.verbose = 0});
  EXPECT_NEAR(h.history.at("val_loss")[0], ev[0], 1e-6);
  EXPECT_NEAR(h.history.at("val_accuracy")[0], ev[1], 1e-6);
  auto tr = m->evaluate(x.slice_rows(0, 40), y.slice_rows(0, 40), {.verbose = 0});
  EXPECT_NEAR(h.history.at("loss")[0], tr[0], 1e-6);
}

TEST(KerasFit, ShufflingIsReproducibleFromTheSeed) {
  auto run = [](bool shuffle, int64_t seed) {
    backend::clear_session();
    utils::set_random_seed(seed);
    auto m = small_classifier();
    m->compile({.optimizer = optimizers::SGD({.learning_rate = 0.3}),
                .loss = "sparse_categorical_crossentropy"});
    m->fit(random_tensor(Shape({64, 6}), 5), class_ids(64, 3),
           {.batch_size = 8, .epochs = 2, .verbose = 0, .shuffle = shuffle});
    return m->get_weights();
  };
  const auto a = run(true, 11), b = run(true, 11), c = run(false, 11), d = run(true, 12);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(tensors_equal(a[i], b[i]));
  EXPECT_GT(max_abs_diff(a[0], c[0]), 1e-6);  // the order of the batches matters
  EXPECT_GT(max_abs_diff(a[0], d[0]), 1e-6);  // another seed: other initial weights
}

TEST(KerasFit, ClassWeightEqualsTheSampleWeightsOfTheClasses) {
  Tensor x = random_tensor(Shape({30, 6}), 7);
  Tensor y = class_ids(30, 3);
  auto run = [&](const FitOptions& o) {
    backend::clear_session();
    utils::set_random_seed(5);
    auto m = small_classifier();
    m->compile(
        {.optimizer = optimizers::SGD({.learning_rate = 0.2}), .loss = "categorical_crossentropy"});
    auto h = m->fit(x, one_hot(y, 3), o);
    return std::make_pair(h.history.at("loss"), m->get_weights());
  };
  Tensor sw(DType::f32, Shape({30}));
  const double cw[3] = {1.0, 3.0, 0.5};
  for (int i = 0; i < 30; ++i) sw.data<float>()[i] = float(cw[static_cast<int>(y.value_at(i))]);
  auto a = run({.batch_size = 10,
                .epochs = 2,
                .verbose = 0,
                .shuffle = false,
                .class_weight = {{0, 1.0}, {1, 3.0}, {2, 0.5}}});
  auto b =
      run({.batch_size = 10, .epochs = 2, .verbose = 0, .shuffle = false, .sample_weight = sw});
  auto c = run({.batch_size = 10, .epochs = 2, .verbose = 0, .shuffle = false});
  EXPECT_EQ(a.first, b.first);
  for (size_t i = 0; i < a.second.size(); ++i) EXPECT_TRUE(tensors_equal(a.second[i], b.second[i]));
  EXPECT_NE(a.first, c.first);
}

TEST(KerasFit, SampleWeightedLossIsKerasSumOverBatchSize) {
  backend::clear_session();
  Sequential m({Dense(1, {.kernel_initializer = "ones", .input_shape = {2}})});
  m.compile({.optimizer = "sgd", .loss = "mse"});
  Tensor x = Tensor::from_vector<float>(Shape({4, 2}), {1, 0, 0, 1, 1, 1, 2, 0});
  Tensor y = Tensor::from_vector<float>(Shape({4, 1}), {0, 0, 0, 0});
  Tensor w = Tensor::from_vector<float>(Shape({4}), {1, 0, 2, 0.5});
  // Predictions 1, 1, 2, 2: squared errors 1, 1, 4, 4; sum(w * e) / 4 (Keras 3 divides by the
  // number of samples, not by the sum of the weights).
  auto r = m.test_on_batch(x, y, {.sample_weight = w});
  EXPECT_NEAR(r[0], (1 * 1 + 0 * 1 + 2 * 4 + 0.5 * 4) / 4.0, 1e-6);
  auto e = m.evaluate(x, y, {.verbose = 0, .sample_weight = w});
  EXPECT_NEAR(e[0], r[0], 1e-6);
}

TEST(KerasFit, EpochsInitialEpochAndStepsPerEpoch) {
  backend::clear_session();
  auto m = small_classifier();
  m->compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
  std::vector<int> epochs;
  std::vector<int64_t> batches;
  callbacks::LambdaCallback probe({
      .on_epoch_begin = [&](int e, Logs&) { epochs.push_back(e); },
      .on_train_batch_end = [&](int64_t b, Logs&) { batches.push_back(b); },
  });
  auto h = m->fit(random_tensor(Shape({20, 6}), 2), class_ids(20, 3),
                  {.batch_size = 8,
                   .epochs = 4,
                   .verbose = 0,
                   .callbacks = {probe},
                   .initial_epoch = 2,
                   .steps_per_epoch = 5});
  EXPECT_EQ(epochs, (std::vector<int>{2, 3}));
  EXPECT_EQ(batches, (std::vector<int64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4}));
  EXPECT_EQ(h.epoch, (std::vector<int>{2, 3}));
  EXPECT_EQ(m->optimizer().iteration_count(), 10);
}

TEST(KerasFit, TrainOnBatchReturnsThatBatchsValuesAndPredictMatches) {
  backend::clear_session();
  utils::set_random_seed(9);
  auto m = small_classifier();
  m->compile({.optimizer = optimizers::SGD({.learning_rate = 0.1}),
              .loss = "sparse_categorical_crossentropy",
              .metrics = {"acc"}});
  EXPECT_EQ(m->metrics_names(), (std::vector<std::string>{"loss", "acc"}));
  Tensor x = random_tensor(Shape({12, 6}), 4);
  Tensor y = class_ids(12, 3);
  auto before = m->test_on_batch(x, y);
  auto r = m->train_on_batch(x, y);
  EXPECT_NEAR(r[0], before[0], 1e-6);  // the loss of the step, computed before the update
  auto after = m->test_on_batch(x, y);
  EXPECT_LT(after[0], r[0]);
  Tensor p = m->predict(x, {.batch_size = 5, .verbose = 0});
  Tensor q = m->predict_on_batch(x);
  EXPECT_EQ(p.shape(), Shape({12, 3}));
  EXPECT_TRUE(tensors_equal(p, q));
  for (int i = 0; i < 12; ++i) {
    double s = 0;
    for (int k = 0; k < 3; ++k) s += p.value_at(i * 3 + k);
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
}

TEST(KerasFit, MultiInputMultiOutputFunctionalModel) {
  backend::clear_session();
  utils::set_random_seed(2);
  KerasTensor a = Input({4}, {.name = "a"});
  KerasTensor b = Input({3}, {.name = "b"});
  KerasTensor h = Concatenate()({Dense(5, {.activation = "relu"})(a), b});
  KerasTensor cls = Dense(2, {.activation = "softmax", .name = "cls"})(h);
  KerasTensor reg = Dense(1, {.name = "reg"})(h);
  Model m({a, b}, {cls, reg});
  m.compile({.optimizer = optimizers::Adam({.learning_rate = 0.01}),
             .loss = {"sparse_categorical_crossentropy", "mse"},
             .loss_weights = {1.0, 0.5},
             .metrics = {"accuracy"}});
  EXPECT_EQ(m.metrics_names(), (std::vector<std::string>{"loss", "cls_loss", "reg_loss",
                                                         "cls_accuracy", "reg_accuracy"}));
  Tensor xa = random_tensor(Shape({16, 4}), 1), xb = random_tensor(Shape({16, 3}), 2);
  Tensor yc = class_ids(16, 2), yr = random_tensor(Shape({16, 1}), 3);
  auto ev = m.evaluate({xa, xb}, {yc, yr}, {.verbose = 0});
  EXPECT_NEAR(ev[0], ev[1] + 0.5 * ev[2], 1e-5);
  auto hist = m.fit({xa, xb}, {yc, yr}, {.batch_size = 4, .epochs = 3, .verbose = 0});
  EXPECT_EQ(hist.keys, (std::vector<std::string>{"cls_accuracy", "cls_loss", "loss", "reg_accuracy",
                                                 "reg_loss"}));
  Data p = m.predict({xa, xb}, {.verbose = 0});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].shape(), Shape({16, 2}));
  EXPECT_EQ(p[1].shape(), Shape({16, 1}));
  EXPECT_THROW(static_cast<Tensor>(p), InvalidArgument);
}

TEST(KerasFit, DropoutIsActiveInTrainingOnly) {
  backend::clear_session();
  utils::set_random_seed(4);
  KerasTensor x = Input({1000});
  KerasTensor y = Dropout(0.5)(x);
  Model m(x, y);
  Tensor ones = Tensor::filled(DType::f32, Shape({2, 1000}), 1.0);
  EXPECT_TRUE(tensors_equal(static_cast<Tensor>(m.predict(ones, {.verbose = 0})), ones));
  // The training replay: about half the values dropped, the rest scaled by 2.
  Output train = m.call({x.output()}, true)[0];
  EXPECT_NE(train, y.output());
  Tensor t = backend::session().run(train, {{x.output(), ones}});
  int zeros = 0;
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const double v = t.value_at(i);
    EXPECT_TRUE(v == 0.0 || v == 2.0) << v;
    zeros += v == 0.0;
  }
  EXPECT_GT(zeros, 800);
  EXPECT_LT(zeros, 1200);
}

TEST(KerasFit, RegularizationJoinsTheLoss) {
  backend::clear_session();
  Sequential m({Dense(2, {.kernel_initializer = initializers::Constant(0.5),
                          .kernel_regularizer = regularizers::l2(0.1),
                          .input_shape = {3}})});
  m.compile({.optimizer = "sgd", .loss = "mse"});
  Tensor x = Tensor::zeros(DType::f32, Shape({2, 3}));
  Tensor y = Tensor::zeros(DType::f32, Shape({2, 2}));
  // Zero inputs and labels: the loss is the penalty alone, 0.1 * 6 * 0.25.
  EXPECT_NEAR(m.evaluate(x, y, {.verbose = 0})[0], 0.15, 1e-6);
  ASSERT_EQ(m.losses().size(), 1u);
}

TEST(KerasFit, SequentialWithoutInputShapeBuildsFromTheData) {
  backend::clear_session();
  Sequential m;
  m.add(Dense(4, {.activation = "relu"}));
  m.add(Dense(1));
  EXPECT_FALSE(m.built());
  m.compile({.optimizer = "adam", .loss = "mse"});
  m.fit(random_tensor(Shape({10, 5}), 1), random_tensor(Shape({10, 1}), 2), {.verbose = 0});
  ASSERT_TRUE(m.built());
  EXPECT_EQ(m.input().shape(), Shape({-1, 5}));
  EXPECT_EQ(m.count_params(), 5 * 4 + 4 + 4 + 1);
}

TEST(KerasFit, WeightsRoundTripThroughAFile) {
  const std::string path = ::testing::TempDir() + "/keras_fit_roundtrip.weights";
  backend::clear_session();
  utils::set_random_seed(1);
  auto a = small_classifier();
  a->save_weights(path);
  utils::set_random_seed(2);
  auto b = small_classifier();
  EXPECT_GT(max_abs_diff(a->get_weights()[0], b->get_weights()[0]), 1e-6);
  b->load_weights(path);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_TRUE(tensors_equal(a->get_weights()[i], b->get_weights()[i]));
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(::testing::TempDir())) {
    files += e.path().string().find("keras_fit_roundtrip.weights") != std::string::npos;
  }
  EXPECT_EQ(files, 1);
  std::remove(path.c_str());
}

TEST(KerasFit, TrainingGraphIsHandedOut) {
  backend::clear_session();
  auto m = small_classifier();
  m->compile({.optimizer = optimizers::SGD({.learning_rate = 0.1, .momentum = 0.9}),
              .loss = "categorical_crossentropy",
              .metrics = {"accuracy"}});
  const TrainingGraph& g = m->training_graph();
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0], m->input().output());
  ASSERT_EQ(g.targets.size(), 1u);
  EXPECT_EQ(g.targets[0].shape(), Shape({-1, 3}));
  EXPECT_EQ(g.trainable_variables.size(), 4u);
  EXPECT_EQ(g.gradients.size(), 4u);
  ASSERT_NE(g.train_op, nullptr);
  ASSERT_EQ(g.metrics.size(), 1u);
  EXPECT_EQ(g.metrics[0].name, "accuracy");
  EXPECT_EQ(g.variables_by_layer.at("dense").size(), 2u);
  // No dropout: training and inference share the forward pass and the loss.
  EXPECT_EQ(g.train_outputs[0], g.outputs[0]);
  EXPECT_EQ(g.loss, g.eval_loss);
  // Categorical cross-entropy on the softmax output uses its logits (Keras 3's TF backend).
  EXPECT_EQ(g.outputs[0].node->type(), "Softmax");
  bool fused = false;
  for (const auto& n : backend::graph().nodes())
    fused = fused || n->type() == "SoftmaxCrossEntropyWithLogits";
  EXPECT_TRUE(fused);
  // Running the train op by hand is one step of fit.
  Tensor x = random_tensor(Shape({4, 6}), 3);
  Tensor y = one_hot(class_ids(4, 3), 3);
  backend::session().run({g.train_op}, {{g.inputs[0], x}, {g.targets[0], y}});
  EXPECT_EQ(m->optimizer().iteration_count(), 1);
}

TEST(KerasFit, FashionMnistTwoEpochsReduceTheLoss) {
  if (!std::filesystem::exists(io::kFashionMnistDir)) GTEST_SKIP() << "no Fashion-MNIST";
  io::FashionMnist data = io::load_fashion_mnist();
  const int64_t n = 2000;
  Tensor x = data.x_train.slice_rows(0, n).cast(DType::f32).reshaped(Shape({n, 784}));
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data<float>()[i] /= 255.0f;
  Tensor y = data.y_train.slice_rows(0, n);
  backend::clear_session();
  utils::set_random_seed(1);
  Sequential m({Dense(10, {.activation = "softmax", .input_shape = {784}})});
  m.compile(
      {.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  auto h = m.fit(x, y, {.batch_size = 64, .epochs = 2, .verbose = 0, .validation_split = 0.1});
  const auto& loss = h.history.at("loss");
  ASSERT_EQ(loss.size(), 2u);
  EXPECT_LT(loss[1], loss[0]);
  EXPECT_GT(h.history.at("val_accuracy")[1], 0.6);
}

}  // namespace
}  // namespace dl::keras

namespace dl::keras {
namespace {

/// Batches of arrays in order, then (optionally) the end of the data.
class ArraySource : public BatchSource {
 public:
  ArraySource(Tensor x, Tensor y, int64_t bs, bool finite)
      : x_(std::move(x)), y_(std::move(y)), bs_(bs), finite_(finite) {}
  int64_t size() const override { return finite_ ? -1 : (x_.shape()[0] + bs_ - 1) / bs_; }
  Batch next() override {
    const int64_t n = x_.shape()[0];
    if (pos_ >= n) {
      if (finite_) return {};
      pos_ = 0;
    }
    const int64_t e = std::min(pos_ + bs_, n);
    Batch b{x_.slice_rows(pos_, e), y_.slice_rows(pos_, e), {}};
    pos_ = e;
    return b;
  }
  void on_epoch_end() override {
    ++epochs_ended;
    if (finite_) pos_ = 0;
  }
  int epochs_ended = 0;

 private:
  Tensor x_, y_;
  int64_t bs_, pos_ = 0;
  bool finite_;
};

std::unique_ptr<Sequential> seeded_classifier() {
  backend::clear_session();
  utils::set_random_seed(21);
  auto m = std::make_unique<Sequential>(std::initializer_list<std::shared_ptr<Layer>>{
      layers::Dense(8, {.activation = "tanh", .input_shape = {6}}),
      layers::Dense(3, {.activation = "softmax"})});
  m->compile({.optimizer = optimizers::SGD({.learning_rate = 0.2}),
              .loss = "sparse_categorical_crossentropy",
              .metrics = {"accuracy"}});
  return m;
}

TEST(KerasFitSource, BatchesFromASourceTrainAsArrays) {
  Tensor x = random_tensor(Shape({40, 6}), 8);
  Tensor y = class_ids(40, 3);
  auto a = seeded_classifier();
  auto ha = a->fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .shuffle = false});
  auto b = seeded_classifier();
  ArraySource src(x, y, 8, false);
  auto hb = b->fit(src, {.epochs = 3, .verbose = 0});
  EXPECT_EQ(ha.history.at("loss"), hb.history.at("loss"));
  EXPECT_EQ(ha.history.at("accuracy"), hb.history.at("accuracy"));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(tensors_equal(a->get_weights()[i], b->get_weights()[i]));
  }
  EXPECT_EQ(src.epochs_ended, 3);
  EXPECT_EQ(b->optimizer().iteration_count(), 15);
}

TEST(KerasFitSource, ValidationSourceAndAFiniteGenerator) {
  Tensor x = random_tensor(Shape({30, 6}), 9);
  Tensor y = class_ids(30, 3);
  auto m = seeded_classifier();
  ArraySource train(x, y, 7, true);  // 5 batches, then the end of the data
  ArraySource val(x.slice_rows(0, 12), y.slice_rows(0, 12), 4, false);
  std::vector<int64_t> batches;
  callbacks::LambdaCallback count(
      {.on_train_batch_end = [&](int64_t b, Logs&) { batches.push_back(b); }});
  auto h = m->fit_generator(train, {.epochs = 2,
                                    .verbose = 0,
                                    .callbacks = {count},
                                    .validation_source = &val,
                                    .validation_steps = 3});
  EXPECT_EQ(batches, (std::vector<int64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4}));
  auto ev = m->evaluate(x.slice_rows(0, 12), y.slice_rows(0, 12), {.batch_size = 4, .verbose = 0});
  EXPECT_NEAR(h.history.at("val_loss")[1], ev[0], 1e-6);
  ArraySource again(x.slice_rows(0, 12), y.slice_rows(0, 12), 4, false);
  EXPECT_NEAR(m->evaluate_logs(again, 3).at("loss"), ev[0], 1e-6);
}

TEST(KerasFitSource, BadBatchFailsNamingTheSource) {
  auto m = seeded_classifier();
  GeneratorSource bad([] { return Batch{random_tensor(Shape({4, 5}), 1), class_ids(4, 3), {}}; });
  const std::string msg =
      testing::message_of([&] { m->fit(bad, {.steps_per_epoch = 2, .verbose = 0}); });
  EXPECT_TRUE(testing::contains(msg, "expected axis -1 of input shape to have value 6") &&
              testing::contains(msg, "fit (batch source)"))
      << msg;
}

}  // namespace
}  // namespace dl::keras

namespace dl::keras {
namespace {
// fit on an input pipeline (DatasetSource over Dataset::from_tensor_slices(...).batch(n)) trains
// exactly as fit on the same arrays in the same order; a shuffled pipeline reshuffles each epoch.
TEST(KerasFit, DatasetSourceTrainsAsTheSameArrays) {
  const Tensor x = random_tensor(Shape({45, 6}), 5);
  const Tensor y = class_ids(45, 3).cast(DType::f32);
  auto run = [&](bool from_dataset, bool shuffle_pipeline) {
    backend::clear_session();
    utils::set_random_seed(4);
    auto m = small_classifier();
    m->compile({.optimizer = optimizers::SGD({.learning_rate = 0.3}),
                .loss = "sparse_categorical_crossentropy"});
    if (from_dataset) {
      data::Dataset ds = data::Dataset::from_tensor_slices({x, y});
      if (shuffle_pipeline) ds = ds.shuffle(64, 9);
      DatasetSource source(ds.batch(8));
      EXPECT_EQ(source.size(), 6);  // 5 batches of 8 and one of 5
      m->fit(source, {.epochs = 2, .verbose = 0});
      EXPECT_EQ(source.epoch(), 2);
    } else {
      m->fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .shuffle = false});
    }
    return m->get_weights();
  };
  const auto arrays = run(false, false), pipeline = run(true, false), shuffled = run(true, true);
  for (size_t i = 0; i < arrays.size(); ++i) EXPECT_TRUE(tensors_equal(arrays[i], pipeline[i]));
  EXPECT_GT(max_abs_diff(arrays[0], shuffled[0]), 1e-6);
}

TEST(KerasFit, DatasetSourceRefusesElementsThatAreNotXAndY) {
  DatasetSource source(data::Dataset::from_tensor_slices({random_tensor(Shape({4, 2}), 1)}));
  try {
    source.next();
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("(x, y)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1 components"), std::string::npos) << e.what();
  }
}
}  // namespace
}  // namespace dl::keras
