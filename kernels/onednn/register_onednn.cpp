// The oneDNN kernels (float32, CPU engine, OpenMP runtime). Each kernel builds (or finds in the
// PrimitiveCache) its primitives when the plan is specialised and only executes at run time.
#include "dl/kernels/onednn/onednn_kernels.h"

namespace dl {

void register_onednn_kernels(KernelRegistry& r) {
  onednn::register_onednn_conv2d(r);
  onednn::register_onednn_pooling(r);
  onednn::register_onednn_batchnorm(r);
  onednn::register_onednn_eltwise(r);
  onednn::register_onednn_matmul(r);
  onednn::register_onednn_bias(r);
}

}  // namespace dl
