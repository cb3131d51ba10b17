#pragma once
/// Internal: reference kernels of the training ops (Apply*, SparseApply*, ScatterAdd/Sub). Each
/// updates its ref inputs (variables) in place and forwards the variable as its output. The
/// arithmetic follows TF's CPU functors (training_ops.cc) term by term, so float32 results agree
/// with TF to a few ulps (TF's vectorised rsqrt is not always correctly rounded; dl divides by
/// sqrt).
#include "dl/kernels/kernel.h"

namespace dl::kernels::ref {

void apply_gradient_descent(KernelContext& c);
void apply_momentum(KernelContext& c);
void apply_keras_momentum(KernelContext& c);
void apply_adam(KernelContext& c);
void apply_rms_prop(KernelContext& c);
void apply_centered_rms_prop(KernelContext& c);
void apply_adagrad(KernelContext& c);
void apply_adadelta(KernelContext& c);

// Sparse forms. Rows with the same index are summed first (in the order they come) and the row
// is updated once: what tf.train optimizers feed TF's kernels after
// _deduplicate_indexed_slices. (TF's raw kernels would update such a row once per duplicate.)
void sparse_apply_momentum(KernelContext& c);
void sparse_apply_adagrad(KernelContext& c);
void sparse_apply_rms_prop(KernelContext& c);
void sparse_apply_centered_rms_prop(KernelContext& c);
void sparse_apply_adadelta(KernelContext& c);

// ScatterAdd / ScatterSub: ref[indices[i], ...] +=/-= updates[i, ...], one index after the
// other (duplicates accumulate), as TF.
void scatter_add(KernelContext& c);
void scatter_sub(KernelContext& c);

}  // namespace dl::kernels::ref
