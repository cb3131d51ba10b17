#include "dl/kernels/onednn/onednn_context.h"

#include <oneapi/dnnl/dnnl_debug.h>

#include <atomic>

#include "dl/core/error.h"

namespace dl::onednn {
namespace {
std::atomic<bool> g_blocked_layouts{false};
}  // namespace

const dnnl::engine& engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

void set_conv_blocked_layouts(bool on) { g_blocked_layouts = on; }
bool conv_blocked_layouts() { return g_blocked_layouts; }

std::string status_name(dnnl_status_t s) { return dnnl_status2str(s); }

void throw_creation_error(const Node& node, const std::string& what, const dnnl::error& e) {
  throw InvalidArgument(str_cat(node.type(), " '", node.name(), "': oneDNN could not create ", what,
                                " (", status_name(e.status), "): ", e.what()));
}

}  // namespace dl::onednn
