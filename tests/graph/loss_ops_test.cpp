#include "dl/graph/ops/loss_ops.h"

#include <gtest/gtest.h>

#include "../testing/gradient_check.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "nn_fixture_util.h"

namespace dl {
namespace {

using testing::contains;
using testing::message_of;
using testing::nn_fixtures;
using testing::shape_of;
using testing::tensor_of;
using testing::values_near;

// Rows of probabilities (each row sums to 1), for labels of the dense cross entropy.
Tensor probability_rows(Shape shape, uint64_t seed) {
  Tensor t = testing::random_tensor(shape, seed, 0.1, 1.0, DType::f64);
  const int64_t cols = shape.dim(1);
  double* p = t.data<double>();
  for (int64_t r = 0; r < shape.dim(0); ++r) {
    double s = 0;
    for (int64_t k = 0; k < cols; ++k) s += p[r * cols + k];
    for (int64_t k = 0; k < cols; ++k) p[r * cols + k] /= s;
  }
  return t;
}

}  // namespace

TEST(LossOps, SoftmaxCrossEntropyMatchesTensorFlow) {
  const auto& fx = nn_fixtures()["softmax_cross_entropy"];
  const Shape shape = shape_of(fx["shape"]);
  for (DType dt : {DType::f32, DType::f64}) {
    Graph g;
    Output x = ops::placeholder(g, dt, Shape({-1, 5}), "logits");
    Output z = ops::placeholder(g, dt, Shape({-1, 5}), "labels");
    Output loss = nn::softmax_cross_entropy_with_logits(z, x);
    EXPECT_EQ(loss.shape(), Shape({-1}));
    EXPECT_EQ(loss.node->type(), "SoftmaxCrossEntropyWithLogits");
    Session s(g);
    Tensor out = s.run(
        loss, {{x, tensor_of(fx["logits"], shape, dt)}, {z, tensor_of(fx["labels"], shape, dt)}});
    if (dt == DType::f32) {
      EXPECT_TRUE(values_near(out, fx["float32"], 1e-6, 2e-6));
    } else {
      EXPECT_TRUE(values_near(out, fx["float64"], 1e-14, 1e-13));
    }
  }
  // v2 gradients to both inputs, against TF's tape.
  Graph g;
  Output x = ops::placeholder(g, DType::f64, shape, "logits");
  Output z = ops::placeholder(g, DType::f64, shape, "labels");
  Output loss = nn::softmax_cross_entropy_with_logits_v2(z, x);
  Output dl = ops::constant(g, tensor_of(fx["dloss"], Shape({4}), DType::f64));
  auto grads = gradients({loss}, {x, z}, {dl});
  Session s(g);
  auto out = s.run({{x, tensor_of(fx["logits"], shape, DType::f64)},
                    {z, tensor_of(fx["labels"], shape, DType::f64)}},
                   {grads[0], grads[1]});
  EXPECT_TRUE(values_near(out[0], fx["grad_logits_float64"], 1e-14, 1e-12));
  EXPECT_TRUE(values_near(out[1], fx["grad_labels_float64"], 1e-12, 1e-12));
}

TEST(LossOps, SoftmaxCrossEntropyV1StopsTheLabelsGradient) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({2, 3}), "logits");
  Output z = ops::placeholder(g, DType::f64, Shape({2, 3}), "labels");
  auto grads = gradients({nn::softmax_cross_entropy_with_logits(z, x)}, {x, z});
  EXPECT_TRUE(grads[0]);
  EXPECT_FALSE(grads[1]);
  grads = gradients({nn::softmax_cross_entropy_with_logits_v2(z, x)}, {x, z});
  EXPECT_TRUE(grads[1]);
}

TEST(LossOps, SoftmaxCrossEntropyGradientsMatchFiniteDifferences) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 4}), "logits");
  Output z = ops::placeholder(g, DType::f64, Shape({-1, 4}), "labels");
  FeedDict feeds{{x, testing::random_tensor(Shape({3, 4}), 51, -3, 3, DType::f64)},
                 {z, probability_rows(Shape({3, 4}), 52)}};
  EXPECT_TRUE(
      testing::check_gradients(g, nn::softmax_cross_entropy_with_logits_v2(z, x), {x, z}, feeds));
  EXPECT_TRUE(testing::check_gradients(g, nn::softmax_cross_entropy_with_logits(z, x), {x}, feeds));
}

