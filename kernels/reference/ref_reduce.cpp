#include "dl/kernels/reference/ref_reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/parallel.h"

namespace dl::kernels::ref {
namespace {

// Where the elements of each reduction group lie: output element j folds the inputs at
// base[j] + roff[r] for r = 0..R-1, in that order.
struct Layout {
  std::vector<int64_t> base;  ///< per output element (kept dims, row-major)
  std::vector<int64_t> roff;  ///< per reduced position (reduced dims, row-major)
};

std::vector<int64_t> odometer(const std::vector<int64_t>& sizes,
                              const std::vector<int64_t>& strides) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<int64_t> out(static_cast<size_t>(n));
  std::vector<int64_t> idx(sizes.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[static_cast<size_t>(i)] = off;
    for (size_t d = sizes.size(); d-- > 0;) {
      if (++idx[d] < sizes[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (sizes[d] - 1);
      idx[d] = 0;
    }
  }
  return out;
}

Layout make_layout(const Shape& in, const std::vector<int>& axes) {
  const int r = in.rank();
  std::vector<int64_t> stride(static_cast<size_t>(r), 1);
  for (int d = r - 2; d >= 0; --d)
    stride[static_cast<size_t>(d)] = stride[static_cast<size_t>(d + 1)] * in.dim(d + 1);
  std::vector<int64_t> ks, kst, rs, rst;
  for (int d = 0; d < r; ++d) {
    const bool red = std::find(axes.begin(), axes.end(), d) != axes.end();
    (red ? rs : ks).push_back(in.dim(d));
    (red ? rst : kst).push_back(stride[static_cast<size_t>(d)]);
  }
  return {odometer(ks, kst), odometer(rs, rst)};
}

std::vector<int> node_axes(const KernelContext& c, int rank) {
  return normalize_axes(c.node.attrs().get<std::vector<int64_t>>("axis"), rank);
}

// out[j] = fin(fold(step, init, inputs of group j)); outputs in blocks of 64 so that the inner
// loop walks neighbouring outputs (contiguous when the kept dims are the inner ones).
template <class T, class Acc, class Out, class Step, class Fin>
void fold(const T* x, const Layout& l, Out* out, Acc init, Step step, Fin fin) {
  constexpr int64_t kBlock = 64;
  const int64_t n = static_cast<int64_t>(l.base.size());
  const int64_t nr = static_cast<int64_t>(l.roff.size());
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int64_t* base = l.base.data();
  const int64_t* roff = l.roff.data();
  detail::parallel_for(blocks, kBlock * std::max<int64_t>(nr, 1), [&](int64_t b) {
    const int64_t j0 = b * kBlock, j1 = std::min(n, j0 + kBlock);
    Acc acc[kBlock];
    for (int64_t j = j0; j < j1; ++j) acc[j - j0] = init;
    for (int64_t r = 0; r < nr; ++r) {
      const int64_t off = roff[r];
      for (int64_t j = j0; j < j1; ++j) acc[j - j0] = step(acc[j - j0], x[base[j] + off], r);
    }
    for (int64_t j = j0; j < j1; ++j) out[j] = fin(acc[j - j0]);
  });
}

template <class T>
using wide_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T>
constexpr T lowest() {
  if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::lowest();
}
template <class T>
constexpr T highest() {
  if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::max();
}
template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  return false;
}

}  // namespace

std::vector<int> normalize_axes(const std::vector<int64_t>& axis, int rank) {
  std::vector<int> out;
  if (axis.empty()) {
    for (int d = 0; d < rank; ++d) out.push_back(d);
    return out;
  }
  for (int64_t a : axis) {
    DL_CHECK(a >= -rank && a < rank, "axis ", a, " is out of range for a tensor of rank ", rank,
             " (expected -", rank, " <= axis < ", rank, ")");
    const int k = static_cast<int>(a < 0 ? a + rank : a);
    DL_CHECK(std::find(out.begin(), out.end(), k) == out.end(), "axis ", a,
             " is listed twice (dimension ", k, ")");
    out.push_back(k);
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <ReduceKind K>
void reduce(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const Layout l = make_layout(x.shape(), node_axes(c, x.shape().rank()));
  const int64_t nr = static_cast<int64_t>(l.roff.size());
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      c.fail("dtype bool is not supported");
    } else {
      using W = wide_t<T>;
      const T* px = x.data<T>();
      T* po = o.data<T>();
      auto to_t = [](auto v) { return static_cast<T>(v); };
      if constexpr (K == ReduceKind::sum) {
        fold(
            px, l, po, W{0}, [](W a, T v, int64_t) { return a + static_cast<W>(v); }, to_t);
      } else if constexpr (K == ReduceKind::mean) {
        fold(
            px, l, po, W{0}, [](W a, T v, int64_t) { return a + static_cast<W>(v); },
            [nr](W a) {
              if constexpr (std::is_floating_point_v<T>) {
                return static_cast<T>(a / static_cast<double>(nr));
              } else {
                return static_cast<T>(nr == 0 ? 0 : a / nr);
              }
            });
      } else if constexpr (K == ReduceKind::prod) {
        fold(
            px, l, po, W{1}, [](W a, T v, int64_t) { return a * static_cast<W>(v); }, to_t);
      } else if constexpr (K == ReduceKind::max) {
        // NaN wins, as in TF's reductions.
        fold(
            px, l, po, lowest<T>(),
            [](T a, T v, int64_t) { return (v > a || is_nan(v)) && !is_nan(a) ? v : a; }, to_t);
      } else {
        fold(
            px, l, po, highest<T>(),
            [](T a, T v, int64_t) { return (v < a || is_nan(v)) && !is_nan(a) ? v : a; }, to_t);
      }
    }
  });
}

