#include "dl/kernels/reference/ref_nn.h"

#include <cmath>
#include <limits>
#include <vector>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/broadcast.h"

namespace dl::kernels::ref {
namespace {

// y[i] = f(x[i]); f is a generic lambda called with a T.
template <class F>
void map1(KernelContext& c, F f) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  visit_float_dtype(x.dtype(), c.node.type().c_str(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = o.data<T>();
    const int64_t n = o.num_elements();
    detail::parallel_for(n, [&](int64_t i) { po[i] = f(px[i]); });
  });
}

// z[i] = f(a[i], b[i]) for the gradient ops (both inputs have the output's shape).
template <class F>
void map2(KernelContext& c, F f) {
  const Tensor& a = c.input(0);
  const Tensor& b = c.input(1);
  Tensor& o = c.output(0);
  visit_float_dtype(a.dtype(), c.node.type().c_str(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* po = o.data<T>();
    const int64_t n = o.num_elements();
    detail::parallel_for(n, [&](int64_t i) { po[i] = f(pa[i], pb[i]); });
  });
}

// TF's LeakyRelu attribute `alpha` is a float32 attr, so TF's float64 kernel multiplies by
// float(alpha) widened to double; rounding through float keeps float64 results equal to TF's.
template <class T>
T leaky_alpha(const KernelContext& c) {
  return static_cast<T>(static_cast<float>(c.node.attrs().get_float("alpha")));
}

// Rows of the last axis: [rows, cols].
struct Rows {
  int64_t rows = 0, cols = 0;
};
Rows rows_of(const Tensor& t) {
  const int r = t.shape().rank();
  Rows out;
  out.cols = r == 0 ? 1 : t.shape().dim(r - 1);
  out.rows = out.cols == 0 ? 0 : t.num_elements() / out.cols;
  return out;
}

}  // namespace

void bias_add(KernelContext& c) {
  const Tensor& v = c.input(0);
  const Tensor& b = c.input(1);
  Tensor& o = c.output(0);
  const Rows rc = rows_of(v);
  visit_float_dtype(v.dtype(), "BiasAdd", [&](auto tag) {
    using T = decltype(tag);
    const T* pv = v.data<T>();
    const T* pb = b.data<T>();
    T* po = o.data<T>();
    for_each_row(rc.rows, rc.cols, [&](int64_t r) {
      for (int64_t k = 0; k < rc.cols; ++k) po[r * rc.cols + k] = pv[r * rc.cols + k] + pb[k];
    });
  });
}

void bias_add_grad(KernelContext& c) {
  const Tensor& g = c.input(0);
  Tensor& o = c.output(0);
  const Rows rc = rows_of(g);
  visit_float_dtype(g.dtype(), "BiasAddGrad", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = g.data<T>();
    T* po = o.data<T>();
    // One channel per iteration, rows summed in order: the result does not depend on the
    // thread count.
    for_each_row(rc.cols, rc.rows, [&](int64_t k) {
      double acc = 0;
      for (int64_t r = 0; r < rc.rows; ++r) acc += static_cast<double>(pg[r * rc.cols + k]);
      po[k] = static_cast<T>(acc);
    });
  });
}

