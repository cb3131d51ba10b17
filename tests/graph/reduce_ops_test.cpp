#include "dl/graph/ops/reduce_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "../testing/gradient_check.h"
#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"

namespace dl {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
Tensor f64(Shape s, std::vector<double> v) { return Tensor::from_vector<double>(std::move(s), v); }
Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
Tensor eval(Graph& g, Output y, const FeedDict& feeds = {}) {
  Session s(g);
  return s.run(y, feeds);
}
std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.value_at(i));
  return v;
}

}  // namespace

TEST(ReduceOps, SumMeanOverAxes) {
  Graph g;
  // x[2,3] = [[1,2,3],[4,5,6]]
  Output x = ops::constant(g, f32(Shape({2, 3}), {1, 2, 3, 4, 5, 6}));
  Output all = ops::reduce_sum(x);
  EXPECT_EQ(all.shape(), Shape({}));
  EXPECT_EQ(all.node->name(), "Sum");
  EXPECT_EQ(eval(g, all).to_vector<float>(), (std::vector<float>{21}));
  EXPECT_EQ(eval(g, ops::reduce_sum(x, {0})).to_vector<float>(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(eval(g, ops::reduce_sum(x, {-1})).to_vector<float>(), (std::vector<float>{6, 15}));
  Output kd = ops::reduce_sum(x, {1}, true);
  EXPECT_EQ(kd.shape(), Shape({2, 1}));
  EXPECT_EQ(ops::reduce_sum(x, {}, true).shape(), Shape({1, 1}));
  EXPECT_EQ(eval(g, ops::reduce_mean(x)).to_vector<float>(), (std::vector<float>{3.5f}));
  EXPECT_EQ(eval(g, ops::reduce_mean(x, {0})).to_vector<float>(),
            (std::vector<float>{2.5f, 3.5f, 4.5f}));
  // Integer mean truncates, as TF.
  Output i = ops::constant(g, Tensor::from_vector<int32_t>(Shape({3}), {1, 2, 4}));
  EXPECT_EQ(eval(g, ops::reduce_mean(i)).to_vector<int32_t>(), (std::vector<int32_t>{2}));
  EXPECT_EQ(eval(g, ops::reduce_sum(i)).to_vector<int32_t>(), (std::vector<int32_t>{7}));
}

TEST(ReduceOps, NonContiguousAxes) {
  Graph g;
  // x[2,3,2], x[i][j][k] = 6i + 2j + k.
  std::vector<double> v(12);
  for (int k = 0; k < 12; ++k) v[static_cast<size_t>(k)] = k;
  Output x = ops::constant(g, f64(Shape({2, 3, 2}), v));
  Output y = ops::reduce_sum(x, {0, 2});
  EXPECT_EQ(y.shape(), Shape({3}));
  // j=0: 0+1+6+7 = 14; j=1: 2+3+8+9 = 22; j=2: 4+5+10+11 = 30.
  EXPECT_EQ(values(eval(g, y)), (std::vector<double>{14, 22, 30}));
  EXPECT_EQ(values(eval(g, ops::reduce_max(x, {2, 0}, true))), (std::vector<double>{7, 9, 11}));
  EXPECT_EQ(ops::reduce_max(x, {2, 0}, true).shape(), Shape({1, 3, 1}));
  EXPECT_EQ(values(eval(g, ops::reduce_min(x, {1}))), (std::vector<double>{0, 1, 6, 7}));
}

TEST(ReduceOps, MaxMinProd) {
  Graph g;
  Output x = ops::constant(g, f32(Shape({2, 3}), {1, -2, 3, 0.5f, 5, -6}));
  EXPECT_EQ(eval(g, ops::reduce_max(x, {1})).to_vector<float>(), (std::vector<float>{3, 5}));
  EXPECT_EQ(eval(g, ops::reduce_min(x, {1})).to_vector<float>(), (std::vector<float>{-2, -6}));
  EXPECT_EQ(eval(g, ops::reduce_prod(x, {1})).to_vector<float>(), (std::vector<float>{-6, -15}));
  EXPECT_EQ(eval(g, ops::reduce_prod(x)).to_vector<float>(), (std::vector<float>{90}));
  // Empty reductions: identities of each fold.
  Output e = ops::constant(g, Tensor::zeros(DType::f32, Shape({2, 0})));
  EXPECT_EQ(eval(g, ops::reduce_sum(e, {1})).to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_EQ(eval(g, ops::reduce_prod(e, {1})).to_vector<float>(), (std::vector<float>{1, 1}));
  EXPECT_EQ(eval(g, ops::reduce_max(e, {1})).to_vector<float>()[0],
            -std::numeric_limits<float>::infinity());
  // NaN wins in max.
  Output n = ops::constant(g, f32(Shape({3}), {1, std::nanf(""), 2}));
  EXPECT_TRUE(std::isnan(eval(g, ops::reduce_max(n)).to_vector<float>()[0]));
}

TEST(ReduceOps, ArgMaxArgMin) {
  Graph g;
  Output x = ops::constant(g, f32(Shape({2, 4}), {1, 3, 3, 0, 7, 7, -1, -1}));
  Output am = ops::argmax(x, 1);
  EXPECT_EQ(am.dtype(), DType::i64);
  EXPECT_EQ(am.shape(), Shape({2}));
  // Ties: the first index, as TF.
  EXPECT_EQ(eval(g, am).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(eval(g, ops::argmin(x, -1, DType::i32)).to_vector<int32_t>(),
            (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(eval(g, ops::argmax(x, 0)).to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 0, 0}));
  std::string m = message_of([&] { ops::argmax(x, 2, DType::i64, "am"); });
  EXPECT_TRUE(contains(m, "ArgMax 'am'")) << m;
  EXPECT_TRUE(contains(m, "axis 2 is out of range for a tensor of rank 2")) << m;
  m = message_of([&] { ops::argmax(x, 0, DType::f32, "am2"); });
  EXPECT_TRUE(contains(m, "output_type must be int32 or int64, received float32")) << m;
}

TEST(ReduceOps, AxisErrorsNameNode) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3}), "x");
  std::string m = message_of([&] { ops::reduce_sum(x, {2}, false, "loss/Sum"); });
  EXPECT_TRUE(contains(m, "Sum 'loss/Sum'")) << m;
  EXPECT_TRUE(contains(m, "axis 2 is out of range for a tensor of rank 2")) << m;
  EXPECT_TRUE(contains(m, "float32[?,3]")) << m;
  m = message_of([&] { ops::reduce_mean(x, {1, -1}, false, "m"); });
  EXPECT_TRUE(contains(m, "Mean 'm'")) << m;
  EXPECT_TRUE(contains(m, "listed twice")) << m;
  m = message_of([&] { ops::reduce_sum(ops::cast(x, DType::boolean), {}, false, "b"); });
  EXPECT_TRUE(contains(m, "must be numeric, received bool")) << m;
}

