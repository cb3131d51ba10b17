#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../testing/gradient_check.h"
#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/gather_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/train/clip_ops.h"
#include "dl/graph/train/gradient_descent.h"
#include "dl/graph/variable.h"

namespace dl {
namespace {

using nlohmann::json;

const json& fixture() {
  static const json j = [] {
    std::ifstream f(DL_FIXTURES_DIR "/clip/clip.json");
    if (!f) throw std::runtime_error("cannot open clip.json");
    return json::parse(f);
  }();
  return j;
}

Tensor f32(Shape s, const json& v) {
  return Tensor::from_vector<float>(std::move(s), v.get<std::vector<float>>());
}

::testing::AssertionResult near_tf(const Tensor& got, const json& want) {
  const std::vector<float> w =
      want.is_array() ? want.get<std::vector<float>>() : std::vector<float>{want.get<float>()};
  if (static_cast<int64_t>(w.size()) != got.num_elements()) {
    return ::testing::AssertionFailure() << "sizes differ";
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const double a = got.value_at(static_cast<int64_t>(i)), b = w[i];
    if (!(std::fabs(a - b) <= 1e-7 + 1e-6 * std::fabs(b))) {
      return ::testing::AssertionFailure() << "[" << i << "]: dl " << a << ", TF " << b;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(Clip, MatchesTensorFlow) {
  const json& j = fixture();
  Graph g;
  Output a = ops::constant(g, f32(Shape({2, 3}), j["a"]), "a");
  Output b = ops::constant(g, f32(Shape({4}), j["b"]), "b");
  Session s(g);
  EXPECT_TRUE(near_tf(s.run(train::clip_by_value(a, -0.5, 0.75).dense), j["clip_by_value_a"]));
  EXPECT_TRUE(near_tf(s.run(train::clip_by_norm(a, 1.5).dense), j["clip_by_norm_a"]));
  EXPECT_TRUE(near_tf(s.run(train::clip_by_norm(a, 1.5, {1}).dense), j["clip_by_norm_a_axis1"]));
  EXPECT_TRUE(near_tf(s.run(train::clip_by_norm(a, 100.0).dense), j["clip_by_norm_a_large"]));
  EXPECT_TRUE(near_tf(s.run(train::global_norm({a, b})), j["global_norm"]));
  auto [clipped, norm] = train::clip_by_global_norm({a, Grad(), b}, 2.0);
  ASSERT_EQ(clipped.size(), 3u);
  EXPECT_FALSE(clipped[1]);
  EXPECT_TRUE(near_tf(s.run(clipped[0].dense), j["clip_by_global_norm_2"]["a"]));
  EXPECT_TRUE(near_tf(s.run(clipped[2].dense), j["clip_by_global_norm_2"]["b"]));
  EXPECT_TRUE(near_tf(s.run(norm), j["clip_by_global_norm_2"]["norm"]));
  auto big = train::clip_by_global_norm({a, b}, 100.0).first;
  EXPECT_TRUE(near_tf(s.run(big[0].dense), j["clip_by_global_norm_100"]["a"]));
  EXPECT_TRUE(near_tf(s.run(big[1].dense), j["clip_by_global_norm_100"]["b"]));
}

TEST(Clip, ZeroNormAndNonFiniteNorm) {
  Graph g;
  Output z = ops::zeros(g, Shape({3}));
  Output inf = ops::constant(g, {1.0f, std::numeric_limits<float>::infinity()}, Shape({2}));
  Session s(g);
  EXPECT_EQ(s.run(train::clip_by_norm(z, 1.0).dense).to_vector<float>(),
            (std::vector<float>{0, 0, 0}));
  auto clipped = train::clip_by_global_norm({inf}, 1.0).first;
  for (float v : s.run(clipped[0].dense).to_vector<float>()) EXPECT_TRUE(std::isnan(v));
}

TEST(Clip, IndexedSlicesKeepTheirIndices) {
  Graph g;
  Variable w(ops::constant(g, {1, 2, 3, 4, 5, 6}, Shape({3, 2})), {.name = "w"});
  Output ids = ops::constant(g, Tensor::from_vector<int32_t>(Shape({2}), {2, 2}), "ids");
  Output loss = nn::embedding_lookup(w, ids) * 3.0;
  train::GradientDescentOptimizer sgd(1.0);
  auto gv = sgd.compute_gradients(loss);
  ASSERT_TRUE(gv[0].first.is_sparse());
  // Values are rows of 3s: each row has norm sqrt(18); clip the whole slices to norm 1.
  Grad c = train::clip_by_norm(gv[0].first, 1.0);
  ASSERT_TRUE(c.is_sparse());
  EXPECT_EQ(c.sparse->indices, gv[0].first.sparse->indices);
  Node* train_op = sgd.apply_gradients({{c, w}});
  Session s(g);
  s.run(global_variables_initializer(g));
  s.run(train_op);
  const std::vector<float> got = s.variable_value(w.op()).to_vector<float>();
  // Row 2 gets both rows of 3 / 6 (the norm of all four 3s): 5 - 1 and 6 - 1.
  EXPECT_FLOAT_EQ(got[4], 4.0f);
  EXPECT_FLOAT_EQ(got[5], 5.0f);
  EXPECT_EQ(got[0], 1.0f);
}

TEST(Clip, ClipByNormGradientMatchesFiniteDifferences) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({2, 3}), "x");
  Output y = train::clip_by_norm(x, 0.7, {1}).dense;
  FeedDict feeds{{x, testing::random_tensor(Shape({2, 3}), 3, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {x}, feeds));
}

}  // namespace dl
