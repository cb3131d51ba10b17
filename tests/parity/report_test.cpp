// The whole method on a case, and its three reports.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "dl/tools/parity_check/lib/examples.h"
#include "dl/tools/parity_check/lib/parity.h"

namespace dl::parity {
namespace {

CheckOptions quick() {
  CheckOptions o;
  o.seeds = 3;
  o.schedule = Schedule{.epochs = 6};
  o.speed_options = {.warmup = 2, .steps = 5, .threads = 1};
  return o;
}

TEST(Report, LearningRateCaseEndToEnd) {
  ExampleSpec a, b;
  b.learning_rate = 1e-4;
  const Report r = check_case(example_case("lr", "learning rate", a, b), quick());
  const auto j = nlohmann::json::parse(report_json(r));
  EXPECT_EQ(j["case"], "lr");
  ASSERT_EQ(j["static_diff"]["findings"].size(), 1u);
  EXPECT_EQ(j["static_diff"]["findings"][0]["component"], "optimizer");
  EXPECT_EQ(j["static_diff"]["findings"][0]["aspect"], "learning_rate");
  EXPECT_EQ(j["replay"]["first_divergence"]["stage"], "update");
  ASSERT_EQ(j["ablation"]["variants"].size(), 1u);
  EXPECT_TRUE(j["ablation"]["variants"][0]["claimed"].get<bool>());
  EXPECT_EQ(j["ablation"]["a_runs"].size(), 3u);
  EXPECT_TRUE(j["speed"]["a"]["per_op"].is_array());
  EXPECT_LT(unexplained_gap(r), 0.05);

  const std::string html = report_html(r);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("polyline"), std::string::npos);
  EXPECT_NE(html.find("learning_rate"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);

  std::FILE* f = std::tmpfile();
  print_report(r, f);
  EXPECT_GT(std::ftell(f), 1000);
  std::fclose(f);
}

TEST(Report, EquivalentCaseIsReportedEquivalent) {
  ExampleSpec a, b;
  b.use_layers = false;
  CheckOptions o = quick();
  o.speed = false;
  o.replay_steps = 10;
  const Report r = check_case(example_case("eq", "", a, b), o);
  EXPECT_TRUE(r.diff.findings.empty());
  EXPECT_TRUE(r.replay.bit_identical);
  EXPECT_TRUE(r.replay.final_weights_identical);
  EXPECT_TRUE(r.ablation.variants.empty());
  EXPECT_EQ(unexplained_gap(r), 0.0);
  ASSERT_FALSE(r.conclusions.empty());
  EXPECT_NE(r.conclusions[0].find("equivalently"), std::string::npos);
}

}  // namespace
}  // namespace dl::parity
