#include "dl/kernels/kernel_registry.h"

namespace dl {

// Fast kernel families; each adds its implementations in priority order.
void register_onednn_kernels(KernelRegistry& r);
void register_openblas_kernels(KernelRegistry& r);

void register_builtin_kernels(KernelRegistry& r) {
  register_onednn_kernels(r);
  register_openblas_kernels(r);
}

}  // namespace dl
