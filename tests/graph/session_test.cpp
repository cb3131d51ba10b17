#include "dl/graph/session.h"

#include <gtest/gtest.h>

#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/state_ops.h"
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

}  // namespace

TEST(Session, FeedsFetchesAndBroadcasts) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3}), "x");
  Output b = ops::constant(g, {1, 2, 3}, Shape({3}), "b");
  Output y = x * 2.0 + b;
  EXPECT_EQ(y.shape(), Shape({-1, 3}));
  Session s(g);
  Tensor out = s.run(y, {{x, Tensor::from_vector<float>(Shape({2, 3}), {1, 1, 1, 2, 2, 2})}});
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{3, 4, 5, 5, 6, 7}));
  // Another batch size specialises the same plan again.
  out = s.run(y, {{x, Tensor::from_vector<float>(Shape({1, 3}), {0, 0, 0})}});
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(s.num_plans(), 1);
  EXPECT_EQ(s.num_specializations(), 2);
}

TEST(Session, UnfedPlaceholderNamesPlaceholderAndFetch) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 784}), "x");
  Output y = ops::identity(x * 3.0, "y");
  Session s(g);
  const std::string m = message_of([&] { s.run(y); });
  EXPECT_TRUE(contains(m, "placeholder 'x'")) << m;
  EXPECT_TRUE(contains(m, "float32[?,784]")) << m;
  EXPECT_TRUE(contains(m, "fetch 'y:0'")) << m;
}

TEST(Session, WrongFeedShapeOrDtypeIsRefused) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3}), "x");
  Output y = ops::identity(x);
  Session s(g);
  std::string m = message_of([&] { s.run(y, {{x, Tensor::zeros(DType::f32, Shape({2, 4}))}}); });
  EXPECT_TRUE(contains(m, "shape [2,4]") && contains(m, "'x:0'") && contains(m, "[?,3]")) << m;
  m = message_of([&] { s.run(y, {{x, Tensor::zeros(DType::i32, Shape({2, 3}))}}); });
  EXPECT_TRUE(contains(m, "dtype int32") && contains(m, "'x:0'") && contains(m, "float32")) << m;
}

TEST(Session, UnknownFetchNameIsNotFound) {
  Graph g;
  ops::placeholder(g, DType::f32, Shape({2}), "x");
  EXPECT_THROW(g.tensor_by_name("nope:0"), NotFound);
  const std::string m = message_of([&] { g.tensor_by_name("x:3"); });
  EXPECT_TRUE(contains(m, "'x:3'")) << m;
}

TEST(Session, CycleIsReported) {
  Graph g;
  Node* a = ops::no_op(g, "a");
  Node* b = ops::group(g, {a}, "b");
  g.add_control_input(a, b);
  Session s(g);
  const std::string m = message_of([&] { s.run(b); });
  EXPECT_TRUE(contains(m, "cycle") && contains(m, "'a'") && contains(m, "'b'")) << m;
}

TEST(Session, VariablesInitialiseAssignAndRefuseUninitialisedReads) {
  Graph g;
  Variable w(ops::constant(g, {1, 2}, Shape({2})), {.name = "w"});
  Output doubled = w * 2.0;
  Output upd = w.assign_add(ops::constant(g, {10, 10}, Shape({2})));
  Session s(g);
  const std::string m = message_of([&] { s.run(doubled); });
  EXPECT_TRUE(contains(m, "uninitialized value w")) << m;
  s.run(global_variables_initializer(g));
  EXPECT_EQ(s.run(doubled).to_vector<float>(), (std::vector<float>{2, 4}));
  s.run(upd);
  EXPECT_EQ(s.run(w.value()).to_vector<float>(), (std::vector<float>{11, 12}));
  EXPECT_EQ(trainable_variables(g).size(), 1u);
}

TEST(Session, TraceRecordsEveryNode) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({2}), "x");
  Output y = (x + 1.0) * 3.0;
  Session s(g);
  RunOptions opts{.trace = true};
  RunMetadata md;
  s.run({{x, Tensor::zeros(DType::f32, Shape({2}))}}, {y}, {}, &opts, &md);
  EXPECT_TRUE(md.built_plan);
  ASSERT_GE(md.step_stats.size(), 2u);
  for (const NodeStats& st : md.step_stats) EXPECT_LE(st.start_ns, st.end_ns);
  s.run({{x, Tensor::zeros(DType::f32, Shape({2}))}}, {y}, {}, &opts, &md);
  EXPECT_FALSE(md.built_plan);
}

TEST(Session, RandomOpsAreReproducibleAndFreshEachRun) {
  auto draw = [](int64_t seed, int runs) {
    Graph g;
    g.set_random_seed(seed);
    Output r = ops::random_normal(g, Shape({4}), 0.0, 1.0);
    Session s(g);
    Tensor t;
    for (int i = 0; i < runs; ++i) t = s.run(r);
    return t.to_vector<float>();
  };
  EXPECT_EQ(draw(1, 1), draw(1, 1));
  EXPECT_NE(draw(1, 1), draw(2, 1));
  EXPECT_NE(draw(1, 1), draw(1, 2));
}

TEST(Session, CallableRunsAPrebuiltSignature) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1}), "x");
  Output y = x * x;
  Session s(g);
  Callable c = s.make_callable({x}, {y});
  EXPECT_EQ(c({Tensor::from_vector<float>(Shape({2}), {2, 3})})[0].to_vector<float>(),
            (std::vector<float>{4, 9}));
}

}  // namespace dl