template void reduce<ReduceKind::sum>(KernelContext&);
template void reduce<ReduceKind::mean>(KernelContext&);
template void reduce<ReduceKind::max>(KernelContext&);
template void reduce<ReduceKind::min>(KernelContext&);
template void reduce<ReduceKind::prod>(KernelContext&);

template <bool Max>
void arg_reduce(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const int rank = x.shape().rank();
  const Layout l = make_layout(x.shape(), normalize_axes({c.node.attrs().get_int("axis")}, rank));
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    // The accumulator carries (best value, its index); the first of equal values stays.
    struct Best {
      T v;
      int64_t i;
    };
    const Best init{Max ? lowest<T>() : highest<T>(), -1};
    auto step = [](Best a, T v, int64_t r) {
      if (a.i < 0 || (Max ? v > a.v : v < a.v)) return Best{v, r};
      return a;
    };
    if (o.dtype() == DType::i32) {
      fold(px, l, o.data<int32_t>(), init, step, [](Best a) { return static_cast<int32_t>(a.i); });
    } else {
      fold(px, l, o.data<int64_t>(), init, step, [](Best a) { return a.i; });
    }
  });
}

template void arg_reduce<true>(KernelContext&);
template void arg_reduce<false>(KernelContext&);

void prod_others(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const Layout l = make_layout(x.shape(), node_axes(c, x.shape().rank()));
  const int64_t n = static_cast<int64_t>(l.base.size());
  const int64_t nr = static_cast<int64_t>(l.roff.size());
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      c.fail("dtype bool is not supported");
    } else {
      using W = wide_t<T>;
      const T* px = x.data<T>();
      T* po = o.data<T>();
      // Exclusive prefix products forwards, then the suffix products backwards: no division,
      // so zeros are handled exactly.
      detail::parallel_for(n, std::max<int64_t>(nr, 1), [&](int64_t j) {
        const int64_t b = l.base[static_cast<size_t>(j)];
        std::vector<W> pre(static_cast<size_t>(nr));
        W p = 1;
        for (int64_t r = 0; r < nr; ++r) {
          pre[static_cast<size_t>(r)] = p;
          p *= static_cast<W>(px[b + l.roff[static_cast<size_t>(r)]]);
        }
        W suf = 1;
        for (int64_t r = nr - 1; r >= 0; --r) {
          const int64_t at = b + l.roff[static_cast<size_t>(r)];
          po[at] = static_cast<T>(pre[static_cast<size_t>(r)] * suf);
          suf *= static_cast<W>(px[at]);
        }
      });
    }
  });
}

void reduced_size(KernelContext& c) {
  const Shape& s = c.input(0).shape();
  int64_t n = 1;
  for (int d : node_axes(c, s.rank())) n *= s.dim(d);
  Tensor& o = c.output(0);
  visit_dtype(o.dtype(), [&](auto tag) {
    using T = decltype(tag);
    *o.data<T>() = static_cast<T>(n);
  });
}

}  // namespace dl::kernels::ref