void relu(KernelContext& c) {
  map1(c, [](auto x) { return x < 0 ? decltype(x){0} : x; });
}
void relu_grad(KernelContext& c) {
  map2(c, [](auto g, auto f) { return f > 0 ? g : decltype(g){0}; });
}
void relu6(KernelContext& c) {
  map1(c, [](auto x) {
    using T = decltype(x);
    return x < 0 ? T{0} : (x > 6 ? T{6} : x);
  });
}
void relu6_grad(KernelContext& c) {
  map2(c, [](auto g, auto f) { return f > 0 && f < 6 ? g : decltype(g){0}; });
}
void elu(KernelContext& c) {
  map1(c, [](auto x) { return x < 0 ? std::expm1(x) : x; });
}
void elu_grad(KernelContext& c) {
  map2(c, [](auto g, auto y) { return y < 0 ? (y + 1) * g : g; });
}
void selu(KernelContext& c) {
  map1(c, [](auto x) {
    using T = decltype(x);
    return x < 0 ? static_cast<T>(kSeluScale * kSeluAlpha) * std::expm1(x)
                 : static_cast<T>(kSeluScale) * x;
  });
}
void selu_grad(KernelContext& c) {
  map2(c, [](auto g, auto y) {
    using T = decltype(g);
    return y < 0 ? g * (y + static_cast<T>(kSeluScale * kSeluAlpha))
                 : g * static_cast<T>(kSeluScale);
  });
}
void softplus(KernelContext& c) {
  map1(c, [](auto x) {
    using T = decltype(x);
    // TF's thresholds: beyond them softplus(x) is x or exp(x) to machine precision, and exp
    // would overflow or lose everything.
    const T threshold = std::log(std::numeric_limits<T>::epsilon()) + T{2};
    if (x > -threshold) return x;
    if (x < threshold) return std::exp(x);
    return std::log1p(std::exp(x));
  });
}
void softplus_grad(KernelContext& c) {
  map2(c, [](auto g, auto x) { return g / (std::exp(-x) + 1); });
}
void softsign(KernelContext& c) {
  map1(c, [](auto x) { return x / (std::abs(x) + 1); });
}
void softsign_grad(KernelContext& c) {
  map2(c, [](auto g, auto x) {
    const auto d = std::abs(x) + 1;
    return g / (d * d);
  });
}
void leaky_relu(KernelContext& c) {
  visit_float_dtype(c.input(0).dtype(), "LeakyRelu", [&](auto tag) {
    using T = decltype(tag);
    const T alpha = leaky_alpha<T>(c);
    map1(c, [alpha](auto x) { return x > 0 ? x : x * static_cast<decltype(x)>(alpha); });
  });
}
void leaky_relu_grad(KernelContext& c) {
  visit_float_dtype(c.input(0).dtype(), "LeakyReluGrad", [&](auto tag) {
    using T = decltype(tag);
    const T alpha = leaky_alpha<T>(c);
    map2(c, [alpha](auto g, auto f) { return f > 0 ? g : g * static_cast<decltype(g)>(alpha); });
  });
}
void tanh(KernelContext& c) {
  map1(c, [](auto x) { return std::tanh(x); });
}
void tanh_grad(KernelContext& c) {
  map2(c, [](auto y, auto dy) { return dy * (1 - y * y); });
}
void sigmoid(KernelContext& c) {
  map1(c, [](auto x) {
    using T = decltype(x);
    // Never exp of a large positive number.
    if (x >= 0) return T{1} / (T{1} + std::exp(-x));
    const T e = std::exp(x);
    return e / (T{1} + e);
  });
}
void sigmoid_grad(KernelContext& c) {
  map2(c, [](auto y, auto dy) { return dy * y * (1 - y); });
}

void softmax(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const Rows rc = rows_of(x);
  visit_float_dtype(x.dtype(), "Softmax", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = o.data<T>();
    for_each_row(rc.rows, rc.cols, [&](int64_t r) {
      const T* xr = px + r * rc.cols;
      T* yr = po + r * rc.cols;
      T m = xr[0];
      for (int64_t k = 1; k < rc.cols; ++k) m = xr[k] > m ? xr[k] : m;
      T sum = 0;
      for (int64_t k = 0; k < rc.cols; ++k) {
        yr[k] = std::exp(xr[k] - m);
        sum += yr[k];
      }
      for (int64_t k = 0; k < rc.cols; ++k) yr[k] /= sum;
    });
  });
}

void log_softmax(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const Rows rc = rows_of(x);
  visit_float_dtype(x.dtype(), "LogSoftmax", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = o.data<T>();
    for_each_row(rc.rows, rc.cols, [&](int64_t r) {
      const T* xr = px + r * rc.cols;
      T* yr = po + r * rc.cols;
      T m = xr[0];
      for (int64_t k = 1; k < rc.cols; ++k) m = xr[k] > m ? xr[k] : m;
      T sum = 0;
      for (int64_t k = 0; k < rc.cols; ++k) sum += std::exp(xr[k] - m);
      const T log_sum = std::log(sum);
      for (int64_t k = 0; k < rc.cols; ++k) yr[k] = (xr[k] - m) - log_sum;
    });
  });
}

