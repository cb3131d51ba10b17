#include "dl/graph/initializers.h"

#include <gtest/gtest.h>

#include <cmath>

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

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0;
};

Stats stats_of(const Initializer& init, Shape shape, DType dtype = DType::f32) {
  Graph g;
  g.set_random_seed(1234);
  Output x = init(g, shape, dtype);
  Session s(g);
  Tensor t = s.run(x);
  Stats st;
  st.min = st.max = t.value_at(0);
  const int64_t n = t.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    const double v = t.value_at(i);
    st.mean += v;
    st.min = std::min(st.min, v);
    st.max = std::max(st.max, v);
  }
  st.mean /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) st.std += std::pow(t.value_at(i) - st.mean, 2);
  st.std = std::sqrt(st.std / static_cast<double>(n));
  return st;
}

}  // namespace

TEST(Initializers, FansFollowTf) {
  auto f = init::compute_fans(Shape({3, 3, 16, 32}));  // conv kernel [kh, kw, in, out]
  EXPECT_EQ(f.fan_in, 3 * 3 * 16);
  EXPECT_EQ(f.fan_out, 3 * 3 * 32);
  f = init::compute_fans(Shape({5, 128, 64}));  // conv1d kernel
  EXPECT_EQ(f.fan_in, 5 * 128);
  EXPECT_EQ(f.fan_out, 5 * 64);
  f = init::compute_fans(Shape({784, 10}));
  EXPECT_EQ(f.fan_in, 784);
  EXPECT_EQ(f.fan_out, 10);
  f = init::compute_fans(Shape({7}));
  EXPECT_EQ(f.fan_in, 7);
  EXPECT_EQ(f.fan_out, 7);
  f = init::compute_fans(Shape{});
  EXPECT_EQ(f.fan_in, 1);
  EXPECT_EQ(f.fan_out, 1);
}

TEST(Initializers, GlorotUniformLimitsMeanAndStd) {
  const Shape shape({200, 300});
  const double limit = std::sqrt(6.0 / (200 + 300));
  const Stats s = stats_of(init::glorot_uniform_initializer(), shape);
  EXPECT_GE(s.min, -limit);
  EXPECT_LT(s.max, limit);
  EXPECT_GT(s.max, 0.99 * limit);  // 60000 draws reach the edges
  EXPECT_LT(s.min, -0.99 * limit);
  EXPECT_NEAR(s.mean, 0.0, 0.01 * limit);
  EXPECT_NEAR(s.std, limit / std::sqrt(3.0), 0.01 * limit);
}

TEST(Initializers, GlorotUniformUsesConvFans) {
  const Shape shape({3, 3, 16, 32});
  const double limit = std::sqrt(6.0 / (3 * 3 * 16 + 3 * 3 * 32));
  const Stats s = stats_of(init::glorot_uniform_initializer(), shape);
  EXPECT_GE(s.min, -limit);
  EXPECT_LT(s.max, limit);
  EXPECT_GT(s.max, 0.98 * limit);
}

TEST(Initializers, TruncatedNormalStaysWithinTwoStddev) {
  const Stats s = stats_of(init::truncated_normal_initializer(0.5, 2.0), Shape({100, 100}));
  EXPECT_GE(s.min, 0.5 - 4.0);
  EXPECT_LE(s.max, 0.5 + 4.0);
  EXPECT_NEAR(s.mean, 0.5, 0.05);
  EXPECT_NEAR(s.std, 2.0 * 0.87962566103423978, 0.03);
}

TEST(Initializers, VarianceScalingCorrectsTheTruncation) {
  // he_normal on a conv kernel: the truncated draws have exactly the std sqrt(2 / fan_in).
  const Shape shape({3, 3, 64, 64});
  const double fan_in = 3 * 3 * 64;
  const Stats he = stats_of(init::he_normal(), shape);
  EXPECT_NEAR(he.std, std::sqrt(2.0 / fan_in), 0.02 * std::sqrt(2.0 / fan_in));
  EXPECT_LE(he.max, 2 * std::sqrt(2.0 / fan_in) / 0.87962566103423978);
  const Stats gn = stats_of(init::glorot_normal_initializer(), Shape({300, 200}));
  EXPECT_NEAR(gn.std, std::sqrt(2.0 / 500), 0.02 * std::sqrt(2.0 / 500));
  const Stats un = stats_of(
      init::variance_scaling_initializer(3.0, "fan_out", "untruncated_normal"), Shape({100, 400}));
  EXPECT_NEAR(un.std, std::sqrt(3.0 / 400), 0.02 * std::sqrt(3.0 / 400));
  EXPECT_GT(un.max, 3 * std::sqrt(3.0 / 400));  // not truncated
  const Stats lu = stats_of(init::lecun_uniform(), Shape({250, 100}));
  EXPECT_LT(lu.max, std::sqrt(3.0 / 250));
  EXPECT_NEAR(lu.std, std::sqrt(1.0 / 250), 0.02 * std::sqrt(1.0 / 250));
  const Stats hu = stats_of(init::he_uniform(), Shape({250, 100}), DType::f64);
  EXPECT_LT(hu.max, std::sqrt(6.0 / 250));
  EXPECT_NEAR(hu.std, std::sqrt(2.0 / 250), 0.02 * std::sqrt(2.0 / 250));
  const Stats ln = stats_of(init::lecun_normal(), Shape({250, 100}));
  EXPECT_NEAR(ln.std, std::sqrt(1.0 / 250), 0.02 * std::sqrt(1.0 / 250));
}

