#include "dl/graph/ops/math_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "../testing/gradient_check.h"
#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
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

TEST(MathOps, UnaryValues) {
  Graph g;
  Output x = ops::constant(g, f64(Shape({4}), {-1.5, -0.25, 0.0, 2.0}));
  Output p = ops::constant(g, f64(Shape({3}), {0.25, 1.0, 4.0}));
  EXPECT_EQ(values(eval(g, ops::neg(x))), (std::vector<double>{1.5, 0.25, -0.0, -2.0}));
  EXPECT_EQ(values(eval(g, -x)), (std::vector<double>{1.5, 0.25, 0.0, -2.0}));
  EXPECT_EQ(values(eval(g, ops::abs(x))), (std::vector<double>{1.5, 0.25, 0.0, 2.0}));
  EXPECT_EQ(values(eval(g, ops::square(x))), (std::vector<double>{2.25, 0.0625, 0.0, 4.0}));
  EXPECT_EQ(values(eval(g, ops::sign(x))), (std::vector<double>{-1, -1, 0, 1}));
  EXPECT_EQ(values(eval(g, ops::floor(x))), (std::vector<double>{-2, -1, 0, 2}));
  EXPECT_EQ(values(eval(g, ops::sqrt(p))), (std::vector<double>{0.5, 1.0, 2.0}));
  EXPECT_EQ(values(eval(g, ops::rsqrt(p))), (std::vector<double>{2.0, 1.0, 0.5}));
  EXPECT_EQ(values(eval(g, ops::reciprocal(p))), (std::vector<double>{4.0, 1.0, 0.25}));
  EXPECT_TRUE(testing::tensors_near(eval(g, ops::exp(p)),
                                    f64(Shape({3}), {std::exp(0.25), std::exp(1.0), std::exp(4.0)}),
                                    1e-12));
  EXPECT_TRUE(testing::tensors_near(eval(g, ops::log(p)),
                                    f64(Shape({3}), {std::log(0.25), 0.0, std::log(4.0)}), 1e-12));
  EXPECT_TRUE(testing::tensors_near(
      eval(g, ops::log1p(p)), f64(Shape({3}), {std::log1p(0.25), std::log(2.0), std::log(5.0)}),
      1e-12));
  // Integers: neg, abs, sign, square work on them.
  Output i = ops::constant(g, Tensor::from_vector<int32_t>(Shape({3}), {-3, 0, 5}));
  EXPECT_EQ(eval(g, ops::abs(i)).to_vector<int32_t>(), (std::vector<int32_t>{3, 0, 5}));
  EXPECT_EQ(eval(g, ops::sign(i)).to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 1}));
  EXPECT_EQ(eval(g, ops::square(i)).to_vector<int32_t>(), (std::vector<int32_t>{9, 0, 25}));
}

TEST(MathOps, BinaryBroadcastValues) {
  Graph g;
  Output a = ops::constant(g, f32(Shape({2, 3}), {1, 5, -2, 4, 0, 3}));
  Output b = ops::constant(g, f32(Shape({3}), {2, 2, 2}));
  EXPECT_EQ(eval(g, ops::maximum(a, b)).to_vector<float>(), (std::vector<float>{2, 5, 2, 4, 2, 3}));
  EXPECT_EQ(eval(g, ops::minimum(a, b)).to_vector<float>(),
            (std::vector<float>{1, 2, -2, 2, 0, 2}));
  EXPECT_EQ(eval(g, ops::pow(a, b)).to_vector<float>(), (std::vector<float>{1, 25, 4, 16, 0, 9}));
  EXPECT_EQ(eval(g, ops::squared_difference(a, b)).to_vector<float>(),
            (std::vector<float>{1, 9, 16, 4, 4, 1}));
  Output ia = ops::constant(g, Tensor::from_vector<int64_t>(Shape({3}), {2, -3, 10}));
  Output ib = ops::constant(g, Tensor::from_vector<int64_t>(Shape({3}), {10, 3, 0}));
  EXPECT_EQ(eval(g, ops::pow(ia, ib)).to_vector<int64_t>(), (std::vector<int64_t>{1024, -27, 1}));
}

