#include "dl/core/tensor.h"

#include <gtest/gtest.h>

namespace dl {

TEST(Tensor, AllocatesAligned) {
  Tensor t(DType::f32, Shape({3, 5}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  EXPECT_EQ(t.num_bytes(), 60u);
}

TEST(Tensor, ViewsShareTheBuffer) {
  Tensor t = Tensor::from_vector<float>(Shape({2, 3}), {1, 2, 3, 4, 5, 6});
  Tensor r = t.reshaped(Shape({3, 2}));
  EXPECT_TRUE(r.shares_buffer_with(t));
  Tensor row = t.slice_rows(1, 2);
  EXPECT_EQ(row.shape(), Shape({1, 3}));
  EXPECT_EQ(row.data<float>()[0], 4.0f);
  Tensor c = t.clone();
  c.data<float>()[0] = 9;
  EXPECT_EQ(t.data<float>()[0], 1.0f);
}

TEST(Tensor, RefusesUnknownShapesAndBadReshapes) {
  EXPECT_THROW(Tensor(DType::f32, Shape({-1, 3})), InvalidArgument);
  Tensor t(DType::f32, Shape({2, 3}));
  EXPECT_THROW(t.reshaped(Shape({4})), InvalidArgument);
}

TEST(Tensor, Casts) {
  Tensor t = Tensor::from_vector<float>(Shape({3}), {1.7f, -2.2f, 0.0f});
  Tensor i = t.cast(DType::i32);
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{1, -2, 0}));
  Tensor b = t.cast(DType::boolean);
  EXPECT_EQ(b.value_at(2), 0.0);
}

}  // namespace dl
