#pragma once
/// Gather, embedding lookup and segment sums.
#include <string>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.math.unsorted_segment_sum(data, segment_ids, num_segments): output row k is the sum of
/// the rows of `data` whose id is k.
Output unsorted_segment_sum(Output data, Output segment_ids, int64_t num_segments,
                            const std::string& name = "UnsortedSegmentSum");

}  // namespace dl::ops
