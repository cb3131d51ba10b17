#include "dl/graph/ops/array_ops.h"

#include <gtest/gtest.h>

#include <functional>

#include "../testing/gradient_check.h"
#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
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
Tensor f32(Shape s, std::vector<float> v) { return Tensor::from_vector<float>(std::move(s), v); }
Tensor iota(Shape s, DType t = DType::f32) {
  Tensor x(DType::f64, s);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data<double>()[i] = static_cast<double>(i);
  return x.cast(t);
}
Tensor eval(Graph& g, Output y, const FeedDict& feeds = {}) {
  Session s(g);
  return s.run(y, feeds);
}
std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.value_at(i));
  return v;
}
Tensor rnd(Shape s, uint64_t seed) {
  return testing::random_tensor(std::move(s), seed, -1, 1, DType::f64);
}

}  // namespace

TEST(ArrayOps, Transpose) {
  Graph g;
  Output x = ops::constant(g, iota(Shape({2, 3})));  // [[0,1,2],[3,4,5]]
  Output t = ops::transpose(x);
  EXPECT_EQ(t.shape(), Shape({3, 2}));
  EXPECT_EQ(values(eval(g, t)), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  Output x3 = ops::constant(g, iota(Shape({2, 3, 4})));
  Output t3 = ops::transpose(x3, {1, 2, 0});
  EXPECT_EQ(t3.shape(), Shape({3, 4, 2}));
  // t3[j][k][i] = x3[i][j][k] = 12i + 4j + k
  const Tensor v = eval(g, t3);
  EXPECT_EQ(v.value_at((1 * 4 + 2) * 2 + 1), 12 + 4 + 2);
  EXPECT_EQ(ops::transpose(x3).shape(), Shape({4, 3, 2}));
}

TEST(ArrayOps, TransposeBadPerm) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3}), "x");
  std::string m = message_of([&] { ops::transpose(x, {0, 0}, "t"); });
  EXPECT_TRUE(contains(m, "Transpose 't'")) << m;
  EXPECT_TRUE(contains(m, "permutation of the 2 dimensions")) << m;
  EXPECT_TRUE(contains(m, "received [0,0]")) << m;
  m = message_of([&] { ops::transpose(x, {1, 0, 2}, "t3"); });
  EXPECT_TRUE(contains(m, "received [1,0,2]")) << m;
  EXPECT_TRUE(contains(m, "float32[?,3]")) << m;
}

TEST(ArrayOps, ConcatValuesAndUnknownDims) {
  Graph g;
  Output a = ops::constant(g, iota(Shape({2, 2})));
  Output b = ops::constant(g, f32(Shape({2, 1}), {9, 8}));
  Output c1 = ops::concat({a, b}, 1);
  EXPECT_EQ(c1.node->type(), "ConcatV2");
  EXPECT_EQ(c1.shape(), Shape({2, 3}));
  EXPECT_EQ(values(eval(g, c1)), (std::vector<double>{0, 1, 9, 2, 3, 8}));
  EXPECT_EQ(values(eval(g, ops::concat({a, ops::transpose(b)}, -2))),
            (std::vector<double>{0, 1, 2, 3, 9, 8}));
  Output p = ops::placeholder(g, DType::f32, Shape({-1, 2}), "p");
  EXPECT_EQ(ops::concat({a, p}, 0).shape(), Shape({-1, 2}));
  Output q = ops::placeholder(g, DType::f32, Shape({-1, -1}), "q");
  EXPECT_EQ(ops::concat({q, b}, 1).shape(), Shape({2, -1}));
}

