// applications::ResNet50: Keras 3's layers in Keras's order and parameter counts, Keras 2.2.4's
// names, and one training step (BatchNormalization's moving statistics move).
#include <gtest/gtest.h>

#include "../testing/test_util.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using testing::fixtures;

TEST(KerasApplications, ResNet50MatchesKeras3) {
  backend::clear_session();
  auto m = applications::ResNet50({.input_shape = {64, 64, 3}, .classes = 5});
  const auto& f = fixtures()["resnet50"];
  std::vector<std::string> names;
  for (const auto& l : m->layers()) names.push_back(l->name());
  EXPECT_EQ(names, f["layers"].get<std::vector<std::string>>());
  EXPECT_EQ(m->count_params(), f["count_params"].get<int64_t>());
  int64_t non_trainable = 0;
  for (const Weight& w : m->non_trainable_weights()) non_trainable += w.shape().num_elements();
  EXPECT_EQ(non_trainable, f["non_trainable"].get<int64_t>());
  EXPECT_EQ(m->output().shape(), Shape({-1, 5}));
  EXPECT_EQ(m->name(), "resnet50");
  EXPECT_EQ(m->get_layer("avg_pool")->output().shape(), Shape({-1, 2048}));

  auto notop =
      applications::ResNet50({.include_top = false, .input_shape = {64, 64, 3}, .pooling = "max"});
  EXPECT_EQ(notop->count_params(), f["notop_count_params"].get<int64_t>());
  EXPECT_EQ(notop->layers().back()->name(), f["notop_last"].get<std::string>());
  EXPECT_EQ(notop->output().shape(), Shape({-1, 2048}));
}

TEST(KerasApplications, ResNet50WithKeras2Names) {
  backend::clear_session();
  auto m =
      applications::ResNet50({.input_shape = {64, 64, 3}, .classes = 5, .names = Profile::keras2});
  for (const char* n :
       {"conv1_pad", "conv1", "bn_conv1", "pool1_pad", "res2a_branch2a", "bn2a_branch1",
        "res3d_branch2c", "res4f_branch2b", "bn5c_branch2c", "avg_pool", "fc1000"}) {
    EXPECT_NO_THROW(m->get_layer(n)) << n;
  }
  EXPECT_EQ(m->count_params(), fixtures()["resnet50"]["count_params"].get<int64_t>());
  EXPECT_THROW(applications::ResNet50({.input_shape = {64, 64, 1}}), InvalidArgument);
}

TEST(KerasApplications, ResNet50TrainsAStepAndMovesItsStatistics) {
  backend::clear_session();
  utils::set_random_seed(1);
  auto m = applications::ResNet50({.input_shape = {32, 32, 3}, .classes = 2});
  m->compile({.optimizer = optimizers::SGD({.learning_rate = 0.01, .momentum = 0.9}),
              .loss = "sparse_categorical_crossentropy",
              .metrics = {"accuracy"}});
  EXPECT_EQ(m->training_graph().update_ops.size(), 2u * 53u);  // two per BatchNormalization
  auto bn = m->get_layer("conv1_bn");
  const Tensor before = bn->get_weights()[2];  // moving_mean
  Tensor x = dl::testing::random_tensor(Shape({2, 32, 32, 3}), 5);
  Tensor y = Tensor::from_vector<float>(Shape({2}), {0, 1});
  auto r = m->train_on_batch(x, y);
  EXPECT_TRUE(std::isfinite(r[0]));
  const Tensor after = bn->get_weights()[2];
  EXPECT_FALSE(dl::testing::tensors_equal(before, after));
  // Inference uses the moving statistics: predict is deterministic.
  Tensor p1 = m->predict(x, {.verbose = 0});
  Tensor p2 = m->predict(x, {.verbose = 0});
  EXPECT_TRUE(dl::testing::tensors_equal(p1, p2));
}

}  // namespace
}  // namespace dl::keras
