#pragma once
/// Internal: reference kernels of the array family (broadcasts, transposes, slices, pads,
/// concatenation, tiles, one-hot). They only move elements, so they are exact; the ones that
/// add (TileGrad) fold in row-major order of their input.
#include <cstdint>
#include <vector>

#include "dl/kernels/kernel.h"

namespace dl::kernels::ref {

/// Output = input 0 broadcast (NumPy rules) to the output's shape. Used by BroadcastTo and
/// BroadcastToShapeOf.
void broadcast(KernelContext& c);
/// Transpose (attr perm).
void transpose(KernelContext& c);
/// ConcatV2 (attr axis) over all inputs; Pack (attr axis) is the same copy with the new
/// dimension of size 1 on each input.
void concat(KernelContext& c);
void pack(KernelContext& c);
/// Unpack (attrs num, axis): output i is slice i along axis.
void unpack(KernelContext& c);
/// ConcatSlice(dy, x_0..x_n-1) (attrs axis, index): the part of dy that came from x_index.
void concat_slice(KernelContext& c);
/// Slice (attr begin; the output's shape gives the size), and SliceToShapeOf.
void slice(KernelContext& c);
/// Pad (attrs paddings, constant_values), and PadToShapeOf (attr begin; zeros around).
void pad(KernelContext& c);
void pad_to_shape_of(KernelContext& c);
/// Tile (attr multiples) and its gradient TileGrad (sums the tiles back).
void tile(KernelContext& c);
void tile_grad(KernelContext& c);
/// OneHot (attrs depth, on_value, off_value, axis).
void one_hot(KernelContext& c);
/// Shape: the input's run-time shape as int32 or int64.
void shape(KernelContext& c);

/// Row-major strides (in elements) of a shape.
std::vector<int64_t> strides_of(const Shape& s);

}  // namespace dl::kernels::ref
