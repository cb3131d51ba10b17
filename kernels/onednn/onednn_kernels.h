#pragma once
/// Internal: the registration function of each oneDNN kernel file, called in priority order by
/// register_onednn_kernels (kernels/onednn/register_onednn.cpp).
#include <cstdint>

#include "dl/kernels/kernel_registry.h"

namespace dl::onednn {

void register_onednn_conv2d(KernelRegistry& r);
void register_onednn_pooling(KernelRegistry& r);
void register_onednn_batchnorm(KernelRegistry& r);

/// How many MaxPoolGrad runs used the workspace of their forward MaxPool kernel instead of
/// recomputing the forward (for tests).
int64_t max_pool_grad_shared_workspace_runs();

}  // namespace dl::onednn
