#include "dl/kernels/reference/ref_loss.h"

#include <cmath>
#include <string>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/ref_nn.h"

namespace dl::kernels::ref {
namespace {

template <class L>
int64_t first_bad_label(const L* labels, int64_t n, int64_t classes) {
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= classes) return i;
  }
  return -1;
}

template <class L>
std::string label_list(const L* labels, int64_t n) {
  std::string s;
  const int64_t shown = n < 32 ? n : 32;
  for (int64_t i = 0; i < shown; ++i) s += str_cat(i ? " " : "", labels[i]);
  if (shown < n) s += " ...";
  return s;
}

}  // namespace

void softmax_cross_entropy(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& z = c.input(1);
  Tensor& loss = c.output(0);
  Tensor& back = c.output(1);
  const int64_t rows = x.shape().dim(0), cols = x.shape().dim(1);
  visit_float_dtype(x.dtype(), "SoftmaxCrossEntropyWithLogits", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    const T* pz = z.data<T>();
    T* pl = loss.data<T>();
    T* pb = back.data<T>();
    if (cols == 0) {
      for (int64_t r = 0; r < rows; ++r) pl[r] = 0;
      return;
    }
    for_each_row(rows, cols, [&](int64_t r) {
      const int64_t b = r * cols;
      T m = px[b];
      for (int64_t k = 1; k < cols; ++k) m = px[b + k] > m ? px[b + k] : m;
      T sum = 0;
      for (int64_t k = 0; k < cols; ++k) sum += std::exp(px[b + k] - m);
      const T log_sum = std::log(sum);
      T l = 0;
      for (int64_t k = 0; k < cols; ++k) {
        const T shifted = px[b + k] - m;
        l += pz[b + k] * (log_sum - shifted);
        pb[b + k] = std::exp(shifted) / sum - pz[b + k];
      }
      pl[r] = l;
    });
  });
}

void sparse_softmax_cross_entropy(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& labels = c.input(1);
  Tensor& loss = c.output(0);
  Tensor& back = c.output(1);
  const int64_t rows = x.shape().dim(0), cols = x.shape().dim(1);
  // Labels are checked before any parallel work: the error names the first bad one.
  const auto check = [&](const auto* p) {
    const int64_t bad = first_bad_label(p, rows, cols);
    if (bad >= 0) {
      c.fail(str_cat("Received a label value of ", p[bad],
                     " which is outside the valid range of [0, ", cols,
                     ").  Label values: ", label_list(p, rows)));
    }
  };
  if (labels.dtype() == DType::i32) {
    check(labels.data<int32_t>());
  } else {
    check(labels.data<int64_t>());
  }
  const auto label_at = [&](int64_t r) -> int64_t {
    return labels.dtype() == DType::i32 ? labels.data<int32_t>()[r] : labels.data<int64_t>()[r];
  };
  visit_float_dtype(x.dtype(), "SparseSoftmaxCrossEntropyWithLogits", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* pl = loss.data<T>();
    T* pb = back.data<T>();
    for_each_row(rows, cols, [&](int64_t r) {
      const int64_t b = r * cols;
      const int64_t y = label_at(r);
      T m = px[b];
      for (int64_t k = 1; k < cols; ++k) m = px[b + k] > m ? px[b + k] : m;
      T sum = 0;
      for (int64_t k = 0; k < cols; ++k) sum += std::exp(px[b + k] - m);
      pl[r] = std::log(sum) - (px[b + y] - m);
      for (int64_t k = 0; k < cols; ++k) {
        pb[b + k] = std::exp(px[b + k] - m) / sum - (k == y ? T{1} : T{0});
      }
    });
  });
}

void sigmoid_cross_entropy(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& z = c.input(1);
  Tensor& o = c.output(0);
  visit_float_dtype(x.dtype(), "SigmoidCrossEntropyWithLogits", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    const T* pz = z.data<T>();
    T* po = o.data<T>();
    const int64_t n = o.num_elements();
    detail::parallel_for(n, [&](int64_t i) {
      const T v = px[i];
      po[i] = (v > 0 ? v : T{0}) - v * pz[i] + std::log1p(std::exp(-std::abs(v)));
    });
  });
}

void l2_loss(KernelContext& c) {
  const Tensor& t = c.input(0);
  Tensor& o = c.output(0);
  visit_float_dtype(t.dtype(), "L2Loss", [&](auto tag) {
    using T = decltype(tag);
    const T* p = t.data<T>();
    double acc = 0;
    for (int64_t i = 0, n = t.num_elements(); i < n; ++i) {
      acc += static_cast<double>(p[i]) * static_cast<double>(p[i]);
    }
    *o.data<T>() = static_cast<T>(acc / 2);
  });
}

}  // namespace dl::kernels::ref
