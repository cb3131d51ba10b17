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

ConvLayout conv_layout(int direction, bool pointwise) {
  const int forced = g_forced_layout;
  if (forced >= 0) return static_cast<ConvLayout>(forced);
  // Measured on the LeNet shapes (bench/bench_conv2d.cpp, one thread, oneDNN 2.6.3, AVX-512):
  // with HWIO weights oneDNN falls back to im2col + GEMM for the forward and backward-weights
  // passes; letting it block the weights (a small reorder) selects its direct kernels and is
  // 1.5-2.5x faster. Backward data is fastest on the user's layouts, and so is a pointwise
  // (1x1, stride 1) convolution, which is a GEMM on NHWC / HWIO as they are (ResNet shapes).
  if (pointwise) return ConvLayout::user;
  static constexpr ConvLayout kDefault[3] = {ConvLayout::weights_any, ConvLayout::user,
                                             ConvLayout::weights_any};
  return kDefault[direction];
}

std::string status_name(dnnl_status_t s) { return dnnl_status2str(s); }

void throw_creation_error(const Node& node, const std::string& what, const dnnl::error& e) {
  throw InvalidArgument(str_cat(node.type(), " '", node.name(), "': oneDNN could not create ", what,
                                " (", status_name(e.status), "): ", e.what()));
}

}  // namespace dl::onednn
