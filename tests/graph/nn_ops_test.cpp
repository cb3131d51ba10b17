#include "dl/graph/ops/nn_ops.h"

#include <gtest/gtest.h>

#include <map>

#include "../testing/gradient_check.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/kernels/kernel_registry.h"
#include "nn_fixture_util.h"

namespace dl {
namespace {

using testing::contains;
using testing::message_of;
using testing::nn_fixtures;
using testing::shape_of;
using testing::tensor_of;
using testing::values_near;

const std::map<std::string, std::function<Output(Output)>>& activations() {
  static const std::map<std::string, std::function<Output(Output)>> m = {
      {"relu", [](Output x) { return nn::relu(x); }},
      {"relu6", [](Output x) { return nn::relu6(x); }},
      {"elu", [](Output x) { return nn::elu(x); }},
      {"selu", [](Output x) { return nn::selu(x); }},
      {"softplus", [](Output x) { return nn::softplus(x); }},
      {"softsign", [](Output x) { return nn::softsign(x); }},
      {"leaky_relu", [](Output x) { return nn::leaky_relu(x); }},
      {"leaky_relu_0.01", [](Output x) { return nn::leaky_relu(x, 0.01); }},
      {"tanh", [](Output x) { return ops::tanh(x); }},
      {"sigmoid", [](Output x) { return nn::sigmoid(x); }},
  };
  return m;
}

// Values away from every kink (0 for the relus, 6 for relu6) so finite differences are exact.
Tensor smooth_inputs(Shape shape, uint64_t seed) {
  Tensor t = testing::random_tensor(std::move(shape), seed, -3.0, 8.0, DType::f64);
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (std::fabs(p[i]) < 0.1) p[i] += 0.3;
    if (std::fabs(p[i] - 6.0) < 0.1) p[i] += 0.3;
  }
  return t;
}

}  // namespace

TEST(NnOps, ActivationsMatchTensorFlow) {
  const auto& fx = nn_fixtures()["activations"];
  const Shape shape = shape_of(fx["shape"]);
  for (const auto& [name, fn] : activations()) {
    SCOPED_TRACE(name);
    const auto& ref = fx["cases"][name];
    for (DType dt : {DType::f32, DType::f64}) {
      Graph g;
      Output x = ops::placeholder(g, dt, Shape({-1, shape.dim(1)}), "x");
      Output y = fn(x);
      EXPECT_EQ(y.spec(), x.spec());
      Session s(g);
      Tensor out = s.run(y, {{x, tensor_of(fx["x"], shape, dt)}});
      if (dt == DType::f32) {
        EXPECT_TRUE(values_near(out, ref["float32"], 1e-6, 2e-6));
      } else {
        EXPECT_TRUE(values_near(out, ref["float64"], 1e-14, 1e-13));
      }
    }
  }
}

TEST(NnOps, ActivationGradientsMatchTensorFlow) {
  const auto& fx = nn_fixtures()["activations"];
  const Shape shape = shape_of(fx["shape"]);
  for (const auto& [name, fn] : activations()) {
    SCOPED_TRACE(name);
    Graph g;
    Output x = ops::placeholder(g, DType::f64, shape, "x");
    Output y = fn(x);
    Output dy = ops::constant(g, tensor_of(fx["dy"], shape, DType::f64), "dy");
    Output dx = gradients({y}, {x}, {dy})[0];
    Session s(g);
    Tensor out = s.run(dx, {{x, tensor_of(fx["x"], shape, DType::f64)}});
    EXPECT_TRUE(values_near(out, fx["cases"][name]["grad_float64"], 1e-14, 1e-12));
  }
}

TEST(NnOps, ActivationGradientsMatchFiniteDifferences) {
  for (const auto& [name, fn] : activations()) {
    SCOPED_TRACE(name);
    Graph g;
    Output x = ops::placeholder(g, DType::f64, Shape({-1, 4}), "x");
    EXPECT_TRUE(testing::check_gradients(g, fn(x), {x}, {{x, smooth_inputs(Shape({3, 4}), 7)}}));
  }
}

