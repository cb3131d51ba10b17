#include "dl/graph/ops/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "../testing/gradient_check.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "nn_fixture_util.h"

namespace dl {
namespace {

using ops::losses::Reduction;
using testing::contains;
using testing::message_of;
using testing::nn_fixtures;
using testing::shape_of;
using testing::tensor_of;
using testing::values_near;

constexpr double kAtol = 1e-6, kRtol = 2e-6;  // float32, as TF1 computes tf.losses

}  // namespace

TEST(Losses, MeanSquaredErrorMatchesTensorFlowForEveryReductionAndWeight) {
  const auto& fx = nn_fixtures()["losses"];
  const Shape shape = shape_of(fx["shape"]);
  const std::map<std::string, Reduction> reductions = {
      {"NONE", Reduction::NONE},
      {"SUM", Reduction::SUM},
      {"MEAN", Reduction::MEAN},
      {"SUM_OVER_BATCH_SIZE", Reduction::SUM_OVER_BATCH_SIZE},
      {"SUM_BY_NONZERO_WEIGHTS", Reduction::SUM_BY_NONZERO_WEIGHTS}};
  for (const bool known : {true, false}) {
    for (const auto& [rname, red] : reductions) {
      Graph g;
      const Shape ph = known ? shape : Shape({-1, 2});
      Output p = ops::placeholder(g, DType::f32, ph, "p");
      Output y = ops::placeholder(g, DType::f32, ph, "y");
      Output w = ops::placeholder(g, DType::f32, ph, "w");
      Output wr = ops::placeholder(g, DType::f32, Shape({known ? 3 : -1, 1}), "wr");
      const std::map<std::string, ops::losses::Weights> weights = {
          {"w=1", 1.0}, {"w=0", 0.0}, {"w=2.5", 2.5}, {"w=tensor", w}, {"w=rows", wr}};
      std::vector<std::string> names;
      std::vector<Output> fetches;
      for (const auto& [wname, wv] : weights) {
        names.push_back(rname + "/" + wname);
        fetches.push_back(ops::losses::mean_squared_error(y, p, wv, "", "losses", red));
      }
      Session s(g);
      auto out = s.run({{p, tensor_of(fx["predictions"], shape, DType::f32)},
                        {y, tensor_of(fx["labels"], shape, DType::f32)},
                        {w, tensor_of(fx["weights"], shape, DType::f32)},
                        {wr, tensor_of(fx["row_weights"], Shape({3, 1}), DType::f32)}},
                       fetches);
      for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(out[i].shape(), red == Reduction::NONE ? shape : Shape{}) << names[i];
        EXPECT_TRUE(values_near(out[i], fx["mean_squared_error"][names[i]], kAtol, kRtol))
            << names[i] << (known ? "" : " (unknown batch)");
      }
    }
  }
}

TEST(Losses, MeanSquaredErrorNamesAndCollection) {
  Graph g;
  Output p = ops::placeholder(g, DType::f32, Shape({-1, 2}), "p");
  Output y = ops::placeholder(g, DType::i32, Shape({-1, 2}), "y");  // cast like TF
  Output l1 = ops::losses::mean_squared_error(y, p);
  Output l2 = ops::losses::mean_squared_error(y, p, 1.0, "", "");  // no collection
  EXPECT_EQ(l1.node->name(), "mean_squared_error/value");
  EXPECT_EQ(l2.node->name(), "mean_squared_error_1/value");
  auto ls = ops::losses::get_losses(g);
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0], l1);
  Output bad = ops::placeholder(g, DType::f32, Shape({-1, 3}), "bad");
  const std::string m = message_of([&] { ops::losses::mean_squared_error(bad, p); });
  EXPECT_TRUE(contains(m, "mean_squared_error 'mean_squared_error_2'")) << m;
  EXPECT_TRUE(contains(m, "[?,2]")) << m;
  EXPECT_TRUE(contains(m, "[?,3]")) << m;
}

