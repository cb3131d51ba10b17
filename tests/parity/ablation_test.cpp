// Ablation: swapping the one differing component from A into B closes the gap, measured over
// several seeds against the noise floor; the equivalent pair claims no cause.
#include "dl/tools/parity_check/lib/ablation.h"

#include <gtest/gtest.h>

#include "pairs.h"

namespace dl::parity {
namespace {

struct Outcome {
  StaticDiff diff;
  Ablation ablation;
};

Outcome ablate(const testing::Pair& p, int epochs, int seeds = 5) {
  Case c = example_case(p.name, "", p.a, p.b);
  Dataset d = example_data(p.a, 960, 480);
  Instance a = make_instance(c.a, 0, 1), b = make_instance(c.b, 0, 1);
  Outcome r;
  r.diff = static_diff(a.program, *a.session, b.program, *b.session, d);
  AblationOptions o;
  o.seeds = seeds;
  o.schedule = {.epochs = epochs};
  r.ablation = run_ablation(c, d, r.diff, o);
  return r;
}

testing::Pair pair(const std::string& name) {
  for (auto& p : testing::one_difference_pairs()) {
    if (p.name == name) return p;
  }
  throw NotFound(name);
}

struct Expect {
  std::string pair;
  int epochs;
  std::string swap;
};

void PrintTo(const Expect& e, std::ostream* os) { *os << e.pair; }

class ClaimsTheCause : public ::testing::TestWithParam<Expect> {};

TEST_P(ClaimsTheCause, TopRankedAndCloses) {
  const Expect& e = GetParam();
  testing::Pair p = pair(e.pair);
  if (e.pair == "loss_sum_vs_mean") {
    // Adam is invariant to the loss scale (the tool measures no effect there); SGD is not.
    p.a.optimizer = p.b.optimizer = "sgd";
    p.a.learning_rate = p.b.learning_rate = 0.05;
  }
  Outcome r = ablate(p, e.epochs);
  const Ablation& ab = r.ablation;
  // Stale moving statistics have a second lever: what B feeds its learning phase at
  // validation (batch statistics instead of the never-updated ones), measured as its own variant.
  const size_t expected = e.pair == "missing_update_ops" ? 2u : 1u;
  ASSERT_EQ(ab.variants.size(), expected);
  auto variant = [&](const std::string& swap) -> const VariantResult* {
    for (const VariantResult& v : ab.variants)
      if (v.swap == swap) return &v;
    return nullptr;
  };
  const VariantResult* v = variant(e.swap);
  ASSERT_NE(v, nullptr) << e.swap;
  EXPECT_TRUE(v->claimed);
  if (expected == 2u) {
    EXPECT_NE(variant("mode.eval_batch_statistics"), nullptr);
  } else {
    EXPECT_EQ(ab.variants[0].swap, e.swap);  // top-ranked
  }
  // It closes the primary gap (within the noise of the measure).
  const Measure& m = ab.measures[static_cast<size_t>(ab.primary)];
  EXPECT_TRUE(m.gap_significant());
  EXPECT_NEAR(v->effect[static_cast<size_t>(ab.primary)], m.gap, m.noise);
  EXPECT_LT(std::abs(ab.unexplained), 0.5);
}

INSTANTIATE_TEST_SUITE_P(Pairs, ClaimsTheCause,
                         ::testing::Values(Expect{"init_stddev", 8, "initializer"},
                                           Expect{"learning_rate", 8, "optimizer.learning_rate"},
                                           Expect{"loss_sum_vs_mean", 8, "loss_head"},
                                           Expect{"metric_binary", 2, "metric:accuracy"},
                                           Expect{"dropout_at_eval", 8, "mode.eval"},
                                           Expect{"missing_update_ops", 8, "update_ops"}),
                         [](const auto& info) { return info.param.pair; });

TEST(Ablation, AdamIgnoresTheLossScale) {
  // Found, swapped, measured: no effect beyond the noise, so no cause is claimed.
  Outcome r = ablate(pair("loss_sum_vs_mean"), 8);
  ASSERT_EQ(r.ablation.variants.size(), 1u);
  EXPECT_FALSE(r.ablation.variants[0].claimed);
}

TEST(Ablation, EquivalentProgramsClaimNothing) {
  Outcome r = ablate(testing::equivalent_pair(), 8);
  EXPECT_TRUE(r.ablation.variants.empty());
  for (const Measure& m : r.ablation.measures) EXPECT_FALSE(m.gap_significant()) << m.name;
}

}  // namespace
}  // namespace dl::parity
