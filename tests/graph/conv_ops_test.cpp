// Conv op family: shape inference, error messages, gradients (float64 finite differences,
// reference kernels), and forward / gradient values against TensorFlow (fixtures/conv).
#include "dl/graph/ops/conv_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../testing/gradient_check.h"
#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/variable.h"
#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/reference/ref_conv.h"

namespace dl {
namespace {

using testing::random_tensor;

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "<no InvalidArgument>";
}

::testing::AssertionResult contains_all(const std::string& msg,
                                        std::initializer_list<const char*> parts) {
  for (const char* p : parts) {
    if (msg.find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "'" << p << "' not in: " << msg;
  }
  return ::testing::AssertionSuccess();
}

Output ph(Graph& g, Shape s, const std::string& name, DType dt = DType::f64) {
  return ops::placeholder(g, dt, std::move(s), name);
}

// Forces reference kernels for the lifetime of the object (gradient checks are about the ops).
struct ReferenceOnly {
  bool saved = KernelRegistry::global().reference_only();
  ReferenceOnly() { KernelRegistry::global().set_reference_only(true); }
  ~ReferenceOnly() { KernelRegistry::global().set_reference_only(saved); }
};

// ---------------------------------------------------------------------------------------------
// Geometry and shape inference

TEST(ConvGeometry, MatchesTfPaddingRule) {
  using detail::Padding;
  using detail::window_dim;
  // SAME: out = ceil(in / stride); the odd extra padding cell goes after.
  auto d = window_dim(7, 4, 2, 1, Padding::same);  // total = 3*2 + 4 - 7 = 3
  EXPECT_EQ(d.out, 4);
  EXPECT_EQ(d.pad_before, 1);
  EXPECT_EQ(d.pad_after, 2);
  d = window_dim(28, 5, 1, 1, Padding::same);
  EXPECT_EQ(d.out, 28);
  EXPECT_EQ(d.pad_before, 2);
  EXPECT_EQ(d.pad_after, 2);
  d = window_dim(8, 3, 3, 1, Padding::same);  // out 3, total = 2*3 + 3 - 8 = 1
  EXPECT_EQ(d.out, 3);
  EXPECT_EQ(d.pad_before, 0);
  EXPECT_EQ(d.pad_after, 1);
  d = window_dim(10, 1, 3, 1, Padding::same);  // no padding needed: total clamps at 0
  EXPECT_EQ(d.out, 4);
  EXPECT_EQ(d.pad_before + d.pad_after, 0);
  d = window_dim(10, 3, 1, 2, Padding::same);  // effective kernel 5
  EXPECT_EQ(d.pad_before, 2);
  EXPECT_EQ(d.pad_after, 2);
  // VALID: ceil((in - e + 1) / stride).
  EXPECT_EQ(window_dim(28, 5, 1, 1, Padding::valid).out, 24);
  EXPECT_EQ(window_dim(7, 3, 2, 1, Padding::valid).out, 3);
  EXPECT_EQ(window_dim(8, 3, 2, 1, Padding::valid).out, 3);
  EXPECT_EQ(window_dim(10, 3, 1, 2, Padding::valid).out, 6);
  EXPECT_LE(window_dim(3, 5, 1, 1, Padding::valid).out, 0);
  EXPECT_EQ(window_dim(-1, 5, 1, 1, Padding::valid).out, -1);
}

TEST(ConvShapes, Conv2D) {
  Graph g;
  Output x = ph(g, Shape({-1, 28, 28, 1}), "x", DType::f32);
  Output w = ph(g, Shape({5, 5, 1, 20}), "w", DType::f32);
  EXPECT_EQ(nn::conv2d(x, w, {1, 1, 1, 1}, "VALID").shape(), Shape({-1, 24, 24, 20}));
  EXPECT_EQ(nn::conv2d(x, w, {1, 1, 1, 1}, "SAME").shape(), Shape({-1, 28, 28, 20}));
  EXPECT_EQ(nn::conv2d(x, w, {1, 2, 2, 1}, "SAME").shape(), Shape({-1, 14, 14, 20}));
  EXPECT_EQ(nn::conv2d(x, w, {1, 3, 2, 1}, "VALID").shape(), Shape({-1, 8, 12, 20}));
  EXPECT_EQ(nn::conv2d(x, w, {1, 1, 1, 1}, "VALID", "NHWC", {1, 2, 3, 1}).shape(),
            Shape({-1, 20, 16, 20}));
  Output odd = ph(g, Shape({2, 7, 13, 3}), "odd", DType::f32);
  Output k3 = ph(g, Shape({3, 3, 3, 5}), "k3", DType::f32);
  EXPECT_EQ(nn::conv2d(odd, k3, {1, 2, 2, 1}, "SAME").shape(), Shape({2, 4, 7, 5}));
  EXPECT_EQ(nn::conv2d(odd, k3, {1, 2, 2, 1}, "VALID").shape(), Shape({2, 3, 6, 5}));
  // Unknown spatial sizes stay unknown; the filter's out-channels are still known.
  Output any = ph(g, Shape({-1, -1, 9, 3}), "any", DType::f32);
  EXPECT_EQ(nn::conv2d(any, k3, {1, 1, 1, 1}, "SAME").shape(), Shape({-1, -1, 9, 5}));
  Output c1 = nn::conv1d(ph(g, Shape({-1, 100, 8}), "seq", DType::f32),
                         ph(g, Shape({5, 8, 16}), "k1", DType::f32), 2, "SAME");
  EXPECT_EQ(c1.shape(), Shape({-1, 50, 16}));
  EXPECT_EQ(c1.node->name(), "conv1d/Squeeze");
  Output c1v = nn::conv1d(ph(g, Shape({4, 10, 2}), "seq2", DType::f32),
                          ph(g, Shape({3, 2, 6}), "k2", DType::f32), 1, "VALID", 2);
  EXPECT_EQ(c1v.shape(), Shape({4, 6, 6}));
}

TEST(ConvShapes, BackpropOps) {
  Graph g;
  Output w = ph(g, Shape({3, 3, 2, 4}), "w");
  Output dy = ph(g, Shape({-1, 4, 4, 4}), "dy");
  EXPECT_EQ(nn::conv2d_backprop_input(Shape({6, 7, 7, 2}), w, dy, {1, 2, 2, 1}, "SAME").shape(),
            Shape({6, 7, 7, 2}));
  Output x = ph(g, Shape({-1, 7, 8, 2}), "x");
  EXPECT_EQ(nn::conv2d_backprop_input_like(x, w, dy, {1, 2, 2, 1}, "SAME").shape(),
            Shape({-1, 7, 8, 2}));
  EXPECT_EQ(nn::conv2d_backprop_filter(x, Shape({3, 3, 2, 4}), dy, {1, 2, 2, 1}, "SAME").shape(),
            Shape({3, 3, 2, 4}));
  EXPECT_EQ(nn::conv2d_backprop_filter_like(x, w, dy, {1, 2, 2, 1}, "SAME").shape(),
            Shape({3, 3, 2, 4}));
}

TEST(ConvShapes, Pooling) {
  Graph g;
  Output x = ph(g, Shape({-1, 24, 24, 20}), "x", DType::f32);
  EXPECT_EQ(nn::max_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID").shape(), Shape({-1, 12, 12, 20}));
  EXPECT_EQ(nn::max_pool2d(x, {2}).shape(), Shape({-1, 12, 12, 20}));
  EXPECT_EQ(nn::avg_pool2d(x, {3, 2}, {1}, "SAME").shape(), Shape({-1, 24, 24, 20}));
  Output odd = ph(g, Shape({1, 7, 13, 3}), "odd", DType::f32);
  EXPECT_EQ(nn::max_pool(odd, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME").shape(), Shape({1, 4, 7, 3}));
  EXPECT_EQ(nn::avg_pool(odd, {1, 3, 3, 1}, {1, 2, 2, 1}, "VALID").shape(), Shape({1, 3, 6, 3}));
  Output seq = ph(g, Shape({-1, 9, 4}), "seq", DType::f32);
  EXPECT_EQ(nn::max_pool1d(seq, 2, 2, "VALID").shape(), Shape({-1, 4, 4}));
  EXPECT_EQ(nn::avg_pool1d(seq, 3, 2, "SAME").shape(), Shape({-1, 5, 4}));
}

TEST(ConvShapes, FusedBatchNorm) {
  Graph g;
  Output x = ph(g, Shape({-1, 5, 5, 3}), "x", DType::f32);
  Output s = ph(g, Shape({3}), "s", DType::f32);
  auto [y, m, v] = nn::fused_batch_norm(x, s, s);
  EXPECT_EQ(y.shape(), Shape({-1, 5, 5, 3}));
  EXPECT_EQ(m.shape(), Shape({3}));
  EXPECT_EQ(v.shape(), Shape({3}));
  EXPECT_EQ(y.node->num_outputs(), 6);
  Output x2 = ph(g, Shape({-1, 3}), "x2", DType::f32);
  EXPECT_EQ(nn::fused_batch_norm(x2, s, s, s, s, 1e-3, false).y.shape(), Shape({-1, 3}));
}

// ---------------------------------------------------------------------------------------------
// Error messages name the node, what was expected and what was received.

TEST(ConvErrors, Conv2D) {
  Graph g;
  Output x = ph(g, Shape({-1, 28, 28, 3}), "x", DType::f32);
  Output w1 = ph(g, Shape({5, 5, 1, 20}), "w1", DType::f32);
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d(x, w1, {1, 1, 1, 1}, "SAME", "NHWC", {1, 1, 1, 1}, "conv_a");
                   }),
                   {"Conv2D 'conv_a'", "input depth", "[?,28,28,3]", "[5,5,1,20]", "3 != 1"}));
  Output big = ph(g, Shape({9, 9, 3, 4}), "big", DType::f32);
  Output small = ph(g, Shape({2, 5, 8, 3}), "small", DType::f32);
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d(small, big, {1, 1, 1, 1}, "VALID", "NHWC", {1, 1, 1, 1}, "conv_b");
                   }),
                   {"Conv2D 'conv_b'", "larger than the input", "height 9", "input height 5"}));
  Output w3 = ph(g, Shape({3, 3, 3, 4}), "w3", DType::f32);
  EXPECT_TRUE(contains_all(  // dilation makes the effective filter 3 + 2*2 = 7 > 5
      error_of([&] {
        nn::conv2d(small, w3, {1, 1, 1, 1}, "VALID", "NHWC", {1, 3, 1, 1}, "conv_c");
      }),
      {"Conv2D 'conv_c'", "filter height 7", "dilation 3", "input height 5"}));
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d(x, w3, {1, 1, 1, 1}, "same", "NHWC", {1, 1, 1, 1}, "conv_d");
                   }),
                   {"Conv2D 'conv_d'", "\"SAME\" or \"VALID\"", "\"same\""}));
  EXPECT_TRUE(contains_all(error_of([&] {
                             nn::conv2d(x, w3, {1, 2}, "SAME", "NHWC", {1, 1, 1, 1}, "conv_e");
                           }),
                           {"Conv2D 'conv_e'", "strides must have 4 elements", "[1,2]"}));
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d(x, w3, {2, 1, 1, 1}, "SAME", "NHWC", {1, 1, 1, 1}, "conv_f");
                   }),
                   {"Conv2D 'conv_f'", "batch and depth", "[2,1,1,1]"}));
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d(x, w3, {1, 1, 1, 1}, "SAME", "NCHW", {1, 1, 1, 1}, "conv_g");
                   }),
                   {"Conv2D 'conv_g'", "NHWC", "\"NCHW\""}));
  Output r3 = ph(g, Shape({28, 28, 3}), "r3", DType::f32);
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d(r3, w3, {1, 1, 1, 1}, "SAME", "NHWC", {1, 1, 1, 1}, "conv_h");
                   }),
                   {"Conv2D 'conv_h'", "input must be rank 4", "[28,28,3]"}));
  Output w64 = ph(g, Shape({3, 3, 3, 4}), "w64", DType::f64);
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d(x, w64, {1, 1, 1, 1}, "SAME", "NHWC", {1, 1, 1, 1}, "conv_i");
                   }),
                   {"Conv2D 'conv_i'", "float32 and float64"}));
  Output seq = ph(g, Shape({4, 10}), "seq", DType::f32);
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv1d(seq, ph(g, Shape({3, 10, 2}), "k", DType::f32), 1, "SAME", 1, "c1");
                   }),
                   {"conv1d 'c1/'", "rank 3", "[4,10]"}));
}

