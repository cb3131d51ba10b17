// MatMul through OpenBLAS's cblas_sgemm (float32, any transposes).
#include <cblas.h>

#include <algorithm>

#include "dl/kernels/kernel_registry.h"

namespace dl {
namespace {

class SgemmKernel : public Kernel {
 public:
  SgemmKernel(bool ta, bool tb) : ta_(ta), tb_(tb) {}

  void compute(KernelContext& c) override {
    const Tensor& a = c.input(0);
    const Tensor& b = c.input(1);
    Tensor& o = c.output(0);
    const int m = static_cast<int>(o.shape().dim(0)), n = static_cast<int>(o.shape().dim(1));
    const int k = static_cast<int>(ta_ ? a.shape().dim(0) : a.shape().dim(1));
    if (m == 0 || n == 0) return;
    float* po = o.data<float>();
    if (k == 0) {  // BLAS would read leading dimensions of 0; the product is all zeros
      std::fill_n(po, static_cast<int64_t>(m) * n, 0.0f);
      return;
    }
    // Row-major: a is [m,k] or [k,m]; its leading dimension is its column count.
    const int lda = static_cast<int>(a.shape().dim(1));
    const int ldb = static_cast<int>(b.shape().dim(1));
    cblas_sgemm(CblasRowMajor, ta_ ? CblasTrans : CblasNoTrans, tb_ ? CblasTrans : CblasNoTrans, m,
                n, k, 1.0f, a.data<float>(), lda, b.data<float>(), ldb, 0.0f, po, n);
  }

 private:
  bool ta_, tb_;
};

std::optional<std::string> sgemm_unsupported(const KernelKey& key) {
  const TensorSpec& a = key.inputs[0];
  const TensorSpec& b = key.inputs[1];
  if (a.dtype != DType::f32 || b.dtype != DType::f32) {
    return str_cat("only float32 is supported, received ", name(a.dtype));
  }
  constexpr int64_t kMaxInt = 2147483647;
  for (const TensorSpec* s : {&a, &b, &key.outputs[0]}) {
    for (int64_t d : s->shape.dims()) {
      if (d > kMaxInt) return str_cat("dimension ", d, " exceeds the BLAS int range");
    }
  }
  return std::nullopt;
}

}  // namespace

void register_openblas_kernels(KernelRegistry& r) {
  r.add("MatMul", KernelImpl{"openblas:sgemm", sgemm_unsupported, [](const KernelKey& key) {
                               const AttrMap& at = key.node.attrs();
                               return std::make_unique<SgemmKernel>(at.get_bool("transpose_a"),
                                                                    at.get_bool("transpose_b"));
                             }});
}

}  // namespace dl
