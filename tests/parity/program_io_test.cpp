// A program saved as graph + roles files reads back with the same roles, and checks the same.
#include "dl/tools/parity_check/lib/program_io.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "dl/tools/parity_check/lib/ablation.h"
#include "dl/tools/parity_check/lib/examples.h"

namespace dl::parity {
namespace {

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("parity_io_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(ProgramIo, RoundTripKeepsRolesAndWeights) {
  ExampleSpec s;
  s.dropout = 0.2;
  const std::string dir = temp_dir();
  const TrainingProgram p = build_example(s, {.seed = 0});
  write_program(p, dir + "/p.graph", dir + "/p.roles.json");
  const TrainingProgram q = load_program(dir + "/p.graph", dir + "/p.roles.json", {.seed = 0});
  EXPECT_EQ(q.input.name(), p.input.name());
  EXPECT_EQ(q.loss.name(), p.loss.name());
  EXPECT_EQ(q.logits.name(), p.logits.name());
  ASSERT_EQ(q.metrics.size(), 1u);
  EXPECT_EQ(q.metrics[0].tensor.name(), p.metrics[0].tensor.name());
  EXPECT_EQ(q.train_targets[0]->name(), p.train_targets[0]->name());
  EXPECT_EQ(q.training_flag.name(), p.training_flag.name());
  EXPECT_EQ(*q.flag_eval_value, 0.0);
  EXPECT_EQ(q.data.label_format, LabelFormat::one_hot);
  EXPECT_EQ(q.trainable.size(), p.trainable.size());

  const ProgramFactory fp = [&](const BuildOptions& o) { return build_example(s, o); };
  const ProgramFactory fq = [&](const BuildOptions& o) {
    return load_program(dir + "/p.graph", dir + "/p.roles.json", o);
  };
  Instance a = make_instance(fp, 0, 1), b = make_instance(fq, 0, 1), c = make_instance(fq, 5, 1);
  const Variable& k = a.program.trainable[0];
  const Tensor wa = a.session->variable_value(k.op());
  const Tensor wb = b.session->variable_value(b.program.trainable[0].op());
  const Tensor wc = c.session->variable_value(c.program.trainable[0].op());
  EXPECT_TRUE(compare(wa, wb).bit_identical);   // seed 0: the file's own draws
  EXPECT_FALSE(compare(wa, wc).bit_identical);  // another seed: redrawn
  EXPECT_NEAR(stats_of(wc).std, stats_of(wa).std, 0.3 * stats_of(wa).std);
  std::filesystem::remove_all(dir);
}

TEST(ProgramIo, DataSpecs) {
  EXPECT_EQ(dataset_from_spec("clusters:5:3:40:20")().num_classes, 3);
  EXPECT_EQ(dataset_from_spec("sort:3:10:5")().x_train.shape(), Shape({10, 3}));
  EXPECT_EQ(dataset_from_spec("images:4:4:1:2:8:4")().x_val.shape(), Shape({4, 4, 4, 1}));
  EXPECT_THROW(dataset_from_spec("nope"), InvalidArgument);
}

}  // namespace
}  // namespace dl::parity
