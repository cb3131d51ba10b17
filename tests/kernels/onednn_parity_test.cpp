// Every oneDNN kernel of the conv family against the reference kernel, on random shapes with
// odd sizes (H/W 1, 7, 13; C 1, 3, 5), strides 1 and 2, SAME and VALID, dilations. Each case
// builds the forward op and its gradients in one graph and runs it twice: reference kernels
// only, then with fast kernels, checking that the oneDNN kernels were the ones that ran.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/reference/ref_conv.h"

namespace dl {
namespace {

using testing::random_tensor;

struct RestoreReferenceOnly {
  bool saved = KernelRegistry::global().reference_only();
  ~RestoreReferenceOnly() { KernelRegistry::global().set_reference_only(saved); }
};

double max_abs(const Tensor& t) {
  double m = 0;
  for (int64_t i = 0; i < t.num_elements(); ++i) m = std::max(m, std::fabs(t.value_at(i)));
  return m;
}

// Runs `fetches` with reference kernels and with fast kernels; compares within ~1e-4 of the
// reference's scale, and checks which kernel ran for each op type in `expect_fast`.
void compare(Graph& g, const FeedDict& feeds, const std::vector<Output>& fetches,
             const std::vector<std::string>& expect_fast, const std::string& what) {
  RestoreReferenceOnly restore;
  KernelRegistry::global().set_reference_only(true);
  std::vector<Tensor> ref = Session(g).run(feeds, fetches);
  KernelRegistry::global().set_reference_only(false);
  Session s(g);
  RunOptions opts;
  opts.trace = true;
  RunMetadata md;
  std::vector<Tensor> fast = s.run(feeds, fetches, {}, &opts, &md);
  std::map<std::string, std::string> kernel_of;
  for (const NodeStats& st : md.step_stats) kernel_of[st.op] = st.kernel;
  for (const std::string& op : expect_fast) {
    EXPECT_EQ(kernel_of[op].rfind("onednn:", 0), 0u)
        << what << ": " << op << " ran on '" << kernel_of[op] << "'";
  }
  for (size_t i = 0; i < fetches.size(); ++i) {
    const double scale = std::max(1.0, max_abs(ref[i]));
    EXPECT_TRUE(testing::tensors_near(fast[i], ref[i], 1e-4 * scale, 1e-4))
        << what << ": fetch " << i << " (" << fetches[i].name() << ")";
  }
}

struct ConvCase {
  int64_t n, h, w, c, kh, kw, o, sh, sw, dh, dw;
  std::string padding;
  bool unknown_batch;
  std::string str() const {
    return str_cat("x[", n, ",", h, ",", w, ",", c, "] k", kh, "x", kw, "->", o, " s", sh, ",", sw,
                   " d", dh, ",", dw, " ", padding);
  }
};

bool fits(const ConvCase& k) {
  const auto p = detail::parse_padding(k.padding);
  return detail::window_dim(k.h, k.kh, k.sh, k.dh, p).out > 0 &&
         detail::window_dim(k.w, k.kw, k.sw, k.dw, p).out > 0;
}

std::vector<ConvCase> conv_cases() {
  std::vector<ConvCase> cases = {
      {2, 7, 7, 3, 3, 3, 5, 1, 1, 1, 1, "SAME", true},
      {2, 13, 7, 5, 3, 3, 3, 2, 2, 1, 1, "SAME", false},
      {1, 13, 13, 1, 5, 5, 3, 1, 1, 1, 1, "VALID", true},
      {3, 7, 13, 3, 3, 2, 5, 2, 1, 2, 2, "SAME", false},
      {1, 1, 1, 5, 1, 1, 3, 1, 1, 1, 1, "VALID", false},
      {2, 1, 7, 3, 1, 3, 1, 1, 2, 1, 1, "SAME", true},
      {2, 13, 13, 3, 3, 3, 5, 2, 2, 2, 2, "VALID", false},
      {1, 7, 7, 5, 5, 5, 5, 2, 2, 1, 1, "SAME", false},
      {4, 12, 12, 20, 5, 5, 50, 1, 1, 1, 1, "VALID", true},  // LeNet's second convolution
  };
  // Plus a deterministic random sample of the grid.
  const int64_t hw[] = {1, 7, 13}, ch[] = {1, 3, 5}, ks[] = {1, 2, 3, 5}, st[] = {1, 2},
                dl[] = {1, 2};
  uint64_t r = 12345;
  auto pick = [&](int n) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((r >> 33) % static_cast<uint64_t>(n));
  };
  while (cases.size() < 40) {
    ConvCase k{1 + pick(3), hw[pick(3)], hw[pick(3)], ch[pick(3)],
               ks[pick(4)], ks[pick(4)], ch[pick(3)], st[pick(2)],
               st[pick(2)], dl[pick(2)], dl[pick(2)], pick(2) ? "SAME" : "VALID",
               pick(2) == 1};
    if (fits(k)) cases.push_back(k);
  }
  return cases;
}

// The forward op and both gradients of one case, compared.
void check_conv_case(const ConvCase& k, uint64_t& seed, const std::string& what) {
  Graph g;
  Output x =
      ops::placeholder(g, DType::f32, Shape({k.unknown_batch ? -1 : k.n, k.h, k.w, k.c}), "x");
  Output w = ops::placeholder(g, DType::f32, Shape({k.kh, k.kw, k.c, k.o}), "w");
  Output y = nn::conv2d(x, w, {1, k.sh, k.sw, 1}, k.padding, "NHWC", {1, k.dh, k.dw, 1});
  FeedDict feeds{{x, random_tensor(Shape({k.n, k.h, k.w, k.c}), seed++)},
                 {w, random_tensor(Shape({k.kh, k.kw, k.c, k.o}), seed++)}};
  // A random upstream gradient of y's run-time shape.
  KernelRegistry::global().set_reference_only(true);
  Shape ys = Session(g).run(y, feeds).shape();
  KernelRegistry::global().set_reference_only(false);
  Output dy = ops::constant(g, random_tensor(ys, seed++), "dy");
  auto grads = gradients({y}, {x, w}, {dy});
  compare(g, feeds, {y, grads[0], grads[1]},
          {"Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"}, what + " " + k.str());
}

TEST(OnednnParity, Conv2DForwardAndBothGradients) {
  RestoreReferenceOnly restore;
  uint64_t seed = 100;
  for (const ConvCase& k : conv_cases()) check_conv_case(k, seed, "default layouts");
}

// Every layout policy (user tensors as they are, blocked weights, all blocked with reorders).
TEST(OnednnParity, Conv2DEveryLayoutPolicy) {
  RestoreReferenceOnly restore;
  uint64_t seed = 300;
  const std::vector<ConvCase> cases = conv_cases();
  for (auto layout :
       {onednn::ConvLayout::user, onednn::ConvLayout::weights_any, onednn::ConvLayout::any}) {
    onednn::set_conv_layout(layout);
    for (size_t i = 0; i < 9; ++i) {
      check_conv_case(cases[i], seed, str_cat("layout ", static_cast<int>(layout)));
    }
  }
  onednn::set_conv_layout(std::nullopt);
}

// The gradient ops with their sizes taken from like inputs (unknown dims at graph time).
TEST(OnednnParity, BackpropOpsWithLikeInputs) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 9, 8, 3}), "x");
  Output w = ops::placeholder(g, DType::f32, Shape({-1, 3, 3, 4}), "w");
  Output dy = ops::placeholder(g, DType::f32, Shape({-1, 5, 4, 4}), "dy");
  Output dx = nn::conv2d_backprop_input_like(x, w, dy, {1, 2, 2, 1}, "SAME");
  Output dw = nn::conv2d_backprop_filter_like(x, w, dy, {1, 2, 2, 1}, "SAME");
  FeedDict feeds{{x, random_tensor(Shape({2, 9, 8, 3}), 1)},
                 {w, random_tensor(Shape({2, 3, 3, 4}), 2)},
                 {dy, random_tensor(Shape({2, 5, 4, 4}), 3)}};
  compare(g, feeds, {dx, dw}, {"Conv2DBackpropInput", "Conv2DBackpropFilter"}, "like inputs");
}

