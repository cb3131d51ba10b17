#pragma once
/// Seeded random orders for the input pipeline. Every number comes from Philox4x32-10
/// (dl/core/random.h) as a pure function of (seed, stream, index), so an order depends only on
/// the seed and the epoch, never on the thread count or on what ran before.
#include <cstdint>
#include <span>
#include <vector>

#include "dl/core/tensor.h"

namespace dl::data {

/// Random 64-bit word number `i` of the stream (seed, stream).
uint64_t random_u64(uint64_t seed, uint64_t stream, uint64_t i);

/// A random integer in [0, n) from word `i` of the stream (seed, stream). Requires n > 0.
uint64_t random_below(uint64_t seed, uint64_t stream, uint64_t i, uint64_t n);

/// A uniformly random permutation of 0..n-1 (Fisher-Yates) for the given seed and epoch: the
/// order in which Keras's fit(shuffle=True) visits in-memory arrays, drawn afresh each epoch.
/// The same (n, seed, epoch) always gives the same permutation.
std::vector<int64_t> permutation(int64_t n, uint64_t seed, uint64_t epoch = 0);

/// A new tensor holding rows `rows` of `t` (along dimension 0), in that order.
/// Throws: InvalidArgument for a scalar `t` or a row index out of range (naming both).
Tensor gather_rows(const Tensor& t, std::span<const int64_t> rows);

/// A 64-bit seed from std::random_device, for "no seed given" (a different order each run, as
/// tf.data with seed=None).
uint64_t nondeterministic_seed();

/// Mixes two 64-bit values into one (SplitMix64 finaliser), to derive sub-stream keys.
uint64_t mix_seed(uint64_t a, uint64_t b);

}  // namespace dl::data