TEST(ArrayOps, ConcatMismatchedDims) {
  Graph g;
  Output a = ops::placeholder(g, DType::f32, Shape({-1, 3}), "a");
  Output b = ops::placeholder(g, DType::f32, Shape({-1, 4}), "b");
  std::string m = message_of([&] { ops::concat({a, b}, 0, "cat"); });
  EXPECT_TRUE(contains(m, "ConcatV2 'cat'")) << m;
  EXPECT_TRUE(contains(m, "dimension 1 of input 1 is 4")) << m;
  EXPECT_TRUE(contains(m, "expected 3")) << m;
  EXPECT_TRUE(contains(m, "float32[?,3], float32[?,4]")) << m;
  m = message_of([&] {
    ops::concat({a, ops::placeholder(g, DType::f64, Shape({2, 3}))}, 0, "c2");
  });
  EXPECT_TRUE(contains(m, "input 1 has dtype float64, expected float32")) << m;
  m = message_of([&] { ops::concat({a, ops::placeholder(g, DType::f32, Shape({3}))}, 0, "c3"); });
  EXPECT_TRUE(contains(m, "input 1 has rank 1")) << m;
  m = message_of([&] { ops::concat({a, a}, 2, "c4"); });
  EXPECT_TRUE(contains(m, "axis 2 is out of range for rank 2")) << m;
  // Unknown at graph time, caught with the run-time shapes.
  Output u = ops::placeholder(g, DType::f32, Shape({-1, -1}), "u");
  Output y = ops::concat({u, ops::placeholder(g, DType::f32, Shape({3, 2}), "v")}, 1, "late");
  Session s(g);
  m = message_of([&] {
    s.run(y, {{u, Tensor::zeros(DType::f32, Shape({2, 2}))},
              {g.tensor_by_name("v"), Tensor::zeros(DType::f32, Shape({3, 2}))}});
  });
  EXPECT_TRUE(contains(m, "ConcatV2 'late'")) << m;
  EXPECT_TRUE(contains(m, "dimension 0 of input 1 is 3")) << m;
}

TEST(ArrayOps, SliceAndPad) {
  Graph g;
  Output x = ops::constant(g, iota(Shape({3, 4})));
  Output s = ops::slice(x, {1, 1}, {2, -1});
  EXPECT_EQ(s.shape(), Shape({2, 3}));
  EXPECT_EQ(values(eval(g, s)), (std::vector<double>{5, 6, 7, 9, 10, 11}));
  Output small = ops::constant(g, f32(Shape({1, 2}), {1, 2}));
  Output p = ops::pad(small, {{1, 0}, {0, 2}}, 7.0);
  EXPECT_EQ(p.shape(), Shape({2, 4}));
  EXPECT_EQ(values(eval(g, p)), (std::vector<double>{7, 7, 7, 7, 1, 2, 7, 7}));
  EXPECT_EQ(values(eval(g, ops::pad(small, {{0, 0}, {1, 1}}))), (std::vector<double>{0, 1, 2, 0}));
  std::string m = message_of([&] { ops::slice(x, {2, 0}, {2, 4}, "sl"); });
  EXPECT_TRUE(contains(m, "Slice 'sl'")) << m;
  EXPECT_TRUE(contains(m, "slice [2, 4) of dimension 0 is out of range for shape [3,4]")) << m;
  m = message_of([&] { ops::slice(x, {0}, {1}, "sl2"); });
  EXPECT_TRUE(contains(m, "one entry per dimension (2)")) << m;
  m = message_of([&] { ops::pad(x, {{1, 1}}, 0.0, "pd"); });
  EXPECT_TRUE(contains(m, "Pad 'pd'")) << m;
  EXPECT_TRUE(contains(m, "paddings must be [2, 2]")) << m;
  m = message_of([&] { ops::pad(x, {{1, 1}, {-1, 0}}, 0.0, "pd2"); });
  EXPECT_TRUE(contains(m, "non-negative, received {-1, 0} for dimension 1")) << m;
}