TEST(ConvErrors, BackpropAndPool) {
  Graph g;
  Output w = ph(g, Shape({3, 3, 2, 4}), "w");
  Output dy = ph(g, Shape({1, 5, 5, 4}), "dy");
  EXPECT_TRUE(
      contains_all(error_of([&] {
                     nn::conv2d_backprop_input(Shape({1, 7, 7, 2}), w, dy, {1, 2, 2, 1}, "SAME",
                                               "NHWC", {1, 1, 1, 1}, "bpi");
                   }),
                   {"Conv2DBackpropInput 'bpi'", "out_backprop is [1,5,5,4]", "gives [1,4,4,4]"}));
  Output x = ph(g, Shape({1, 7, 7, 3}), "x");
  EXPECT_TRUE(contains_all(error_of([&] {
                             nn::conv2d_backprop_filter(x, Shape({3, 3, 2, 4}), dy, {1, 1, 1, 1},
                                                        "VALID", "NHWC", {1, 1, 1, 1}, "bpf");
                           }),
                           {"Conv2DBackpropFilter 'bpf'", "3 != 2"}));
  Output p = ph(g, Shape({1, 2, 2, 3}), "p", DType::f32);
  EXPECT_TRUE(contains_all(error_of([&] {
                             nn::max_pool(p, {1, 3, 3, 1}, {1, 1, 1, 1}, "VALID", "NHWC", "mp");
                           }),
                           {"MaxPool 'mp'", "window height 3", "input height 2"}));
  EXPECT_TRUE(contains_all(error_of([&] {
                             nn::avg_pool(p, {1, 0, 2, 1}, {1, 1, 1, 1}, "VALID", "NHWC", "ap");
                           }),
                           {"AvgPool 'ap'", "ksize must be positive", "[1,0,2,1]"}));
  EXPECT_TRUE(contains_all(error_of([&] {
                             nn::max_pool2d(p, {1, 2, 3});
                           }),
                           {"max_pool2d", "pool_size", "1 or 2 values"}));
}

