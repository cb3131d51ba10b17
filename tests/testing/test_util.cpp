#include "test_util.h"

#include <cmath>
#include <cstring>

#include "dl/core/dtype_visit.h"
#include "dl/core/random.h"

namespace dl::testing {

Tensor random_tensor(Shape shape, uint64_t seed, double lo, double hi, DType dtype) {
  Tensor t(DType::f64, std::move(shape));
  RandomStream rs{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32) ^ 0x5eed, 0};
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.num_elements(); ++i)
    p[i] = lo + (hi - lo) * rs.uniform_double(static_cast<uint64_t>(i));
  return t.cast(dtype);
}

::testing::AssertionResult tensors_near(const Tensor& a, const Tensor& b, double atol,
                                        double rtol) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) {
    return ::testing::AssertionFailure()
           << "specs differ: " << a.spec_string() << " vs " << b.spec_string();
  }
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    const double x = a.value_at(i), y = b.value_at(i);
    if (!(std::fabs(x - y) <= atol + rtol * std::fabs(y))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << x << " vs " << y
                                           << " (atol " << atol << ", rtol " << rtol << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult tensors_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) {
    return ::testing::AssertionFailure()
           << "specs differ: " << a.spec_string() << " vs " << b.spec_string();
  }
  if (std::memcmp(a.raw_data(), b.raw_data(), a.num_bytes()) != 0) {
    for (int64_t i = 0; i < a.num_elements(); ++i) {
      if (a.value_at(i) != b.value_at(i)) {
        return ::testing::AssertionFailure()
               << "element " << i << ": " << a.value_at(i) << " vs " << b.value_at(i);
      }
    }
    return ::testing::AssertionFailure() << "bytes differ";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace dl::testing
