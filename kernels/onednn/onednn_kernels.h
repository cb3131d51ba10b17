#pragma once
/// Internal: the registration function of each oneDNN kernel file, called in priority order by
/// register_onednn_kernels (kernels/onednn/register_onednn.cpp).
#include <cstdint>
#include <optional>

#include "dl/kernels/kernel_registry.h"

namespace dl::onednn {

void register_onednn_conv2d(KernelRegistry& r);
void register_onednn_pooling(KernelRegistry& r);
void register_onednn_batchnorm(KernelRegistry& r);
void register_onednn_eltwise(KernelRegistry& r);
void register_onednn_matmul(KernelRegistry& r);
void register_onednn_bias(KernelRegistry& r);

/// Convolution layouts. user: the primitives run on the user's NHWC / HWIO tensors directly.
/// weights_any: NHWC data, oneDNN chooses the weights layout (one small weights reorder per run).
/// any: oneDNN chooses every layout (format_tag::any), with reorders around the primitive.
enum class ConvLayout { user, weights_any, any };
/// Forces one layout policy for convolution kernels built after the call (benchmarks);
/// std::nullopt restores the default, chosen per direction from bench/bench_conv2d.cpp.
void set_conv_layout(std::optional<ConvLayout> layout);
/// The policy for a direction (0 forward, 1 backward data, 2 backward weights); `pointwise` is a
/// 1x1 stride-1 convolution (a plain matrix product); `input_channels` is the convolution's IC.
ConvLayout conv_layout(int direction, bool pointwise, int64_t input_channels);

/// How many MaxPoolGrad runs used the workspace of their forward MaxPool kernel instead of
/// recomputing the forward (for tests).
int64_t max_pool_grad_shared_workspace_runs();

}  // namespace dl::onednn