TEST(ConvErrors, BatchNorm) {
  Graph g;
  Output x = ph(g, Shape({-1, 5, 5, 3}), "x", DType::f32);
  Output s3 = ph(g, Shape({3}), "s3", DType::f32);
  Output s4 = ph(g, Shape({4}), "s4", DType::f32);
  EXPECT_TRUE(
      contains_all(error_of([&] { nn::fused_batch_norm(x, s4, s3, {}, {}, 1e-3, true, "bn"); }),
                   {"FusedBatchNormV3 'bn'", "scale", "3 channels", "[4]"}));
  EXPECT_TRUE(
      contains_all(error_of([&] { nn::fused_batch_norm(x, s3, s3, s4, s3, 1e-3, false, "bn2"); }),
                   {"FusedBatchNormV3 'bn2'", "mean", "3 channels", "[4]"}));
  EXPECT_TRUE(
      contains_all(error_of([&] { nn::fused_batch_norm(x, s3, s3, {}, {}, 1e-3, false, "bn3"); }),
                   {"bn3", "mean and variance must be given"}));
  Output r3 = ph(g, Shape({2, 5, 3}), "r3", DType::f32);
  EXPECT_TRUE(
      contains_all(error_of([&] { nn::fused_batch_norm(r3, s3, s3, {}, {}, 1e-3, true, "bn4"); }),
                   {"FusedBatchNormV3 'bn4'", "rank 4", "rank 3", "[2,5,3]"}));
  Output unknown_c = ph(g, Shape({2, -1}), "uc", DType::f32);
  EXPECT_TRUE(contains_all(error_of([&] { nn::batch_normalization_layer(unknown_c, true); }),
                           {"batch_normalization", "channel dimension", "[2,?]"}));
}

