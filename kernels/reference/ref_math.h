#pragma once
/// Internal: reference kernels of the math family that are more than a functor.
#include "dl/kernels/kernel.h"

namespace dl::kernels::ref {

/// MatMul (attrs transpose_a, transpose_b), rank-2 inputs. Each output element is one dot
/// product in ascending k, accumulated in double for floating types (int64 for integers).
void matmul(KernelContext& c);
/// Cast (attr DstT).
void cast(KernelContext& c);
/// ClipByValue: max(min(t, hi), lo) with lo and hi broadcast to t.
void clip_by_value(KernelContext& c);
/// SelectV2: cond ? x : y with broadcasting of all three.
void select(KernelContext& c);

}  // namespace dl::kernels::ref
