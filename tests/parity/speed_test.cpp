// Speed: the structure of the breakdown (no timed assertions): work one program does on every
// step and the other does not is found.
#include "dl/tools/parity_check/lib/speed.h"

#include <gtest/gtest.h>

#include "dl/tools/parity_check/lib/examples.h"

namespace dl::parity {
namespace {

TEST(Speed, FindsExtraRunsGraphGrowthAndRebuiltPlans) {
  ExampleSpec a, b;
  b.grow_graph = true;
  b.extra_eval_every = 1;
  Case c = example_case("speed", "", a, b);
  Dataset d = example_data(a, 320, 64);
  const SpeedComparison s = compare_speed(c, d, {.warmup = 3, .steps = 10, .threads = 1});
  ASSERT_TRUE(s.ran);
  EXPECT_EQ(s.a.steps, 10);
  EXPECT_DOUBLE_EQ(s.a.runs_per_step, 1.0);
  EXPECT_DOUBLE_EQ(s.b.runs_per_step, 2.0);  // train step and extra eval
  EXPECT_DOUBLE_EQ(s.a.nodes_added_per_step, 0.0);
  EXPECT_GT(s.b.nodes_added_per_step, 0.0);
  EXPECT_DOUBLE_EQ(s.a.plans_built_per_step, 0.0);
  EXPECT_GE(s.b.plans_built_per_step, 1.0);
  EXPECT_GT(s.a.nodes_per_step, 10.0);
  EXPECT_FALSE(s.a.per_op.empty());
  bool grows = false, runs = false;
  for (const auto& w : s.extra_work) {
    grows = grows || w.find("graph grows") != std::string::npos;
    runs = runs || w.find("Session::run calls") != std::string::npos;
  }
  EXPECT_TRUE(grows);
  EXPECT_TRUE(runs);
  EXPECT_FALSE(s.items.empty());
}

}  // namespace
}  // namespace dl::parity
