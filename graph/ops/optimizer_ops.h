#pragma once
/// The training ops of TF1 (training_ops.apply_*, sparse_apply_*, tf.scatter_add/sub): each
/// updates its variable (and slot variables) in place and returns the variable's new value.
/// Variables and slots are ref inputs: they must be Variables (VariableV2 outputs); the
/// hyperparameters are scalar tensors of the variable's dtype (float32 or float64).
/// None is differentiable; all are stateful. Argument order and update rules are TF1's
/// (tiers-reference A4; training_ops.cc).
///
/// Sparse forms take `grad` rows [n, var.shape[1:]...] and int32/int64 `indices` [n]. Rows with
/// the same index are summed first and the row updated once: this is the update
/// tf.train optimizers make (they deduplicate IndexedSlices before calling TF's kernels, which
/// would apply duplicates one after another). Only touched rows change, so sparse and dense
/// updates differ for Momentum, RMSProp, Adagrad and Adadelta, as in TF.
/// Throws (at run time, naming the node): an index outside [0, var.shape[0]); an uninitialised
/// variable or slot (FailedPrecondition).
#include <string>

#include "dl/graph/graph.h"

namespace dl::ops {

/// var -= alpha * delta.
Output apply_gradient_descent(Output var, Output alpha, Output delta,
                              const std::string& name = "ApplyGradientDescent");
/// accum = accum * momentum + grad; var -= lr * accum, or with Nesterov
/// var -= grad * lr + accum * momentum * lr.
Output apply_momentum(Output var, Output accum, Output lr, Output grad, Output momentum,
                      bool use_nesterov = false, const std::string& name = "ApplyMomentum");
/// TF's ApplyKerasMomentum (the rule of Keras's SGD): accum = accum * momentum - grad * lr;
/// var += accum, or with Nesterov var += accum * momentum - grad * lr.
Output apply_keras_momentum(Output var, Output accum, Output lr, Output grad, Output momentum,
                            bool use_nesterov = false,
                            const std::string& name = "ApplyKerasMomentum");
/// alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m += (grad - m) * (1 - beta1);
/// v += (grad^2 - v) * (1 - beta2); var -= m * alpha / (sqrt(v) + epsilon) (Nesterov uses
/// grad * (1 - beta1) + beta1 * m in place of m).
Output apply_adam(Output var, Output m, Output v, Output beta1_power, Output beta2_power, Output lr,
                  Output beta1, Output beta2, Output epsilon, Output grad,
                  bool use_nesterov = false, const std::string& name = "ApplyAdam");
/// ms += (grad^2 - ms) * (1 - rho); mom = mom * momentum + grad * lr / sqrt(ms + epsilon);
/// var -= mom.
Output apply_rms_prop(Output var, Output ms, Output mom, Output lr, Output rho, Output momentum,
                      Output epsilon, Output grad, const std::string& name = "ApplyRMSProp");
/// As apply_rms_prop with mg += (grad - mg) * (1 - rho) and the denominator
/// sqrt(ms - mg^2 + epsilon).
Output apply_centered_rms_prop(Output var, Output mg, Output ms, Output mom, Output lr, Output rho,
                               Output momentum, Output epsilon, Output grad,
                               const std::string& name = "ApplyCenteredRMSProp");
/// accum += grad^2; var -= lr * grad / sqrt(accum).
Output apply_adagrad(Output var, Output accum, Output lr, Output grad,
                     const std::string& name = "ApplyAdagrad");
/// accum = rho * accum + (1 - rho) * grad^2;
/// update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad;
/// var -= lr * update; accum_update = rho * accum_update + (1 - rho) * update^2.
Output apply_adadelta(Output var, Output accum, Output accum_update, Output lr, Output rho,
                      Output epsilon, Output grad, const std::string& name = "ApplyAdadelta");

/// Sparse forms: the dense rule applied to rows `indices` only (see the file comment).
Output sparse_apply_momentum(Output var, Output accum, Output lr, Output grad, Output indices,
                             Output momentum, bool use_nesterov = false,
                             const std::string& name = "SparseApplyMomentum");
Output sparse_apply_adagrad(Output var, Output accum, Output lr, Output grad, Output indices,
                            const std::string& name = "SparseApplyAdagrad");
Output sparse_apply_rms_prop(Output var, Output ms, Output mom, Output lr, Output rho,
                             Output momentum, Output epsilon, Output grad, Output indices,
                             const std::string& name = "SparseApplyRMSProp");
Output sparse_apply_centered_rms_prop(Output var, Output mg, Output ms, Output mom, Output lr,
                                      Output rho, Output momentum, Output epsilon, Output grad,
                                      Output indices,
                                      const std::string& name = "SparseApplyCenteredRMSProp");
Output sparse_apply_adadelta(Output var, Output accum, Output accum_update, Output lr, Output rho,
                             Output epsilon, Output grad, Output indices,
                             const std::string& name = "SparseApplyAdadelta");

/// tf.scatter_add / tf.scatter_sub: ref[indices[i], ...] += / -= updates[i, ...], where
/// updates has shape indices.shape + ref.shape[1:]. Duplicate indices accumulate.
Output scatter_add(Output ref, Output indices, Output updates,
                   const std::string& name = "ScatterAdd");
Output scatter_sub(Output ref, Output indices, Output updates,
                   const std::string& name = "ScatterSub");

}  // namespace dl::ops
