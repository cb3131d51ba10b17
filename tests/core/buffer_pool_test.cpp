// The buffer pool behind Tensor: large blocks come back for the same size class, small ones go to
// malloc, and every block is 64-byte aligned.
#include "dl/core/buffer_pool.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "dl/core/tensor.h"

namespace dl {
namespace {

TEST(BufferPool, LargeBlocksAreReusedForTheSameSizeClass) {
  detail::buffer_pool_trim();
  const void* first = nullptr;
  {
    Tensor t(DType::f32, Shape({64, 24, 24, 20}));
    first = t.raw_data();
  }
  EXPECT_GE(detail::buffer_pool_cached_bytes(), size_t{64 * 24 * 24 * 20 * 4});
  // A slightly smaller request falls in the same class and gets the same block back.
  Tensor again(DType::f32, Shape({64 * 24 * 24 * 20 - 100}));
  EXPECT_EQ(again.raw_data(), first);
  EXPECT_EQ(detail::buffer_pool_cached_bytes(), 0u);
}

TEST(BufferPool, SmallBlocksAreNotCached) {
  detail::buffer_pool_trim();
  { Tensor t(DType::f32, Shape({100})); }
  EXPECT_EQ(detail::buffer_pool_cached_bytes(), 0u);
}

TEST(BufferPool, BlocksAreAlignedAndWritable) {
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{1} << 20,
                       (size_t{1} << 20) + 12345}) {
    void* p = detail::buffer_allocate(bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    if (bytes) static_cast<char*>(p)[bytes - 1] = 1;
    detail::buffer_release(p, bytes);
  }
  detail::buffer_pool_trim();
  EXPECT_EQ(detail::buffer_pool_cached_bytes(), 0u);
}

}  // namespace
}  // namespace dl
