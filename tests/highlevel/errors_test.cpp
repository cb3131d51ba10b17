// Bad input fails before anything runs, with Keras's tone: the layer or argument, what was
// expected and what was received.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "../testing/test_util.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using testing::contains;
using testing::message_of;
using namespace layers;

Tensor iota(Shape s, float scale = 0.01f) {
  Tensor t(DType::f32, s);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = scale * float(i % 97);
  return t;
}

Tensor class_ids(int64_t n, int64_t classes) {
  Tensor t(DType::f32, Shape({n}));
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = float(i % classes);
  return t;
}

Tensor one_hot(int64_t n, int64_t classes) {
  Tensor t = Tensor::zeros(DType::f32, Shape({n, classes}));
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i * classes + i % classes] = 1;
  return t;
}

std::unique_ptr<Sequential> mnist_like(const char* loss) {
  backend::clear_session();
  auto m = std::make_unique<Sequential>(std::initializer_list<std::shared_ptr<Layer>>{
      Dense(16, {.activation = "relu", .input_shape = {784}}),
      Dense(10, {.activation = "softmax"})});
  m->compile({.optimizer = "sgd", .loss = loss, .metrics = {"accuracy"}});
  return m;
}

TEST(KerasErrors, LayerCalledOnWrongSize) {
  backend::clear_session();
  Dense d(10, {.input_shape = {784}});
  Sequential m({d});
  KerasTensor x = Input({100});
  const std::string msg = message_of([&] { d(x); });
  EXPECT_TRUE(contains(msg,
                       "Input 0 of layer \"dense\" is incompatible with the layer: expected axis "
                       "-1 of input shape to have value 784, but received input with shape "
                       "(None, 100)"))
      << msg;
}

TEST(KerasErrors, LayerCalledOnWrongRank) {
  backend::clear_session();
  KerasTensor x = Input({});
  const std::string msg = message_of([&] { Dense(3)(x); });
  EXPECT_TRUE(contains(msg, "layer \"dense\"") && contains(msg, "expected min_ndim=2") &&
              contains(msg, "found ndim=1") && contains(msg, "(None,)"))
      << msg;
}

TEST(KerasErrors, FitDataOfWrongSizeNamesLayerAndArgument) {
  auto m = mnist_like("sparse_categorical_crossentropy");
  const auto before = m->get_weights();
  const std::string msg = message_of([&] {
    m->fit(iota(Shape({32, 100})), class_ids(32, 10), {.verbose = 0});
  });
  EXPECT_TRUE(contains(msg,
                       "Input 0 of layer \"dense\" is incompatible with the layer: expected axis "
                       "-1 of input shape to have value 784, but received input with shape "
                       "(None, 100)"))
      << msg;
  EXPECT_TRUE(contains(msg, "argument `x` of fit")) << msg;
  // Nothing trained.
  const auto after = m->get_weights();
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(dl::testing::tensors_equal(before[i], after[i]));
  }
  const std::string rank = message_of([&] {
    m->evaluate(iota(Shape({32, 28, 28})), class_ids(32, 10), {.verbose = 0});
  });
  EXPECT_TRUE(contains(rank, "expected ndim=2, found ndim=3") && contains(rank, "(None, 28, 28)") &&
              contains(rank, "argument `x` of evaluate"))
      << rank;
}

TEST(KerasErrors, SampleCountsDiffer) {
  auto m = mnist_like("sparse_categorical_crossentropy");
  const std::string msg = message_of([&] {
    m->fit(iota(Shape({100, 784})), class_ids(90, 10), {.verbose = 0});
  });
  EXPECT_TRUE(contains(msg, "Data cardinality is ambiguous") && contains(msg, "'x' sizes: 100") &&
              contains(msg, "'y' sizes: 90"))
      << msg;
  const std::string sw = message_of([&] {
    m->fit(iota(Shape({100, 784})), class_ids(100, 10),
           {.verbose = 0, .sample_weight = Tensor::zeros(DType::f32, Shape({7}))});
  });
  EXPECT_TRUE(contains(sw, "'sample_weight' sizes: 7")) << sw;
}

TEST(KerasErrors, OneHotLabelsWithSparseLoss) {
  auto m = mnist_like("sparse_categorical_crossentropy");
  const std::string msg = message_of([&] {
    m->fit(iota(Shape({20, 784})), one_hot(20, 10), {.verbose = 0});
  });
  EXPECT_TRUE(contains(msg, "Loss \"sparse_categorical_crossentropy\" of output \"dense_1\"") &&
              contains(msg, "expects integer class ids of shape (None,)") &&
              contains(msg, "received labels of shape (20, 10)") && contains(msg, "one-hot") &&
              contains(msg, "categorical_crossentropy"))
      << msg;
}