TEST(ReduceOps, FloatSumsAccumulateInDouble) {
  // 1 followed by many small values: a float accumulator would lose them all.
  const int n = 100000;
  std::vector<float> v(n, 1e-8f);
  v[0] = 1.0f;
  Graph g;
  Output x = ops::constant(g, f32(Shape({1, n}), v));
  double want = 0;
  for (float f : v) want += f;
  EXPECT_EQ(eval(g, ops::reduce_sum(x, {1})).to_vector<float>()[0], static_cast<float>(want));
  // Same input, same bits, run after run.
  Tensor t = testing::random_tensor(Shape({64, 513}), 5);
  Output y = ops::reduce_sum(ops::constant(g, t), {0});
  Session s(g);
  EXPECT_TRUE(testing::tensors_equal(s.run(y), s.run(y)));
}

// ---- gradients ----

TEST(ReduceGrad, AllReductionsWithUnknownBatch) {
  using Builder = std::function<Output(Output, std::vector<int64_t>, bool)>;
  const std::vector<std::pair<const char*, Builder>> ops_list = {
      {"sum", [](Output x, std::vector<int64_t> a, bool k) { return ops::reduce_sum(x, a, k); }},
      {"mean", [](Output x, std::vector<int64_t> a, bool k) { return ops::reduce_mean(x, a, k); }},
      {"max", [](Output x, std::vector<int64_t> a, bool k) { return ops::reduce_max(x, a, k); }},
      {"min", [](Output x, std::vector<int64_t> a, bool k) { return ops::reduce_min(x, a, k); }},
      {"prod", [](Output x, std::vector<int64_t> a, bool k) { return ops::reduce_prod(x, a, k); }},
  };
  const std::vector<std::vector<int64_t>> axes_list = {{}, {0}, {1}, {-1}, {0, 2}, {1, 2}};
  for (const auto& [name, build] : ops_list) {
    for (const auto& axes : axes_list) {
      for (bool keep : {false, true}) {
        Graph g;
        // Two unknown dims: the restored shape cannot be a single static reshape.
        Output x = ops::placeholder(g, DType::f64, Shape({-1, -1, 3}), "x");
        Output y = build(x, axes, keep);
        FeedDict feeds{{x, testing::random_tensor(Shape({2, 4, 3}), 21, 0.5, 1.5, DType::f64)}};
        EXPECT_TRUE(testing::check_gradients(g, y, {x}, feeds))
            << name << " axes " << axes.size() << " keep " << keep;
      }
    }
  }
}

