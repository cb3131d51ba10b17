#include <gtest/gtest.h>

#include "../testing/gradient_check.h"
#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/gather_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/variable.h"

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

Tensor iota(Shape s) {
  std::vector<float> v(static_cast<size_t>(s.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return Tensor::from_vector<float>(std::move(s), v);
}

}  // namespace

TEST(Gather, RowsAlongAxis0WithAnyIndexShape) {
  Graph g;
  Output p = ops::constant(g, iota(Shape({4, 3})), "p");
  Output idx = ops::constant(g, Tensor::from_vector<int64_t>(Shape({2, 2}), {3, 0, 3, 1}), "idx");
  Output y = ops::gather(p, idx);
  EXPECT_EQ(y.shape(), Shape({2, 2, 3}));
  Session s(g);
  EXPECT_EQ(s.run(y).to_vector<float>(),
            (std::vector<float>{9, 10, 11, 0, 1, 2, 9, 10, 11, 3, 4, 5}));
}

TEST(Gather, OtherAxes) {
  Graph g;
  Output p = ops::constant(g, iota(Shape({2, 3, 2})), "p");
  Output idx = ops::constant(g, Tensor::from_vector<int32_t>(Shape({2}), {2, 0}), "idx");
  Output y1 = ops::gather(p, idx, 1);
  Output y2 = ops::gather(p, idx, -2);
  EXPECT_EQ(y1.shape(), Shape({2, 2, 2}));
  Session s(g);
  const std::vector<float> want{4, 5, 0, 1, 10, 11, 6, 7};
  EXPECT_EQ(s.run(y1).to_vector<float>(), want);
  EXPECT_EQ(s.run(y2).to_vector<float>(), want);
  // Gradients along other axes are not implemented and say so.
  const std::string m = message_of([&] { gradients({y1}, {p}); });
  EXPECT_TRUE(contains(m, "axis 1")) << m;
}

TEST(Gather, UnknownBatchOfIds) {
  Graph g;
  Output p = ops::constant(g, iota(Shape({5, 2})), "p");
  Output ids = ops::placeholder(g, DType::i32, Shape({-1}), "ids");
  Output y = ops::gather(p, ids);
  EXPECT_EQ(y.shape(), Shape({-1, 2}));
  Session s(g);
  Tensor out = s.run(y, {{ids, Tensor::from_vector<int32_t>(Shape({3}), {4, 4, 1})}});
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{8, 9, 8, 9, 2, 3}));
}

TEST(Gather, IndexOutOfRangeNamesNodeIndexAndRange) {
  Graph g;
  Output p = ops::constant(g, iota(Shape({5, 3})), "p");
  Output ids = ops::placeholder(g, DType::i32, Shape({-1}), "ids");
  Output y = ops::gather(p, ids, 0, "lookup");
  Session s(g);
  const std::string m = message_of([&] {
    s.run(y, {{ids, Tensor::from_vector<int32_t>(Shape({3}), {0, 7, 1})}});
  });
  EXPECT_TRUE(contains(m, "GatherV2 'lookup'")) << m;
  EXPECT_TRUE(contains(m, "indices[1] = 7 is not in [0, 5)")) << m;
  const std::string neg = message_of([&] {
    s.run(y, {{ids, Tensor::from_vector<int32_t>(Shape({1}), {-1})}});
  });
  EXPECT_TRUE(contains(neg, "indices[0] = -1 is not in [0, 5)")) << neg;
}

TEST(Gather, ShapeErrorsNameNodeExpectedAndReceived) {
  Graph g;
  Output p = ops::constant(g, iota(Shape({5, 3})), "p");
  Output f = ops::constant(g, iota(Shape({2})), "f");
  std::string m = message_of([&] { ops::gather(p, f, 0, "bad"); });
  EXPECT_TRUE(contains(m, "GatherV2 'bad'")) << m;
  EXPECT_TRUE(contains(m, "indices must be int32 or int64, received float32")) << m;
  Output i = ops::constant(g, Tensor::from_vector<int32_t>(Shape({1}), {0}), "i");
  m = message_of([&] { ops::gather(p, i, 2, "bad_axis"); });
  EXPECT_TRUE(contains(m, "axis 2 is out of range for params of rank 2")) << m;
}

