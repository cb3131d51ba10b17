#pragma once
/// Internal: reference kernels of the gather family (GatherV2, UnsortedSegmentSum).
#include "dl/kernels/kernel.h"

namespace dl::kernels::ref {

/// GatherV2 with the `axis` attribute; fails naming the first index out of range.
void gather_v2(KernelContext& c);
/// UnsortedSegmentSum with the `num_segments` attribute; negative ids are dropped (as TF),
/// ids >= num_segments fail.
void unsorted_segment_sum(KernelContext& c);

/// Reads index i of an int32 or int64 tensor.
int64_t index_at(const Tensor& t, int64_t i);

}  // namespace dl::kernels::ref