TEST(ArrayOps, OneHot) {
  Graph g;
  Output i = ops::constant(g, Tensor::from_vector<int32_t>(Shape({4}), {0, 2, -1, 3}));
  Output oh = ops::one_hot(i, 3);
  EXPECT_EQ(oh.shape(), Shape({4, 3}));
  EXPECT_EQ(oh.dtype(), DType::f32);
  // -1 and 3 are out of range: rows of off_value.
  EXPECT_EQ(values(eval(g, oh)), (std::vector<double>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
  Output i64 = ops::constant(g, Tensor::from_vector<int64_t>(Shape({2}), {1, 0}));
  Output oh0 = ops::one_hot(i64, 3, 5.0, -1.0, 0, DType::i32);
  EXPECT_EQ(oh0.shape(), Shape({3, 2}));
  EXPECT_EQ(eval(g, oh0).to_vector<int32_t>(), (std::vector<int32_t>{-1, 5, 5, -1, -1, -1}));
  // [2,2] indices, axis 1 -> [2,depth,2].
  Output i2 = ops::constant(g, Tensor::from_vector<int64_t>(Shape({2, 2}), {0, 1, 1, 1}));
  Output oh1 = ops::one_hot(i2, 2, 1.0, 0.0, 1);
  EXPECT_EQ(oh1.shape(), Shape({2, 2, 2}));
  EXPECT_EQ(values(eval(g, oh1)), (std::vector<double>{1, 0, 0, 1, 0, 0, 1, 1}));
  std::string m = message_of([&] { ops::one_hot(oh, 3, 1, 0, -1, DType::f32, "oh"); });
  EXPECT_TRUE(contains(m, "OneHot 'oh'")) << m;
  EXPECT_TRUE(contains(m, "indices must be int32, int64 or uint8, received float32")) << m;
}

TEST(ArrayOps, TileShapeStackBroadcastFlatten) {
  Graph g;
  Output x = ops::constant(g, iota(Shape({2, 2})));
  Output t = ops::tile(x, {1, 2});
  EXPECT_EQ(t.shape(), Shape({2, 4}));
  EXPECT_EQ(values(eval(g, t)), (std::vector<double>{0, 1, 0, 1, 2, 3, 2, 3}));
  EXPECT_EQ(values(eval(g, ops::tile(x, {2, 1}))), (std::vector<double>{0, 1, 2, 3, 0, 1, 2, 3}));

  Output p = ops::placeholder(g, DType::f32, Shape({-1, 3, 2}), "p");
  Output sh = ops::shape(p);
  EXPECT_EQ(sh.dtype(), DType::i32);
  EXPECT_EQ(sh.shape(), Shape({3}));
  EXPECT_EQ(eval(g, sh, {{p, Tensor::zeros(DType::f32, Shape({5, 3, 2}))}}).to_vector<int32_t>(),
            (std::vector<int32_t>{5, 3, 2}));

  Output a = ops::constant(g, f32(Shape({2}), {1, 2}));
  Output b = ops::constant(g, f32(Shape({2}), {3, 4}));
  EXPECT_EQ(ops::stack({a, b}).shape(), Shape({2, 2}));
  EXPECT_EQ(values(eval(g, ops::stack({a, b}))), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(values(eval(g, ops::stack({a, b}, 1))), (std::vector<double>{1, 3, 2, 4}));
  std::vector<Output> parts = ops::unstack(ops::stack({a, b}, 1), 1);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(values(eval(g, parts[1])), (std::vector<double>{3, 4}));

  Output bt = ops::broadcast_to(a, Shape({3, 2}));
  EXPECT_EQ(values(eval(g, bt)), (std::vector<double>{1, 2, 1, 2, 1, 2}));
  std::string m = message_of([&] { ops::broadcast_to(a, Shape({3, 3}), "bt"); });
  EXPECT_TRUE(contains(m, "BroadcastTo 'bt'")) << m;
  EXPECT_TRUE(contains(m, "cannot broadcast [2] to [3,3]")) << m;

  Output f = ops::flatten(p);
  EXPECT_EQ(f.shape(), Shape({-1, 6}));
  EXPECT_EQ(f.node->name(), "flatten/Reshape");
  m = message_of([&] { ops::flatten(ops::placeholder(g, DType::f32, Shape({2, -1}), "q")); });
  EXPECT_TRUE(contains(m, "'q:0'")) << m;
  EXPECT_TRUE(contains(m, "[2,?]")) << m;
}

TEST(ArrayOps, ReshapeIncompatibleSize) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({2, 3}), "x");
  std::string m = message_of([&] { ops::reshape(x, Shape({4, 2}), "r"); });
  EXPECT_TRUE(contains(m, "Reshape 'r'")) << m;
  EXPECT_TRUE(contains(m, "6 elements")) << m;
  EXPECT_TRUE(contains(m, "[4,2]")) << m;
  // Known only at run time.
  Output p = ops::placeholder(g, DType::f32, Shape({-1, 3}), "p");
  Output y = ops::reshape(p, Shape({-1, 4}), "late");
  Session s(g);
  m = message_of([&] { s.run(y, {{p, Tensor::zeros(DType::f32, Shape({3, 3}))}}); });
  EXPECT_TRUE(contains(m, "Reshape 'late'")) << m;
  EXPECT_TRUE(contains(m, "cannot reshape a tensor of 9 elements to [?,4]")) << m;
}

// ---- gradients ----

TEST(ArrayGrad, TransposeSlicePadTileBroadcast) {
  using Builder = std::function<Output(Output)>;
  const std::vector<std::pair<const char*, Builder>> list = {
      {"transpose",
       [](Output x) {
         return ops::transpose(x, {2, 0, 1});
       }},
      {"slice",
       [](Output x) {
         return ops::slice(x, {0, 1, 0}, {-1, 2, 1});
       }},
      {"slice_to_end",
       [](Output x) {
         return ops::slice(x, {1, 0, 1}, {-1, -1, -1});
       }},
      {"pad",
       [](Output x) {
         return ops::pad(x, {{1, 2}, {0, 1}, {2, 0}}, 3.0);
       }},
      {"pad_unknown_after",
       [](Output x) {
         return ops::pad(x, {{0, 0}, {1, 1}, {0, 0}});
       }},
      {"tile",
       [](Output x) {
         return ops::tile(x, {2, 1, 3});
       }},
      {"broadcast_to",
       [](Output x) {
         return ops::broadcast_to(ops::reduce_sum(x, {0}), Shape({2, 3, 2}));
       }},
      {"flatten", [](Output x) { return ops::flatten(x); }},
      {"stack",
       [](Output x) {
         return ops::stack({x, x * 2.0}, 1);
       }},
  };
  for (const auto& [name, build] : list) {
    Graph g;
    Output x = ops::placeholder(g, DType::f64, Shape({-1, 3, 2}), "x");
    FeedDict feeds{{x, rnd(Shape({2, 3, 2}), 31)}};
    EXPECT_TRUE(testing::check_gradients(g, build(x), {x}, feeds)) << name;
  }
}

TEST(ArrayGrad, SliceAndPadWithRunTimeAmounts) {
  // The padding of Slice's gradient / the size of Pad's depend on the unknown batch size.
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 3}), "x");
  Output s = ops::slice(x, {1, 0}, {2, 3});
  Output p = ops::pad(x, {{1, 2}, {0, 1}});
  FeedDict feeds{{x, rnd(Shape({4, 3}), 32)}};
  EXPECT_TRUE(testing::check_gradients(g, s, {x}, feeds));
  EXPECT_TRUE(testing::check_gradients(g, p, {x}, feeds));
  // Second order through the run-time variants.
  Output gx = gradients({ops::reduce_sum(ops::square(p))}, {x})[0];
  EXPECT_TRUE(testing::check_gradients(g, gx, {x}, feeds));
}

