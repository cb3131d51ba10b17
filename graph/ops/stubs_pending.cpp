// TEMPORARY: op families still being written; each registration function moves to its own
// file when the family lands.
#include "dl/graph/op_registry.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/gather_ops.h"

namespace dl {
void register_reduce_ops(OpRegistry&) {}
void register_nn_ops(OpRegistry&) {}
void register_conv_ops(OpRegistry&) {}
void register_loss_ops(OpRegistry&) {}
void register_gather_ops(OpRegistry&) {}
void register_optimizer_ops(OpRegistry&) {}
namespace ops {
Output concat(const std::vector<Output>&, int64_t, const std::string&) {
  throw Unimplemented("concat: pending");
}
Output unsorted_segment_sum(Output, Output, int64_t, const std::string&) {
  throw Unimplemented("unsorted_segment_sum: pending");
}
}  // namespace ops
}  // namespace dl
