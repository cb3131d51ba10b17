#include "dl/kernels/onednn/onednn_context.h"

#include <oneapi/dnnl/dnnl_debug.h>

#include <atomic>

#include "dl/core/error.h"
#include "dl/kernels/onednn/onednn_kernels.h"

namespace dl::onednn {
namespace {
// -1: the default per direction; otherwise a forced ConvLayout.
std::atomic<int> g_forced_layout{-1};
}  // namespace

const dnnl::engine& engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

void set_conv_layout(std::optional<ConvLayout> layout) {
  g_forced_layout = layout ? static_cast<int>(*layout) : -1;
}

ConvLayout conv_layout(int direction, bool pointwise, int64_t input_channels) {
  const int forced = g_forced_layout;
  if (forced >= 0) return static_cast<ConvLayout>(forced);
  // Measured on the LeNet shapes (bench/bench_conv2d.cpp, oneDNN 2.6.3, AVX-512, 1 and 2
  // threads): with HWIO weights oneDNN falls back to im2col + GEMM; letting it block the weights
  // (a small reorder) selects its direct kernels. Forward and backward weights: 1.5-2.5x faster.
  // Backward data into 20 channels (LeNet's second convolution): as fast on one thread, 1.8x
  // faster on two (1.58 against 2.79 ms, whose GEMM path also varied by 34% between runs), and
  // 1.2-1.4x on ResNet's 3x3 convolutions; into fewer channels than one AVX-512 block the GEMM
  // path is faster (LeNet's 1 channel: 3.6 against 5.8 ms on one thread; ResNet's 3-channel stem:
  // 27 against 48 ms on two). A pointwise (1x1, stride 1) convolution is a GEMM on NHWC / HWIO as
  // they are (ResNet shapes).
  if (pointwise) return ConvLayout::user;
  if (direction == 1 && input_channels < 16) return ConvLayout::user;
  return ConvLayout::weights_any;
}

std::string status_name(dnnl_status_t s) { return dnnl_status2str(s); }

void throw_creation_error(const Node& node, const std::string& what, const dnnl::error& e) {
  throw InvalidArgument(str_cat(node.type(), " '", node.name(), "': oneDNN could not create ", what,
                                " (", status_name(e.status), "): ", e.what()));
}

}  // namespace dl::onednn
