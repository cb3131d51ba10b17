#pragma once
/// Internal: the oneDNN engine and stream every oneDNN kernel runs on, layout settings, and the
/// translation of dnnl::error into dl errors. Only files in kernels/onednn/ include it.
///
/// Policy: one CPU engine per process (created on first use). oneDNN streams are not meant to
/// be shared between threads, so each thread gets its own stream on that engine. With the
/// OpenMP runtime a primitive uses omp_get_max_threads() threads (dl::set_intra_op_threads).
#include <oneapi/dnnl/dnnl.hpp>
#include <string>

#include "dl/graph/node.h"

namespace dl::onednn {

/// The process-wide CPU engine.
const dnnl::engine& engine();
/// This thread's stream on engine().
dnnl::stream& stream();

/// Convolution layouts: false (the default) runs the primitives directly on the user's NHWC /
/// HWIO tensors; true lets oneDNN pick its layouts (format_tag::any) and adds reorders.
/// Measured on the LeNet shapes (bench/bench_conv2d.cpp): see docs in register_onednn.cpp.
/// Affects kernels built after the call.
void set_conv_blocked_layouts(bool on);
bool conv_blocked_layouts();

/// dl::InvalidArgument for a primitive that oneDNN refused to create:
/// "<Op> '<node>': oneDNN could not create <what> (<status>): <oneDNN message>".
[[noreturn]] void throw_creation_error(const Node& node, const std::string& what,
                                       const dnnl::error& e);

/// "unimplemented", "invalid_arguments", ... for a dnnl status.
std::string status_name(dnnl_status_t s);

}  // namespace dl::onednn
