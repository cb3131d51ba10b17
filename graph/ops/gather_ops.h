#pragma once
/// Gather, embedding lookup and segment sums (tf.gather, tf.nn.embedding_lookup,
/// tf.math.unsorted_segment_sum).
#include <string>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.gather(params, indices, axis): output[p..., i..., q...] = params[p..., indices[i...], q...],
/// of shape params.shape[:axis] + indices.shape + params.shape[axis+1:]. `indices` is int32 or
/// int64; negative `axis` counts from the end. The gradient with respect to params is
/// IndexedSlices for axis 0 (what optimizers update sparsely); other axes have no gradient yet.
/// Throws (at run time, naming the node): an index outside [0, params.shape[axis]).
Output gather(Output params, Output indices, int64_t axis = 0,
              const std::string& name = "GatherV2");

/// tf.math.unsorted_segment_sum(data, segment_ids, num_segments): output row k is the sum of the
/// rows of `data` whose id is k (zeros where none is). segment_ids (int32 or int64) has the shape
/// of a prefix of data's shape; the output is [num_segments] + data.shape[segment_ids.rank:].
/// Rows with a negative id are dropped (as TF); an id >= num_segments fails at run time. The
/// gradient gathers the incoming gradient by segment_ids (so it needs ids >= 0).
Output unsorted_segment_sum(Output data, Output segment_ids, int64_t num_segments,
                            const std::string& name = "UnsortedSegmentSum");

}  // namespace dl::ops

namespace dl::nn {

/// tf.nn.embedding_lookup(params, ids) for one (unpartitioned) table: gather(params, ids) along
/// axis 0 followed by an Identity, named as TF names them ("embedding_lookup",
/// "embedding_lookup/Identity"). `params` may be a Variable (it converts to its Output); its
/// gradient is IndexedSlices, which tf.train optimizers apply sparsely.
Output embedding_lookup(Output params, Output ids, const std::string& name = "embedding_lookup");

}  // namespace dl::nn
