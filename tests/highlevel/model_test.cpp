#include "dl/highlevel/model.h"

#include <gtest/gtest.h>

#include <sstream>

#include "../testing/test_util.h"
#include "dl/highlevel/keras.h"

namespace dl::keras {
namespace {

TEST(KerasModel, SequentialFitReducesLoss) {
  backend::clear_session();
  utils::set_random_seed(1);
  Sequential model(
      {layers::Dense(8, {.activation = "relu", .input_shape = {2}}), layers::Dense(1)});
  model.compile({.optimizer = optimizers::SGD({.learning_rate = 0.1}), .loss = "mse"});
  Tensor x = dl::testing::random_tensor(Shape({64, 2}), 3);
  Tensor y(DType::f32, Shape({64, 1}));
  for (int i = 0; i < 64; ++i) {
    y.data<float>()[i] = x.data<float>()[2 * i] - 2 * x.data<float>()[2 * i + 1];
  }
  auto before = model.evaluate(x, y, {.verbose = 0});
  auto h = model.fit(x, y, {.batch_size = 16, .epochs = 20, .verbose = 0});
  auto after = model.evaluate(x, y, {.verbose = 0});
  EXPECT_LT(after[0], before[0] * 0.5);
  EXPECT_EQ(h.history.at("loss").size(), 20u);
  std::cout << model.summary();
}

}  // namespace
}  // namespace dl::keras
