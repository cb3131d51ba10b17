#pragma once
/// Internal: reference kernels of the array family (copies, slices, pads, tiles, ...).
#include "dl/kernels/kernel.h"

namespace dl::kernels::ref {

/// Output = input 0 broadcast (NumPy rules) to the output's shape. Used by BroadcastTo and
/// BroadcastToShapeOf.
void broadcast(KernelContext& c);

}  // namespace dl::kernels::ref
