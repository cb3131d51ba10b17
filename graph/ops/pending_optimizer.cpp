// TEMPORARY until the optimizer op family lands (then this file is deleted).
#include "dl/graph/op_registry.h"
namespace dl {
void register_optimizer_ops(OpRegistry&) {}
}  // namespace dl
