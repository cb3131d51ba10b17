// The oneDNN kernels (float32, CPU engine, OpenMP runtime). Each kernel builds (or finds in the
// PrimitiveCache) its primitives when the plan is specialised and only executes at run time.
// Eltwise kernels (Relu, Tanh, Sigmoid, Elu) are not registered yet: those ops belong to the nn
// family.
#include "dl/kernels/onednn/onednn_kernels.h"

namespace dl {

void register_onednn_kernels(KernelRegistry& r) {
  onednn::register_onednn_conv2d(r);
  onednn::register_onednn_pooling(r);
  onednn::register_onednn_batchnorm(r);
}

}  // namespace dl
