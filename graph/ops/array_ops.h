#pragma once
/// Shape and indexing ops (tf.reshape, tf.concat, ...).
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.concat(values, axis). Negative axis counts from the end.
Output concat(const std::vector<Output>& values, int64_t axis, const std::string& name = "concat");

}  // namespace dl::ops
