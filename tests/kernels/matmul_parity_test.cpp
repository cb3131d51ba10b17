// The fast MatMul (onednn:sgemm; openblas:sgemm when oneDNN is switched off with DL_ONEDNN=0,
// which CTest runs as a second test) against the reference MatMul on random shapes, odd sizes
// and all transposes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <span>

#include "../testing/test_util.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/kernels/kernel_registry.h"

namespace dl {
namespace {

// Restores the registry's reference-only flag however the test leaves.
class ReferenceOnly {
 public:
  explicit ReferenceOnly(bool on) : saved_(KernelRegistry::global().reference_only()) {
    KernelRegistry::global().set_reference_only(on);
  }
  ~ReferenceOnly() { KernelRegistry::global().set_reference_only(saved_); }

 private:
  bool saved_;
};

struct MatMulRun {
  Tensor value;
  std::string kernel;
};

MatMulRun run_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb, bool reference) {
  ReferenceOnly guard(reference);
  Graph g;
  Output pa = ops::placeholder(g, a.dtype(), a.shape(), "a");
  Output pb = ops::placeholder(g, b.dtype(), b.shape(), "b");
  Output y = ops::matmul(pa, pb, ta, tb);
  Session s(g);
  RunOptions opts;
  opts.trace = true;
  RunMetadata md;
  std::vector<Tensor> out = s.run({{pa, a}, {pb, b}}, {y}, {}, &opts, &md);
  std::string kernel;
  for (const NodeStats& st : md.step_stats) {
    if (st.op == "MatMul") kernel = st.kernel;
  }
  return {out[0], kernel};
}

// The implementation expected to run for float32.
std::string fast_sgemm() {
  const char* v = std::getenv("DL_ONEDNN");
  return v && std::strcmp(v, "0") == 0 ? "openblas:sgemm" : "onednn:sgemm";
}

Tensor abs_of(const Tensor& t) {
  Tensor r = t.clone();
  for (float& v : std::span<float>(r.data<float>(), static_cast<size_t>(r.num_elements())))
    v = std::fabs(v);
  return r;
}

}  // namespace

TEST(MatMulParity, FastSgemmMatchesReference) {
  const int sizes[] = {1, 7, 33, 129};
  uint64_t seed = 1;
  for (int m : sizes) {
    for (int n : sizes) {
      for (int k : sizes) {
        for (int t = 0; t < 4; ++t) {
          const bool ta = t & 1, tb = t & 2;
          const Tensor a = testing::random_tensor(ta ? Shape({k, m}) : Shape({m, k}), seed++);
          const Tensor b = testing::random_tensor(tb ? Shape({n, k}) : Shape({k, n}), seed++);
          const MatMulRun fast = run_matmul(a, b, ta, tb, false);
          const MatMulRun ref = run_matmul(a, b, ta, tb, true);
          ASSERT_EQ(fast.kernel, fast_sgemm());
          ASSERT_EQ(ref.kernel, "ref:MatMul");
          // Relative error against the magnitude of the terms: |fast - ref| <= 1e-5 (|a||b|).
          const Tensor scale = run_matmul(abs_of(a), abs_of(b), ta, tb, true).value;
          for (int64_t e = 0; e < ref.value.num_elements(); ++e) {
            const double d = std::fabs(fast.value.value_at(e) - ref.value.value_at(e));
            ASSERT_LE(d, 1e-5 * scale.value_at(e) + 1e-30)
                << "m=" << m << " n=" << n << " k=" << k << " ta=" << ta << " tb=" << tb
                << " element " << e;
          }
        }
      }
    }
  }
}

TEST(MatMulParity, FastSgemmDeclinesOtherDtypes) {
  const Tensor a = testing::random_tensor(Shape({3, 4}), 1, -1, 1, DType::f64);
  const Tensor b = testing::random_tensor(Shape({4, 2}), 2, -1, 1, DType::f64);
  EXPECT_EQ(run_matmul(a, b, false, false, false).kernel, "ref:MatMul");
}

TEST(MatMulParity, EmptyInnerDimensionGivesZeros) {
  const Tensor a = Tensor::zeros(DType::f32, Shape({3, 0}));
  const Tensor b = Tensor::zeros(DType::f32, Shape({0, 2}));
  const MatMulRun fast = run_matmul(a, b, false, false, false);
  EXPECT_EQ(fast.value.to_vector<float>(), std::vector<float>(6, 0.0f));
}

}  // namespace dl