TEST(Initializers, UniformAndNormal) {
  const Stats u = stats_of(init::random_uniform_initializer(-3, 5), Shape({100, 100}));
  EXPECT_GE(u.min, -3);
  EXPECT_LT(u.max, 5);
  EXPECT_NEAR(u.mean, 1.0, 0.05);
  const Stats n = stats_of(init::random_normal_initializer(1.0, 0.5), Shape({100, 100}));
  EXPECT_NEAR(n.mean, 1.0, 0.02);
  EXPECT_NEAR(n.std, 0.5, 0.01);
}

TEST(Initializers, ConstantsAndDescriptions) {
  Graph g;
  Session s(g);
  EXPECT_EQ(s.run(init::zeros_initializer()(g, Shape({2}), DType::i64)).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(s.run(init::ones_initializer()(g, Shape({2}))).to_vector<float>(),
            (std::vector<float>{1, 1}));
  EXPECT_EQ(s.run(init::constant_initializer(0.25)(g, Shape({3}))).to_vector<float>(),
            (std::vector<float>{0.25f, 0.25f, 0.25f}));
  EXPECT_EQ(s.run(init::constant_initializer({1, 2, 3, 4})(g, Shape({2, 2}))).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 4}));
  const std::string m = message_of([&] {
    init::constant_initializer({1, 2, 3})(g, Shape({2, 2}));
  });
  EXPECT_TRUE(contains(m, "3 values given for shape [2,2] (4 elements)")) << m;

  EXPECT_EQ(init::he_normal(7).description(), "he_normal(seed=7)");
  EXPECT_EQ(init::variance_scaling_initializer(2.0, "fan_avg", "uniform").description(),
            "variance_scaling(scale=2, mode=fan_avg, distribution=uniform, seed=None)");
  EXPECT_EQ(init::random_uniform_initializer().description(),
            "random_uniform(minval=0, maxval=1, seed=None)");
  EXPECT_EQ(init::glorot_uniform_initializer(), init::glorot_uniform_initializer());
  EXPECT_FALSE(init::glorot_uniform_initializer() == init::glorot_uniform_initializer(1));
  EXPECT_TRUE(contains(message_of([] { init::variance_scaling_initializer(1.0, "fan_sum"); }),
                       "mode must be fan_in, fan_out or fan_avg, received 'fan_sum'"));
  EXPECT_TRUE(contains(message_of([&] {
                         init::he_normal()(g, Shape({2, 2}), DType::i32);
                       }),
                       "expected a float32 or float64 dtype, received int32"));
}

TEST(Initializers, SeededInitializersRepeat) {
  auto run = [](const Initializer& init) {
    Graph g;
    Output x = init(g, Shape({4, 4}), DType::f32);
    Session s(g);
    return s.run(x).to_vector<float>();
  };
  EXPECT_EQ(run(init::glorot_uniform_initializer(42)), run(init::glorot_uniform_initializer(42)));
  EXPECT_NE(run(init::glorot_uniform_initializer(42)), run(init::glorot_uniform_initializer(43)));
}

TEST(GetVariable, NamesScopesDefaultsAndRegularizer) {
  Graph g;
  Variable k, b;
  {
    NameScope scope(g, "dense");
    k = get_variable(g, "kernel", Shape({4, 3}),
                     {.regularizer = [](Output w) { return w * 0.01; }});
    b = get_variable(g, "bias", Shape({3}), {.initializer = init::zeros_initializer()});
  }
  EXPECT_EQ(k.name(), "dense/kernel");
  EXPECT_EQ(b.name(), "dense/bias");
  EXPECT_TRUE(k.trainable());
  EXPECT_NE(g.find_node("dense/kernel/Initializer/random_uniform/RandomUniform"), nullptr);
  const auto reg = g.get_collection(GraphKeys::REGULARIZATION_LOSSES);
  ASSERT_EQ(reg.size(), 1u);
  EXPECT_EQ(reg[0]->name().rfind("dense/kernel/Regularizer/", 0), 0u) << reg[0]->name();
  EXPECT_EQ(trainable_variables(g).size(), 2u);

  Variable step = get_variable(g, "step", Shape{}, {.dtype = DType::i32, .trainable = false});
  EXPECT_FALSE(step.trainable());
  EXPECT_EQ(trainable_variables(g).size(), 2u);
  EXPECT_EQ(global_variables(g).size(), 3u);

  Session s(g);
  s.run(global_variables_initializer(g));
  const double limit = std::sqrt(6.0 / 7.0);  // glorot_uniform, fans 4 and 3
  for (float v : s.variable_value(k.op()).to_vector<float>()) {
    EXPECT_LT(std::fabs(v), limit);
  }
  EXPECT_EQ(s.variable_value(b.op()).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(s.variable_value(step.op()).data<int32_t>()[0], 0);

  NameScope scope(g, "dense/");
  const std::string m = message_of([&] { get_variable(g, "kernel", Shape({4, 3})); });
  EXPECT_TRUE(contains(m, "variable 'dense/kernel' already exists")) << m;
  EXPECT_TRUE(contains(message_of([&] {
                         get_variable(g, "v", Shape({-1, 3}));
                       }),
                       "get_variable 'dense/v': the shape must be fully defined, received [?,3]"));
}

}  // namespace dl