TEST(KerasErrors, SparseLabelsWithCategoricalLoss) {
  auto m = mnist_like("categorical_crossentropy");
  for (const Tensor& y : {class_ids(20, 10), class_ids(20, 10).reshaped(Shape({20, 1}))}) {
    const std::string msg = message_of([&] { m->fit(iota(Shape({20, 784})), y, {.verbose = 0}); });
    EXPECT_TRUE(contains(msg, "Loss \"categorical_crossentropy\" of output \"dense_1\"") &&
                contains(msg, "expects one-hot labels of shape (None, 10)") &&
                contains(msg, "integer class ids") &&
                contains(msg, "sparse_categorical_crossentropy"))
        << msg;
  }
}

TEST(KerasErrors, SparseLabelOutOfRange) {
  auto m = mnist_like("sparse_categorical_crossentropy");
  Tensor y = class_ids(20, 10);
  y.data<float>()[7] = 12;
  const std::string msg = message_of([&] { m->fit(iota(Shape({20, 784})), y, {.verbose = 0}); });
  EXPECT_TRUE(contains(msg, "received the label 12 (sample 7)") &&
              contains(msg, "integers in [0, 10)"))
      << msg;
}

TEST(KerasErrors, UnknownNamesListTheValidOnes) {
  std::string msg = message_of([] { losses::LossArg("categorical_crossentropyy"); });
  EXPECT_TRUE(contains(msg, "Could not interpret loss identifier: 'categorical_crossentropyy'") &&
              contains(msg, "categorical_crossentropy, ") && contains(msg, "mse"))
      << msg;
  msg = message_of([] { metrics::MetricArg("accuracyy"); });
  EXPECT_TRUE(contains(msg, "Could not interpret metric identifier: 'accuracyy'") &&
              contains(msg, "accuracy, acc"))
      << msg;
  msg = message_of([] { optimizers::OptimizerArg("adma"); });
  EXPECT_TRUE(contains(msg, "Could not interpret optimizer identifier: 'adma'") &&
              contains(msg, "sgd, adam"))
      << msg;
  msg = message_of([] { Dense(3, {.activation = "rellu"}); });
  EXPECT_TRUE(contains(msg, "Could not interpret activation function identifier: 'rellu'") &&
              contains(msg, "relu"))
      << msg;
  msg = message_of([] { Dense(3, {.kernel_initializer = "glorot_unifrom"}); });
  EXPECT_TRUE(contains(msg, "Could not interpret initializer identifier: 'glorot_unifrom'") &&
              contains(msg, "glorot_uniform"))
      << msg;
  msg = message_of([] { Dense(3, {.kernel_regularizer = "l3"}); });
  EXPECT_TRUE(contains(msg, "Could not interpret regularizer identifier: 'l3'")) << msg;
}

TEST(KerasErrors, BadArguments) {
  EXPECT_TRUE(
      contains(message_of([] { Dense(0); }), "expected a positive integer. Received: units=0"));
  EXPECT_TRUE(contains(message_of([] { Dropout(1.5); }), "Received: rate=1.5"));
  EXPECT_TRUE(contains(message_of([] { optimizers::SGD({.clipnorm = 1.0, .clipvalue = 0.5}); }),
                       "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set"));
  EXPECT_TRUE(
      contains(message_of([] { optimizers::SGD({.momentum = 1.5}); }), "Received: momentum=1.5"));
  EXPECT_TRUE(contains(message_of([] { callbacks::ReduceLROnPlateau({.factor = 1.0}); }),
                       "does not support a factor >= 1.0"));
}

TEST(KerasErrors, CompileAndFitOrder) {
  backend::clear_session();
  Sequential m({Dense(2, {.input_shape = {3}})});
  EXPECT_TRUE(contains(message_of([&] {
                         m.fit(iota(Shape({4, 3})), iota(Shape({4, 2})), {.verbose = 0});
                       }),
                       "You must call `compile()` before using the model \"sequential\""));
  EXPECT_TRUE(contains(message_of([&] { m.compile({.optimizer = "sgd"}); }), "needs a `loss`"));
  EXPECT_TRUE(contains(message_of([&] { m.optimizer(); }), "call compile() first"));
}

TEST(KerasErrors, KerasOptimizerRefusesKeras2Decay) {
  backend::clear_session();
  Sequential m({Dense(2, {.input_shape = {3}})});
  const std::string msg = message_of(
      [&] { m.compile({.optimizer = optimizers::SGD({.decay = 0.01}), .loss = "mse"}); });
  EXPECT_TRUE(contains(msg, "`decay` is no longer supported in Keras 3") &&
              contains(msg, "keras2 profile"))
      << msg;
}

