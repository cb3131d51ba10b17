// TEMPORARY until ConcatV2 lands with the array ops (then this file is deleted).
#include "dl/graph/ops/array_ops.h"
namespace dl::ops {
Output concat(const std::vector<Output>&, int64_t, const std::string&) {
  throw Unimplemented("concat: pending");
}
}  // namespace dl::ops
