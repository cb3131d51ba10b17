// Reference Conv2D and its two gradients: direct loops over NHWC / HWIO. Each output element
// is accumulated by one thread in a fixed order, so results do not depend on the thread count.
#include "dl/kernels/reference/ref_conv.h"

#include <algorithm>

#include "dl/core/dtype_visit.h"

namespace dl::detail {

WindowDim window_dim(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p) {
  WindowDim d;
  if (in < 0 || k < 0) return d;
  const int64_t eff = (k - 1) * dilation + 1;
  if (p == Padding::valid) {
    d.out = in >= eff ? (in - eff) / stride + 1 : in - eff + 1;  // <= 0: does not fit
    return d;
  }
  d.out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((d.out - 1) * stride + eff - in, 0);
  d.pad_before = total / 2;
  d.pad_after = total - d.pad_before;
  return d;
}

Padding parse_padding(const std::string& s) { return s == "SAME" ? Padding::same : Padding::valid; }

Conv2DGeometry conv2d_geometry(const Shape& input, const Shape& filter, const AttrMap& attrs) {
  const auto& st = attrs.get<std::vector<int64_t>>("strides");
  const auto& dil = attrs.get<std::vector<int64_t>>("dilations");
  const Padding p = parse_padding(attrs.get<std::string>("padding"));
  Conv2DGeometry g{};
  g.n = input.dim(0);
  g.ih = input.dim(1);
  g.iw = input.dim(2);
  g.ic = input.dim(3);
  g.kh = filter.dim(0);
  g.kw = filter.dim(1);
  g.oc = filter.dim(3);
  g.sh = st[1];
  g.sw = st[2];
  g.dh = dil[1];
  g.dw = dil[2];
  const WindowDim h = window_dim(g.ih, g.kh, g.sh, g.dh, p);
  const WindowDim w = window_dim(g.iw, g.kw, g.sw, g.dw, p);
  g.oh = h.out;
  g.ow = w.out;
  g.pt = h.pad_before;
  g.pb = h.pad_after;
  g.pl = w.pad_before;
  g.pr = w.pad_after;
  return g;
}

Pool2DGeometry pool2d_geometry(const Shape& input, const AttrMap& attrs) {
  const auto& ks = attrs.get<std::vector<int64_t>>("ksize");
  const auto& st = attrs.get<std::vector<int64_t>>("strides");
  const Padding p = parse_padding(attrs.get<std::string>("padding"));
  Pool2DGeometry g{};
  g.n = input.dim(0);
  g.ih = input.dim(1);
  g.iw = input.dim(2);
  g.c = input.dim(3);
  g.kh = ks[1];
  g.kw = ks[2];
  g.sh = st[1];
  g.sw = st[2];
  const WindowDim h = window_dim(g.ih, g.kh, g.sh, 1, p);
  const WindowDim w = window_dim(g.iw, g.kw, g.sw, 1, p);
  g.oh = h.out;
  g.ow = w.out;
  g.pt = h.pad_before;
  g.pb = h.pad_after;
  g.pl = w.pad_before;
  g.pr = w.pad_after;
  return g;
}

}  // namespace dl::detail

namespace dl::kernels::ref {
namespace {

using detail::Conv2DGeometry;
using detail::parallel_for_work;

template <class T>
void conv2d_forward(const Conv2DGeometry& g, const T* x, const T* w, T* y) {
  parallel_for_work(g.n * g.oh * g.ow, g.kh * g.kw * g.ic * g.oc, [&](int64_t p) {
    const int64_t ox = p % g.ow, oy = (p / g.ow) % g.oh, b = p / (g.ow * g.oh);
    T* out = y + p * g.oc;
    std::fill_n(out, g.oc, T(0));
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
      if (iy < 0 || iy >= g.ih) continue;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
        if (ix < 0 || ix >= g.iw) continue;
        const T* src = x + ((b * g.ih + iy) * g.iw + ix) * g.ic;
        const T* wk = w + (ky * g.kw + kx) * g.ic * g.oc;
        for (int64_t ci = 0; ci < g.ic; ++ci) {
          const T v = src[ci];
          const T* wr = wk + ci * g.oc;
          for (int64_t o = 0; o < g.oc; ++o) out[o] += v * wr[o];
        }
      }
    }
  });
}