TEST(NnOps, EachActivationHasItsOwnGradientOp) {
  const std::map<std::string, std::string> expected = {{"relu", "ReluGrad"},
                                                       {"relu6", "Relu6Grad"},
                                                       {"elu", "EluGrad"},
                                                       {"selu", "SeluGrad"},
                                                       {"softplus", "SoftplusGrad"},
                                                       {"softsign", "SoftsignGrad"},
                                                       {"leaky_relu", "LeakyReluGrad"},
                                                       {"tanh", "TanhGrad"},
                                                       {"sigmoid", "SigmoidGrad"}};
  for (const auto& [name, op] : expected) {
    Graph g;
    Output x = ops::placeholder(g, DType::f32, Shape({2}), "x");
    Output dx = gradients({activations().at(name)(x)}, {x})[0];
    EXPECT_EQ(dx.node->type(), op) << name;
  }
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({2}), "x");
  Output dx = gradients({nn::leaky_relu(x, 0.3)}, {x})[0];
  EXPECT_DOUBLE_EQ(dx.node->attrs().get_float("alpha"), 0.3);
}

// The gradient ops are differentiable too (second derivatives), checked directly.
TEST(NnOps, GradientOpsHaveGradients) {
  struct Case {
    const char* op;
    bool both;  // false: the second input gets no gradient (piecewise constant in it)
  };
  for (const Case& k :
       {Case{"ReluGrad", false}, Case{"Relu6Grad", false}, Case{"LeakyReluGrad", false},
        Case{"EluGrad", true}, Case{"SeluGrad", true}, Case{"SoftplusGrad", true},
        Case{"TanhGrad", true}, Case{"SigmoidGrad", true}, Case{"SoftsignGrad", true},
        Case{"SoftmaxGrad", true}, Case{"LogSoftmaxGrad", true}}) {
    SCOPED_TRACE(k.op);
    Graph g;
    Output a = ops::placeholder(g, DType::f64, Shape({2, 3}), "a");
    Output b = ops::placeholder(g, DType::f64, Shape({2, 3}), "b");
    Output z = g.add_node(k.op, "", {a, b})->output(0);
    const std::string op = k.op;
    // (gradients, features) ops get features away from their kinks; (y, dy) ops get y in the
    // activation's range; EluGrad / SeluGrad get outputs > -1, away from 0.
    Tensor av = testing::random_tensor(Shape({2, 3}), 11, -2, 2, DType::f64);
    Tensor bv = smooth_inputs(Shape({2, 3}), 12);
    if (op == "TanhGrad" || op == "SigmoidGrad" || op == "SoftmaxGrad") {
      av = testing::random_tensor(Shape({2, 3}), 14, 0.05, 0.95, DType::f64);
      bv = testing::random_tensor(Shape({2, 3}), 13, -2, 2, DType::f64);
    } else if (op == "LogSoftmaxGrad") {
      av = testing::random_tensor(Shape({2, 3}), 16, -3, -0.05, DType::f64);
      bv = testing::random_tensor(Shape({2, 3}), 13, -2, 2, DType::f64);
    } else if (op == "EluGrad" || op == "SeluGrad") {
      bv = testing::random_tensor(Shape({2, 3}), 15, -0.95, 3, DType::f64);
      for (int64_t i = 0; i < 6; ++i) {
        if (std::fabs(bv.data<double>()[i]) < 0.1) bv.data<double>()[i] += 0.3;
      }
    }
    FeedDict feeds{{a, av}, {b, bv}};
    if (k.both) {
      EXPECT_TRUE(testing::check_gradients(g, z, {a, b}, feeds));
    } else {
      EXPECT_TRUE(testing::check_gradients(g, z, {a}, feeds));
      EXPECT_FALSE(gradients({z}, {b})[0]);
    }
  }
}

TEST(NnOps, ActivationsRefuseIntegerInputsNamingTheNode) {
  Graph g;
  Output x = ops::placeholder(g, DType::i32, Shape({2}), "x");
  const std::string m = message_of([&] { nn::relu(x, "act"); });
  EXPECT_TRUE(contains(m, "Relu 'act'")) << m;
  EXPECT_TRUE(contains(m, "float32 or float64")) << m;
  EXPECT_TRUE(contains(m, "int32")) << m;
}