// The backprop output is differentiable (TF >= 1.5 too): second derivatives of the loss.
TEST(LossOps, SoftmaxCrossEntropySecondDerivatives) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({3, 4}), "logits");
  Output z = ops::placeholder(g, DType::f64, Shape({3, 4}), "labels");
  FeedDict feeds{{x, testing::random_tensor(Shape({3, 4}), 53, -2, 2, DType::f64)},
                 {z, probability_rows(Shape({3, 4}), 54)}};
  Output loss = nn::softmax_cross_entropy_with_logits_v2(z, x);
  Output dx = gradients({loss}, {x})[0];
  EXPECT_TRUE(testing::check_gradients(g, dx, {x, z}, feeds));

  Output labels = ops::placeholder(g, DType::i32, Shape({3}), "sparse_labels");
  Output sparse = nn::sparse_softmax_cross_entropy_with_logits(labels, x);
  Output sdx = gradients({sparse}, {x})[0];
  feeds.push_back({labels, Tensor::from_vector<int32_t>(Shape({3}), {3, 0, 2})});
  EXPECT_TRUE(testing::check_gradients(g, sdx, {x}, feeds));
}

TEST(LossOps, SoftmaxCrossEntropyShapeErrorsNameTheNode) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 10}), "logits");
  Output z = ops::placeholder(g, DType::f32, Shape({-1, 5}), "labels");
  std::string m = message_of([&] { nn::softmax_cross_entropy_with_logits_v2(z, x, -1, "xent"); });
  EXPECT_TRUE(contains(m, "SoftmaxCrossEntropyWithLogits 'xent'")) << m;
  EXPECT_TRUE(contains(m, "features are [?,10], labels are [?,5]")) << m;
  // The op itself is 2-D only.
  Output x3 = ops::placeholder(g, DType::f32, Shape({2, 3, 4}), "x3");
  m = message_of([&] { g.add_node("SoftmaxCrossEntropyWithLogits", "", {x3, x3}); });
  EXPECT_TRUE(contains(m, "must be 2-D [batch, classes], received [2,3,4]")) << m;
  EXPECT_THROW(nn::softmax_cross_entropy_with_logits(x, x, 0), Unimplemented);
  Output z3 = ops::placeholder(g, DType::f32, Shape({2, 4, 4}), "z3");
  m = message_of([&] { nn::softmax_cross_entropy_with_logits_v2(z3, x3, -1, "x3ent"); });
  EXPECT_TRUE(contains(m, "'x3ent'")) << m;
  EXPECT_TRUE(contains(m, "labels of shape [2,4,4] do not fit logits of shape [2,3,4]")) << m;
  Output xu = ops::placeholder(g, DType::f32, Shape({-1, -1, 4}), "xu");
  EXPECT_THROW(nn::softmax_cross_entropy_with_logits_v2(xu, xu), Unimplemented);
}