struct PoolCase {
  int64_t n, h, w, c, kh, kw, sh, sw;
  std::string padding;
  std::string str() const {
    return str_cat("x[", n, ",", h, ",", w, ",", c, "] k", kh, "x", kw, " s", sh, ",", sw, " ",
                   padding);
  }
};

TEST(OnednnParity, PoolingForwardAndGradients) {
  const PoolCase cases[] = {
      {2, 7, 7, 3, 2, 2, 2, 2, "VALID"},    {2, 7, 7, 3, 3, 3, 2, 2, "SAME"},
      {1, 13, 7, 5, 3, 2, 1, 2, "SAME"},    {3, 13, 13, 1, 3, 3, 2, 2, "VALID"},
      {1, 1, 1, 5, 1, 1, 1, 1, "VALID"},    {2, 1, 7, 3, 1, 3, 1, 2, "SAME"},
      {2, 7, 13, 5, 5, 5, 1, 1, "SAME"},    {1, 13, 13, 3, 2, 2, 2, 2, "SAME"},
      {4, 24, 24, 20, 2, 2, 2, 2, "VALID"}, {1, 7, 7, 1, 1, 1, 2, 2, "SAME"},
  };
  RestoreReferenceOnly restore;
  uint64_t seed = 500;
  for (const PoolCase& k : cases) {
    for (const char* op : {"MaxPool", "AvgPool"}) {
      Graph g;
      Output x = ops::placeholder(g, DType::f32, Shape({-1, k.h, k.w, k.c}), "x");
      auto fn = std::string(op) == "MaxPool" ? nn::max_pool : nn::avg_pool;
      Output y = fn(x, {1, k.kh, k.kw, 1}, {1, k.sh, k.sw, 1}, k.padding, "NHWC", op);
      FeedDict feeds{{x, random_tensor(Shape({k.n, k.h, k.w, k.c}), seed++)}};
      KernelRegistry::global().set_reference_only(true);
      Shape ys = Session(g).run(y, feeds).shape();
      KernelRegistry::global().set_reference_only(false);
      Output dy = ops::constant(g, random_tensor(ys, seed++), "dy");
      Output dx = gradients({y}, {x}, {dy})[0];
      compare(g, feeds, {y, dx}, {op, std::string(op) + "Grad"}, std::string(op) + " " + k.str());
    }
  }
}