TEST(NnOps, SoftmaxMatchesTensorFlow) {
  const auto& fx = nn_fixtures()["softmax"];
  const Shape shape = shape_of(fx["shape"]);
  for (const char* name : {"softmax", "log_softmax"}) {
    SCOPED_TRACE(name);
    const auto& ref = fx["cases"][name];
    const bool log = std::string(name) == "log_softmax";
    for (DType dt : {DType::f32, DType::f64}) {
      Graph g;
      Output x = ops::placeholder(g, dt, Shape({-1, shape.dim(1)}), "x");
      Output y = log ? nn::log_softmax(x) : nn::softmax(x);
      Session s(g);
      Tensor out = s.run(y, {{x, tensor_of(fx["x"], shape, dt)}});
      if (dt == DType::f32) {
        EXPECT_TRUE(values_near(out, ref["float32"], 1e-6, 2e-6));
      } else {
        EXPECT_TRUE(values_near(out, ref["float64"], 1e-15, 1e-13));
      }
    }
    Graph g;
    Output x = ops::placeholder(g, DType::f64, shape, "x");
    Output y = log ? nn::log_softmax(x) : nn::softmax(x);
    EXPECT_EQ(y.node->type(), log ? "LogSoftmax" : "Softmax");
    Output dx = gradients({y}, {x}, {ops::constant(g, tensor_of(fx["dy"], shape, DType::f64))})[0];
    EXPECT_EQ(dx.node->type(), log ? "LogSoftmaxGrad" : "SoftmaxGrad");
    Session s(g);
    EXPECT_TRUE(values_near(s.run(dx, {{x, tensor_of(fx["x"], shape, DType::f64)}}),
                            ref["grad_float64"], 1e-14, 1e-12));
  }
}

TEST(NnOps, SoftmaxGradientsMatchFiniteDifferences) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 2, 5}), "x");
  FeedDict feeds{{x, testing::random_tensor(Shape({3, 2, 5}), 21, -3, 3, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, nn::softmax(x), {x}, feeds));
  EXPECT_TRUE(testing::check_gradients(g, nn::log_softmax(x, 2), {x}, feeds));
}

