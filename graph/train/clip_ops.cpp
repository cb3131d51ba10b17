#include "dl/graph/train/clip_ops.h"

#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::train {
namespace {

Output values_of(const Grad& t) { return t.is_sparse() ? t.sparse->values : t.dense; }

Grad like(const Grad& t, Output values) {
  if (t.is_sparse()) return IndexedSlices{values, t.sparse->indices, t.sparse->dense_shape};
  return values;
}

// A scope named `name` whose full prefix becomes the name of the result (TF's `as name`).
std::string scope_of(Graph& g, const std::string& name) {
  const std::string s = g.push_name_scope(name);
  g.pop_name_scope();
  return s;
}

}  // namespace

Grad clip_by_value(const Grad& t, double clip_value_min, double clip_value_max,
                   const std::string& name) {
  if (!t) return t;
  return like(t, ops::clip_by_value(values_of(t), clip_value_min, clip_value_max, name));
}

Grad clip_by_norm(const Grad& t, double clip_norm, std::vector<int64_t> axes,
                  const std::string& name) {
  if (!t) return t;
  Output values = values_of(t);
  Graph& g = values.graph();
  const DType dt = values.dtype();
  const std::string scope = scope_of(g, name);
  Output clipped;
  {
    NameScope s(g, scope);
    Output l2sum = ops::reduce_sum(values * values, std::move(axes), true);
    Output pred = ops::greater(l2sum, ops::scalar(g, 0.0, dt));
    Output l2sum_safe = ops::where(pred, l2sum, ops::ones_like(l2sum));
    Output l2norm = ops::where(pred, ops::sqrt(l2sum_safe), l2sum);
    Output cn = ops::scalar(g, clip_norm, dt, "clip_norm");
    Output intermediate = values * cn;
    clipped = ops::identity(intermediate / ops::maximum(l2norm, cn), scope);
  }
  return like(t, clipped);
}

Output global_norm(const std::vector<Grad>& t_list, const std::string& name) {
  const Grad* first = nullptr;
  for (const Grad& t : t_list) {
    if (t && !first) first = &t;
  }
  DL_CHECK(first != nullptr, "global_norm: every tensor of the list is empty (no gradient)");
  Graph& g = values_of(*first).graph();
  const std::string scope = scope_of(g, name);
  NameScope s(g, scope);
  // As TF: per-tensor L2Loss (sum of squares / 2), their stacked sum, times 2, square root.
  std::vector<Output> half_squared_norms;
  for (const Grad& t : t_list) {
    if (t) half_squared_norms.push_back(nn::l2_loss(values_of(t)));
  }
  Output half_squared_norm = ops::reduce_sum(ops::stack(half_squared_norms));
  return ops::sqrt(half_squared_norm * ops::scalar(g, 2.0, half_squared_norm.dtype()), scope);
}

std::pair<std::vector<Grad>, Output> clip_by_global_norm(const std::vector<Grad>& t_list,
                                                         double clip_norm,
                                                         std::optional<Output> use_norm,
                                                         const std::string& name) {
  Output norm = use_norm ? *use_norm : global_norm(t_list);
  Graph& g = norm.graph();
  const DType dt = norm.dtype();
  const std::string scope = scope_of(g, name);
  std::vector<Grad> out;
  NameScope s(g, scope);
  Output cn = ops::scalar(g, clip_norm, dt, "clip_norm");
  Output scale_for_finite = cn * ops::minimum(1.0 / norm, ops::scalar(g, 1.0, dt, "Const") / cn);
  // Zero for a finite norm, NaN otherwise: an overflowing norm poisons the update visibly.
  Output scale = scale_for_finite + (norm - norm);
  int i = 0;
  const std::string base = scope.substr(0, scope.size() - 1);
  const std::string leaf = base.substr(base.rfind('/') + 1);
  for (const Grad& t : t_list) {
    if (!t) {
      out.push_back(t);
    } else {
      Output v = values_of(t);
      out.push_back(
          like(t, ops::identity(v * ops::cast(scale, v.dtype()), leaf + "_" + std::to_string(i))));
    }
    ++i;
  }
  return {out, norm};
}

}  // namespace dl::train