TEST(MathOps, ComparisonsAndLogic) {
  Graph g;
  Output a = ops::constant(g, f32(Shape({2, 2}), {1, 2, 3, 4}));
  Output b = ops::constant(g, f32(Shape({2}), {2, 3}));
  auto bools = [&](Output y) {
    EXPECT_EQ(y.dtype(), DType::boolean);
    return eval(g, y).to_vector<bool>();
  };
  EXPECT_EQ(bools(ops::equal(a, b)), (std::vector<bool>{false, false, false, false}));
  EXPECT_EQ(bools(ops::not_equal(a, b)), (std::vector<bool>{true, true, true, true}));
  EXPECT_EQ(bools(ops::less(a, b)), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(bools(ops::less_equal(a, ops::constant(g, f32(Shape({}), {2})))),
            (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(bools(ops::greater(a, b)), (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(bools(ops::greater_equal(a, ops::constant(g, f32(Shape({}), {3})))),
            (std::vector<bool>{false, false, true, true}));
  Output p = ops::constant(g, Tensor::from_vector<bool>(Shape({4}), {true, true, false, false}));
  Output q = ops::constant(g, Tensor::from_vector<bool>(Shape({4}), {true, false, true, false}));
  EXPECT_EQ(bools(ops::logical_and(p, q)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(bools(ops::logical_or(p, q)), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(bools(ops::logical_not(p)), (std::vector<bool>{false, false, true, true}));
  // Comparisons have no gradient.
  Output x = ops::placeholder(g, DType::f64, Shape({2}), "x");
  EXPECT_FALSE(gradients({ops::cast(ops::less(x, x * 2.0), DType::f64)}, {x})[0]);
}

TEST(MathOps, Cast) {
  Graph g;
  Output x = ops::constant(g, f32(Shape({4}), {-1.7f, 0.0f, 0.5f, 2.9f}));
  EXPECT_EQ(ops::cast(x, DType::f32), x);  // same dtype: no node, as TF
  Output i = ops::cast(x, DType::i32);
  EXPECT_EQ(i.node->type(), "Cast");
  EXPECT_EQ(i.node->attrs().get<DType>("DstT"), DType::i32);
  EXPECT_EQ(eval(g, i).to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 0, 2}));
  EXPECT_EQ(eval(g, ops::cast(x, DType::boolean)).to_vector<bool>(),
            (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(eval(g, ops::cast(ops::cast(x, DType::boolean), DType::f32)).to_vector<float>(),
            (std::vector<float>{1, 0, 1, 1}));
  // Float -> float: the gradient is cast back; through an integer cast none flows.
  Output p = ops::placeholder(g, DType::f64, Shape({3}), "p");
  Output y = ops::cast(ops::cast(p, DType::f32) * 3.0, DType::f64);
  testing::GradCheckOptions o;
  o.delta = 1e-2;
  o.atol = 1e-4;
  EXPECT_TRUE(testing::check_gradients(g, y, {p}, {{p, f64(Shape({3}), {0.5, -1.0, 2.0})}}, o));
  EXPECT_FALSE(gradients({ops::cast(ops::cast(p, DType::i32), DType::f64)}, {p})[0]);
}

TEST(MathOps, ClipByValue) {
  Graph g;
  Output t = ops::constant(g, f32(Shape({2, 3}), {-2, 0.5f, 3, 1, -1, 0}));
  EXPECT_EQ(eval(g, ops::clip_by_value(t, -1.0, 1.0)).to_vector<float>(),
            (std::vector<float>{-1, 0.5f, 1, 1, -1, 0}));
  Output lo = ops::constant(g, f32(Shape({3}), {0, 0, -5}));
  Output hi = ops::constant(g, f32(Shape({}), {0.75f}));
  EXPECT_EQ(eval(g, ops::clip_by_value(t, lo, hi)).to_vector<float>(),
            (std::vector<float>{0, 0.5f, 0.75f, 0.75f, 0, 0}));
  // Bounds that would enlarge t are refused.
  const std::string m = message_of([&] {
    ops::clip_by_value(t, ops::constant(g, f32(Shape({2, 2, 3}), std::vector<float>(12, 0))), hi,
                       "clip");
  });
  EXPECT_TRUE(contains(m, "ClipByValue 'clip'")) << m;
  EXPECT_TRUE(contains(m, "[2,2,3]")) << m;
  EXPECT_TRUE(contains(m, "[2,3]")) << m;
}

TEST(MathOps, Where) {
  Graph g;
  Output c = ops::constant(g, Tensor::from_vector<bool>(Shape({3}), {true, false, true}));
  Output x = ops::constant(g, f32(Shape({2, 3}), {1, 2, 3, 4, 5, 6}));
  Output y = ops::constant(g, f32(Shape({}), {0}));
  EXPECT_EQ(eval(g, ops::where(c, x, y)).to_vector<float>(),
            (std::vector<float>{1, 0, 3, 4, 0, 6}));
  const std::string m = message_of([&] { ops::where(x, x, y, "w"); });
  EXPECT_TRUE(contains(m, "SelectV2 'w'")) << m;
  EXPECT_TRUE(contains(m, "must be bool, received float32")) << m;
}

TEST(MathOps, MatMulValues) {
  Graph g;
  // a = [[1,2,3],[4,5,6]], b = [[1,0],[0,1],[1,1]]
  Tensor av = f32(Shape({2, 3}), {1, 2, 3, 4, 5, 6});
  Tensor bv = f32(Shape({3, 2}), {1, 0, 0, 1, 1, 1});
  Output a = ops::constant(g, av), b = ops::constant(g, bv);
  Output at = ops::constant(g, f32(Shape({3, 2}), {1, 4, 2, 5, 3, 6}));
  Output bt = ops::constant(g, f32(Shape({2, 3}), {1, 0, 1, 0, 1, 1}));
  const std::vector<float> want{4, 5, 10, 11};
  EXPECT_EQ(eval(g, ops::matmul(a, b)).to_vector<float>(), want);
  EXPECT_EQ(eval(g, ops::matmul(at, b, true)).to_vector<float>(), want);
  EXPECT_EQ(eval(g, ops::matmul(a, bt, false, true)).to_vector<float>(), want);
  EXPECT_EQ(eval(g, ops::matmul(at, bt, true, true)).to_vector<float>(), want);
  Output ia = ops::cast(a, DType::i64), ib = ops::cast(b, DType::i64);
  EXPECT_EQ(eval(g, ops::matmul(ia, ib)).to_vector<int64_t>(),
            (std::vector<int64_t>{4, 5, 10, 11}));
}

TEST(MathOps, MatMulErrorsNameNodeAndShapes) {
  Graph g;
  Output a = ops::placeholder(g, DType::f32, Shape({-1, 784}), "a");
  Output b = ops::placeholder(g, DType::f32, Shape({128, 10}), "b");
  std::string m = message_of([&] { ops::matmul(a, b, false, false, "dense/MatMul"); });
  EXPECT_TRUE(contains(m, "MatMul 'dense/MatMul'")) << m;
  EXPECT_TRUE(contains(m, "[?,784]")) << m;
  EXPECT_TRUE(contains(m, "[128,10]")) << m;
  EXPECT_TRUE(contains(m, "784 != 128")) << m;
  m = message_of([&] { ops::matmul(a, ops::placeholder(g, DType::f32, Shape({784}))); });
  EXPECT_TRUE(contains(m, "rank 2")) << m;
  m = message_of([&] { ops::matmul(a, ops::placeholder(g, DType::f64, Shape({784, 3}))); });
  EXPECT_TRUE(contains(m, "float32 and float64")) << m;
  // The run-time check catches what the graph could not know.
  Output c = ops::placeholder(g, DType::f32, Shape({2, -1}), "c");
  Output y = ops::matmul(c, b, false, false, "late");
  Session s(g);
  m = message_of([&] {
    s.run(y, {{c, Tensor::zeros(DType::f32, Shape({2, 5}))},
              {b, Tensor::zeros(DType::f32, Shape({128, 10}))}});
  });
  EXPECT_TRUE(contains(m, "MatMul 'late'")) << m;
  EXPECT_TRUE(contains(m, "5 != 128")) << m;
}

TEST(MathOps, DtypeErrors) {
  Graph g;
  Output f = ops::placeholder(g, DType::f32, Shape({2}), "f");
  Output i = ops::placeholder(g, DType::i32, Shape({2}), "i");
  std::string m = message_of([&] { ops::add(f, i, "mixed"); });
  EXPECT_TRUE(contains(m, "AddV2 'mixed'")) << m;
  EXPECT_TRUE(contains(m, "float32 and int32")) << m;
  m = message_of([&] { ops::sqrt(i, "root"); });
  EXPECT_TRUE(contains(m, "Sqrt 'root'")) << m;
  EXPECT_TRUE(contains(m, "float32 or float64, received int32")) << m;
  m = message_of([&] { ops::logical_and(f, f, "la"); });
  EXPECT_TRUE(contains(m, "must be bool, received float32")) << m;
  m = message_of([&] { ops::maximum(f, ops::placeholder(g, DType::f32, Shape({3})), "mx"); });
  EXPECT_TRUE(contains(m, "Maximum 'mx'")) << m;
  EXPECT_TRUE(contains(m, "cannot be broadcast")) << m;
}

// ---- gradients ----

TEST(MathGrad, Unary) {
  using Builder = std::function<Output(Output)>;
  const std::vector<std::pair<const char*, Builder>> ops_list = {
      {"neg", [](Output x) { return ops::neg(x); }},
      {"abs", [](Output x) { return ops::abs(x); }},
      {"square", [](Output x) { return ops::square(x); }},
      {"sqrt", [](Output x) { return ops::sqrt(x); }},
      {"rsqrt", [](Output x) { return ops::rsqrt(x); }},
      {"exp", [](Output x) { return ops::exp(x); }},
      {"log", [](Output x) { return ops::log(x); }},
      {"log1p", [](Output x) { return ops::log1p(x); }},
      {"reciprocal", [](Output x) { return ops::reciprocal(x); }},
      {"sign", [](Output x) { return ops::sign(x) * x; }},
  };
  for (const auto& [name, build] : ops_list) {
    Graph g;
    Output x = ops::placeholder(g, DType::f64, Shape({-1, 3}), "x");
    Output y = build(x);
    // Positive inputs away from 0 keep sqrt/log/abs smooth.
    FeedDict feeds{{x, testing::random_tensor(Shape({2, 3}), 7, 0.5, 2.0, DType::f64)}};
    EXPECT_TRUE(testing::check_gradients(g, y, {x}, feeds)) << name;
    Graph g2;
    Output x2 = ops::placeholder(g2, DType::f64, Shape({4}), "x");
    if (std::string(name) == "neg" || std::string(name) == "abs" || std::string(name) == "square" ||
        std::string(name) == "sign") {
      FeedDict f2{{x2, f64(Shape({4}), {-1.5, -0.3, 0.7, 2.0})}};
      EXPECT_TRUE(testing::check_gradients(g2, build(x2), {x2}, f2)) << name << " (negative x)";
    }
  }
}

TEST(MathGrad, FloorPassesNothingSignPassesZero) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({2}), "x");
  EXPECT_FALSE(gradients({ops::floor(x)}, {x})[0]);
  Output gs = gradients({ops::sign(x)}, {x})[0];
  ASSERT_TRUE(gs);
  EXPECT_EQ(values(eval(g, gs, {{x, f64(Shape({2}), {1, -2})}})), (std::vector<double>{0, 0}));
}

TEST(MathGrad, BinaryWithBroadcasting) {
  using Builder = std::function<Output(Output, Output)>;
  const std::vector<std::pair<const char*, Builder>> ops_list = {
      {"add", [](Output a, Output b) { return a + b; }},
      {"sub", [](Output a, Output b) { return a - b; }},
      {"mul", [](Output a, Output b) { return a * b; }},
      {"div", [](Output a, Output b) { return a / b; }},
      {"maximum", [](Output a, Output b) { return ops::maximum(a, b); }},
      {"minimum", [](Output a, Output b) { return ops::minimum(a, b); }},
      {"pow", [](Output a, Output b) { return ops::pow(a, b); }},
      {"squared_difference", [](Output a, Output b) { return ops::squared_difference(a, b); }},
  };
  for (const auto& [name, build] : ops_list) {
    Graph g;
    Output a = ops::placeholder(g, DType::f64, Shape({-1, 3}), "a");
    Output b = ops::placeholder(g, DType::f64, Shape({3}), "b");
    FeedDict feeds{{a, f64(Shape({2, 3}), {0.5, 1.7, 0.9, 1.6, 0.6, 1.2})},
                   {b, f64(Shape({3}), {1.1, 1.3, 0.7})}};
    EXPECT_TRUE(testing::check_gradients(g, build(a, b), {a, b}, feeds)) << name;
    EXPECT_TRUE(testing::check_gradients(g, build(b, a), {a, b}, feeds)) << name << " (swapped)";
  }
}

TEST(MathGrad, MaximumTiesGoToX) {
  Graph g;
  Output a = ops::placeholder(g, DType::f64, Shape({2}), "a");
  Output b = ops::placeholder(g, DType::f64, Shape({2}), "b");
  auto gr = gradients({ops::maximum(a, b)}, {a, b});
  Session s(g);
  auto out = s.run({{a, f64(Shape({2}), {1, 2})}, {b, f64(Shape({2}), {1, 3})}}, {gr[0], gr[1]});
  EXPECT_EQ(values(out[0]), (std::vector<double>{1, 0}));
  EXPECT_EQ(values(out[1]), (std::vector<double>{0, 1}));
}

TEST(MathGrad, PowWithNonPositiveBase) {
  // d/dy of x^y is taken as 0 where x <= 0 (as TF); d/dx is y x^(y-1).
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({3}), "x");
  Output y = ops::placeholder(g, DType::f64, Shape({3}), "y");
  auto gr = gradients({ops::pow(x, y)}, {x, y});
  Session s(g);
  auto out =
      s.run({{x, f64(Shape({3}), {-2, 0, 2})}, {y, f64(Shape({3}), {2, 2, 3})}}, {gr[0], gr[1]});
  EXPECT_EQ(values(out[0]), (std::vector<double>{-4, 0, 12}));
  EXPECT_EQ(values(out[1]), (std::vector<double>{0, 0, 8 * std::log(2.0)}));
}

TEST(MathGrad, ClipByValueToTensorAndBounds) {
  Graph g;
  Output t = ops::placeholder(g, DType::f64, Shape({-1, 3}), "t");
  Output lo = ops::placeholder(g, DType::f64, Shape({3}), "lo");
  Output hi = ops::placeholder(g, DType::f64, Shape({}), "hi");
  FeedDict feeds{{t, f64(Shape({2, 3}), {-2, 0.5, 3, 0.9, -1, 0.2})},
                 {lo, f64(Shape({3}), {-1, 0.1, 0.0})},
                 {hi, f64(Shape({}), {1.0})}};
  EXPECT_TRUE(testing::check_gradients(g, ops::clip_by_value(t, lo, hi), {t, lo, hi}, feeds));
}

TEST(MathGrad, WhereBroadcasting) {
  Graph g;
  Output c = ops::placeholder(g, DType::boolean, Shape({3}), "c");
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 3}), "x");
  Output y = ops::placeholder(g, DType::f64, Shape({1}), "y");
  FeedDict feeds{{c, Tensor::from_vector<bool>(Shape({3}), {true, false, true})},
                 {x, testing::random_tensor(Shape({2, 3}), 3, -1, 1, DType::f64)},
                 {y, f64(Shape({1}), {0.3})}};
  EXPECT_TRUE(testing::check_gradients(g, ops::where(c, x, y), {x, y}, feeds));
}

TEST(MathGrad, MatMulAllTransposes) {
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      Graph g;
      // a is [m,k] = [?,4] (or [4,?] transposed), b is [k,n] = [4,3] (or [3,4]).
      Output a = ops::placeholder(g, DType::f64, ta ? Shape({4, -1}) : Shape({-1, 4}), "a");
      Output b = ops::placeholder(g, DType::f64, tb ? Shape({3, 4}) : Shape({4, 3}), "b");
      Output y = ops::matmul(a, b, ta, tb);
      EXPECT_EQ(y.shape(), Shape({-1, 3}));
      FeedDict feeds{
          {a, testing::random_tensor(ta ? Shape({4, 2}) : Shape({2, 4}), 11, -1, 1, DType::f64)},
          {b, testing::random_tensor(tb ? Shape({3, 4}) : Shape({4, 3}), 12, -1, 1, DType::f64)}};
      EXPECT_TRUE(testing::check_gradients(g, y, {a, b}, feeds)) << ta << tb;
    }
  }
}

}  // namespace dl
