// The static diff names the one component a pair differs in, and only that one.
#include "dl/tools/parity_check/lib/diff.h"

#include <gtest/gtest.h>

#include <iostream>

#include "pairs.h"

namespace dl::parity {
namespace {

StaticDiff diff_of(const testing::Pair& p) {
  TrainingProgram a = build_example(p.a, {.seed = 0});
  TrainingProgram b = build_example(p.b, {.seed = 0});
  Dataset d = example_data(p.a, 480, 96);
  Session sa(*a.graph, {.intra_op_threads = 1}), sb(*b.graph, {.intra_op_threads = 1});
  sa.run(global_variables_initializer(*a.graph));
  sb.run(global_variables_initializer(*b.graph));
  return static_diff(a, sa, b, sb, d);
}

class OneDifference : public ::testing::TestWithParam<testing::Pair> {};

TEST_P(OneDifference, NamesThatComponentOnly) {
  const testing::Pair& p = GetParam();
  StaticDiff d = diff_of(p);
  for (const Finding& f : d.findings) {
    std::cout << "  [" << to_string(f.severity) << "] " << f.component << " / " << f.aspect << " "
              << f.layer << "\n    A: " << f.a << "\n    B: " << f.b << "\n    " << f.evidence
              << "\n";
  }
  const auto comps = d.components(Severity::low);
  ASSERT_EQ(comps.size(), 1u) << p.name;
  EXPECT_EQ(comps[0], p.component);
  if (!p.aspect.empty()) {
    bool found = false;
    for (const Finding& f : d.findings)
      found = found || f.aspect.find(p.aspect) != std::string::npos;
    EXPECT_TRUE(found) << "aspect " << p.aspect;
  }
}

INSTANTIATE_TEST_SUITE_P(Pairs, OneDifference, ::testing::ValuesIn(testing::one_difference_pairs()),
                         [](const auto& info) { return info.param.name; });

TEST(Equivalent, NoFindings) {
  StaticDiff d = diff_of(testing::equivalent_pair());
  for (const Finding& f : d.findings) {
    std::cout << "  [" << to_string(f.severity) << "] " << f.component << " / " << f.aspect
              << " A: " << f.a << " B: " << f.b << "\n";
  }
  EXPECT_TRUE(d.components(Severity::low).empty());
  EXPECT_TRUE(d.alignment.complete());
}

}  // namespace
}  // namespace dl::parity