TEST(NnOps, SoftmaxOtherAxisIsUnimplemented) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3, 4}), "x");
  EXPECT_EQ(nn::softmax(x, 2).shape(), Shape({-1, 3, 4}));
  try {
    nn::softmax(x, 1, "sm");
    ADD_FAILURE() << "no error";
  } catch (const Unimplemented& e) {
    EXPECT_TRUE(contains(e.what(), "Softmax 'sm'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "axis 1")) << e.what();
    EXPECT_TRUE(contains(e.what(), "[?,3,4]")) << e.what();
  }
  EXPECT_THROW(nn::log_softmax(x, 3), InvalidArgument);
  Output s = ops::placeholder(g, DType::f32, Shape{}, "s");
  EXPECT_TRUE(contains(message_of([&] { nn::softmax(s); }), "rank >= 1"));
}

TEST(NnOps, BiasAddMatchesTensorFlow) {
  const auto& fx = nn_fixtures()["bias_add"];
  const Shape vs = shape_of(fx["value_shape"]);
  for (DType dt : {DType::f32, DType::f64}) {
    Graph g;
    Output v = ops::placeholder(g, dt, Shape({-1, 3, -1}), "v");
    Output b = ops::placeholder(g, dt, Shape({4}), "b");
    Output y = nn::bias_add(v, b);
    EXPECT_EQ(y.shape(), Shape({-1, 3, 4}));
    Session s(g);
    Tensor out =
        s.run(y, {{v, tensor_of(fx["value"], vs, dt)}, {b, tensor_of(fx["bias"], Shape({4}), dt)}});
    EXPECT_TRUE(values_near(out, fx[dt == DType::f32 ? "float32" : "float64"], 1e-6, 1e-6));
  }
  Graph g;
  Output v = ops::placeholder(g, DType::f64, vs, "v");
  Output b = ops::placeholder(g, DType::f64, Shape({4}), "b");
  Output y = nn::bias_add(v, b);
  auto grads = gradients({y}, {v, b}, {ops::constant(g, tensor_of(fx["dy"], vs, DType::f64))});
  EXPECT_EQ(grads[1].node->type(), "BiasAddGrad");
  Session s(g);
  auto out = s.run({{v, tensor_of(fx["value"], vs, DType::f64)},
                    {b, tensor_of(fx["bias"], Shape({4}), DType::f64)}},
                   {grads[0], grads[1]});
  EXPECT_TRUE(values_near(out[0], fx["grad_value_float64"], 1e-15, 1e-14));
  EXPECT_TRUE(values_near(out[1], fx["grad_bias_float64"], 1e-15, 1e-14));
}

TEST(NnOps, BiasAddGradientsMatchFiniteDifferences) {
  Graph g;
  Output v = ops::placeholder(g, DType::f64, Shape({-1, 5}), "v");
  Output b = ops::placeholder(g, DType::f64, Shape({5}), "b");
  FeedDict feeds{{v, testing::random_tensor(Shape({4, 5}), 31, -1, 1, DType::f64)},
                 {b, testing::random_tensor(Shape({5}), 32, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, nn::bias_add(v, b), {v, b}, feeds));
  // BiasAddGrad itself (second derivatives of BiasAdd's users).
  Output gb = g.add_node("BiasAddGrad", "", {v})->output(0);
  EXPECT_EQ(gb.shape(), Shape({5}));
  EXPECT_TRUE(testing::check_gradients(g, gb, {v}, feeds));
}

TEST(NnOps, BiasAddSizeMismatchNamesBothShapes) {
  Graph g;
  Output v = ops::placeholder(g, DType::f32, Shape({-1, 3}), "v");
  Output b = ops::placeholder(g, DType::f32, Shape({4}), "b");
  const std::string m = message_of([&] { nn::bias_add(v, b, "NHWC", "dense/BiasAdd"); });
  EXPECT_TRUE(contains(m, "BiasAdd 'dense/BiasAdd'")) << m;
  EXPECT_TRUE(contains(m, "value is [?,3]")) << m;
  EXPECT_TRUE(contains(m, "bias is [4]")) << m;
  EXPECT_TRUE(contains(m, "(3 != 4)")) << m;
  EXPECT_THROW(nn::bias_add(v, b, "NCHW"), Unimplemented);
  Output b2 = ops::placeholder(g, DType::f32, Shape({3, 1}), "b2");
  EXPECT_TRUE(contains(message_of([&] { nn::bias_add(v, b2); }), "bias must be 1-D"));
  Output v1 = ops::placeholder(g, DType::f32, Shape({3}), "v1");
  Output b3 = ops::placeholder(g, DType::f32, Shape({3}), "b3");
  EXPECT_TRUE(contains(message_of([&] { nn::bias_add(v1, b3); }), "rank >= 2"));
}

// ---- dropout ----

namespace {
struct DropoutRun {
  Tensor y, mask;
};
}  // namespace

TEST(NnOps, DropoutKeepsAboutOneMinusRateAndScalesKeptValues) {
  Graph g;
  g.set_random_seed(42);
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 500}), "x");
  Output y = nn::dropout(x, 0.3);
  EXPECT_EQ(y.node->type(), "Dropout");
  EXPECT_EQ(y.node->num_outputs(), 2);
  Session s(g);
  Tensor xv = Tensor::filled(DType::f32, Shape({200, 500}), 2.0);
  auto out = s.run({{x, xv}}, {y, y.node->output(1)});
  const float scale = static_cast<float>(1.0 / 0.7);
  int64_t kept = 0;
  double sum = 0;
  for (int64_t i = 0; i < out[0].num_elements(); ++i) {
    const float m = out[1].data<float>()[i];
    const float v = out[0].data<float>()[i];
    ASSERT_TRUE(m == 0.0f || m == scale) << m;
    EXPECT_EQ(v, 2.0f * m);
    kept += m != 0.0f;
    sum += v;
  }
  const double frac = static_cast<double>(kept) / 100000.0;
  EXPECT_NEAR(frac, 0.7, 0.01);            // binomial sd is 0.0015
  EXPECT_NEAR(sum / 100000.0, 2.0, 0.03);  // inverted dropout keeps the mean
}

