// The program of docs/parity_check.md ("Checking your own pair"), compiled and checked, so the
// documented API stays true.
#include <gtest/gtest.h>

#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/train/adam.h"
#include "dl/tools/parity_check/lib/parity.h"

namespace {

dl::parity::TrainingProgram build_mine(const dl::parity::BuildOptions& opts, double lr) {
  dl::parity::ProgramBuilder b("mine: raw TF1 MLP", opts.seed);
  dl::Graph& g = b.graph();
  auto x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, 20}), "x");
  auto y = dl::ops::placeholder(g, dl::DType::i32, dl::Shape({-1}), "y");
  dl::Variable w1(dl::ops::random_normal(g, dl::Shape({20, 32}), 0.0, 0.1), {.name = "W1"});
  dl::Variable b1(dl::ops::zeros(g, dl::Shape({32})), {.name = "b1"});
  dl::Variable w2(dl::ops::random_normal(g, dl::Shape({32, 10}), 0.0, 0.1), {.name = "W2"});
  dl::Variable b2(dl::ops::zeros(g, dl::Shape({10})), {.name = "b2"});
  auto h = dl::nn::relu(dl::ops::matmul(x, w1) + b1);
  auto logits = dl::ops::matmul(h, w2) + b2;
  auto loss = dl::ops::reduce_mean(dl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto acc = dl::ops::reduce_mean(
      dl::ops::cast(dl::ops::equal(dl::ops::argmax(logits, 1, dl::DType::i32), y), dl::DType::f32));
  auto opt = std::make_shared<dl::train::AdamOptimizer>(lr);
  dl::Node* train = opt->minimize(loss);
  return b.input(x)
      .labels(y, dl::parity::LabelFormat::sparse)
      .logits(logits)
      .loss(loss)
      .metric("accuracy", acc)
      .train_op(train)
      .keep(opt)
      .batch_size(32)
      .shuffle(true, static_cast<uint64_t>(opts.seed))
      .build();
}

TEST(DocsExample, OwnPairThroughCheckCase) {
  dl::parity::Case c;
  c.name = "mine";
  c.a = [](const dl::parity::BuildOptions& o) { return build_mine(o, 1e-3); };
  c.b = [](const dl::parity::BuildOptions& o) { return build_mine(o, 1e-4); };
  c.data = [] { return dl::parity::synthetic_classification(960, 480, 20, 10, 7); };
  c.schedule = {.epochs = 6};
  dl::parity::Report r = dl::parity::check_case(c, {.seeds = 3, .speed = false});
  ASSERT_EQ(r.diff.components(), std::vector<std::string>{"optimizer"});
  ASSERT_FALSE(r.ablation.variants.empty());
  EXPECT_EQ(r.ablation.variants[0].swap, "optimizer.learning_rate");
  EXPECT_TRUE(r.ablation.variants[0].claimed);
}

}  // namespace
