// Plan-time fusion (SessionOptions::remapping): Conv2D -> BiasAdd -> Tanh / Relu / Sigmoid runs
// as one oneDNN convolution with bias and activation. Each test runs the same graph with and
// without remapping and against the reference kernels, and checks from the trace which steps
// were fused and which were not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../testing/test_util.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/variable.h"
#include "dl/kernels/kernel_registry.h"

namespace dl {
namespace {

using testing::random_tensor;

struct Traced {
  std::vector<Tensor> values;
  std::vector<NodeStats> steps;
};

Traced run_traced(Graph& g, bool remapping, const FeedDict& feeds,
                  const std::vector<Output>& fetches, const std::vector<Node*>& targets = {},
                  const std::vector<Node*>& init = {}) {
  Session s(g, {.remapping = remapping});
  if (!init.empty()) s.run({}, {}, init);
  RunOptions opts{.trace = true};
  RunMetadata md;
  Traced t;
  t.values = s.run(feeds, fetches, targets, &opts, &md);
  t.steps = md.step_stats;
  return t;
}

std::string kernel_of(const Traced& t, const std::string& node) {
  for (const NodeStats& st : t.steps) {
    if (st.node_name == node) return st.kernel;
  }
  return "(did not run)";
}

bool ran(const Traced& t, const std::string& node) {
  return std::any_of(t.steps.begin(), t.steps.end(),
                     [&](const NodeStats& st) { return st.node_name == node; });
}

struct ConvBlock {
  Graph g;
  Output x, conv, biased;
  FeedDict feeds;
};

// x [3, 13, 11, 20] -> Conv2D 5x5 -> 24 channels (VALID) -> BiasAdd with a constant bias.
void build(ConvBlock& b) {
  b.x = ops::placeholder(b.g, DType::f32, Shape({-1, 13, 11, 20}), "x");
  Output w = ops::constant(b.g, random_tensor(Shape({5, 5, 20, 24}), 2, -0.2, 0.2), "w");
  Output bias = ops::constant(b.g, random_tensor(Shape({24}), 3), "bias");
  b.conv = nn::conv2d(b.x, w, {1, 1, 1, 1}, "VALID", "NHWC", {1, 1, 1, 1}, "conv");
  b.biased = nn::bias_add(b.conv, bias, "NHWC", "bias_add");
  b.feeds = {{b.x, random_tensor(Shape({3, 13, 11, 20}), 1)}};
}

Tensor reference(Graph& g, const FeedDict& feeds, Output y) {
  const bool saved = KernelRegistry::global().reference_only();
  KernelRegistry::global().set_reference_only(true);
  Tensor r = Session(g).run(y, feeds);
  KernelRegistry::global().set_reference_only(saved);
  return r;
}

TEST(ConvFusion, BiasAndEachActivationFuseAndMatchTheUnfusedAndReferenceKernels) {
  for (const std::string act : {"Tanh", "Relu", "Sigmoid"}) {
    ConvBlock b;
    build(b);
    Output y = act == "Tanh"   ? nn::tanh(b.biased, "act")
               : act == "Relu" ? nn::relu(b.biased, "act")
                               : nn::sigmoid(b.biased, "act");
    const Traced fused = run_traced(b.g, true, b.feeds, {y});
    const Traced plain = run_traced(b.g, false, b.feeds, {y});
    EXPECT_EQ(kernel_of(fused, "conv"), "onednn:conv2d+BiasAdd+" + act);
    EXPECT_FALSE(ran(fused, "bias_add")) << act;
    EXPECT_FALSE(ran(fused, "act")) << act;
    EXPECT_EQ(kernel_of(plain, "conv"), "onednn:conv2d");
    EXPECT_TRUE(ran(plain, "bias_add") && ran(plain, "act")) << act;
    EXPECT_EQ(fused.values[0].shape(), Shape({3, 9, 7, 24}));
    EXPECT_TRUE(testing::tensors_near(fused.values[0], plain.values[0], 1e-5, 1e-5)) << act;
    EXPECT_TRUE(testing::tensors_near(fused.values[0], reference(b.g, b.feeds, y), 1e-4, 1e-4))
        << act;
  }
}

TEST(ConvFusion, AnOutputThatIsFetchedOrReadTwiceIsNotFused) {
  ConvBlock b;
  build(b);
  Output y = nn::tanh(b.biased, "act");
  // The convolution's own output is fetched: nothing fuses.
  const Traced t1 = run_traced(b.g, true, b.feeds, {b.conv, y});
  EXPECT_EQ(kernel_of(t1, "conv"), "onednn:conv2d");
  EXPECT_TRUE(ran(t1, "bias_add") && ran(t1, "act"));
  EXPECT_TRUE(testing::tensors_near(t1.values[0], reference(b.g, b.feeds, b.conv), 1e-4, 1e-4));
  EXPECT_TRUE(testing::tensors_near(t1.values[1], reference(b.g, b.feeds, y), 1e-4, 1e-4));
  // The BiasAdd output is fetched: the bias fuses, the activation does not.
  const Traced t2 = run_traced(b.g, true, b.feeds, {b.biased, y});
  EXPECT_EQ(kernel_of(t2, "conv"), "onednn:conv2d+BiasAdd");
  EXPECT_TRUE(ran(t2, "act"));
  EXPECT_TRUE(testing::tensors_near(t2.values[0], reference(b.g, b.feeds, b.biased), 1e-4, 1e-4));
  EXPECT_TRUE(testing::tensors_near(t2.values[1], reference(b.g, b.feeds, y), 1e-4, 1e-4));
  // The BiasAdd output has a second reader.
  Output z = ops::add(nn::tanh(b.biased, "act2"), b.biased, "sum");
  const Traced t3 = run_traced(b.g, true, b.feeds, {z});
  EXPECT_EQ(kernel_of(t3, "conv"), "onednn:conv2d+BiasAdd");
  EXPECT_TRUE(ran(t3, "act2"));
  EXPECT_TRUE(testing::tensors_near(t3.values[0], reference(b.g, b.feeds, z), 1e-4, 1e-4));
  // A fed BiasAdd output: the fed value is used and the convolution does not run.
  const Tensor fed = random_tensor(Shape({3, 9, 7, 24}), 9);
  FeedDict feeds2 = b.feeds;
  feeds2.emplace_back(b.biased, fed);
  const Traced t4 = run_traced(b.g, true, feeds2, {y});
  EXPECT_FALSE(ran(t4, "conv"));
  EXPECT_TRUE(ran(t4, "act"));
  EXPECT_TRUE(testing::tensors_near(t4.values[0], reference(b.g, feeds2, y), 1e-5, 1e-5));
}

// The bias is computed by nodes that run after the convolution (created later, so ordered
// later): the fused step would read it too early, so nothing fuses; a control input on the
// BiasAdd also keeps it in place.
TEST(ConvFusion, ABiasComputedAfterTheConvolutionOrAControlInputIsNotFused) {
  ConvBlock b;
  build(b);
  Output late_bias = ops::constant(b.g, random_tensor(Shape({24}), 4), "late") * 2.0;
  Output y = nn::tanh(nn::bias_add(b.conv, late_bias, "NHWC", "late_add"), "act");
  const Traced t = run_traced(b.g, true, b.feeds, {y});
  EXPECT_EQ(kernel_of(t, "conv"), "onednn:conv2d");
  EXPECT_TRUE(ran(t, "late_add"));
  EXPECT_TRUE(testing::tensors_near(t.values[0], reference(b.g, b.feeds, y), 1e-4, 1e-4));

  ConvBlock c;
  build(c);
  Output z = nn::tanh(c.biased, "act");
  c.g.add_control_input(c.biased.node, ops::constant(c.g, random_tensor(Shape({1}), 5)).node);
  const Traced u = run_traced(c.g, true, c.feeds, {z});
  EXPECT_EQ(kernel_of(u, "conv"), "onednn:conv2d");
  EXPECT_TRUE(testing::tensors_near(u.values[0], reference(c.g, c.feeds, z), 1e-4, 1e-4));
}

// A training step through Conv2D -> BiasAdd(variable) -> Tanh: the gradients read Tanh's output
// (the fused step's), and the updated variables match the unfused run.
TEST(ConvFusion, TrainingStepMatchesTheUnfusedRun) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 12, 12, 20}), "x");
  Variable w(ops::constant(g, random_tensor(Shape({5, 5, 20, 16}), 5, -0.1, 0.1)), {.name = "w"});
  Variable bias(ops::constant(g, random_tensor(Shape({16}), 6)), {.name = "bias"});
  Output h = nn::tanh(nn::bias_add(nn::conv2d(x, w, {1, 1, 1, 1}, "VALID"), bias), "h");
  Output loss = ops::reduce_mean(ops::square(h));
  train::MomentumOptimizer opt(0.1, 0.9);
  Node* step = opt.minimize(loss);
  const FeedDict feeds{{x, random_tensor(Shape({4, 12, 12, 20}), 7)}};
  std::vector<Tensor> after[2];
  for (int remap = 0; remap < 2; ++remap) {
    Session s(g, {.remapping = remap == 1});
    s.run({}, {}, {global_variables_initializer(g)});
    RunOptions opts{.trace = true};
    RunMetadata md;
    for (int i = 0; i < 3; ++i) s.run(feeds, {loss}, {step}, &opts, &md);
    bool fused = false;
    for (const NodeStats& st : md.step_stats) fused |= st.kernel == "onednn:conv2d+BiasAdd+Tanh";
    EXPECT_EQ(fused, remap == 1);
    after[remap] = s.run({}, {w, bias});
  }
  EXPECT_TRUE(testing::tensors_near(after[1][0], after[0][0], 1e-5, 1e-5));
  EXPECT_TRUE(testing::tensors_near(after[1][1], after[0][1], 1e-5, 1e-5));
}

TEST(ConvFusion, AnUninitialisedBiasIsStillNamed) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({1, 6, 6, 3}), "x");
  Output w = ops::constant(g, random_tensor(Shape({3, 3, 3, 4}), 1));
  Variable bias(ops::zeros(g, Shape({4})), {.name = "conv_bias"});
  Output y = nn::tanh(nn::bias_add(nn::conv2d(x, w, {1, 1, 1, 1}, "SAME"), bias));
  Session s(g);
  try {
    s.run({{x, random_tensor(Shape({1, 6, 6, 3}), 2)}}, {y});
    FAIL() << "expected FailedPrecondition";
  } catch (const FailedPrecondition& e) {
    EXPECT_NE(std::string(e.what()).find("conv_bias"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dl