TEST(ReduceGrad, MeanDivisorComesFromRunTimeShape) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 2}), "x");
  Output gx = gradients({ops::reduce_mean(x)}, {x})[0];
  Session s(g);
  EXPECT_EQ(values(s.run(gx, {{x, Tensor::filled(DType::f64, Shape({2, 2}), 1)}})),
            (std::vector<double>(4, 0.25)));
  EXPECT_EQ(values(s.run(gx, {{x, Tensor::filled(DType::f64, Shape({5, 2}), 1)}})),
            (std::vector<double>(10, 0.1)));
  // Known dims: a constant divisor.
  Graph g2;
  Output x2 = ops::placeholder(g2, DType::f32, Shape({4, 2}), "x");
  Output gx2 = gradients({ops::reduce_mean(x2, {0})}, {x2})[0];
  EXPECT_EQ(eval(g2, gx2, {{x2, Tensor::zeros(DType::f32, Shape({4, 2}))}}).to_vector<float>(),
            (std::vector<float>(8, 0.25f)));
}

TEST(ReduceGrad, MaxTiesSplitEvenly) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({2, 3}), "x");
  Output gx = gradients({ops::reduce_max(x, {1})}, {x})[0];
  EXPECT_EQ(values(eval(g, gx, {{x, f64(Shape({2, 3}), {1, 5, 5, 2, 2, 2})}})),
            (std::vector<double>{0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3}));
}

TEST(ReduceGrad, ProdWithZeros) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({2, 3}), "x");
  Output gx = gradients({ops::reduce_prod(x, {1})}, {x})[0];
  EXPECT_EQ(values(eval(g, gx, {{x, f64(Shape({2, 3}), {2, 0, 3, 0, 0, 4})}})),
            (std::vector<double>{0, 6, 0, 0, 0, 0}));
}

TEST(ReduceGrad, ArgMaxHasNone) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({2, 3}), "x");
  EXPECT_FALSE(gradients({ops::cast(ops::argmax(x, 1), DType::f64)}, {x})[0]);
}

}  // namespace dl

namespace dl {

TEST(ReduceGrad, GradientOpsAreThemselvesDifferentiable) {
  // gradients(y, x, grad_ys = v) is linear in v: checking d/dv exercises the gradients of the
  // internal ops (BroadcastToShapeOf, TileGrad's tile, ...).
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 3}), "x");
  Output v = ops::placeholder(g, DType::f64, Shape({-1}), "v");
  Output gsum = gradients({ops::reduce_sum(x, {1})}, {x}, {v})[0];
  Output gmean = gradients({ops::reduce_mean(x, {1})}, {x}, {v})[0];
  FeedDict feeds{{x, testing::random_tensor(Shape({2, 3}), 41, -1, 1, DType::f64)},
                 {v, testing::random_tensor(Shape({2}), 42, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, gsum, {v}, feeds));
  EXPECT_TRUE(testing::check_gradients(g, gmean * x, {v, x}, feeds));
}

TEST(ReduceGrad, SecondDerivativeOfProdIsRefusedClearly) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({3}), "x");
  Output gx = gradients({ops::reduce_prod(x, {}, false, "p")}, {x})[0];
  const std::string m = message_of([&] { gradients({gx}, {x}); });
  EXPECT_TRUE(contains(m, "second derivative of reduce_prod ('gradients/p_grad/ProdGrad')")) << m;
}

}  // namespace dl
