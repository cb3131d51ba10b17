// Reference MaxPool / AvgPool and their gradients over NHWC. Padded cells never take part:
// the max is over the real cells of a window, the average divides by their count (as TF).
// The gradients scatter into overlapping windows, so they are parallel over images only and
// add in a fixed order within one image.
#include <algorithm>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/ref_conv.h"

namespace dl::kernels::ref {
namespace {

using detail::parallel_for_work;
using detail::Pool2DGeometry;

// The real cells [y0, y1) x [x0, x1) of the window of output (oy, ox).
struct Window {
  int64_t y0, y1, x0, x1;
  int64_t count() const { return (y1 - y0) * (x1 - x0); }
};
Window window_of(const Pool2DGeometry& g, int64_t oy, int64_t ox) {
  const int64_t ys = oy * g.sh - g.pt, xs = ox * g.sw - g.pl;
  return {std::max<int64_t>(ys, 0), std::min(ys + g.kh, g.ih), std::max<int64_t>(xs, 0),
          std::min(xs + g.kw, g.iw)};
}

template <class T>
void max_pool_forward(const Pool2DGeometry& g, const T* x, T* y) {
  parallel_for_work(g.n * g.oh * g.ow, g.kh * g.kw * g.c, [&](int64_t p) {
    const int64_t ox = p % g.ow, oy = (p / g.ow) % g.oh, b = p / (g.ow * g.oh);
    const Window w = window_of(g, oy, ox);
    T* out = y + p * g.c;
    bool first = true;
    for (int64_t iy = w.y0; iy < w.y1; ++iy) {
      for (int64_t ix = w.x0; ix < w.x1; ++ix) {
        const T* src = x + ((b * g.ih + iy) * g.iw + ix) * g.c;
        if (first) {
          std::copy_n(src, g.c, out);
          first = false;
          continue;
        }
        for (int64_t ci = 0; ci < g.c; ++ci) out[ci] = src[ci] > out[ci] ? src[ci] : out[ci];
      }
    }
  });
}

// Each window's gradient goes to its first maximum in window (row-major) order, as TF's CPU
// kernel, which scans with a strict comparison.
template <class T>
void max_pool_backward(const Pool2DGeometry& g, const T* x, const T* dy, T* dx) {
  const int64_t image = g.ih * g.iw * g.c;
  parallel_for_work(g.n, g.oh * g.ow * g.kh * g.kw * g.c, [&](int64_t b) {
    T* out = dx + b * image;
    std::fill_n(out, image, T(0));
    const T* xb = x + b * image;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Window w = window_of(g, oy, ox);
        const T* grad = dy + ((b * g.oh + oy) * g.ow + ox) * g.c;
        for (int64_t ci = 0; ci < g.c; ++ci) {
          int64_t best = (w.y0 * g.iw + w.x0) * g.c + ci;
          for (int64_t iy = w.y0; iy < w.y1; ++iy) {
            for (int64_t ix = w.x0; ix < w.x1; ++ix) {
              const int64_t at = (iy * g.iw + ix) * g.c + ci;
              if (xb[at] > xb[best]) best = at;
            }
          }
          out[best] += grad[ci];
        }
      }
    }
  });
}

template <class T>
void avg_pool_forward(const Pool2DGeometry& g, const T* x, T* y) {
  parallel_for_work(g.n * g.oh * g.ow, g.kh * g.kw * g.c, [&](int64_t p) {
    const int64_t ox = p % g.ow, oy = (p / g.ow) % g.oh, b = p / (g.ow * g.oh);
    const Window w = window_of(g, oy, ox);
    T* out = y + p * g.c;
    std::fill_n(out, g.c, T(0));
    for (int64_t iy = w.y0; iy < w.y1; ++iy) {
      for (int64_t ix = w.x0; ix < w.x1; ++ix) {
        const T* src = x + ((b * g.ih + iy) * g.iw + ix) * g.c;
        for (int64_t ci = 0; ci < g.c; ++ci) out[ci] += src[ci];
      }
    }
    const T inv = T(1) / static_cast<T>(w.count());
    for (int64_t ci = 0; ci < g.c; ++ci) out[ci] *= inv;
  });
}

template <class T>
void avg_pool_backward(const Pool2DGeometry& g, const T* dy, T* dx) {
  const int64_t image = g.ih * g.iw * g.c;
  parallel_for_work(g.n, g.oh * g.ow * g.kh * g.kw * g.c, [&](int64_t b) {
    T* out = dx + b * image;
    std::fill_n(out, image, T(0));
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const Window w = window_of(g, oy, ox);
        const T* grad = dy + ((b * g.oh + oy) * g.ow + ox) * g.c;
        const T inv = T(1) / static_cast<T>(w.count());
        for (int64_t iy = w.y0; iy < w.y1; ++iy) {
          for (int64_t ix = w.x0; ix < w.x1; ++ix) {
            T* dst = out + (iy * g.iw + ix) * g.c;
            for (int64_t ci = 0; ci < g.c; ++ci) dst[ci] += grad[ci] * inv;
          }
        }
      }
    }
  });
}

}  // namespace

void max_pool(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Pool2DGeometry g = detail::pool2d_geometry(x.shape(), c.node.attrs());
  visit_float_dtype(x.dtype(), "MaxPool", [&](auto tag) {
    using T = decltype(tag);
    max_pool_forward<T>(g, x.data<T>(), c.output(0).data<T>());
  });
}

// Inputs (orig_input, orig_output, grad); the maximum is found again from orig_input.
void max_pool_grad(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Pool2DGeometry g = detail::pool2d_geometry(x.shape(), c.node.attrs());
  visit_float_dtype(x.dtype(), "MaxPoolGrad", [&](auto tag) {
    using T = decltype(tag);
    max_pool_backward<T>(g, x.data<T>(), c.input(2).data<T>(), c.output(0).data<T>());
  });
}

void avg_pool(KernelContext& c) {
  const Tensor& x = c.input(0);
  const Pool2DGeometry g = detail::pool2d_geometry(x.shape(), c.node.attrs());
  visit_float_dtype(x.dtype(), "AvgPool", [&](auto tag) {
    using T = decltype(tag);
    avg_pool_forward<T>(g, x.data<T>(), c.output(0).data<T>());
  });
}

// Inputs (orig_input-like?, grad); the output has the original input's shape.
void avg_pool_grad(KernelContext& c) {
  Tensor& dx = c.output(0);
  const Tensor& dy = *c.inputs[c.inputs.size() - 1];
  const Pool2DGeometry g = detail::pool2d_geometry(dx.shape(), c.node.attrs());
  visit_float_dtype(dy.dtype(), "AvgPoolGrad", [&](auto tag) {
    using T = decltype(tag);
    avg_pool_backward<T>(g, dy.data<T>(), dx.data<T>());
  });
}

}  // namespace dl::kernels::ref
