#pragma once
/// Internal: window geometry of convolution and pooling (TF's SAME / VALID rules), and the
/// reference kernels of the conv op family (graph/ops/conv_ops.cpp). Layouts: NHWC inputs,
/// HWIO filters. The geometry is shared by the reference and the oneDNN kernels, so that both
/// read the attributes the same way.
#include <cstdint>
#include <string>
#include <vector>

#include "dl/core/attr.h"
#include "dl/core/shape.h"
#include "dl/kernels/kernel.h"

namespace dl::detail {

enum class Padding { same, valid };

/// Output size and padding of one spatial dimension. An unknown input or kernel size (-1)
/// gives an unknown output (-1). For VALID, out <= 0 means the window does not fit.
struct WindowDim {
  int64_t out = -1;
  int64_t pad_before = 0;
  int64_t pad_after = 0;
};

/// TF's rule (tensorflow/core/framework/kernel_shape_util.cc): with the effective kernel
/// size e = (k - 1) * dilation + 1, VALID gives out = ceil((in - e + 1) / stride) and no
/// padding; SAME gives out = ceil(in / stride), pad_total = max((out - 1) * stride + e - in, 0),
/// pad_before = pad_total / 2 (the extra cell goes after).
WindowDim window_dim(int64_t in, int64_t k, int64_t stride, int64_t dilation, Padding p);

/// The full geometry of a 2-D convolution on concrete shapes: input [n, ih, iw, ic],
/// filter [kh, kw, ic, oc], output [n, oh, ow, oc].
struct Conv2DGeometry {
  int64_t n, ih, iw, ic, kh, kw, oc, oh, ow;
  int64_t sh, sw, dh, dw;  ///< strides and dilations
  int64_t pt, pb, pl, pr;  ///< padding top / bottom / left / right
  int64_t flops() const { return 2 * n * oh * ow * oc * kh * kw * ic; }
};

/// Reads strides, dilations and padding from the attributes of a Conv2D-family node (validated
/// by its shape function) for the given input and filter shapes.
Conv2DGeometry conv2d_geometry(const Shape& input, const Shape& filter, const AttrMap& attrs);

/// The geometry of a 2-D pooling on concrete shapes: input [n, ih, iw, c], window kh x kw.
struct Pool2DGeometry {
  int64_t n, ih, iw, c, kh, kw, oh, ow;
  int64_t sh, sw;
  int64_t pt, pb, pl, pr;
};

/// Reads ksize, strides and padding of a MaxPool / AvgPool-family node.
Pool2DGeometry pool2d_geometry(const Shape& input, const AttrMap& attrs);

/// "SAME" / "VALID" to Padding (the shape function has validated the string).
Padding parse_padding(const std::string& s);

/// Runs f(i) for i in [0, n). Runs inline when the whole loop is small (n * work_per_item
/// below a threshold), in an OpenMP parallel loop otherwise. Each f(i) must write disjoint
/// outputs in a fixed order, so results do not depend on the thread count.
template <class F>
void parallel_for_work(int64_t n, int64_t work_per_item, F&& f) {
  if (n <= 1 || n * work_per_item < (int64_t{1} << 16)) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace dl::detail

namespace dl::kernels::ref {

// Reference kernels: direct loops, float32 and float64, deterministic.
void conv2d(KernelContext& c);
void conv2d_backprop_input(KernelContext& c);
void conv2d_backprop_filter(KernelContext& c);
void max_pool(KernelContext& c);
void max_pool_grad(KernelContext& c);
void avg_pool(KernelContext& c);
void avg_pool_grad(KernelContext& c);
void fused_batch_norm(KernelContext& c);
void fused_batch_norm_grad(KernelContext& c);

}  // namespace dl::kernels::ref
