// Keras's HDF5 weights files both ways: files written by Keras 3 (its legacy writer) and in
// Keras 2.2.4's layout load here; files written here have exactly Keras's groups, datasets and
// attributes (so Keras's load_weights reads them). Reference files:
// tests/fixtures/keras/make_keras_fixtures.py.
#include <gtest/gtest.h>

#include <cstdio>

#include "../testing/test_util.h"
#include "dl/highlevel/internal/weights_file.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using nlohmann::json;
using testing::fixtures;
using namespace layers;

std::unique_ptr<Sequential> dense_bn_model() {
  return std::make_unique<Sequential>(std::initializer_list<std::shared_ptr<Layer>>{
      Dense(3, {.activation = "relu", .input_shape = {4}}), BatchNormalization(), Dense(2)});
}

std::vector<Tensor> fixture_weights() {
  std::vector<Tensor> w;
  for (const json& t : fixtures()["h5"]["weights"]) w.push_back(testing::tensor(t));
  return w;
}

void expect_weights(const Model& m, const std::vector<Tensor>& want) {
  const auto got = m.get_weights();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(dl::testing::tensors_equal(got[i], want[i])) << i;
  }
}

TEST(KerasHdf5, LoadsFilesWrittenByKeras) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  backend::clear_session();
  auto m = dense_bn_model();
  const std::string dir = DL_FIXTURES_DIR "/keras/";
  m->load_weights(dir + fixtures()["h5"]["keras3_file"].get<std::string>());
  expect_weights(*m, fixture_weights());
  for (const auto& l : m->layers()) {
    std::vector<Tensor> zeros;
    for (const Weight& w : l->weights()) zeros.push_back(Tensor::zeros(DType::f32, w.shape()));
    l->set_weights(zeros);
  }
  m->load_weights(dir + fixtures()["h5"]["keras2_file"].get<std::string>());
  expect_weights(*m, fixture_weights());
}

TEST(KerasHdf5, WritesKerasLayoutAndReadsItBack) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  const std::string path = ::testing::TempDir() + "/keras_hdf5_test.h5";
  backend::clear_session();
  auto m = dense_bn_model();
  m->set_weights(fixture_weights());
  m->save_weights(path);
  EXPECT_EQ(internal::hdf5_layout(path),
            fixtures()["h5"]["keras3_layout"].get<std::vector<std::string>>());
  backend::clear_session();
  auto other = dense_bn_model();
  other->load_weights(path);
  expect_weights(*other, fixture_weights());

  // The keras2 profile writes Keras 2.2.4's layout ("dense_1/kernel:0", no top-level group).
  backend::set_profile(Profile::keras2);
  backend::clear_session();
  auto m2 = dense_bn_model();
  backend::set_profile(Profile::keras3);
  m2->set_weights(fixture_weights());
  m2->save_weights(path);
  EXPECT_EQ(internal::hdf5_layout(path),
            fixtures()["h5"]["keras2_layout"].get<std::vector<std::string>>());
  std::remove(path.c_str());
}

TEST(KerasHdf5, LoadsByName) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  backend::clear_session();
  // Layers in another order, one absent from the file and one of another size.
  Sequential m({Dense(7, {.name = "extra", .input_shape = {4}}), Dense(3, {.name = "dense"})});
  const auto before = m.get_weights();
  const std::string file =
      DL_FIXTURES_DIR "/keras/" + fixtures()["h5"]["keras3_file"].get<std::string>();
  EXPECT_TRUE(
      testing::contains(testing::message_of([&] { m.load_weights(file, {.by_name = true}); }),
                        "Layer \"dense\" expects 2 weight(s) of shapes (7, 3) (3,)"));
  m.load_weights(file, {.by_name = true, .skip_mismatch = true});
  const auto after = m.get_weights();
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_TRUE(dl::testing::tensors_equal(before[i], after[i]));
  }
  backend::clear_session();
  Sequential n({Dense(3, {.name = "dense", .input_shape = {4}}), Dense(9, {.name = "mine"})});
  n.load_weights(file, {.by_name = true});
  EXPECT_TRUE(dl::testing::tensors_equal(n.get_weights()[0], fixture_weights()[0]));
}

TEST(KerasHdf5, NotAnHdf5File) {
  if (!internal::hdf5_available()) GTEST_SKIP() << "built without HDF5";
  const std::string path = ::testing::TempDir() + "/not_hdf5.h5";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs("hello", f);
    std::fclose(f);
  }
  backend::clear_session();
  auto m = dense_bn_model();
  EXPECT_THROW(m->load_weights(path), DataLoss);
  EXPECT_THROW(m->load_weights(path + ".missing.h5"), NotFound);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dl::keras
