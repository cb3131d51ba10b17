#include "dl/graph/gradients.h"

#include <gtest/gtest.h>

#include "../testing/gradient_check.h"
#include "../testing/test_util.h"
#include "dl/graph/op_registry.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl {

TEST(Gradients, BroadcastingArithmeticMatchesFiniteDifferences) {
  Graph g;
  Output a = ops::placeholder(g, DType::f64, Shape({-1, 3}), "a");
  Output b = ops::placeholder(g, DType::f64, Shape({3}), "b");
  Output y = (a * b - a / (b + 3.0)) + b;
  FeedDict feeds{{a, testing::random_tensor(Shape({2, 3}), 1, -1, 1, DType::f64)},
                 {b, testing::random_tensor(Shape({3}), 2, 0.5, 1.5, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {a, b}, feeds));
}

TEST(Gradients, UnconnectedIsEmptyAndStopGradientBlocks) {
  Graph g;
  Output a = ops::placeholder(g, DType::f64, Shape({2}), "a");
  Output b = ops::placeholder(g, DType::f64, Shape({2}), "b");
  Output y = a * 2.0 + ops::stop_gradient(b * 3.0);
  auto gr = gradients({y}, {a, b});
  EXPECT_TRUE(gr[0]);
  EXPECT_FALSE(gr[1]);
}

TEST(Gradients, SharedInputsAccumulate) {
  Graph g;
  Output a = ops::placeholder(g, DType::f64, Shape({2}), "a");
  Output y = a * a + a;
  FeedDict feeds{{a, testing::random_tensor(Shape({2}), 3, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {a}, feeds));
}

TEST(Registry, EveryOpIsComplete) {
  auto problems = OpRegistry::global().validate();
  for (const auto& p : problems) ADD_FAILURE() << p;
}

}  // namespace dl

namespace dl {
TEST(Gradients, ReshapeFamily) {
  Graph g;
  Output a = ops::placeholder(g, DType::f64, Shape({-1, 6}), "a");
  Output y = ops::squeeze(ops::expand_dims(ops::reshape(a, Shape({-1, 2, 3})), 1), {1}) * 2.0;
  EXPECT_EQ(y.shape(), Shape({-1, 2, 3}));
  FeedDict feeds{{a, testing::random_tensor(Shape({2, 6}), 5, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {a}, feeds));
}
}  // namespace dl
