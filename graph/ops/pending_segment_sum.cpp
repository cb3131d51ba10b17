// TEMPORARY until UnsortedSegmentSum lands with the gather ops (then this file is deleted).
#include "dl/graph/ops/gather_ops.h"
namespace dl::ops {
Output unsorted_segment_sum(Output, Output, int64_t, const std::string&) {
  throw Unimplemented("unsorted_segment_sum: pending");
}
}  // namespace dl::ops
