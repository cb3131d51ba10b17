// TEMPORARY until the nn op family lands (then this file is deleted).
#include "dl/graph/op_registry.h"
namespace dl {
void register_nn_ops(OpRegistry&) {}
}  // namespace dl