TEST(OnednnParity, MaxPoolGradReusesTheForwardWorkspace) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({2, 7, 7, 3}), "x");
  Output y = nn::max_pool(x, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
  Output dx = gradients({y}, {x})[0];
  FeedDict feeds{{x, random_tensor(Shape({2, 7, 7, 3}), 7)}};
  const int64_t before = onednn::max_pool_grad_shared_workspace_runs();
  compare(g, feeds, {y, dx}, {"MaxPool", "MaxPoolGrad"}, "shared workspace");
  EXPECT_EQ(onednn::max_pool_grad_shared_workspace_runs(), before + 1);
  // Feeding the pool output: the forward does not run, the gradient recomputes it.
  Tensor y_val = Session(g).run(y, feeds);
  FeedDict fed = feeds;
  fed.emplace_back(y, y_val);
  compare(g, fed, {dx}, {"MaxPoolGrad"}, "fed pool output");
  EXPECT_EQ(onednn::max_pool_grad_shared_workspace_runs(), before + 1);
}

TEST(OnednnParity, FusedBatchNormTrainingAndInference) {
  const Shape shapes[] = {Shape({2, 7, 7, 3}),   Shape({1, 13, 7, 5}), Shape({3, 1, 1, 1}),
                          Shape({4, 13, 13, 5}), Shape({6, 3}),        Shape({1, 1, 1, 3}),
                          Shape({8, 4, 4, 16})};
  uint64_t seed = 900;
  for (const Shape& s : shapes) {
    for (bool training : {true, false}) {
      Graph g;
      const int64_t c = s.dim(s.rank() - 1);
      Output x = ops::placeholder(g, DType::f32, s, "x");
      Output scale = ops::placeholder(g, DType::f32, Shape({c}), "scale");
      Output offset = ops::placeholder(g, DType::f32, Shape({c}), "offset");
      Output mean = ops::placeholder(g, DType::f32, Shape({c}), "mean");
      Output var = ops::placeholder(g, DType::f32, Shape({c}), "var");
      auto r = nn::fused_batch_norm(x, scale, offset, mean, var, 1e-3, training);
      Output dy = ops::constant(g, random_tensor(s, seed++), "dy");
      auto grads = gradients({r.y}, {x, scale, offset}, {dy});
      FeedDict feeds{{x, random_tensor(s, seed++, -1, 3)},
                     {scale, random_tensor(Shape({c}), seed++, 0.5, 1.5)},
                     {offset, random_tensor(Shape({c}), seed++)},
                     {mean, random_tensor(Shape({c}), seed++, -0.5, 0.5)},
                     {var, random_tensor(Shape({c}), seed++, 0.5, 1.5)}};
      compare(g, feeds,
              {r.y, r.batch_mean, r.batch_variance, r.y.node->output(3), r.y.node->output(4),
               grads[0], grads[1], grads[2]},
              {"FusedBatchNormV3", "FusedBatchNormGradV3"},
              str_cat("x", s.to_string(), training ? " training" : " inference"));
    }
  }
}

TEST(OnednnParity, FusedBatchNormExponentialAverageFactor) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({4, 3, 3, 5}), "x");
  std::vector<Output> vecs;
  FeedDict feeds{{x, random_tensor(Shape({4, 3, 3, 5}), 1, -1, 2)}};
  for (int i = 0; i < 4; ++i) {
    vecs.push_back(ops::placeholder(g, DType::f32, Shape({5}), "v" + std::to_string(i)));
    feeds.emplace_back(vecs.back(),
                       random_tensor(Shape({5}), 10 + static_cast<uint64_t>(i), 0.5, 1.5));
  }
  Node* n = g.add_node("FusedBatchNormV3", "bn", {x, vecs[0], vecs[1], vecs[2], vecs[3]},
                       {{"exponential_avg_factor", 0.3}});
  compare(g, feeds, {n->output(0), n->output(1), n->output(2)}, {"FusedBatchNormV3"}, "factor");
}

