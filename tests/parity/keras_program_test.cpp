// Keras-tier programs beside graph-tier ones: a Keras model and the same network written with
// tf.layers are found equivalent (no finding, bit-identical replay), and each seed case's static
// diff names the components its report supports (the figures behind them are measured by the
// tool; the ablation runs are too long for the unit tests and run in `parity_check run`).
#include "dl/tools/parity_check/lib/keras_program.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "dl/core/io/fashion_mnist.h"
#include "dl/graph/layers.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/train/momentum.h"
#include "dl/highlevel/keras.h"
#include "dl/tools/parity_check/lib/ablation.h"
#include "dl/tools/parity_check/lib/diff.h"
#include "dl/tools/parity_check/lib/examples.h"
#include "dl/tools/parity_check/lib/replay.h"
#include "dl/tools/parity_check/lib/structure.h"

namespace dl::parity {
namespace {

namespace kl = keras::layers;

// The same MLP: Keras Sequential + SGD(momentum) on one-hot labels, and tf.layers +
// MomentumOptimizer with softmax cross-entropy. Keras 3's SGD momentum rule equals TF1's for a
// constant learning rate up to rounding, so the pair is equivalent within tolerance.
TrainingProgram keras_mlp(const BuildOptions& o) {
  keras::backend::clear_session();
  keras::backend::set_profile(keras::Profile::keras3);
  keras::utils::set_random_seed(o.seed);
  auto model = std::make_shared<keras::Sequential>();
  model->add(kl::Dense(16, {.activation = "relu", .input_shape = {20}}));
  model->add(kl::Dense(4, {.activation = "softmax"}));
  model->compile({.optimizer = keras::optimizers::SGD({.learning_rate = 0.05, .momentum = 0.9}),
                  .loss = "categorical_crossentropy",
                  .metrics = {"accuracy"}});
  return keras_program("Keras MLP", model,
                       {.batch_size = 32, .shuffle_seed = static_cast<uint64_t>(o.seed)});
}

TrainingProgram graph_mlp(const BuildOptions& o) {
  ProgramBuilder b("tf.layers MLP", o.seed);
  Graph& g = b.graph();
  const Output x = ops::placeholder(g, DType::f32, Shape({-1, 20}), "x");
  const Output y = ops::placeholder(g, DType::f32, Shape({-1, 4}), "y");
  const Output h = layers::dense(x, 16, {.activation = nn::relu});
  const Output logits = layers::dense(h, 4);
  const Output loss = ops::reduce_mean(nn::softmax_cross_entropy_with_logits(y, logits));
  auto opt = std::make_shared<train::MomentumOptimizer>(0.05, 0.9);
  const Output acc = ops::reduce_mean(
      ops::cast(ops::equal(ops::argmax(logits, 1), ops::argmax(y, 1)), DType::f32));
  b.input(x).labels(y, LabelFormat::one_hot).logits(logits).loss(loss).metric("accuracy", acc);
  b.train_op(opt->minimize(loss)).keep(opt).batch_size(32).shuffle(true, o.seed);
  return b.build();
}

TEST(KerasProgram, RolesOfACompiledModel) {
  TrainingProgram p = keras_mlp({.seed = 1});
  EXPECT_EQ(p.tier, "keras");
  EXPECT_EQ(p.data.label_format, LabelFormat::one_hot);
  EXPECT_EQ(p.optimizer_role.type, "Momentum");
  ASSERT_EQ(p.metrics.size(), 1u);
  EXPECT_EQ(p.metrics[0].name, "accuracy");
  EXPECT_EQ(p.trainable.size(), 4u);
  EXPECT_EQ(p.optimizer_role.grads.size(), 4u);
  EXPECT_FALSE(p.training_flag);  // no layer behaves differently in training
  EXPECT_EQ(p.logits.node->type(), "BiasAdd");
}

TEST(KerasProgram, SameNetworkInBothTiersIsEquivalent) {
  Case c;
  c.a = keras_mlp;
  c.b = graph_mlp;
  const Dataset d = synthetic_classification(480, 96, 20, 4, 7);
  Instance a = make_instance(c.a, 0, 1), b = make_instance(c.b, 0, 1);
  const StaticDiff diff = static_diff(a.program, *a.session, b.program, *b.session, d);
  for (const Finding& f : diff.findings) {
    std::cout << "  [" << to_string(f.severity) << "] " << f.component << " / " << f.aspect
              << " A: " << f.a << " B: " << f.b << "\n";
  }
  EXPECT_TRUE(diff.alignment.complete());
  // Only the label format (an info finding: the labels are the same rows, one-hot in both).
  EXPECT_TRUE(diff.components(Severity::low).empty());
  EXPECT_NEAR(diff.a.optimizer.hyper("learning_rate"), 0.05, 1e-7);
  EXPECT_NEAR(diff.a.optimizer.hyper("momentum"), 0.9, 1e-7);
  const ReplayResult r = replay(a.program, *a.session, diff.a.structure, b.program, *b.session,
                                diff.b.structure, diff.alignment, d);
  EXPECT_TRUE(r.ran) << r.why_not;
  EXPECT_FALSE(r.first_divergence.has_value()) << r.verdict();
}

bool has_fashion_mnist() {
  return std::filesystem::exists(std::string(io::kFashionMnistDir) + "/train-images-idx3-ubyte") ||
         std::filesystem::exists(std::string(io::kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
}

std::vector<std::string> components_of(const std::string& case_name) {
  register_builtin_cases();
  const Case c = make_case(case_name);
  const Dataset d = c.data();
  Instance a = make_instance(c.a, 0, 1), b = make_instance(c.b, 0, 1);
  const StaticDiff diff = static_diff(a.program, *a.session, b.program, *b.session, d);
  std::vector<std::string> out;
  for (const Finding& f : diff.findings) {
    std::cout << "  [" << to_string(f.severity) << "] " << f.component << " / " << f.aspect << " "
              << f.layer << "\n";
    out.push_back(f.component + " / " + f.aspect);
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& x) { return x.find(s) != std::string::npos; });
}

TEST(SeedCases, Seed000NamesMetricLossHeadAndLearningRate) {
  const auto c = components_of("seed000");
  EXPECT_TRUE(has(c, "metric / acc"));
  EXPECT_TRUE(has(c, "loss head /"));
  EXPECT_TRUE(has(c, "optimizer / learning_rate"));
  EXPECT_FALSE(has(c, "architecture"));
}

TEST(SeedCases, Seed001NamesDataOrderAndPartialBatchOnly) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto c = components_of("seed001");
  EXPECT_TRUE(has(c, "data / order"));
  EXPECT_TRUE(has(c, "data / partial last batch"));
  EXPECT_FALSE(has(c, "architecture"));
  EXPECT_FALSE(has(c, "optimizer"));
  EXPECT_FALSE(has(c, "initializer"));
}

TEST(SeedCases, Seed002NamesTheUpdateOpsTheTrainStepNeverRuns) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto c = components_of("seed002");
  EXPECT_TRUE(has(c, "update ops / state updates"));
  EXPECT_FALSE(has(c, "architecture"));
}

TEST(SeedCases, Seed003NamesTheInitializer) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto c = components_of("seed003");
  EXPECT_TRUE(has(c, "initializer / spread"));
  EXPECT_FALSE(has(c, "architecture"));
}

TEST(SeedCases, Seed004NamesInitializerAndBatchSize) {
  const auto c = components_of("seed004");
  EXPECT_TRUE(has(c, "initializer"));
  EXPECT_TRUE(has(c, "data / batch size"));
  EXPECT_FALSE(has(c, "architecture"));
}

}  // namespace
}  // namespace dl::parity