TEST(NnOps, DropoutIsReproducibleForAGraphSeedAndFreshEachRun) {
  auto make = [](Graph& g, std::optional<int64_t> op_seed) {
    Output x = ops::placeholder(g, DType::f64, Shape({1000}), "x");
    return std::make_pair(x, nn::dropout(x, 0.5, std::nullopt, op_seed));
  };
  Tensor xv = Tensor::filled(DType::f64, Shape({1000}), 1.0);
  Graph g1, g2;
  g1.set_random_seed(7);
  g2.set_random_seed(7);
  auto [x1, y1] = make(g1, std::nullopt);
  auto [x2, y2] = make(g2, std::nullopt);
  Session s1(g1), s2(g2);
  Tensor a1 = s1.run(y1, {{x1, xv}});
  Tensor a2 = s1.run(y1, {{x1, xv}});
  Tensor b1 = s2.run(y2, {{x2, xv}});
  Tensor b2 = s2.run(y2, {{x2, xv}});
  EXPECT_TRUE(testing::tensors_equal(a1, b1));  // same seeds: same sequence of masks
  EXPECT_TRUE(testing::tensors_equal(a2, b2));
  EXPECT_FALSE(testing::tensors_equal(a1, a2));  // each run draws a new mask
  // Another graph seed gives other masks; an op seed alone is reproducible too.
  Graph g3, g4, g5;
  g3.set_random_seed(8);
  auto [x3, y3] = make(g3, std::nullopt);
  auto [x4, y4] = make(g4, 5);
  auto [x5, y5] = make(g5, 5);
  Session s3(g3), s4(g4), s5(g5);
  EXPECT_FALSE(testing::tensors_equal(a1, s3.run(y3, {{x3, xv}})));
  EXPECT_TRUE(testing::tensors_equal(s4.run(y4, {{x4, xv}}), s5.run(y5, {{x5, xv}})));
}

TEST(NnOps, DropoutGradientUsesTheForwardMaskOfTheSameRun) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 30}), "x");
  Output y = nn::dropout(x, 0.4, std::nullopt, 3);
  Output w = ops::constant(g, testing::random_tensor(Shape({4, 30}), 41, 0.5, 1.5, DType::f64));
  Output dx = gradients({y}, {x}, {w})[0];
  Session s(g);
  Tensor xv = testing::random_tensor(Shape({4, 30}), 42, -1, 1, DType::f64);
  Tensor wv = s.run(w);
  for (int run = 0; run < 3; ++run) {
    auto out = s.run({{x, xv}}, {y, y.node->output(1), dx});
    for (int64_t i = 0; i < xv.num_elements(); ++i) {
      const double m = out[1].data<double>()[i];
      EXPECT_EQ(out[0].data<double>()[i], xv.data<double>()[i] * m);
      EXPECT_EQ(out[2].data<double>()[i], wv.data<double>()[i] * m);
    }
  }
}

TEST(NnOps, DropoutNoiseShapeSharesTheMaskAlongBroadcastAxes) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 40}), "x");
  Output rows = nn::dropout(x, 0.5, Shape({-1, 1}), 1);
  Output cols = nn::dropout(x, 0.5, Shape({1, 40}), 2);
  Session s(g);
  auto out = s.run({{x, Tensor::filled(DType::f32, Shape({50, 40}), 1.0)}}, {rows, cols});
  int rows_kept = 0;
  for (int64_t r = 0; r < 50; ++r) {
    const float first = out[0].data<float>()[r * 40];
    for (int64_t k = 0; k < 40; ++k) ASSERT_EQ(out[0].data<float>()[r * 40 + k], first);
    rows_kept += first != 0;
    for (int64_t k = 0; k < 40; ++k) {
      ASSERT_EQ(out[1].data<float>()[r * 40 + k], out[1].data<float>()[k]);
    }
  }
  EXPECT_GT(rows_kept, 10);
  EXPECT_LT(rows_kept, 40);
  const std::string m = message_of([&] { nn::dropout(x, 0.5, Shape({-1, 3}), 1, "drop"); });
  EXPECT_TRUE(contains(m, "Dropout 'drop'")) << m;
  EXPECT_TRUE(contains(m, "noise_shape is [?,3], x is [?,40]")) << m;
}

