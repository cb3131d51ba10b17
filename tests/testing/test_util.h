#pragma once
// Test helpers: random tensors and tensor comparison.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "dl/core/tensor.h"

namespace dl::testing {

/// A tensor of uniform values in [lo, hi), reproducible from `seed`.
Tensor random_tensor(Shape shape, uint64_t seed, double lo = -1.0, double hi = 1.0,
                     DType dtype = DType::f32);

/// Success when both tensors have one dtype and shape and every pair of values satisfies
/// |a - b| <= atol + rtol * |b|; the failure names the first bad index.
::testing::AssertionResult tensors_near(const Tensor& a, const Tensor& b, double atol,
                                        double rtol = 0.0);
/// Bit-identical comparison.
::testing::AssertionResult tensors_equal(const Tensor& a, const Tensor& b);

}  // namespace dl::testing

#define EXPECT_TENSOR_NEAR(a, b, atol) EXPECT_TRUE(::dl::testing::tensors_near((a), (b), (atol)))