// ---------------------------------------------------------------------------------------------
// Gradients against finite differences (float64, reference kernels).

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> strides;
  const char* padding;
  std::vector<int64_t> dilations;
};

TEST(ConvGradients, Conv2DInputAndFilter) {
  ReferenceOnly ref;
  const ConvCase cases[] = {
      {Shape({2, 5, 5, 3}), Shape({3, 3, 3, 2}), {1, 1, 1, 1}, "SAME", {1, 1, 1, 1}},
      {Shape({1, 7, 6, 2}), Shape({3, 2, 2, 3}), {1, 2, 2, 1}, "VALID", {1, 1, 1, 1}},
      {Shape({1, 7, 7, 1}), Shape({2, 3, 1, 2}), {1, 2, 3, 1}, "SAME", {1, 1, 1, 1}},
      {Shape({1, 7, 6, 2}), Shape({2, 2, 2, 2}), {1, 1, 1, 1}, "SAME", {1, 2, 2, 1}},
      {Shape({1, 8, 8, 1}), Shape({3, 3, 1, 2}), {1, 2, 1, 1}, "VALID", {1, 2, 1, 1}},
  };
  int seed = 10;
  for (const ConvCase& cc : cases) {
    Graph g;
    // Unknown batch: the gradient takes the input's shape from the input at run time.
    Output x = ph(g, Shape({-1, cc.x.dim(1), cc.x.dim(2), cc.x.dim(3)}), "x");
    Output w = ph(g, cc.w, "w");
    Output y = nn::conv2d(x, w, cc.strides, cc.padding, "NHWC", cc.dilations);
    FeedDict feeds{{x, random_tensor(cc.x, seed++, -1, 1, DType::f64)},
                   {w, random_tensor(cc.w, seed++, -1, 1, DType::f64)}};
    EXPECT_TRUE(testing::check_gradients(g, y, {x, w}, feeds))
        << cc.x.to_string() << " " << cc.w.to_string() << " " << cc.padding;
  }
}

