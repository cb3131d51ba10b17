#pragma once
/// Gradient clipping between compute_gradients and apply_gradients (tf.clip_by_value,
/// tf.clip_by_norm, tf.global_norm, tf.clip_by_global_norm). Each takes a Grad: a dense tensor
/// or IndexedSlices (whose values are clipped and whose indices are kept, as TF does); an empty
/// Grad (no gradient) passes through unchanged.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dl/graph/grad.h"

namespace dl::train {

/// tf.clip_by_value(t, clip_value_min, clip_value_max): element-wise into [min, max].
Grad clip_by_value(const Grad& t, double clip_value_min, double clip_value_max,
                   const std::string& name = "clip_by_value");

/// tf.clip_by_norm(t, clip_norm, axes): t * clip_norm / max(l2norm(t), clip_norm), the L2 norm
/// taken over `axes` (all when empty). A zero norm leaves t unchanged. Built as TF builds it
/// (the two-tap where that keeps the gradient finite).
Grad clip_by_norm(const Grad& t, double clip_norm, std::vector<int64_t> axes = {},
                  const std::string& name = "clip_by_norm");

/// tf.global_norm(t_list): sqrt(sum of the squares of every element of every tensor),
/// skipping empty Grads, built as TF builds it (L2Loss per tensor, stacked, summed, times 2).
/// Throws InvalidArgument when every Grad is empty.
Output global_norm(const std::vector<Grad>& t_list, const std::string& name = "global_norm");

/// tf.clip_by_global_norm(t_list, clip_norm, use_norm): every t scaled by
/// clip_norm / max(global_norm, clip_norm) (computed as TF: clip_norm * min(1 / norm,
/// 1 / clip_norm), plus norm - norm so that an infinite or NaN norm makes every value NaN).
/// Returns the clipped list (empty Grads stay empty) and the global norm used.
std::pair<std::vector<Grad>, Output> clip_by_global_norm(
    const std::vector<Grad>& t_list, double clip_norm,
    std::optional<Output> use_norm = std::nullopt, const std::string& name = "clip_by_global_norm");

}  // namespace dl::train