// Logits of rank != 2 are flattened around the 2-D op, as TF's wrappers do.
TEST(LossOps, CrossEntropiesAcceptOtherRanks) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 3, 4}), "logits");
  Output z = ops::placeholder(g, DType::f64, Shape({-1, 3, 4}), "labels");
  Output s = ops::placeholder(g, DType::i64, Shape({-1, 3}), "sparse_labels");
  Output dense = nn::softmax_cross_entropy_with_logits_v2(z, x);
  Output sparse = nn::sparse_softmax_cross_entropy_with_logits(s, x);
  EXPECT_EQ(dense.shape(), Shape({-1, 3}));
  EXPECT_EQ(sparse.shape(), Shape({-1, 3}));
  Tensor xv = testing::random_tensor(Shape({2, 3, 4}), 55, -2, 2, DType::f64);
  Tensor zv = probability_rows(Shape({6, 4}), 56).reshaped(Shape({2, 3, 4}));
  Tensor sv = Tensor::from_vector<int64_t>(Shape({2, 3}), {0, 3, 1, 2, 2, 0});
  FeedDict feeds{{x, xv}, {z, zv}, {s, sv}};
  // Same values as the 2-D op on the flattened inputs.
  Output x2 = ops::placeholder(g, DType::f64, Shape({6, 4}), "logits2");
  Output z2 = ops::placeholder(g, DType::f64, Shape({6, 4}), "labels2");
  Output s2 = ops::placeholder(g, DType::i64, Shape({6}), "sparse_labels2");
  Session sess(g);
  auto out = sess.run(feeds, {dense, sparse});
  auto flat = sess.run({{x2, xv.reshaped(Shape({6, 4}))},
                        {z2, zv.reshaped(Shape({6, 4}))},
                        {s2, sv.reshaped(Shape({6}))}},
                       {nn::softmax_cross_entropy_with_logits_v2(z2, x2),
                        nn::sparse_softmax_cross_entropy_with_logits(s2, x2)});
  EXPECT_TRUE(testing::tensors_equal(out[0], flat[0].reshaped(Shape({2, 3}))));
  EXPECT_TRUE(testing::tensors_equal(out[1], flat[1].reshaped(Shape({2, 3}))));
  EXPECT_TRUE(testing::check_gradients(g, dense, {x, z}, feeds));
  EXPECT_TRUE(testing::check_gradients(g, sparse, {x}, feeds));
  // Rank 1: one example, a scalar loss.
  Output x1 = ops::placeholder(g, DType::f64, Shape({4}), "logits1");
  Output s1 = ops::placeholder(g, DType::i32, Shape{}, "label1");
  Output l1 = nn::sparse_softmax_cross_entropy_with_logits(s1, x1);
  EXPECT_EQ(l1.shape(), Shape{});
  EXPECT_TRUE(
      testing::check_gradients(g, l1, {x1},
                               {{x1, testing::random_tensor(Shape({4}), 57, -1, 1, DType::f64)},
                                {s1, Tensor::scalar<int32_t>(2)}}));
}

TEST(LossOps, SparseSoftmaxCrossEntropyMatchesTensorFlow) {
  const auto& fx = nn_fixtures()["sparse_softmax_cross_entropy"];
  const Shape shape = shape_of(fx["shape"]);
  const auto labels = fx["labels"].get<std::vector<int64_t>>();
  for (DType dt : {DType::f32, DType::f64}) {
    for (DType lt : {DType::i32, DType::i64}) {
      Graph g;
      Output x = ops::placeholder(g, dt, Shape({-1, 5}), "logits");
      Output z = ops::placeholder(g, lt, Shape({-1}), "labels");
      Output loss = nn::sparse_softmax_cross_entropy_with_logits(z, x);
      EXPECT_EQ(loss.spec(), (TensorSpec{dt, Shape({-1})}));
      Session s(g);
      Tensor out = s.run(loss, {{x, tensor_of(fx["logits"], shape, dt)},
                                {z, Tensor::from_vector<int64_t>(Shape({4}), labels).cast(lt)}});
      if (dt == DType::f32) {
        EXPECT_TRUE(values_near(out, fx["float32"], 1e-6, 2e-6));
      } else {
        EXPECT_TRUE(values_near(out, fx["float64"], 1e-14, 1e-13));
      }
    }
  }
  Graph g;
  Output x = ops::placeholder(g, DType::f64, shape, "logits");
  Output z = ops::placeholder(g, DType::i64, Shape({4}), "labels");
  Output loss = nn::sparse_softmax_cross_entropy_with_logits(z, x);
  Output dl = ops::constant(g, tensor_of(fx["dloss"], Shape({4}), DType::f64));
  auto grads = gradients({loss}, {x}, {dl});
  Session s(g);
  Tensor out = s.run(grads[0], {{x, tensor_of(fx["logits"], shape, DType::f64)},
                                {z, Tensor::from_vector<int64_t>(Shape({4}), labels)}});
  EXPECT_TRUE(values_near(out, fx["grad_logits_float64"], 1e-14, 1e-12));
}

TEST(LossOps, SparseSoftmaxCrossEntropyGradientsMatchFiniteDifferences) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 6}), "logits");
  Output z = ops::placeholder(g, DType::i32, Shape({-1}), "labels");
  FeedDict feeds{{x, testing::random_tensor(Shape({4, 6}), 61, -3, 3, DType::f64)},
                 {z, Tensor::from_vector<int32_t>(Shape({4}), {5, 0, 2, 2})}};
  EXPECT_TRUE(
      testing::check_gradients(g, nn::sparse_softmax_cross_entropy_with_logits(z, x), {x}, feeds));
}

