#pragma once
/// Internal: reference kernels for element-wise ops, written once as templates over a functor.
/// binary_kernel<F> handles broadcasting and every dtype F accepts; parallel_for splits flat
/// (non-broadcast) loops, which keeps results independent of the thread count.
#include <cstdint>
#include <type_traits>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/kernel.h"
#include "dl/kernels/reference/broadcast.h"
#include "dl/kernels/reference/parallel.h"

namespace dl::detail {

/// Functor traits: which dtypes a functor accepts.
template <class T>
inline constexpr bool is_numeric_v = !std::is_same_v<T, bool>;
template <class T>
inline constexpr bool is_float_v = std::is_floating_point_v<T>;
template <class T>
inline constexpr bool is_bool_v = std::is_same_v<T, bool>;
template <class T>
inline constexpr bool is_signed_numeric_v = is_numeric_v<T>&& std::is_signed_v<T>;

/// out = f(a, b) with NumPy broadcasting; output dtype = input dtype.
template <class F>
void binary_kernel(KernelContext& c) {
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  Tensor& o = c.output(0);
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (F::template accepts<T>) {
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* po = o.data<T>();
      const int64_t n = o.num_elements();
      if (a.shape() == o.shape() && b.shape() == o.shape()) {
        parallel_for(n, [&](int64_t i) { po[i] = F::apply(pa[i], pb[i]); });
      } else if (b.num_elements() == 1 && a.shape() == o.shape()) {
        const T s = pb[0];
        parallel_for(n, [&](int64_t i) { po[i] = F::apply(pa[i], s); });
      } else {
        for_each_broadcast(o.shape(), a.shape(), b.shape(), [&](int64_t i, int64_t ia, int64_t ib) {
          po[i] = F::apply(pa[ia], pb[ib]);
        });
      }
    } else {
      c.fail(str_cat("dtype ", name(a.dtype()), " is not supported"));
    }
  });
}

/// out = f(a, b) -> bool, with broadcasting (comparisons).
template <class F>
void compare_kernel(KernelContext& c) {
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  Tensor& o = c.output(0);
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    bool* po = o.data<bool>();
    const int64_t n = o.num_elements();
    if (a.shape() == o.shape() && b.shape() == o.shape()) {
      parallel_for(n, [&](int64_t i) { po[i] = F::apply(pa[i], pb[i]); });
    } else if (b.num_elements() == 1 && a.shape() == o.shape()) {
      const T s = pb[0];
      parallel_for(n, [&](int64_t i) { po[i] = F::apply(pa[i], s); });
    } else {
      for_each_broadcast(o.shape(), a.shape(), b.shape(), [&](int64_t i, int64_t ia, int64_t ib) {
        po[i] = F::apply(pa[ia], pb[ib]);
      });
    }
  });
}

/// out = f(x), same dtype.
template <class F>
void unary_kernel(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (F::template accepts<T>) {
      const T* px = x.data<T>();
      T* po = o.data<T>();
      const int64_t n = o.num_elements();
      parallel_for(n, [&](int64_t i) { po[i] = F::apply(px[i]); });
    } else {
      c.fail(str_cat("dtype ", name(x.dtype()), " is not supported"));
    }
  });
}

}  // namespace dl::detail
