#include "dl/kernels/reference/ref_math.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/broadcast.h"
#include "dl/kernels/reference/parallel.h"

namespace dl::kernels::ref {
namespace {

template <class T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// Copies a [rows, cols] row-major matrix transposed into dst ([cols, rows]).
template <class T>
void transpose_into(const T* src, int64_t rows, int64_t cols, std::vector<T>& dst) {
  dst.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols; ++k) dst[static_cast<size_t>(k * rows + r)] = src[r * cols + k];
}

}  // namespace

void matmul(KernelContext& c) {
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  Tensor& o = c.output(0);
  const bool ta = c.node.attrs().get_bool("transpose_a");
  const bool tb = c.node.attrs().get_bool("transpose_b");
  const int64_t m = o.shape().dim(0), n = o.shape().dim(1);
  const int64_t k = ta ? a.shape().dim(0) : a.shape().dim(1);
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      c.fail("dtype bool is not supported");
    } else {
      // Lay both operands out so that the k index is contiguous: A as [m,k], B as [n,k].
      std::vector<T> at, bt;
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      if (ta) {
        transpose_into(pa, k, m, at);
        pa = at.data();
      }
      if (!tb) {
        transpose_into(pb, k, n, bt);
        pb = bt.data();
      }
      T* po = o.data<T>();
      detail::parallel_for(m, n * std::max<int64_t>(k, 1), [&](int64_t i) {
        const T* row = pa + i * k;
        for (int64_t j = 0; j < n; ++j) {
          const T* col = pb + j * k;
          acc_t<T> acc = 0;
          for (int64_t p = 0; p < k; ++p) acc += static_cast<acc_t<T>>(row[p]) * col[p];
          po[i * n + j] = static_cast<T>(acc);
        }
      });
    }
  });
}

void cast(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const int64_t n = x.num_elements();
  visit_dtype(o.dtype(), [&](auto to) {
    using To = decltype(to);
    To* po = o.data<To>();
    visit_dtype(x.dtype(), [&](auto from) {
      using From = decltype(from);
      const From* px = x.data<From>();
      detail::parallel_for(n, [&](int64_t i) { po[i] = static_cast<To>(px[i]); });
    });
  });
}

void clip_by_value(KernelContext& c) {
  const Tensor& t = c.input(0);
  const Tensor& lo = c.input(1);
  const Tensor& hi = c.input(2);
  Tensor& o = c.output(0);
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pt = t.data<T>();
    const T* pl = lo.data<T>();
    const T* ph = hi.data<T>();
    T* po = o.data<T>();
    // As TF's clip_by_value: maximum(minimum(t, hi), lo).
    detail::for_each_broadcast3(o.shape(), t.shape(), lo.shape(), hi.shape(),
                                [&](int64_t i, int64_t it, int64_t il, int64_t ih) {
                                  const T v = ph[ih] < pt[it] ? ph[ih] : pt[it];
                                  po[i] = v < pl[il] ? pl[il] : v;
                                });
  });
}

void select(KernelContext& c) {
  const Tensor& cond = c.input(0);
  const Tensor& x = c.input(1);
  const Tensor& y = c.input(2);
  Tensor& o = c.output(0);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool* pc = cond.data<bool>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* po = o.data<T>();
    detail::for_each_broadcast3(
        o.shape(), cond.shape(), x.shape(), y.shape(),
        [&](int64_t i, int64_t ic, int64_t ix, int64_t iy) { po[i] = pc[ic] ? px[ix] : py[iy]; });
  });
}

}  // namespace dl::kernels::ref