TEST(LossOps, SparseLabelOutOfRangeFailsAtRunTimeLikeTensorFlow) {
  const std::string tf_message =
      nn_fixtures()["sparse_softmax_cross_entropy"]["bad_label_error"].get<std::string>();
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 10}), "logits");
  Output z = ops::placeholder(g, DType::i32, Shape({-1}), "labels");
  Output loss = nn::sparse_softmax_cross_entropy_with_logits(z, x, "loss");
  Session s(g);
  const std::string m = message_of([&] {
    s.run(loss, {{x, Tensor::zeros(DType::f32, Shape({3, 10}))},
                 {z, Tensor::from_vector<int32_t>(Shape({3}), {1, 12, 3})}});
  });
  EXPECT_TRUE(contains(m, "SparseSoftmaxCrossEntropyWithLogits 'loss'")) << m;
  EXPECT_TRUE(contains(m, tf_message)) << m << "\nTF: " << tf_message;
  // Negative labels and int64 too.
  Output z64 = ops::placeholder(g, DType::i64, Shape({-1}), "labels64");
  Output loss64 = nn::sparse_softmax_cross_entropy_with_logits(z64, x, "loss64");
  const std::string m64 = message_of([&] {
    s.run(loss64, {{x, Tensor::zeros(DType::f32, Shape({2, 10}))},
                   {z64, Tensor::from_vector<int64_t>(Shape({2}), {0, -1})}});
  });
  EXPECT_TRUE(contains(m64,
                       "Received a label value of -1 which is outside the valid range of "
                       "[0, 10)"))
      << m64;
}

TEST(LossOps, SparseSoftmaxCrossEntropyShapeErrors) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({4, 10}), "logits");
  Output z = ops::placeholder(g, DType::i32, Shape({3}), "labels");
  std::string m = message_of([&] { nn::sparse_softmax_cross_entropy_with_logits(z, x, "s"); });
  EXPECT_TRUE(contains(m, "SparseSoftmaxCrossEntropyWithLogits 's'")) << m;
  EXPECT_TRUE(contains(m, "logits are [4,10], labels are [3] (4 != 3)")) << m;
  Output zf = ops::placeholder(g, DType::f32, Shape({4}), "labels_f");
  m = message_of([&] { nn::sparse_softmax_cross_entropy_with_logits(zf, x); });
  EXPECT_TRUE(contains(m, "int32 or int64")) << m;
  EXPECT_TRUE(contains(m, "float32")) << m;
}

TEST(LossOps, SigmoidCrossEntropyMatchesTensorFlow) {
  const auto& fx = nn_fixtures()["sigmoid_cross_entropy"];
  const Shape shape = shape_of(fx["shape"]);
  for (DType dt : {DType::f32, DType::f64}) {
    Graph g;
    Output x = ops::placeholder(g, dt, Shape({-1, shape.dim(1)}), "logits");
    Output z = ops::placeholder(g, dt, Shape({-1, shape.dim(1)}), "labels");
    Output loss = nn::sigmoid_cross_entropy_with_logits(z, x);
    Session s(g);
    Tensor out = s.run(
        loss, {{x, tensor_of(fx["logits"], shape, dt)}, {z, tensor_of(fx["labels"], shape, dt)}});
    if (dt == DType::f32) {
      EXPECT_TRUE(values_near(out, fx["float32"], 1e-6, 2e-6));
    } else {
      EXPECT_TRUE(values_near(out, fx["float64"], 1e-14, 1e-13));
    }
  }
  Graph g;
  Output x = ops::placeholder(g, DType::f64, shape, "logits");
  Output z = ops::placeholder(g, DType::f64, shape, "labels");
  Output loss = nn::sigmoid_cross_entropy_with_logits(z, x);
  auto grads =
      gradients({loss}, {x, z}, {ops::constant(g, tensor_of(fx["dy"], shape, DType::f64))});
  Session s(g);
  auto out = s.run({{x, tensor_of(fx["logits"], shape, DType::f64)},
                    {z, tensor_of(fx["labels"], shape, DType::f64)}},
                   {grads[0], grads[1]});
  EXPECT_TRUE(values_near(out[0], fx["grad_logits_float64"], 1e-14, 1e-12));
  EXPECT_TRUE(values_near(out[1], fx["grad_labels_float64"], 1e-14, 1e-12));
}

