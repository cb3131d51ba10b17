// TEMPORARY until the openblas kernels land (then this file is deleted).
#include "dl/kernels/kernel_registry.h"
namespace dl {
void register_openblas_kernels(KernelRegistry&) {}
}  // namespace dl