TEST(KerasErrors, ModelStructure) {
  backend::clear_session();
  Dense a(2, {.name = "same", .input_shape = {3}});
  Dense b(2, {.name = "same"});
  const std::string dup = message_of([&] { Sequential m({a, b}); });
  EXPECT_TRUE(contains(dup, "should have unique names. Name 'same' is already the name of a layer"))
      << dup;

  KerasTensor x1 = Input({3});
  KerasTensor x2 = Input({3});
  KerasTensor y = Add()({Dense(3)(x1), x2});
  const std::string disc = message_of([&] { Model m(x1, y); });
  EXPECT_TRUE(
      contains(disc, "Graph disconnected: the outputs depend on the input \"input_layer_2\""))
      << disc;

  Model ok({x1, x2}, {y});
  const std::string missing = message_of([&] { ok.get_layer("nope"); });
  EXPECT_TRUE(contains(missing, "No such layer: nope. Existing layers are: [")) << missing;
  const std::string weights = message_of([&] { ok.set_weights({}); });
  EXPECT_TRUE(contains(weights,
                       "with a weight list of length 0, but the model was expecting 2 "
                       "weights"))
      << weights;
  const std::string shape = message_of([&] {
    ok.set_weights(
        {Tensor::zeros(DType::f32, Shape({4, 3})), Tensor::zeros(DType::f32, Shape({3}))});
  });
  EXPECT_TRUE(contains(shape,
                       "weight 'dense/kernel' has shape (3, 3), but the value given has "
                       "shape (4, 3)"))
      << shape;
  const std::string list = message_of([&] { Add()(x1); });
  EXPECT_TRUE(contains(list, "expects a list of input tensors")) << list;
}

TEST(KerasErrors, ValidationSplitAndWeights) {
  auto m = mnist_like("sparse_categorical_crossentropy");
  const std::string split = message_of([&] {
    m->fit(iota(Shape({1, 784})), class_ids(1, 10), {.verbose = 0, .validation_split = 0.5});
  });
  EXPECT_TRUE(contains(split,
                       "Training data contains 1 samples, which is not sufficient to "
                       "split it"))
      << split;
  const std::string both = message_of([&] {
    m->fit(iota(Shape({4, 784})), class_ids(4, 10),
           {.verbose = 0,
            .class_weight = {{0, 2.0}},
            .sample_weight = Tensor::filled(DType::f32, Shape({4}), 1.0)});
  });
  EXPECT_TRUE(contains(both, "You cannot `class_weight` and `sample_weight` at the same time"))
      << both;
}

TEST(KerasErrors, CheckpointPathWithMissingKey) {
  auto m = mnist_like("sparse_categorical_crossentropy");
  const std::string dir = ::testing::TempDir();
  const std::string msg = message_of([&] {
    m->fit(iota(Shape({8, 784})), class_ids(8, 10),
           {.verbose = 0,
            .callbacks = {callbacks::ModelCheckpoint(dir + "/m.{epoch:02d}-{val_acc:.4f}.w")}});
  });
  EXPECT_TRUE(contains(msg, "Failed to format this callback filepath: \"" + dir +
                                "/m.{epoch:02d}-{val_acc:.4f}.w\". Reason: 'val_acc'"))
      << msg;
}

TEST(KerasErrors, WeightsFileThatDoesNotMatch) {
  const std::string path = ::testing::TempDir() + "/keras_errors.weights";
  auto m = mnist_like("sparse_categorical_crossentropy");
  m->save_weights(path);
  backend::clear_session();
  Sequential other({Dense(16, {.input_shape = {784}}), Dense(5)});
  const auto before = other.get_weights();
  const std::string msg = message_of([&] { other.load_weights(path); });
  EXPECT_TRUE(contains(msg,
                       "Layer \"dense_1\" weight 'kernel' has shape (16, 5), but the saved "
                       "weight 'dense_1/kernel'") &&
              contains(msg, "has shape (16, 10)"))
      << msg;
  // Checked before anything changed: the first layer (which would fit) is untouched.
  EXPECT_TRUE(dl::testing::tensors_equal(before[0], other.get_weights()[0]));
  Sequential fewer({Dense(16, {.input_shape = {784}})});
  EXPECT_TRUE(contains(message_of([&] { fewer.load_weights(path); }),
                       "You are trying to load a weight file containing 2 layers into a model "
                       "with 1 layers."));
  // A corrupted byte is caught by the CRC.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x55;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  Sequential same({Dense(16, {.input_shape = {784}}), Dense(10)});
  EXPECT_THROW(same.load_weights(path), DataLoss);
  EXPECT_THROW(same.load_weights(path + ".missing"), NotFound);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dl::keras
