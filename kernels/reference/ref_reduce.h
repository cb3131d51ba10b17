#pragma once
/// Internal: reference kernels of the reduce family. Each output element is folded over its
/// inputs in ascending row-major order of the reduced dimensions; floating sums accumulate in
/// double. Outputs are computed independently (OpenMP over blocks of outputs), so results do
/// not depend on the thread count.
#include <cstdint>
#include <vector>

#include "dl/kernels/kernel.h"

namespace dl::kernels::ref {

enum class ReduceKind { sum, mean, max, min, prod };

/// Sum / Mean / Max / Min / Prod (attr axis, already validated by the shape function).
template <ReduceKind K>
void reduce(KernelContext& c);
/// ArgMax (Max = true) / ArgMin (attrs axis, output_type).
template <bool Max>
void arg_reduce(KernelContext& c);
/// ProdGrad(x): for each element, the product of the other elements of its reduction group.
void prod_others(KernelContext& c);
/// ReducedSize(x): the number of elements reduced over (a scalar of attr dtype).
void reduced_size(KernelContext& c);

/// `axis` normalised against `rank`: sorted, non-negative, all axes when empty. Throws
/// InvalidArgument for an out-of-range or repeated axis.
std::vector<int> normalize_axes(const std::vector<int64_t>& axis, int rank);

}  // namespace dl::kernels::ref