TEST(Losses, CrossEntropiesMatchTensorFlow) {
  const auto& fx = nn_fixtures()["losses"];
  const Shape shape = shape_of(fx["logits_shape"]);
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 5}), "logits");
  Output z = ops::placeholder(g, DType::f32, Shape({-1, 5}), "onehot");
  Output cw = ops::placeholder(g, DType::f32, Shape({-1}), "cw");
  Output sl = ops::placeholder(g, DType::i32, Shape({-1}), "sl");
  Output sl2 = ops::placeholder(g, DType::i32, Shape({-1, 1}), "sl2");
  Output sw2 = ops::placeholder(g, DType::f32, Shape({-1, 1}), "sw2");
  namespace L = ops::losses;
  std::vector<Output> f = {
      L::softmax_cross_entropy(z, x),
      L::softmax_cross_entropy(z, x, cw),
      L::softmax_cross_entropy(z, x, 1.0, 0.1),
      L::softmax_cross_entropy(z, x, 1.0, 0, "", "losses", Reduction::NONE),
      L::sparse_softmax_cross_entropy(sl, x),
      L::sparse_softmax_cross_entropy(sl2, x, sw2),
  };
  EXPECT_EQ(f[0].node->name(), "softmax_cross_entropy_loss/value");
  const auto labels = fx["sparse_labels"].get<std::vector<int32_t>>();
  Session s(g);
  auto out = s.run({{x, tensor_of(fx["logits"], shape, DType::f32)},
                    {z, tensor_of(fx["onehot_labels"], shape, DType::f32)},
                    {cw, Tensor::from_vector<float>(Shape({4}), {1, 0, 2, 0.5})},
                    {sl, Tensor::from_vector<int32_t>(Shape({4}), labels)},
                    {sl2, Tensor::from_vector<int32_t>(Shape({4, 1}), labels)},
                    {sw2, Tensor::from_vector<float>(Shape({4, 1}), {1, 0, 2, 0.5})}},
                   f);
  const auto& sce = fx["softmax_cross_entropy"];
  EXPECT_TRUE(values_near(out[0], sce["default"], kAtol, kRtol));
  EXPECT_TRUE(values_near(out[1], sce["weights"], kAtol, kRtol));
  EXPECT_TRUE(values_near(out[2], sce["smoothing_0.1"], kAtol, kRtol));
  EXPECT_TRUE(values_near(out[3], sce["none"], kAtol, kRtol));
  EXPECT_TRUE(values_near(out[4], fx["sparse_softmax_cross_entropy"]["default"], kAtol, kRtol));
  EXPECT_TRUE(
      values_near(out[5], fx["sparse_softmax_cross_entropy"]["squeezed_weights"], kAtol, kRtol));

  const auto& sig = fx["sigmoid_cross_entropy"];
  const Shape ss = shape_of(sig["shape"]);
  Graph g2;
  Output sx = ops::placeholder(g2, DType::f32, ss, "logits");
  Output sz = ops::placeholder(g2, DType::f32, ss, "labels");
  Output sw = ops::placeholder(g2, DType::f32, Shape({3, 1}), "w");
  Session s2(g2);
  auto sout = s2.run({{sx, tensor_of(sig["logits"], ss, DType::f32)},
                      {sz, tensor_of(sig["labels"], ss, DType::f32)},
                      {sw, Tensor::from_vector<float>(Shape({3, 1}), {1, 0, 2})}},
                     {L::sigmoid_cross_entropy(sz, sx), L::sigmoid_cross_entropy(sz, sx, 1.0, 0.2),
                      L::sigmoid_cross_entropy(sz, sx, sw)});
  EXPECT_TRUE(values_near(sout[0], sig["default"], 1e-5, kRtol));
  EXPECT_TRUE(values_near(sout[1], sig["smoothing_0.2"], 1e-5, kRtol));
  EXPECT_TRUE(values_near(sout[2], sig["weights"], 1e-5, kRtol));
}

