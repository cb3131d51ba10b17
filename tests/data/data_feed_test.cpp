#include "dl/graph/data_feed.h"

#include <gtest/gtest.h>

#include "../io/io_test_util.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl {
namespace {

using testing::contains;
using testing::error_of;

TEST(DataFeed, Tf1LoopRunsUntilOutOfRange) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 2}), "x");
  Output y = ops::placeholder(g, DType::i32, Shape({-1}), "y");
  Output doubled = x * 2.0;
  Session sess(g);

  Tensor xs = Tensor::from_vector<float>(Shape({5, 2}), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor ys = Tensor::from_vector<int32_t>(Shape({5}), {0, 1, 0, 1, 0});
  DataFeed feed(data::Dataset::from_tensor_slices({xs, ys}).batch(2), {x, y});
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<float> seen;
    int steps = 0;
    while (true) {
      try {
        const Tensor out = sess.run(feed.next(), {doubled})[0];
        for (float v : out.values<float>()) seen.push_back(v);
        ++steps;
      } catch (const OutOfRange& e) {
        EXPECT_TRUE(contains(e.what(), "End of sequence")) << e.what();
        break;
      }
    }
    EXPECT_EQ(steps, 3);
    EXPECT_EQ(seen, (std::vector<float>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}));
    EXPECT_EQ(feed.last()[0].shape(), Shape({1, 2}));
    feed.reset();
  }
}

TEST(DataFeed, NamesThePlaceholderWhenABatchDoesNotFit) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 784}), "images");
  Tensor xs = Tensor::zeros(DType::f32, Shape({4, 28, 28}));
  DataFeed feed(data::Dataset::from_tensor_slices({xs}).batch(2), {x});
  std::string msg = error_of([&] { feed.next(); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "placeholder 'images:0'")) << msg;
  EXPECT_TRUE(contains(msg, "float32[?,784]")) << msg;
  EXPECT_TRUE(contains(msg, "float32[2,28,28]")) << msg;

  Output y = ops::placeholder(g, DType::i32, Shape({-1}), "labels");
  DataFeed two(data::Dataset::from_tensor_slices({xs}).batch(2), {x, y});
  msg = error_of([&] { two.next(); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "1 components but 2 placeholders")) << msg;
}

}  // namespace
}  // namespace dl