TEST(LossOps, SigmoidCrossEntropyGradientsAndErrors) {
  Graph g;
  Output x = ops::placeholder(g, DType::f64, Shape({-1, 3}), "logits");
  Output z = ops::placeholder(g, DType::f64, Shape({-1, 3}), "labels");
  FeedDict feeds{{x, testing::random_tensor(Shape({2, 3}), 71, -4, 4, DType::f64)},
                 {z, testing::random_tensor(Shape({2, 3}), 72, 0, 1, DType::f64)}};
  Output loss = nn::sigmoid_cross_entropy_with_logits(z, x);
  EXPECT_TRUE(testing::check_gradients(g, loss, {x, z}, feeds));
  // Second derivatives go through ordinary ops.
  EXPECT_TRUE(testing::check_gradients(g, gradients({loss}, {x})[0], {x, z}, feeds));
  Output z4 = ops::placeholder(g, DType::f64, Shape({-1, 4}), "labels4");
  const std::string m = message_of([&] { nn::sigmoid_cross_entropy_with_logits(z4, x, "bce"); });
  EXPECT_TRUE(contains(m, "SigmoidCrossEntropyWithLogits 'bce'")) << m;
  EXPECT_TRUE(contains(m, "logits are [?,3], labels are [?,4]")) << m;
}

TEST(LossOps, L2LossMatchesTensorFlowAndGradient) {
  const auto& fx = nn_fixtures()["l2_loss"];
  const Shape shape = shape_of(fx["shape"]);
  for (DType dt : {DType::f32, DType::f64}) {
    Graph g;
    Output t = ops::placeholder(g, dt, Shape({-1, 4}), "t");
    Output loss = nn::l2_loss(t);
    EXPECT_EQ(loss.spec(), (TensorSpec{dt, Shape{}}));
    Session s(g);
    Tensor out = s.run(loss, {{t, tensor_of(fx["t"], shape, dt)}});
    const double want = fx[dt == DType::f32 ? "float32" : "float64"].get<double>();
    EXPECT_NEAR(out.value_at(0), want, (dt == DType::f32 ? 1e-6 : 1e-14) * want);
  }
  Graph g;
  Output t = ops::placeholder(g, DType::f64, Shape({-1, 3}), "t");
  EXPECT_TRUE(testing::check_gradients(
      g, nn::l2_loss(t), {t}, {{t, testing::random_tensor(Shape({2, 3}), 81, -2, 2, DType::f64)}}));
}

}  // namespace dl

namespace dl {
// Large batches take the parallel path; each row must come out exactly as when it runs alone.
TEST(LossOps, ParallelRowsMatchRowsRunAlone) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 300}), "x");
  Output z = ops::placeholder(g, DType::f32, Shape({-1, 300}), "z");
  Output l = ops::placeholder(g, DType::i32, Shape({-1}), "l");
  Output dense = nn::softmax_cross_entropy_with_logits_v2(z, x);
  Output sparse = nn::sparse_softmax_cross_entropy_with_logits(l, x);
  Output dense_bp = dense.node->output(1), sparse_bp = sparse.node->output(1);
  Tensor xv = testing::random_tensor(Shape({200, 300}), 92, -4, 4);
  Tensor zv = testing::random_tensor(Shape({200, 300}), 93, 0, 0.01);
  std::vector<int32_t> labels;
  for (int i = 0; i < 200; ++i) labels.push_back((i * 37) % 300);
  Tensor lv = Tensor::from_vector<int32_t>(Shape({200}), labels);
  Session s(g);
  auto big = s.run({{x, xv}, {z, zv}, {l, lv}}, {dense, sparse, dense_bp, sparse_bp});
  for (int64_t r = 0; r < 200; r += 23) {
    auto one = s.run(
        {{x, xv.slice_rows(r, r + 1)}, {z, zv.slice_rows(r, r + 1)}, {l, lv.slice_rows(r, r + 1)}},
        {dense, sparse, dense_bp, sparse_bp});
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_TRUE(testing::tensors_equal(one[i], big[i].slice_rows(r, r + 1).clone())) << i;
    }
  }
}
}  // namespace dl
