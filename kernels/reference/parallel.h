#pragma once
/// Internal: parallel_for over independent indices. Small ranges run inline: entering an OpenMP
/// region costs far more than a small loop, and the executor's per-op overhead is dominated by it.
#include <cstdint>

namespace dl::detail {

inline constexpr int64_t kParallelThreshold = 32768;

template <class F>
void parallel_for(int64_t n, F&& f) {
  if (n < kParallelThreshold) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) f(i);
}

/// Same, when each index costs about `cost` elementary steps (a row of a reduction, a dot
/// product): runs inline unless n * cost reaches the threshold.
template <class F>
void parallel_for(int64_t n, int64_t cost, F&& f) {
  if (n < 2 || n * cost < kParallelThreshold) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace dl::detail
