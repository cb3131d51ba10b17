#include "dl/core/random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dl {

// Known answers of Philox4x32-10, as TensorFlow 2.21 produces them:
// tf.random.Generator.from_state([ctr_lo64, ctr_hi64, key], alg='philox').uniform_full_int([4],
// tf.uint32)
TEST(Philox, MatchesKnownAnswers) {
  auto r = philox4x32({0, 0}, {0, 0, 0, 0});
  EXPECT_EQ(r[0], 0x6627e8d5u);
  EXPECT_EQ(r[1], 0xe169c58du);
  EXPECT_EQ(r[2], 0xbc57ac4cu);
  EXPECT_EQ(r[3], 0x9b00dbd8u);
  r = philox4x32({0xa4093822u, 0x299f31d0u}, {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u});
  EXPECT_EQ(r[0], 0xd16cfe09u);
  EXPECT_EQ(r[1], 0x94fdccebu);
  EXPECT_EQ(r[2], 0x5001e420u);
  EXPECT_EQ(r[3], 0x24126ea1u);
}

TEST(RandomStream, IsAPureFunctionOfItsInputs) {
  RandomStream a{1, 2, 0}, b{1, 2, 0}, c{1, 2, 1};
  EXPECT_EQ(a.uniform(17), b.uniform(17));
  EXPECT_NE(a.uniform(17), c.uniform(17));
}

TEST(RandomStream, MomentsAreRight) {
  RandomStream s{7, 9, 0};
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0, st2 = 0, tmax = 0;
  for (int i = 0; i < n; ++i) {
    su += s.uniform(static_cast<uint64_t>(i));
    const double z = s.normal(static_cast<uint64_t>(i));
    sn += z;
    sn2 += z * z;
    const double t = s.truncated_normal(static_cast<uint64_t>(i));
    st2 += t * t;
    tmax = std::max(tmax, std::fabs(t));
  }
  EXPECT_NEAR(su / n, 0.5, 0.005);
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.01);
  EXPECT_NEAR(st2 / n, 0.7737, 0.01);  // variance of N(0,1) truncated to (-2, 2)
  EXPECT_LT(tmax, 2.0);
}

}  // namespace dl
