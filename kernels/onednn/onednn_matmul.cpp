// MatMul (float32, 2-D, any transposes) through oneDNN's sgemm. It runs on the same OpenMP
// threads as every other oneDNN kernel; OpenBLAS keeps a pthread pool of its own whose idle
// threads spin beside OpenMP's and, on two cores, took turns with them for the CPU (a LeNet step
// went from 10 ms on one thread to 80 ms on two). oneDNN's AVX-512 sgemm is also about twice as
// fast as OpenBLAS 0.3.21's Haswell kernels on the LeNet shapes (bench/bench_matmul.cpp).
// The partition of the product over threads depends only on the shapes and the thread count,
// so results are identical from run to run for a fixed thread count.
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>

#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/onednn/onednn_utils.h"

namespace dl::onednn {
namespace {

class Sgemm final : public Kernel {
 public:
  Sgemm(bool ta, bool tb) : ta_(ta), tb_(tb) {}

  void compute(KernelContext& c) override {
    const Tensor& a = c.input(0);
    const Tensor& b = c.input(1);
    Tensor& o = c.output(0);
    const int64_t m = o.shape().dim(0), n = o.shape().dim(1);
    const int64_t k = ta_ ? a.shape().dim(0) : a.shape().dim(1);
    float* po = o.data<float>();
    if (k == 0) {  // an empty inner dimension: the product is all zeros
      std::fill_n(po, m * n, 0.0f);
      return;
    }
    const dnnl_status_t st =
        dnnl_sgemm(ta_ ? 'T' : 'N', tb_ ? 'T' : 'N', m, n, k, 1.0f, a.data<float>(),
                   a.shape().dim(1), b.data<float>(), b.shape().dim(1), 0.0f, po, n);
    if (st != dnnl_success) c.fail(str_cat("oneDNN sgemm failed with status ", int(st)));
  }

 private:
  bool ta_, tb_;
};

}  // namespace

void register_onednn_matmul(KernelRegistry& r) {
  r.add("MatMul", KernelImpl{"onednn:sgemm",
                             [](const KernelKey& k) {
                               return common_decline(k, {0, 1});
                             },
                             [](const KernelKey& key) {
                               const AttrMap& at = key.node.attrs();
                               return std::make_unique<Sgemm>(at.get_bool("transpose_a"),
                                                              at.get_bool("transpose_b"));
                             }});
}

}  // namespace dl::onednn
