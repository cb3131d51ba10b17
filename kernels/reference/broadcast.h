#pragma once
/// Internal: iteration over a broadcast result. For each output element (row-major), gives the
/// linear indices of the matching elements of two inputs whose shapes broadcast to it.
#include <cstdint>
#include <vector>

#include "dl/core/shape.h"

namespace dl::detail {

/// Strides of `in` laid against `out` (0 where `in` is broadcast), right-aligned.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

/// Calls f(i_out, i_a, i_b) for every element of `out`.
template <class F>
void for_each_broadcast(const Shape& out, const Shape& a, const Shape& b, F&& f) {
  const int r = out.rank();
  const int64_t n = out.num_elements();
  if (n == 0) return;
  const std::vector<int64_t> sa = broadcast_strides(a, out), sb = broadcast_strides(b, out);
  if (a == out && b == out) {
    for (int64_t i = 0; i < n; ++i) f(i, i, i);
    return;
  }
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, ia, ib);
    for (int d = r - 1; d >= 0; --d) {
      const size_t k = static_cast<size_t>(d);
      if (++idx[k] < out.dim(d)) {
        ia += sa[k];
        ib += sb[k];
        break;
      }
      ia -= sa[k] * (out.dim(d) - 1);
      ib -= sb[k] * (out.dim(d) - 1);
      idx[k] = 0;
    }
  }
}

/// Calls f(i_out, i_a, i_b, i_c) for every element of `out`, for three inputs whose shapes
/// broadcast to it (ClipByValue, SelectV2).
template <class F>
void for_each_broadcast3(const Shape& out, const Shape& a, const Shape& b, const Shape& c, F&& f) {
  const int r = out.rank();
  const int64_t n = out.num_elements();
  if (n == 0) return;
  const std::vector<int64_t> sa = broadcast_strides(a, out), sb = broadcast_strides(b, out),
                             sc = broadcast_strides(c, out);
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  int64_t ia = 0, ib = 0, ic = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, ia, ib, ic);
    for (int d = r - 1; d >= 0; --d) {
      const size_t k = static_cast<size_t>(d);
      if (++idx[k] < out.dim(d)) {
        ia += sa[k];
        ib += sb[k];
        ic += sc[k];
        break;
      }
      ia -= sa[k] * (out.dim(d) - 1);
      ib -= sb[k] * (out.dim(d) - 1);
      ic -= sc[k] * (out.dim(d) - 1);
      idx[k] = 0;
    }
  }
}

}  // namespace dl::detail