TEST(ConvGradients, Conv1D) {
  ReferenceOnly ref;
  Graph g;
  Output x = ph(g, Shape({2, 9, 3}), "x");
  Output w = ph(g, Shape({3, 3, 2}), "w");
  Output y = nn::conv1d(x, w, 2, "SAME");
  FeedDict feeds{{x, random_tensor(Shape({2, 9, 3}), 1, -1, 1, DType::f64)},
                 {w, random_tensor(Shape({3, 3, 2}), 2, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {x, w}, feeds));
}

TEST(ConvGradients, BackpropOpsSecondOrder) {
  ReferenceOnly ref;
  Graph g;
  Output x = ph(g, Shape({1, 6, 5, 2}), "x");
  Output w = ph(g, Shape({3, 2, 2, 3}), "w");
  Output dy = ph(g, Shape({1, 3, 3, 3}), "dy");
  Output di = nn::conv2d_backprop_input_like(x, w, dy, {1, 2, 2, 1}, "SAME");
  Output df = nn::conv2d_backprop_filter(x, Shape({3, 2, 2, 3}), dy, {1, 2, 2, 1}, "SAME");
  FeedDict feeds{{x, random_tensor(Shape({1, 6, 5, 2}), 3, -1, 1, DType::f64)},
                 {w, random_tensor(Shape({3, 2, 2, 3}), 4, -1, 1, DType::f64)},
                 {dy, random_tensor(Shape({1, 3, 3, 3}), 5, -1, 1, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, di, {w, dy}, feeds));
  EXPECT_TRUE(testing::check_gradients(g, df, {x, dy}, feeds));
}

TEST(ConvGradients, MaxPool) {
  ReferenceOnly ref;
  for (const char* padding : {"SAME", "VALID"}) {
    Graph g;
    Output x = ph(g, Shape({-1, 7, 6, 2}), "x");
    Output y = nn::max_pool(x, {1, 3, 3, 1}, {1, 2, 2, 1}, padding);
    // Values far apart, so that a finite-difference step never changes which cell is the max.
    Tensor v = random_tensor(Shape({2, 7, 6, 2}), 6, -1, 1, DType::f64);
    for (int64_t i = 0; i < v.num_elements(); ++i)
      v.data<double>()[i] += 0.01 * static_cast<double>(i % 97);
    EXPECT_TRUE(testing::check_gradients(g, y, {x}, {{x, v}})) << padding;
  }
}

TEST(ConvGradients, MaxPoolTieGoesToFirstMax) {
  ReferenceOnly ref;
  Graph g;
  Output x = ph(g, Shape({1, 2, 2, 1}), "x");
  Output y = nn::max_pool(x, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID");
  Output dx = gradients({y}, {x})[0];
  Session s(g);
  Tensor v = Tensor::from_vector<double>(Shape({1, 2, 2, 1}), {1.0, 3.0, 3.0, 2.0});
  EXPECT_EQ(s.run(dx, {{x, v}}).to_vector<double>(), (std::vector<double>{0, 1, 0, 0}));
}

TEST(ConvGradients, AvgPool) {
  ReferenceOnly ref;
  for (const char* padding : {"SAME", "VALID"}) {
    Graph g;
    Output x = ph(g, Shape({-1, 7, 6, 2}), "x");
    Output y = nn::avg_pool(x, {1, 3, 2, 1}, {1, 2, 2, 1}, padding);
    FeedDict feeds{{x, random_tensor(Shape({2, 7, 6, 2}), 7, -1, 1, DType::f64)}};
    EXPECT_TRUE(testing::check_gradients(g, y, {x}, feeds)) << padding;
  }
  // AvgPoolGrad's own gradient (AvgPool).
  Graph g;
  Output dy = ph(g, Shape({1, 3, 3, 2}), "dy");
  Output gx = g.add_node("AvgPoolGrad", "apg", {dy},
                         {{"orig_input_shape", Shape({1, 5, 6, 2})},
                          {"ksize", std::vector<int64_t>{1, 2, 3, 1}},
                          {"strides", std::vector<int64_t>{1, 2, 2, 1}},
                          {"padding", std::string("SAME")}})
                  ->output(0);
  EXPECT_TRUE(testing::check_gradients(
      g, gx, {dy}, {{dy, random_tensor(Shape({1, 3, 3, 2}), 8, -1, 1, DType::f64)}}));
}

TEST(ConvGradients, MaxPool1DAndAvgPool1D) {
  ReferenceOnly ref;
  Graph g;
  Output x = ph(g, Shape({2, 9, 2}), "x");
  Output y = nn::max_pool1d(x, 3, 2, "SAME") + nn::avg_pool1d(x, 2, 2, "SAME");
  Tensor v = random_tensor(Shape({2, 9, 2}), 9, -1, 1, DType::f64);
  for (int64_t i = 0; i < v.num_elements(); ++i)
    v.data<double>()[i] += 0.05 * static_cast<double>(i);
  EXPECT_TRUE(testing::check_gradients(g, y, {x}, {{x, v}}));
}

TEST(ConvGradients, FusedBatchNormTraining) {
  ReferenceOnly ref;
  for (const Shape& shape : {Shape({3, 2, 3, 4}), Shape({5, 3})}) {
    Graph g;
    const int64_t c = shape.dim(shape.rank() - 1);
    Output x = ph(g, shape, "x");
    Output scale = ph(g, Shape({c}), "scale");
    Output offset = ph(g, Shape({c}), "offset");
    Output y = nn::fused_batch_norm(x, scale, offset, {}, {}, 1e-3, true).y;
    FeedDict feeds{{x, random_tensor(shape, 11, -1, 2, DType::f64)},
                   {scale, random_tensor(Shape({c}), 12, 0.5, 1.5, DType::f64)},
                   {offset, random_tensor(Shape({c}), 13, -1, 1, DType::f64)}};
    EXPECT_TRUE(testing::check_gradients(g, y, {x, scale, offset}, feeds,
                                         {.delta = 1e-6, .atol = 1e-6, .rtol = 1e-4}))
        << shape.to_string();
  }
}

TEST(ConvGradients, FusedBatchNormInference) {
  ReferenceOnly ref;
  Graph g;
  Output x = ph(g, Shape({-1, 3, 2, 3}), "x");
  Output scale = ph(g, Shape({3}), "scale");
  Output offset = ph(g, Shape({3}), "offset");
  Output mean = ph(g, Shape({3}), "mean");
  Output var = ph(g, Shape({3}), "var");
  Output y = nn::fused_batch_norm(x, scale, offset, mean, var, 1e-3, false).y;
  FeedDict feeds{{x, random_tensor(Shape({2, 3, 2, 3}), 14, -1, 2, DType::f64)},
                 {scale, random_tensor(Shape({3}), 15, 0.5, 1.5, DType::f64)},
                 {offset, random_tensor(Shape({3}), 16, -1, 1, DType::f64)},
                 {mean, random_tensor(Shape({3}), 17, -0.5, 0.5, DType::f64)},
                 {var, random_tensor(Shape({3}), 18, 0.5, 1.5, DType::f64)}};
  EXPECT_TRUE(testing::check_gradients(g, y, {x, scale, offset}, feeds));
  // As TF: no gradient reaches the population statistics.
  auto gr = gradients({y}, {mean, var});
  EXPECT_FALSE(gr[0]);
  EXPECT_FALSE(gr[1]);
}

TEST(ConvGradients, SecondDerivativeOfMaxPoolIsUnimplemented) {
  Graph g;
  Output x = ph(g, Shape({1, 4, 4, 1}), "x");
  Output dx = gradients({nn::max_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID")}, {x})[0];
  EXPECT_THROW(gradients({dx}, {x}), Unimplemented);
}

// ---------------------------------------------------------------------------------------------
// Batch norm values and the tf.layers-like helper.

TEST(BatchNorm, TrainingReturnsUnbiasedVarianceAndNormalisesWithBiased) {
  Graph g;
  Output x = ph(g, Shape({4, 1, 1, 2}), "x");
  Output one = ops::constant(g, Tensor::from_vector<double>(Shape({2}), {1, 1}));
  Output zero = ops::constant(g, Tensor::from_vector<double>(Shape({2}), {0, 0}));
  auto [y, m, v] = nn::fused_batch_norm(x, one, zero, {}, {}, 0.0, true);
  Session s(g);
  // Channel 0: 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3). Channel 1: constant 7.
  Tensor xv = Tensor::from_vector<double>(Shape({4, 1, 1, 2}), {1, 7, 2, 7, 3, 7, 4, 7});
  auto out = s.run({{x, xv}}, {y, m, v});
  EXPECT_NEAR(out[1].data<double>()[0], 2.5, 1e-12);
  EXPECT_NEAR(out[2].data<double>()[0], 5.0 / 3.0, 1e-12);
  EXPECT_NEAR(out[2].data<double>()[1], 0.0, 1e-12);
  EXPECT_NEAR(out[0].data<double>()[0], -1.5 / std::sqrt(1.25), 1e-12);
  EXPECT_NEAR(out[0].data<double>()[6], 1.5 / std::sqrt(1.25), 1e-12);
}

TEST(BatchNorm, ExponentialAverageFactorBlendsTheRunningStatistics) {
  Graph g;
  Output x = ph(g, Shape({2, 1}), "x");
  Output one = ops::constant(g, Tensor::from_vector<double>(Shape({1}), {1}));
  Output rm = ops::constant(g, Tensor::from_vector<double>(Shape({1}), {10}));
  Output rv = ops::constant(g, Tensor::from_vector<double>(Shape({1}), {4}));
  Node* n = g.add_node("FusedBatchNormV3", "bn", {x, one, one, rm, rv},
                       {{"exponential_avg_factor", 0.25}});
  Session s(g);
  auto out = s.run({{x, Tensor::from_vector<double>(Shape({2, 1}), {1, 3})}},
                   {n->output(1), n->output(2)});
  EXPECT_NEAR(out[0].data<double>()[0], 0.75 * 10 + 0.25 * 2, 1e-12);
  EXPECT_NEAR(out[1].data<double>()[0], 0.75 * 4 + 0.25 * 2, 1e-12);  // unbiased var of {1,3}
}

TEST(BatchNorm, LayerCreatesVariablesAndMovingAverageUpdates) {
  for (int rank : {2, 4}) {
    Graph g;
    const Shape shape = rank == 4 ? Shape({2, 2, 1, 2}) : Shape({4, 2});
    Output x = ph(g, shape, "x");
    Output y = nn::batch_normalization_layer(x, true, 0.9);
    Output y_eval = nn::batch_normalization_layer(x, false);
    EXPECT_EQ(y.node->name(), "batch_normalization/FusedBatchNormV3");
    EXPECT_EQ(y_eval.node->name(), "batch_normalization_1/FusedBatchNormV3");
    auto vars = global_variables(g);
    ASSERT_EQ(vars.size(), 8u);
    EXPECT_EQ(vars[0].name(), "batch_normalization/gamma");
    EXPECT_EQ(vars[3].name(), "batch_normalization/moving_variance");
    EXPECT_EQ(trainable_variables(g).size(), 4u);
    auto updates = g.get_collection(GraphKeys::UPDATE_OPS);
    ASSERT_EQ(updates.size(), 2u);
    EXPECT_EQ(updates[0]->name(), "batch_normalization/AssignMovingAvg");
    EXPECT_EQ(updates[1]->name(), "batch_normalization/AssignMovingAvg_1");
    EXPECT_EQ(updates[0]->type(), "AssignSub");

    Session s(g);
    s.run(global_variables_initializer(g));
    // Channel 0: 1, 2, 3, 4; channel 1: 0, 0, 0, 8.
    Tensor xv = Tensor::from_vector<double>(shape, {1, 0, 2, 0, 3, 0, 4, 8});
    s.run(updates, {{x, xv}});
    Tensor mm = s.variable_value(vars[2].op()), mv = s.variable_value(vars[3].op());
    EXPECT_NEAR(mm.data<double>()[0], 0.1 * 2.5, 1e-12);
    EXPECT_NEAR(mm.data<double>()[1], 0.1 * 2.0, 1e-12);
    // rank 4: the unbiased variance (TF's fused path); rank 2: the biased one (tf.nn.moments).
    const double var0 = rank == 4 ? 5.0 / 3.0 : 1.25, var1 = rank == 4 ? 16.0 : 12.0;
    EXPECT_NEAR(mv.data<double>()[0], 0.9 + 0.1 * var0, 1e-12);
    EXPECT_NEAR(mv.data<double>()[1], 0.9 + 0.1 * var1, 1e-12);
  }
}

TEST(BatchNorm, LayerInferenceUsesMovingStatistics) {
  Graph g;
  Output x = ph(g, Shape({-1, 3, 2}), "x");  // rank 3 runs as [N, 1, W, C]
  Output y = nn::batch_normalization_layer(x, false, 0.99, 0.0);
  EXPECT_EQ(y.shape(), Shape({-1, 3, 2}));
  EXPECT_TRUE(g.get_collection(GraphKeys::UPDATE_OPS).empty());
  Session s(g);
  s.run(global_variables_initializer(g));
  auto vars = global_variables(g);
  s.set_variable_value(vars[2].op(), Tensor::from_vector<double>(Shape({2}), {1, -1}));
  s.set_variable_value(vars[3].op(), Tensor::from_vector<double>(Shape({2}), {4, 0.25}));
  Tensor out = s.run(y, {{x, Tensor::from_vector<double>(Shape({1, 3, 2}), {1, -1, 3, 0, 5, 1})}});
  EXPECT_TRUE(testing::tensors_near(
      out, Tensor::from_vector<double>(Shape({1, 3, 2}), {0, 0, 1, 2, 2, 4}), 1e-12));
}

// ---------------------------------------------------------------------------------------------
// Values against TensorFlow (tests/fixtures/conv/make_conv_fixtures.py).

Tensor tensor_of(const nlohmann::json& j) {
  std::vector<int64_t> dims = j["shape"].get<std::vector<int64_t>>();
  std::vector<float> v = j["values"].get<std::vector<float>>();
  return Tensor::from_vector<float>(Shape(std::move(dims)), v);
}

void run_fixture_case(const nlohmann::json& c) {
  SCOPED_TRACE(c["name"].get<std::string>());
  Graph g;
  std::vector<Output> in;
  FeedDict feeds;
  for (size_t i = 0; i < c["inputs"].size(); ++i) {
    Tensor t = tensor_of(c["inputs"][i]);
    in.push_back(ops::placeholder(g, DType::f32, t.shape(), "in" + std::to_string(i)));
    feeds.emplace_back(in.back(), t);
  }
  const std::string op = c["op"].get<std::string>();
  const auto& a = c["attrs"];
  using Ints = std::vector<int64_t>;
  std::vector<Output> outs;
  if (op == "conv2d") {
    outs = {nn::conv2d(in[0], in[1], a["strides"].get<Ints>(), a["padding"].get<std::string>(),
                       "NHWC", a["dilations"].get<Ints>())};
  } else if (op == "conv1d") {
    outs = {nn::conv1d(in[0], in[1], a["stride"].get<int64_t>(), a["padding"].get<std::string>())};
  } else if (op == "max_pool" || op == "avg_pool") {
    auto fn = op == "max_pool" ? nn::max_pool : nn::avg_pool;
    outs = {fn(in[0], a["ksize"].get<Ints>(), a["strides"].get<Ints>(),
               a["padding"].get<std::string>(), "NHWC", op)};
  } else if (op == "fused_batch_norm") {
    const double eps = a["epsilon"].get<double>();
    auto r = a["is_training"].get<bool>()
                 ? nn::fused_batch_norm(in[0], in[1], in[2], {}, {}, eps, true)
                 : nn::fused_batch_norm(in[0], in[1], in[2], in[3], in[4], eps, false);
    outs = {r.y, r.batch_mean, r.batch_variance};
  } else {
    FAIL() << "unknown op " << op;
  }
  const size_t n_grads = c["grads"].size();
  std::vector<Output> xs(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n_grads));
  Output dy = ops::constant(g, tensor_of(c["dy"]), "dy");
  std::vector<Output> grads = gradients({outs[0]}, xs, {dy});
  std::vector<Output> fetches = outs;
  fetches.insert(fetches.end(), grads.begin(), grads.end());
  for (bool reference_only : {true, false}) {
    ReferenceOnly keep;
    KernelRegistry::global().set_reference_only(reference_only);
    Session s(g);
    std::vector<Tensor> got = s.run(feeds, fetches);
    for (size_t i = 0; i < outs.size(); ++i) {
      EXPECT_TRUE(testing::tensors_near(got[i], tensor_of(c["outputs"][i]), 2e-5, 2e-5))
          << "output " << i << (reference_only ? " (reference)" : " (fast)");
    }
    for (size_t i = 0; i < n_grads; ++i) {
      EXPECT_TRUE(testing::tensors_near(got[outs.size() + i], tensor_of(c["grads"][i]), 5e-5, 5e-5))
          << "gradient " << i << (reference_only ? " (reference)" : " (fast)");
    }
  }
}

TEST(ConvFixtures, MatchTensorFlow) {
  std::ifstream f(std::string(DL_FIXTURES_DIR) + "/conv/conv_fixtures.json");
  ASSERT_TRUE(f.good());
  const nlohmann::json j = nlohmann::json::parse(f);
  ASSERT_GE(j["cases"].size(), 10u);
  for (const auto& c : j["cases"]) run_fixture_case(c);
}

}  // namespace
}  // namespace dl