TEST(Gather, GradientIsIndexedSlicesOverParamsShape) {
  Graph g;
  Variable w(ops::constant(g, iota(Shape({5, 3}))), {.name = "w"});
  Output ids = ops::placeholder(g, DType::i64, Shape({2, 2}), "ids");
  Output y = nn::embedding_lookup(w, ids);
  EXPECT_EQ(y.node->name(), "embedding_lookup/Identity");
  EXPECT_EQ(y.node->input(0).node->name(), "embedding_lookup");
  EXPECT_EQ(y.node->input(0).node->type(), "GatherV2");
  std::vector<Grad> gr = gradients_sparse({y}, {w.value()});
  ASSERT_TRUE(gr[0].is_sparse());
  EXPECT_EQ(gr[0].sparse->dense_shape, Shape({5, 3}));
  EXPECT_EQ(gr[0].sparse->values.shape(), Shape({4, 3}));
  EXPECT_EQ(gr[0].sparse->indices.shape(), Shape({4}));
  // Densified: rows 1 (twice) and 4 (twice) get the ones of grad_ys.
  Output dense = gradients({y}, {w.value()})[0];
  Session s(g);
  s.run(global_variables_initializer(g));
  Tensor d = s.run(dense, {{ids, Tensor::from_vector<int64_t>(Shape({2, 2}), {1, 4, 1, 4})}});
  EXPECT_EQ(d.to_vector<float>(),
            (std::vector<float>{0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 2, 2, 2}));
}

TEST(Gather, GradientMatchesFiniteDifferences) {
  Graph g;
  Output p = ops::placeholder(g, DType::f64, Shape({5, 3}), "p");
  Output idx = ops::constant(g, Tensor::from_vector<int32_t>(Shape({2, 2}), {3, 0, 3, 4}), "idx");
  Output y = ops::gather(p, idx) * 1.5;
  FeedDict feeds{{p, testing::random_tensor(Shape({5, 3}), 7, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {p}, feeds));
}

TEST(UnsortedSegmentSum, SumsRowsDropsNegativeIds) {
  Graph g;
  Output d = ops::constant(g, iota(Shape({4, 2})), "d");
  Output ids = ops::constant(g, Tensor::from_vector<int32_t>(Shape({4}), {2, 0, 2, -1}), "ids");
  Output y = ops::unsorted_segment_sum(d, ids, 3);
  EXPECT_EQ(y.shape(), Shape({3, 2}));
  Session s(g);
  EXPECT_EQ(s.run(y).to_vector<float>(), (std::vector<float>{2, 3, 0, 0, 4, 6}));
}

TEST(UnsortedSegmentSum, IdOutOfRangeFailsNamingNode) {
  Graph g;
  Output d = ops::constant(g, iota(Shape({2, 2})), "d");
  Output ids = ops::placeholder(g, DType::i64, Shape({2}), "ids");
  Output y = ops::unsorted_segment_sum(d, ids, 3, "segsum");
  Session s(g);
  const std::string m = message_of([&] {
    s.run(y, {{ids, Tensor::from_vector<int64_t>(Shape({2}), {0, 3})}});
  });
  EXPECT_TRUE(contains(m, "UnsortedSegmentSum 'segsum'")) << m;
  EXPECT_TRUE(contains(m, "segment_ids[1] = 3 is out of range [0, 3)")) << m;
}

TEST(UnsortedSegmentSum, ShapeErrorNamesBothShapes) {
  Graph g;
  Output d = ops::constant(g, iota(Shape({4, 2})), "d");
  Output ids = ops::constant(g, Tensor::from_vector<int32_t>(Shape({3}), {0, 1, 2}), "ids");
  const std::string m = message_of([&] { ops::unsorted_segment_sum(d, ids, 3, "seg"); });
  EXPECT_TRUE(contains(m, "UnsortedSegmentSum 'seg'")) << m;
  EXPECT_TRUE(contains(m, "segment_ids shape [3] must be a prefix of data shape [4,2]")) << m;
}

TEST(UnsortedSegmentSum, GradientMatchesFiniteDifferences) {
  Graph g;
  Output d = ops::placeholder(g, DType::f64, Shape({2, 3, 2}), "d");
  Output ids =
      ops::constant(g, Tensor::from_vector<int64_t>(Shape({2, 3}), {1, 0, 3, 1, 1, 0}), "ids");
  Output y = ops::unsorted_segment_sum(d, ids, 4) * 2.0;
  EXPECT_EQ(y.shape(), Shape({4, 2}));
  FeedDict feeds{{d, testing::random_tensor(Shape({2, 3, 2}), 11, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {d}, feeds));
}

}  // namespace dl