TEST(NnOps, DropoutRateLimitsAndKeepProbForm) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 8}), "x");
  EXPECT_EQ(nn::dropout(x, 0.0), x);
  EXPECT_EQ(nn::dropout_keep_prob(x, 1.0), x);
  for (double bad : {1.0, -0.1, 1.5}) {
    const std::string m = message_of([&] { nn::dropout(x, bad, std::nullopt, std::nullopt, "d"); });
    EXPECT_TRUE(contains(m, "Dropout 'd'")) << m;
    EXPECT_TRUE(contains(m, "rate must be in [0, 1)")) << m;
  }
  EXPECT_THROW(nn::dropout_keep_prob(x, 0.0), InvalidArgument);
  Output xi = ops::placeholder(g, DType::i32, Shape({3}), "xi");
  EXPECT_TRUE(contains(message_of([&] { nn::dropout(xi, 0.5); }), "int32"));

  // keep_prob = 0.75 is rate = 0.25 with the same seeds.
  Graph g1, g2;
  g1.set_random_seed(1);
  g2.set_random_seed(1);
  Output x1 = ops::placeholder(g1, DType::f32, Shape({64}), "x");
  Output x2 = ops::placeholder(g2, DType::f32, Shape({64}), "x");
  Output y1 = nn::dropout_keep_prob(x1, 0.75);
  Output y2 = nn::dropout(x2, 0.25);
  EXPECT_DOUBLE_EQ(y1.node->attrs().get_float("rate"), 0.25);
  Tensor xv = testing::random_tensor(Shape({64}), 5);
  Session s1(g1), s2(g2);
  EXPECT_TRUE(testing::tensors_equal(s1.run(y1, {{x1, xv}}), s2.run(y2, {{x2, xv}})));
}

}  // namespace dl

namespace dl {
// Large tensors take the parallel path of the reference kernels; each row must come out exactly
// as when it runs alone, and BiasAddGrad's double-accumulated sums exactly. (The fast kernels are
// checked against these in tests/kernels.)
TEST(NnOps, ParallelRowsMatchRowsRunAlone) {
  struct Restore {
    bool saved = KernelRegistry::global().reference_only();
    ~Restore() { KernelRegistry::global().set_reference_only(saved); }
  } restore;
  KernelRegistry::global().set_reference_only(true);
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 301}), "x");
  Output sm = nn::softmax(x);
  Output lsm = nn::log_softmax(x);
  Output bg = g.add_node("BiasAddGrad", "", {x})->output(0);
  Tensor xv = testing::random_tensor(Shape({257, 301}), 91, -4, 4);
  Session s(g);
  auto big = s.run({{x, xv}}, {sm, lsm, bg});
  std::vector<double> col_sums(301, 0.0);
  for (int64_t r = 0; r < 257; r += 37) {
    auto one = s.run({{x, xv.slice_rows(r, r + 1)}}, {sm, lsm});
    EXPECT_TRUE(testing::tensors_equal(one[0], big[0].slice_rows(r, r + 1).clone()));
    EXPECT_TRUE(testing::tensors_equal(one[1], big[1].slice_rows(r, r + 1).clone()));
  }
  for (int64_t r = 0; r < 257; ++r) {
    for (int64_t k = 0; k < 301; ++k)
      col_sums[static_cast<size_t>(k)] += xv.data<float>()[r * 301 + k];
  }
  for (int64_t k = 0; k < 301; ++k) {
    EXPECT_EQ(big[2].data<float>()[k], static_cast<float>(col_sums[static_cast<size_t>(k)]));
  }
}
}  // namespace dl
