// The process-wide oneDNN primitive cache: keys, LRU eviction, and that building the same plan
// twice (two Sessions over one graph) finds its primitives in the cache.
#include "dl/kernels/onednn/primitive_cache.h"

#include <gtest/gtest.h>

#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/kernels/kernel_registry.h"

namespace dl {
namespace {

using onednn::PrimitiveCache;
using onednn::PrimitiveKey;

TEST(PrimitiveKey, EqualityAndHash) {
  PrimitiveKey a("conv_fwd"), b("conv_fwd"), c("conv_bwd_data");
  a.add({1, 2}).add(3);
  b.add({1, 2}).add(3);
  c.add({1, 2}).add(3);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_FALSE(a == c);
  PrimitiveKey d("conv_fwd"), e("conv_fwd");
  d.add({1}).add({2, 3});
  e.add({1, 2}).add({3});
  EXPECT_FALSE(d == e);  // lengths are part of the key
  EXPECT_EQ(a.to_string(), "conv_fwd{2,1,2,3}");
}

TEST(PrimitiveCacheTest, LruEvictsTheLeastRecentlyUsed) {
  PrimitiveCache cache(2);
  int made = 0;
  auto get = [&](int64_t k) {
    return *cache.get_or_create<int64_t>(PrimitiveKey("t").add(k), [&] {
      ++made;
      return std::make_shared<const int64_t>(k * 10);
    });
  };
  EXPECT_EQ(get(1), 10);
  EXPECT_EQ(get(2), 20);
  EXPECT_EQ(get(1), 10);  // hit; 2 is now the least recently used
  EXPECT_EQ(get(3), 30);  // evicts 2
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(get(1), 10);  // still there
  EXPECT_EQ(made, 3);
  EXPECT_EQ(get(2), 20);  // built again
  EXPECT_EQ(made, 4);
  EXPECT_EQ(cache.hits(), 2);
  EXPECT_EQ(cache.misses(), 4);
  // A failing build stores nothing.
  EXPECT_THROW(cache.get_or_create<int64_t>(
                   PrimitiveKey("t").add(9),
                   []() -> std::shared_ptr<const int64_t> { throw InvalidArgument("no"); }),
               InvalidArgument);
  EXPECT_EQ(cache.size(), 2u);
  cache.set_capacity(1);
  EXPECT_EQ(cache.size(), 1u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.hits(), 0);
}

TEST(PrimitiveCacheTest, SamePlanBuiltTwiceHitsTheCache) {
  const bool saved = KernelRegistry::global().reference_only();
  KernelRegistry::global().set_reference_only(false);
  Graph g;
  // Shapes no other test uses, so the first plan misses.
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 11, 9, 3}), "x");
  Output w = ops::placeholder(g, DType::f32, Shape({3, 3, 3, 7}), "w");
  Output y =
      nn::max_pool(nn::conv2d(x, w, {1, 1, 1, 1}, "SAME"), {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  auto grads = gradients({y}, {x, w});
  FeedDict feeds{{x, testing::random_tensor(Shape({3, 11, 9, 3}), 1)},
                 {w, testing::random_tensor(Shape({3, 3, 3, 7}), 2)}};
  PrimitiveCache& cache = PrimitiveCache::global();
  const int64_t h0 = cache.hits(), m0 = cache.misses();
  Tensor first;
  {
    Session s(g);
    first = s.run(feeds, {grads[1]})[0];
  }
  const int64_t h1 = cache.hits(), m1 = cache.misses();
  // The plan for dw needs conv fwd, conv bwd weights, max pool fwd (training), max pool bwd.
  EXPECT_EQ(m1 - m0, 4);
  EXPECT_EQ(h1 - h0, 0);
  Session s2(g);
  Tensor second = s2.run(feeds, {grads[1]})[0];
  EXPECT_EQ(cache.hits() - h1, 4);
  EXPECT_EQ(cache.misses(), m1);
  EXPECT_TRUE(testing::tensors_equal(first, second));
  // Another batch size is another specialisation with other primitives.
  s2.run({{x, testing::random_tensor(Shape({2, 11, 9, 3}), 3)}, feeds[1]}, {grads[1]});
  EXPECT_EQ(cache.misses() - m1, 4);
  KernelRegistry::global().set_reference_only(saved);
}

}  // namespace
}  // namespace dl