TEST(ArrayGrad, ConcatKnownAndUnknownAxis) {
  Graph g;
  Output a = ops::placeholder(g, DType::f64, Shape({-1, 2}), "a");
  Output b = ops::placeholder(g, DType::f64, Shape({-1, 3}), "b");
  Output c = ops::placeholder(g, DType::f64, Shape({-1, 2}), "c");
  FeedDict feeds{
      {a, rnd(Shape({2, 2}), 33)}, {b, rnd(Shape({2, 3}), 34)}, {c, rnd(Shape({3, 2}), 35)}};
  // Along the feature axis: static Slices.
  Output y1 = ops::concat({a, b}, 1);
  EXPECT_TRUE(testing::check_gradients(g, y1, {a, b}, feeds));
  EXPECT_EQ(gradients({y1}, {a})[0].node->type(), "Slice");
  // Along the batch axis (sizes known only at run time).
  Output y0 = ops::concat({a, c, a}, 0);
  EXPECT_TRUE(testing::check_gradients(g, y0, {a, c}, feeds));
}

TEST(ArrayGrad, UnstackPartialGradients) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({3, 2}), "x");
  std::vector<Output> parts = ops::unstack(x);
  FeedDict feeds{{x, rnd(Shape({3, 2}), 36)}};
  // Only one slice used: the others get zeros.
  EXPECT_TRUE(testing::check_gradients(g, parts[1] * parts[1], {x}, feeds));
}

TEST(ArrayGrad, OneHotAndShapeHaveNone) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({2}), "x");
  Output y = ops::cast(ops::shape(x), DType::f64) * x;
  auto gr = gradients({y}, {x});
  EXPECT_TRUE(gr[0]);  // through the Mul only
}

}  // namespace dl

namespace dl {

TEST(ArrayGrad, TileGradIsDifferentiable) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 2}), "x");
  Output t = ops::tile(x, {2, 3});
  Output v = ops::placeholder(g, DType::f64, Shape({-1, 6}), "v");
  Output gx = gradients({t}, {x}, {v})[0];
  EXPECT_EQ(gx.node->type(), "TileGrad");
  FeedDict feeds{{x, rnd(Shape({2, 2}), 43)}, {v, rnd(Shape({4, 6}), 44)}};
  EXPECT_TRUE(testing::check_gradients(g, gx, {v}, feeds));
}

}  // namespace dl