// dx[b, iy, ix, c] = sum over the (ky, kx) taps and output positions that read (iy, ix).
template <class T>
void conv2d_backward_data(const Conv2DGeometry& g, const T* dy, const T* w, T* dx) {
  parallel_for_work(g.n * g.ih * g.iw, g.kh * g.kw * g.ic * g.oc, [&](int64_t p) {
    const int64_t ix = p % g.iw, iy = (p / g.iw) % g.ih, b = p / (g.iw * g.ih);
    T* out = dx + p * g.ic;
    std::fill_n(out, g.ic, T(0));
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t ty = iy + g.pt - ky * g.dh;
      if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.oh) continue;
      const int64_t oy = ty / g.sh;
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const int64_t tx = ix + g.pl - kx * g.dw;
        if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.ow) continue;
        const int64_t ox = tx / g.sw;
        const T* grad = dy + ((b * g.oh + oy) * g.ow + ox) * g.oc;
        const T* wk = w + (ky * g.kw + kx) * g.ic * g.oc;
        for (int64_t ci = 0; ci < g.ic; ++ci) {
          const T* wr = wk + ci * g.oc;
          T acc = 0;
          for (int64_t o = 0; o < g.oc; ++o) acc += grad[o] * wr[o];
          out[ci] += acc;
        }
      }
    }
  });
}

// dw[ky, kx, c, :] = sum over images and output positions of x[tap] * dy[position, :].
template <class T>
void conv2d_backward_weights(const Conv2DGeometry& g, const T* x, const T* dy, T* dw) {
  parallel_for_work(g.kh * g.kw * g.ic, g.n * g.oh * g.ow * g.oc, [&](int64_t q) {
    const int64_t ci = q % g.ic, kx = (q / g.ic) % g.kw, ky = q / (g.ic * g.kw);
    T* out = dw + q * g.oc;
    std::fill_n(out, g.oc, T(0));
    for (int64_t b = 0; b < g.n; ++b) {
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.ih) continue;
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix < 0 || ix >= g.iw) continue;
          const T v = x[((b * g.ih + iy) * g.iw + ix) * g.ic + ci];
          const T* grad = dy + ((b * g.oh + oy) * g.ow + ox) * g.oc;
          for (int64_t o = 0; o < g.oc; ++o) out[o] += v * grad[o];
        }
      }
    }
  });
}

}  // namespace

void conv2d(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& w = c.input(1);
  Tensor& y = c.output(0);
  const Conv2DGeometry g = detail::conv2d_geometry(x.shape(), w.shape(), c.node.attrs());
  visit_float_dtype(x.dtype(), "Conv2D", [&](auto tag) {
    using T = decltype(tag);
    conv2d_forward<T>(g, x.data<T>(), w.data<T>(), y.data<T>());
  });
}

// Inputs are (input_sizes-like?, filter, out_backprop): the filter and gradient are the last two.
void conv2d_backprop_input(KernelContext& c) {
  const size_t n = c.inputs.size();
  const Tensor& w = *c.inputs[n - 2];
  const Tensor& dy = *c.inputs[n - 1];
  Tensor& dx = c.output(0);
  const Conv2DGeometry g = detail::conv2d_geometry(dx.shape(), w.shape(), c.node.attrs());
  visit_float_dtype(dy.dtype(), "Conv2DBackpropInput", [&](auto tag) {
    using T = decltype(tag);
    conv2d_backward_data<T>(g, dy.data<T>(), w.data<T>(), dx.data<T>());
  });
}

// Inputs are (input, filter_sizes-like?, out_backprop).
void conv2d_backprop_filter(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& dy = *c.inputs[c.inputs.size() - 1];
  Tensor& dw = c.output(0);
  const Conv2DGeometry g = detail::conv2d_geometry(x.shape(), dw.shape(), c.node.attrs());
  visit_float_dtype(x.dtype(), "Conv2DBackpropFilter", [&](auto tag) {
    using T = decltype(tag);
    conv2d_backward_weights<T>(g, x.data<T>(), dy.data<T>(), dw.data<T>());
  });
}

}  // namespace dl::kernels::ref
