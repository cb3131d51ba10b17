#include "dl/graph/layers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../testing/test_util.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/variable.h"

namespace dl {

TEST(Layers, NamesShapesAndVariablesFollowTfLayers) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 28, 28, 1}), "X");
  Output c = layers::conv2d(x, 20, {5}, {.activation = ops::tanh});
  EXPECT_EQ(c.shape(), Shape({-1, 24, 24, 20}));
  EXPECT_EQ(c.node->name(), "conv2d/Tanh");
  Output p = layers::max_pooling2d(c, {2}, {2});
  EXPECT_EQ(p.shape(), Shape({-1, 12, 12, 20}));
  Output c2 = layers::conv2d(p, 8, {3, 3}, {.strides = {2}, .padding = "same"});
  EXPECT_EQ(c2.shape(), Shape({-1, 6, 6, 8}));
  Output d = layers::dense(layers::flatten(c2), 10, {.name = "output"});
  EXPECT_EQ(d.shape(), Shape({-1, 10}));
  std::vector<std::string> names;
  for (const Variable& v : trainable_variables(g))
    names.push_back(v.name() + v.shape().to_string());
  EXPECT_EQ(names, (std::vector<std::string>{"conv2d/kernel[5,5,1,20]", "conv2d/bias[20]",
                                             "conv2d_1/kernel[3,3,20,8]", "conv2d_1/bias[8]",
                                             "output/kernel[288,10]", "output/bias[10]"}));
}

TEST(Layers, DefaultsAreGlorotUniformKernelsAndZeroBiases) {
  Graph g;
  g.set_random_seed(3);
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 300}), "x");
  layers::dense(x, 200);
  Session s(g);
  s.run(global_variables_initializer(g));
  auto vars = trainable_variables(g);
  Tensor k = s.variable_value(vars[0].op());
  const double limit = std::sqrt(6.0 / (300 + 200));
  double mx = 0, sum2 = 0;
  for (int64_t i = 0; i < k.num_elements(); ++i) {
    mx = std::max(mx, std::fabs(k.value_at(i)));
    sum2 += k.value_at(i) * k.value_at(i);
  }
  EXPECT_LE(mx, limit);
  EXPECT_NEAR(std::sqrt(sum2 / static_cast<double>(k.num_elements())), limit / std::sqrt(3.0),
              0.002);
  Tensor b = s.variable_value(vars[1].op());
  for (int64_t i = 0; i < b.num_elements(); ++i) EXPECT_EQ(b.value_at(i), 0.0);
}

TEST(Layers, BadInputRankNamesTheLayer) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 28, 28}), "X");
  try {
    layers::conv2d(x, 4, {3});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'conv2d'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[?,28,28]"), std::string::npos) << e.what();
  }
}

// Training a small convnet twice with the same seeds gives bit-identical weights: kernels are
// deterministic for a fixed thread count and random ops are pure functions of their seeds.
TEST(Layers, TrainingIsBitwiseReproducible) {
  auto train = [] {
    Graph g;
    g.set_random_seed(11);
    Output x = ops::placeholder(g, DType::f32, Shape({-1, 12, 12, 2}), "x");
    Output y = ops::placeholder(g, DType::i32, Shape({-1}), "y");
    Output h = layers::conv2d(x, 6, {3}, {.activation = ops::tanh});
    h = layers::max_pooling2d(h, {2}, {2});
    Output logits = layers::dense(layers::flatten(h), 4);
    Output loss = ops::reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(y, logits));
    Node* step = train::MomentumOptimizer(0.05, 0.9).minimize(loss);
    Session s(g);
    s.run(global_variables_initializer(g));
    Tensor xb = testing::random_tensor(Shape({16, 12, 12, 2}), 5);
    Tensor yb =
        Tensor::from_vector<int32_t>(Shape({16}), {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3});
    for (int i = 0; i < 5; ++i) s.run({{x, xb}, {y, yb}}, {}, {step});
    std::vector<Tensor> out;
    for (const Variable& v : trainable_variables(g))
      out.push_back(s.variable_value(v.op()).clone());
    return out;
  };
  auto a = train(), b = train();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(testing::tensors_equal(a[i], b[i]));
}

}  // namespace dl
