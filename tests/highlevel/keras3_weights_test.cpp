// Keras 3's .weights.h5 layout both ways: files written by Keras 3's model.save_weights() load
// here (by class-and-position groups, the optimizer group left alone) and predict what Keras
// predicted; files dl writes have exactly Keras's groups, datasets and attributes (less the
// optimizer); mismatching files fail naming the layer. Reference files and values:
// tests/fixtures/keras/make_keras3_weights_fixtures.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "../testing/test_util.h"
#include "dl/highlevel/internal/weights_file.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using nlohmann::json;
using testing::contains;
using testing::message_of;
using namespace layers;

const json& k3() {
  static const json j = testing::load_fixture("keras3_weights_fixtures.json");
  return j;
}

const std::string kDir = DL_FIXTURES_DIR "/keras/";

Tensor values(const json& data, Shape shape) {
  return Tensor::from_vector<double>(std::move(shape), data.get<std::vector<double>>())
      .cast(DType::f32);
}

// The fixture's Sequential, layer for layer (auto names as in a fresh Keras session).
std::unique_ptr<Sequential> seq_model(int last_units = 3) {
  backend::clear_session();
  return std::make_unique<Sequential>(std::initializer_list<std::shared_ptr<Layer>>{
      Input({8, 8, 2}).layer(), Conv2D(4, {3, 3}, {.activation = "relu"}), BatchNormalization(),
      ReLU(), MaxPooling2D({2, 2}), Flatten(), Dense(5, {.activation = "tanh"}), Dropout(0.25),
      Dense(last_units)});
}

// The fixture's functional model, with Keras's names from the fixture's session.
std::unique_ptr<Model> fun_model() {
  backend::clear_session();
  KerasTensor a = Input({4}, {.name = "input_layer_1"});
  KerasTensor b = Input({3}, {.name = "input_layer_2"});
  KerasTensor h =
      Add({.name = "add"})({Dense(6, {.name = "dense_2"})(a), Dense(6, {.name = "dense_3"})(b)});
  return std::make_unique<Model>(std::vector<KerasTensor>{a, b},
                                 std::vector<KerasTensor>{Dense(2, {.name = "dense_4"})(h)},
                                 "functional_1");
}

Tensor seq_x() {
  return values(k3()["seq"]["x"], Shape(k3()["seq"]["x_shape"].get<std::vector<int64_t>>()));
}

::testing::AssertionResult predicts(const Tensor& got, const json& want) {
  const auto w = want.get<std::vector<double>>();
  if (got.num_elements() != static_cast<int64_t>(w.size())) {
    return ::testing::AssertionFailure() << got.num_elements() << " values, Keras " << w.size();
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const double v = got.value_at(static_cast<int64_t>(i));
    if (std::fabs(v - w[i]) > 1e-5 + 1e-5 * std::fabs(w[i])) {
      return ::testing::AssertionFailure() << "element " << i << ": " << v << " vs Keras " << w[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// Keras's layout without its optimizer group (dl writes model weights only).
std::vector<std::string> without_optimizer(const json& layout) {
  std::vector<std::string> out;
  for (const auto& line : layout.get<std::vector<std::string>>()) {
    if (line.find(" /optimizer") == std::string::npos) out.push_back(line);
  }
  return out;
}

TEST(Keras3Weights, SequentialFileWrittenByKerasPredictsAsKeras) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  auto m = seq_model();
  m->load_weights(kDir + "keras3_seq.weights.h5");
  EXPECT_TRUE(predicts(m->predict(seq_x(), {.verbose = 0}), k3()["seq"]["predict"]));
}

TEST(Keras3Weights, FunctionalFileWrittenByKerasPredictsAsKeras) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  auto m = fun_model();
  m->load_weights(kDir + "keras3_fun.weights.h5");
  const Tensor xa = values(k3()["fun"]["xa"], Shape({5, 4}));
  const Tensor xb = values(k3()["fun"]["xb"], Shape({5, 3}));
  Data p = m->predict({xa, xb}, {.verbose = 0});
  EXPECT_TRUE(predicts(static_cast<Tensor>(p), k3()["fun"]["predict"]));
}

TEST(Keras3Weights, WritesKerasLayoutAndReadsItBack) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  const std::string path = ::testing::TempDir() + "/keras3_weights_test.weights.h5";
  auto m = seq_model();
  m->load_weights(kDir + "keras3_seq.weights.h5");
  m->save_weights(path);
  EXPECT_EQ(internal::hdf5_layout(path), without_optimizer(k3()["seq"]["layout"]));
  auto other = seq_model();
  other->load_weights(path);
  EXPECT_TRUE(predicts(other->predict(seq_x(), {.verbose = 0}), k3()["seq"]["predict"]));

  auto f = fun_model();
  f->load_weights(kDir + "keras3_fun.weights.h5");
  f->save_weights(path);
  EXPECT_EQ(internal::hdf5_layout(path), without_optimizer(k3()["fun"]["layout"]));

  // The keras2 profile writes Keras 2's legacy layout whatever the suffix (tf.keras 2 does).
  backend::set_profile(Profile::keras2);
  auto k2 = seq_model();
  backend::set_profile(Profile::keras3);
  k2->save_weights(path);
  const auto layout = internal::hdf5_layout(path);
  EXPECT_TRUE(std::any_of(layout.begin(), layout.end(), [](const std::string& l) {
    return l.rfind("attr /@layer_names=", 0) == 0;
  }));
  std::remove(path.c_str());
}

TEST(Keras3Weights, MismatchingFilesFailNamingTheLayerBeforeChangingAnything) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  const std::string file = kDir + "keras3_seq.weights.h5";
  auto m = seq_model(/*last_units=*/4);
  const std::vector<Tensor> before = m->get_weights();
  const std::string msg = message_of([&] { m->load_weights(file); });
  EXPECT_TRUE(contains(msg, "Layer 'dense_1' expected 2 variables")) << msg;
  EXPECT_TRUE(contains(msg, "(5, 4)")) << msg;
  EXPECT_TRUE(contains(msg, "(5, 3)")) << msg;
  const std::vector<Tensor> after = m->get_weights();
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(dl::testing::tensors_equal(before[i], after[i])) << i;
  }
  // skip_mismatch leaves that layer as it was and loads the others.
  m->load_weights(file, {.skip_mismatch = true});
  const std::vector<Tensor> skipped = m->get_weights();
  EXPECT_FALSE(dl::testing::tensors_equal(skipped[0], before[0]));
  EXPECT_TRUE(dl::testing::tensors_equal(skipped.back(), before.back()));

  // by_name has no meaning for this layout.
  auto s = seq_model();
  EXPECT_TRUE(contains(message_of([&] { s->load_weights(file, {.by_name = true}); }), "by_name"));

  // A file with layers the model lacks (the Sequential file into a smaller model).
  backend::clear_session();
  Sequential small({Input({8, 8, 2}).layer(), Conv2D(4, {3, 3}), BatchNormalization(),
                    MaxPooling2D({2, 2}), Flatten(), Dense(5)});
  const std::string extra = message_of([&] { small.load_weights(file); });
  EXPECT_TRUE(contains(extra, "layers/dense_1")) << extra;
  EXPECT_TRUE(contains(extra, "does not have")) << extra;
}

}  // namespace
}  // namespace dl::keras