void softmax_grad(KernelContext& c) {
  const Tensor& y = c.input(0);
  const Tensor& dy = c.input(1);
  Tensor& o = c.output(0);
  const Rows rc = rows_of(y);
  visit_float_dtype(y.dtype(), "SoftmaxGrad", [&](auto tag) {
    using T = decltype(tag);
    const T* py = y.data<T>();
    const T* pd = dy.data<T>();
    T* po = o.data<T>();
    for_each_row(rc.rows, rc.cols, [&](int64_t r) {
      const int64_t b = r * rc.cols;
      T dot = 0;
      for (int64_t k = 0; k < rc.cols; ++k) dot += pd[b + k] * py[b + k];
      for (int64_t k = 0; k < rc.cols; ++k) po[b + k] = (pd[b + k] - dot) * py[b + k];
    });
  });
}

void log_softmax_grad(KernelContext& c) {
  const Tensor& y = c.input(0);
  const Tensor& dy = c.input(1);
  Tensor& o = c.output(0);
  const Rows rc = rows_of(y);
  visit_float_dtype(y.dtype(), "LogSoftmaxGrad", [&](auto tag) {
    using T = decltype(tag);
    const T* py = y.data<T>();
    const T* pd = dy.data<T>();
    T* po = o.data<T>();
    for_each_row(rc.rows, rc.cols, [&](int64_t r) {
      const int64_t b = r * rc.cols;
      T sum = 0;
      for (int64_t k = 0; k < rc.cols; ++k) sum += pd[b + k];
      for (int64_t k = 0; k < rc.cols; ++k) po[b + k] = pd[b + k] - std::exp(py[b + k]) * sum;
    });
  });
}

void dropout(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& y = c.output(0);
  Tensor& mask = c.output(1);
  const double rate = c.node.attrs().get_float("rate");
  const RandomStream rs = c.run.random_stream(c.node);
  // noise_shape: empty = x's shape; a -1 entry takes x's dimension.
  std::vector<int64_t> noise = c.node.attrs().get_or<std::vector<int64_t>>("noise_shape", {});
  for (size_t d = 0; d < noise.size(); ++d) {
    if (noise[d] < 0) noise[d] = x.shape().dim(static_cast<int>(d));
  }
  const bool full = noise.empty() || Shape(noise) == x.shape();
  visit_float_dtype(x.dtype(), "Dropout", [&](auto tag) {
    using T = decltype(tag);
    // As TF >= 1.13: keep where uniform >= rate; scale = 1 / (1 - rate) computed in double and
    // converted to T, so y = x * mask equals TF's (x * scale) * keep.
    const T scale = static_cast<T>(1.0 / (1.0 - rate));
    const T r = static_cast<T>(rate);
    const auto keep_value = [&](int64_t i) -> T {
      const auto u = static_cast<uint64_t>(i);
      const T draw = std::is_same_v<T, float> ? static_cast<T>(rs.uniform(u))
                                              : static_cast<T>(rs.uniform_double(u));
      return draw >= r ? scale : T{0};
    };
    const T* px = x.data<T>();
    T* py = y.data<T>();
    T* pm = mask.data<T>();
    const int64_t n = x.num_elements();
    if (full) {
      detail::parallel_for(n, [&](int64_t i) {
        pm[i] = keep_value(i);
        py[i] = px[i] * pm[i];
      });
    } else {
      detail::for_each_broadcast(x.shape(), Shape(noise), x.shape(),
                                 [&](int64_t i, int64_t in, int64_t) {
                                   pm[i] = keep_value(in);
                                   py[i] = px[i] * pm[i];
                                 });
    }
  });
}

}  // namespace dl::kernels::ref
