#pragma once
/// Shape and indexing ops (tf.reshape, tf.expand_dims, tf.squeeze, tf.concat, ...).
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.reshape(x, shape): one dimension may be -1 (inferred). A view: no copy.
Output reshape(Output x, Shape shape, const std::string& name = "Reshape");
/// tf.expand_dims(x, axis): inserts a dimension of 1 at `axis` (negative counts from the end,
/// -1 appends).
Output expand_dims(Output x, int64_t axis, const std::string& name = "ExpandDims");
/// tf.squeeze(x, axis): removes the listed dimensions of size 1 (all of them when empty).
Output squeeze(Output x, std::vector<int64_t> axis = {}, const std::string& name = "Squeeze");
/// tf.concat(values, axis). Negative axis counts from the end.
Output concat(const std::vector<Output>& values, int64_t axis, const std::string& name = "concat");

}  // namespace dl::ops
