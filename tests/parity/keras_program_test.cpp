// Keras-tier programs beside graph-tier ones: a Keras model and the same network written with
// tf.layers are found equivalent (no finding, bit-identical replay), and each seed case's static
// diff names the components its report supports (the figures behind them are measured by the
// tool; the ablation runs are too long for the unit tests and run in `parity_check run`).
#include "dl/tools/parity_check/lib/keras_program.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
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
#include "dl/tools/parity_check/lib/program_io.h"
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

// The Keras side given as files: the MLP's config (dl's to_json) and a compile_config file,
// against the same network saved as graph + roles. Equivalent as the pair in code; a compile
// config with another learning rate is named, and only that.
std::vector<std::string> file_case_components(const Case& c, bool& bit_identical) {
  const Dataset d = synthetic_classification(480, 96, 20, 4, 7);
  Instance a = make_instance(c.a, 0, 1), b = make_instance(c.b, 0, 1);
  const StaticDiff diff = static_diff(a.program, *a.session, b.program, *b.session, d);
  std::vector<std::string> out;
  for (const Finding& f : diff.findings) {
    if (f.severity == Severity::info) continue;
    std::cout << "  [" << to_string(f.severity) << "] " << f.component << " / " << f.aspect << "\n";
    out.push_back(f.component + " / " + f.aspect);
  }
  const ReplayResult r = replay(a.program, *a.session, diff.a.structure, b.program, *b.session,
                                diff.b.structure, diff.alignment, d);
  bit_identical = r.ran && !r.first_divergence.has_value();
  return out;
}

TEST(KerasProgram, KerasConfigFileBesideAGraphFile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("parity_keras_files_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string graph = (dir / "mlp.graph").string(), roles = (dir / "mlp.roles.json").string();
  write_program(graph_mlp({.seed = 0}), graph, roles);
  Tensor kernel;
  {
    keras::backend::clear_session();
    keras::Sequential m;
    m.add(kl::Dense(16, {.activation = "relu", .input_shape = {20}}));
    m.add(kl::Dense(4, {.activation = "softmax"}));
    std::ofstream((dir / "mlp.json").string()) << m.to_json();
    m.save_weights((dir / "w.h5").string());
    kernel = m.get_weights()[0];
  }
  const std::string cfg = (dir / "mlp.json").string();
  auto compile_file = [&](const std::string& name, double lr) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << R"({"optimizer": {"module": "keras.optimizers", "class_name": "SGD",)"
                        << R"( "config": {"learning_rate": )" << lr << R"(, "momentum": 0.9}},)"
                        << R"( "loss": "categorical_crossentropy", "metrics": ["accuracy"]})";
    return path;
  };
  KerasFileOptions k;
  k.fit.batch_size = 32;
  const auto [a, b] = program_files_from_args({graph, roles, cfg});
  EXPECT_EQ(a.graph, graph);
  EXPECT_EQ(b.keras_config, cfg);

  k.compile_config = compile_file("same.json", 0.05);
  bool same = false;
  const auto equal = file_case_components(case_from_files(a, b, "clusters:20:4", k), same);
  EXPECT_TRUE(equal.empty());
  EXPECT_TRUE(same);

  k.compile_config = compile_file("lr.json", 0.5);
  const auto lr = file_case_components(case_from_files(a, b, "clusters:20:4", k), same);
  EXPECT_TRUE(has(lr, "optimizer / learning_rate"));
  EXPECT_EQ(lr.size(), 1u);
  EXPECT_FALSE(same);

  // --keras-weights: every seed starts from the file's weights.
  k.weights = (dir / "w.h5").string();
  for (int64_t seed : {0, 3}) {
    Instance w = make_instance([&](const BuildOptions& o) { return load_keras_program(cfg, k, o); },
                               seed, 1);
    EXPECT_TRUE(
        compare(w.session->variable_value(w.program.trainable[0].op()), kernel).bit_identical);
  }

  // Without a compile_config the tool cannot know how the model trains, and says so.
  try {
    (void)load_keras_program(cfg, {}, {.seed = 0});
    ADD_FAILURE() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("--keras-compile"), std::string::npos) << e.what();
  }
  EXPECT_THROW(program_files_from_args({graph, roles}), InvalidArgument);
  EXPECT_THROW(program_files_from_args({cfg, cfg, cfg}), InvalidArgument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dl::parity
