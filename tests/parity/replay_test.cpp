// Lock-step replay: equivalent programs are bit-identical step after step; a pair that differs
// diverges first where the difference acts.
#include "dl/tools/parity_check/lib/replay.h"

#include <gtest/gtest.h>

#include "dl/tools/parity_check/lib/ablation.h"
#include "pairs.h"

namespace dl::parity {
namespace {

ReplayResult replay_pair(const ExampleSpec& sa, const ExampleSpec& sb, int steps = 5) {
  Instance a = make_instance([&](const BuildOptions& o) { return build_example(sa, o); }, 0, 1);
  Instance b = make_instance([&](const BuildOptions& o) { return build_example(sb, o); }, 0, 1);
  Dataset d = example_data(sa, 320, 64);
  const Structure ta = analyze_structure(a.program), tb = analyze_structure(b.program);
  const Alignment al = align(a.program, ta, b.program, tb);
  return replay(a.program, *a.session, ta, b.program, *b.session, tb, al, d, {.steps = steps});
}

TEST(Replay, LayersAndRawVariablesAreBitIdentical) {
  const testing::Pair p = testing::equivalent_pair();
  const ReplayResult r = replay_pair(p.a, p.b);
  ASSERT_TRUE(r.ran) << r.why_not;
  EXPECT_TRUE(r.bit_identical) << r.verdict();
  EXPECT_TRUE(r.final_weights_identical);
  EXPECT_FALSE(r.first_divergence.has_value());
}

TEST(Replay, DropoutMasksAreSharedSoDropoutNetsStayIdentical) {
  testing::Pair p = testing::equivalent_pair();
  p.a.dropout = p.b.dropout = 0.3;
  const ReplayResult r = replay_pair(p.a, p.b);
  ASSERT_TRUE(r.ran) << r.why_not;
  EXPECT_TRUE(r.bit_identical) << r.verdict();
}

TEST(Replay, FlattenOrderIsAPermutation) {
  ExampleSpec a, b;
  a.conv = b.conv = true;
  b.flatten_nchw = true;
  const ReplayResult r = replay_pair(a, b);
  ASSERT_TRUE(r.ran) << r.why_not;
  EXPECT_FALSE(r.first_divergence.has_value()) << r.verdict();
}

TEST(Replay, LearningRateDivergesAtTheUpdate) {
  ExampleSpec a, b;
  b.learning_rate = 1e-4;
  const ReplayResult r = replay_pair(a, b);
  ASSERT_TRUE(r.first_divergence.has_value());
  EXPECT_EQ(r.first_divergence->step, 1);
  EXPECT_EQ(r.first_divergence->stage, "update");
}

TEST(Replay, LossReductionDivergesAtTheLoss) {
  ExampleSpec a, b;
  b.head = "softmax_ce_sum";
  const ReplayResult r = replay_pair(a, b);
  ASSERT_TRUE(r.first_divergence.has_value());
  EXPECT_EQ(r.first_divergence->stage, "loss");
}

TEST(Replay, InitializerDifferenceVanishesOnceWeightsAreCopied) {
  ExampleSpec a, b;
  b.kernel_init = "normal";
  const ReplayResult r = replay_pair(a, b);
  EXPECT_TRUE(r.bit_identical) << r.verdict();
}

}  // namespace
}  // namespace dl::parity