TEST(Losses, GradientsMatchFiniteDifferencesAndAllZeroWeightsGiveZero) {
  namespace L = ops::losses;
  Graph g;
  Output p = ops::placeholder(g, DType::f64, Shape({-1, 3}), "p");
  Output y = ops::placeholder(g, DType::f64, Shape({-1, 3}), "y");
  Output w = ops::placeholder(g, DType::f64, Shape({-1, 1}), "w");
  FeedDict feeds{{p, testing::random_tensor(Shape({4, 3}), 101, -1, 1, DType::f64)},
                 {y, testing::random_tensor(Shape({4, 3}), 102, -1, 1, DType::f64)},
                 {w, Tensor::from_vector<double>(Shape({4, 1}), {1.0, 0.3, 2.0, 0.5})}};
  // (Non-zero weights: the count of non-zero weights is a step function of w.)
  for (Reduction red : {Reduction::SUM, Reduction::MEAN, Reduction::SUM_OVER_BATCH_SIZE,
                        Reduction::SUM_BY_NONZERO_WEIGHTS}) {
    EXPECT_TRUE(
        testing::check_gradients(g, L::mean_squared_error(y, p, w, "", "", red), {p, w}, feeds));
  }
  // Softmax labels must be distributions (the fused backprop assumes rows sum to 1, as TF's).
  Output onehot = ops::placeholder(g, DType::f64, Shape({-1, 3}), "onehot");
  feeds.push_back({onehot, Tensor::from_vector<double>(Shape({4, 3}),
                                                       {1, 0, 0, 0, 0, 1, 0.5, 0.5, 0, 0, 1, 0})});
  EXPECT_TRUE(testing::check_gradients(g, L::softmax_cross_entropy(onehot, p, 2.0, 0.1, "", ""),
                                       {p}, feeds));
  EXPECT_TRUE(
      testing::check_gradients(g, L::sigmoid_cross_entropy(y, p, w, 0.2, "", ""), {p}, feeds));
  // Every weight zero: the loss is 0 and its gradient 0, not NaN (div_no_nan).
  Output loss = L::mean_squared_error(y, p, w * 0.0, "all_zero");
  auto grads = gradients({loss}, {p});
  Session s(g);
  auto out = s.run(feeds, {loss, grads[0]});
  EXPECT_EQ(out[0].value_at(0), 0.0);
  for (int64_t i = 0; i < out[1].num_elements(); ++i) EXPECT_EQ(out[1].value_at(i), 0.0);
}

TEST(Losses, TotalAndRegularizationLosses) {
  namespace L = ops::losses;
  Graph g;
  EXPECT_THROW(L::get_total_loss(g), InvalidArgument);
  Output zero = L::get_regularization_loss(g);
  Output p = ops::placeholder(g, DType::f32, Shape({2}), "p");
  Output y = ops::placeholder(g, DType::f32, Shape({2}), "y");
  Output a = L::mean_squared_error(y, p);
  Output b = L::mean_squared_error(y, p, 3.0, "second");
  Output reg = ops::scalar(g, 0.5, DType::f32, "reg");
  g.add_to_collection(GraphKeys::REGULARIZATION_LOSSES, reg.node);
  EXPECT_EQ(L::get_losses(g, "second").size(), 1u);
  Output total = L::get_total_loss(g);
  Output no_reg = L::get_total_loss(g, false, "total_no_reg");
  Session s(g);
  auto out = s.run({{p, Tensor::from_vector<float>(Shape({2}), {1, 2})},
                    {y, Tensor::from_vector<float>(Shape({2}), {0, 0})}},
                   {zero, a, b, total, no_reg, L::get_regularization_loss(g)});
  EXPECT_EQ(out[0].value_at(0), 0.0);
  EXPECT_FLOAT_EQ(out[1].value_at(0), 2.5f);
  EXPECT_FLOAT_EQ(out[2].value_at(0), 7.5f);
  EXPECT_FLOAT_EQ(out[3].value_at(0), 10.5f);
  EXPECT_FLOAT_EQ(out[4].value_at(0), 10.0f);
  EXPECT_FLOAT_EQ(out[5].value_at(0), 0.5f);
}

}  // namespace dl
