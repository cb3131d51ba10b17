#pragma once
/// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011, as in TF and cuRAND).
/// Every number is a pure function of (key, counter): a random tensor's element i depends only
/// on the seeds, the op's identity, how many times the op has run, and i, so the values are the
/// same whatever the thread count or the order in which ops were created.
#include <array>
#include <cstdint>
#include <string_view>

namespace dl {

/// One Philox4x32-10 block: four 32-bit words for a 64-bit key and a 128-bit counter.
std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 2> key, std::array<uint32_t, 4> counter);

/// The random stream of one op: key = (graph seed, op seed), counter = (block, run).
struct RandomStream {
  uint32_t seed = 0;   ///< graph-level seed (tf.set_random_seed)
  uint32_t seed2 = 0;  ///< op-level seed
  uint64_t run = 0;    ///< how many times the op ran before (fresh numbers each run)

  std::array<uint32_t, 4> block(uint64_t index, uint32_t sub = 0) const;
  /// Uniform float in [0, 1) for element i (23 random mantissa bits, as TF's Uint32ToFloat).
  float uniform(uint64_t i) const;
  /// Uniform double in [0, 1) for element i.
  double uniform_double(uint64_t i) const;
  /// Standard normal for element i (Box-Muller on one Philox block).
  double normal(uint64_t i) const;
  /// Standard normal truncated to (-2, 2) for element i: resampled on a sub-stream until inside.
  double truncated_normal(uint64_t i) const;
};

/// TF1's default graph seed when only the op seed is set (random_seed.py DEFAULT_GRAPH_SEED).
inline constexpr uint32_t kDefaultGraphSeed = 87654321u;

/// A 31-bit hash of a node name, the op seed of a random op created without one. TF1 uses the
/// number of ops created so far instead, which changes whenever an unrelated op is added first;
/// dl uses the name so that the same layer gets the same numbers (docs/architecture.md).
uint32_t seed_from_name(std::string_view name);

}  // namespace dl
