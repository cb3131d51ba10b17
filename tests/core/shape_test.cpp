#include "dl/core/shape.h"

#include <gtest/gtest.h>

#include "dl/core/error.h"

namespace dl {

TEST(Shape, PrintsUnknownDimsAsQuestionMarks) {
  EXPECT_EQ(Shape({-1, 784}).to_string(), "[?,784]");
  EXPECT_EQ(Shape{}.to_string(), "[]");
  EXPECT_EQ(Shape({-1, 784}).num_elements(), -1);
  EXPECT_EQ(Shape({2, 3}).num_elements(), 6);
}

TEST(Shape, Broadcasts) {
  EXPECT_EQ(broadcast_shapes(Shape({4, 1, 3}), Shape({5, 1})), Shape({4, 5, 3}));
  EXPECT_EQ(broadcast_shapes(Shape({-1, 10}), Shape({10})), Shape({-1, 10}));
  EXPECT_EQ(broadcast_shapes(Shape({-1, 1}), Shape({1, 7})), Shape({-1, 7}));
}

TEST(Shape, BroadcastErrorNamesBothShapes) {
  try {
    broadcast_shapes(Shape({2, 3}), Shape({4}));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("[2,3] and [4]"), std::string::npos) << e.what();
  }
}

TEST(Shape, Compatibility) {
  EXPECT_TRUE(Shape({-1, 3}).compatible_with(Shape({8, 3})));
  EXPECT_FALSE(Shape({-1, 3}).compatible_with(Shape({8, 4})));
  EXPECT_FALSE(Shape({3}).compatible_with(Shape({3, 1})));
}

}  // namespace dl