TEST(OnednnParity, EltwiseActivations) {
  // Sizes above the oneDNN kernels' small-tensor limits, odd ones included; values cover the
  // saturating and negative ranges.
  const Shape shapes[] = {Shape({16384}), Shape({3, 7, 13, 61}), Shape({2, 100003})};
  uint64_t seed = 1200;
  for (const Shape& s : shapes) {
    for (const char* op : {"Relu", "Tanh", "Sigmoid", "Elu"}) {
      Graph g;
      Output x = ops::placeholder(g, DType::f32, s, "x");
      Output y = g.add_node(op, op, {x})->output(0);
      compare(g, {{x, random_tensor(s, seed++, -12, 12)}}, {y}, {op},
              str_cat(op, " ", s.to_string()));
    }
  }
}

TEST(OnednnParity, EltwiseGradients) {
  // TanhGrad(y, dy) / SigmoidGrad(y, dy) on outputs in the forward's range, ReluGrad(dy, x) with
  // exact zeros among the features (TF passes no gradient at 0).
  const Shape shapes[] = {Shape({16384}), Shape({3, 7, 13, 61}), Shape({2, 100003})};
  uint64_t seed = 1300;
  for (const Shape& s : shapes) {
    for (const char* op : {"TanhGrad", "SigmoidGrad", "ReluGrad"}) {
      Graph g;
      Output a = ops::placeholder(g, DType::f32, s, "a");
      Output b = ops::placeholder(g, DType::f32, s, "b");
      Output y = g.add_node(op, op, {a, b})->output(0);
      Tensor ta = random_tensor(s, seed++, -1, 1);
      if (std::string(op) == "SigmoidGrad") ta = random_tensor(s, seed++, 0, 1);
      Tensor tb = random_tensor(s, seed++, -3, 3);
      if (std::string(op) == "ReluGrad") {
        for (int64_t i = 0; i < tb.num_elements(); i += 7) tb.data<float>()[i] = 0.0f;
      }
      compare(g, {{a, ta}, {b, tb}}, {y}, {op}, str_cat(op, " ", s.to_string()));
    }
  }
}

TEST(OnednnParity, BiasAddAndItsGradient) {
  // NHWC tensors of rank 2 to 4, odd channel counts; the gradient sums up to 12 * 61 * 33 rows.
  const Shape shapes[] = {Shape({16384, 3}), Shape({3, 7, 13, 61}), Shape({12, 61, 33, 5}),
                          Shape({1000, 17})};
  uint64_t seed = 1400;
  for (const Shape& s : shapes) {
    Graph g;
    Output x = ops::placeholder(g, DType::f32, s, "x");
    Output b = ops::placeholder(g, DType::f32, Shape({s.dim(s.rank() - 1)}), "b");
    Output y = nn::bias_add(x, b);
    Output db = g.add_node("BiasAddGrad", "db", {x})->output(0);
    compare(g, {{x, random_tensor(s, seed++, -2, 2)}, {b, random_tensor(b.shape(), seed++)}},
            {y, db}, {"BiasAdd", "BiasAddGrad"}, str_cat("BiasAdd ", s.to_string()));
  }
}

TEST(OnednnParity, SmallActivationsStayOnTheReference) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({4, 10}), "x");
  Output y = g.add_node("Relu", "relu", {x})->output(0);
  RunOptions opts;
  opts.trace = true;
  RunMetadata md;
  Session(g).run({{x, random_tensor(Shape({4, 10}), 1)}}, {y}, {}, &opts, &md);
  for (const NodeStats& st : md.step_stats) {
    if (st.op == "Relu") EXPECT_EQ(st.kernel, "ref:Relu");
  }
}

TEST(OnednnParity, Float64StaysOnTheReference) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({1, 5, 5, 2}), "x");
  Output w = ops::placeholder(g, DType::f64, Shape({3, 3, 2, 2}), "w");
  Output y = nn::conv2d(x, w, {1, 1, 1, 1}, "SAME");
  Session s(g);
  RunOptions opts;
  opts.trace = true;
  RunMetadata md;
  s.run({{x, random_tensor(Shape({1, 5, 5, 2}), 1, -1, 1, DType::f64)},
         {w, random_tensor(Shape({3, 3, 2, 2}), 2, -1, 1, DType::f64)}},
        {y}, {}, &opts, &md);
  bool found = false;
  for (const NodeStats& st : md.step_stats) {
    if (st.op != "Conv2D") continue;
    found = true;
    EXPECT_EQ(st.kernel, "ref:Conv2D");
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace dl
