// Seed 004's story on a regression task (dense targets, mean squared error, no metric): zero
// against glorot initialisation and the batch size, both named and measured.
#include <gtest/gtest.h>

#include "dl/graph/initializers.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/train/gradient_descent.h"
#include "dl/tools/parity_check/lib/parity.h"

namespace dl::parity {
namespace {

// The blog post's one-layer sorting network: y = x W + b, MSE, GradientDescent(0.5).
TrainingProgram sort_program(const std::string& name, bool zeros, int64_t batch,
                             const BuildOptions& o) {
  ProgramBuilder b(name, o.seed);
  Graph& g = b.graph();
  auto x = ops::placeholder(g, DType::f32, Shape({-1, 2}), "x");
  auto y_ = ops::placeholder(g, DType::f32, Shape({-1, 2}), "y_");
  const Initializer init = zeros ? init::zeros_initializer() : init::glorot_uniform_initializer();
  Variable W(init(g, Shape({2, 2})), {.name = "W"});
  Variable bias(ops::zeros(g, Shape({2})), {.name = "b"});
  auto y = ops::matmul(x, W) + bias;
  auto error = ops::reduce_mean(ops::square(y_ - y));
  auto opt = std::make_shared<train::GradientDescentOptimizer>(0.5);
  return b.input(x)
      .labels(y_, LabelFormat::dense)
      .logits(y)
      .loss(error)
      .train_op(opt->minimize(error))
      .keep(opt)
      .batch_size(batch)
      .shuffle(true, static_cast<uint64_t>(o.seed))
      .build();
}

TEST(Regression, ZeroInitAndBatchSizeAreNamed) {
  Case c;
  c.name = "sort";
  c.a = [](const BuildOptions& o) { return sort_program("Keras: glorot, batch 32", false, 32, o); };
  c.b = [](const BuildOptions& o) { return sort_program("TF: zeros, batch 1000", true, 1000, o); };
  c.data = [] { return synthetic_sort(2000, 400, 2, 3); };
  c.schedule = {.epochs = 3};
  CheckOptions opts;
  opts.speed = false;
  const Report r = check_case(c, opts);
  const auto comps = r.diff.components(Severity::low);
  ASSERT_EQ(comps.size(), 2u);
  EXPECT_NE(std::find(comps.begin(), comps.end(), "initializer"), comps.end());
  EXPECT_NE(std::find(comps.begin(), comps.end(), "data"), comps.end());
  ASSERT_EQ(r.ablation.measures.size(), 2u);  // no reported metric
  EXPECT_EQ(r.ablation.measures[1].name, "val mse");
  EXPECT_TRUE(r.replay.bit_identical);  // same update rule once the weights are copied
  // The batch size (2 vs 63 steps per epoch) is the measured cause, not the zeros: a one-layer
  // linear model trains from zeros as well as from anywhere.
  ASSERT_FALSE(r.ablation.variants.empty());
  EXPECT_EQ(r.ablation.variants[0].swap, "data.batch_size");
  EXPECT_TRUE(r.ablation.variants[0].claimed);
  for (const auto& v : r.ablation.variants) {
    if (v.swap == "initializer") EXPECT_FALSE(v.claimed);
  }
}

}  // namespace
}  // namespace dl::parity
