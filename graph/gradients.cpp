#include "dl/graph/gradients.h"

#include <map>
#include <set>

#include "dl/graph/op_def.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/gather_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl {
namespace {

// Sums the gradients that reach one tensor. Dense ones add with AddN; when all are sparse
// they stay sparse (values and indices concatenated, as TF aggregates IndexedSlices); a mix
// is densified first.
Grad aggregate(std::vector<Grad>& gs) {
  if (gs.size() == 1) return gs[0];
  bool all_sparse = true;
  for (const Grad& g : gs) all_sparse = all_sparse && g.is_sparse();
  if (all_sparse) {
    std::vector<Output> values, indices;
    for (const Grad& g : gs) {
      values.push_back(g.sparse->values);
      indices.push_back(g.sparse->indices);
    }
    return IndexedSlices{ops::concat(values, 0), ops::concat(indices, 0),
                         gs[0].sparse->dense_shape};
  }
  std::vector<Output> dense;
  for (const Grad& g : gs) dense.push_back(g.is_sparse() ? to_dense(*g.sparse) : g.dense);
  return ops::add_n(dense);
}

}  // namespace

Output to_dense(const IndexedSlices& s) {
  DL_CHECK(s.dense_shape.rank() >= 1 && s.dense_shape.dim(0) >= 0, "to_dense: IndexedSlices of '",
           s.values.name(), "' need a known first dimension, received ", s.dense_shape.to_string());
  return ops::unsorted_segment_sum(s.values, s.indices, s.dense_shape.dim(0));
}

std::vector<Grad> gradients_sparse(const std::vector<Output>& ys, const std::vector<Output>& xs,
                                   const std::vector<Output>& grad_ys) {
  DL_CHECK(!ys.empty(), "gradients: ys is empty");
  DL_CHECK(grad_ys.empty() || grad_ys.size() == ys.size(), "gradients: ", ys.size(), " ys but ",
           grad_ys.size(), " grad_ys");
  Graph& g = ys[0].graph();

  // Nodes on a path from some x to some y: reachable forward from xs and backward from ys.
  std::set<const Node*> from_x;
  {
    std::vector<const Node*> stack;
    for (const Output& x : xs) {
      DL_CHECK(x.node != nullptr, "gradients: an x is empty");
      if (from_x.insert(x.node).second) stack.push_back(x.node);
    }
    while (!stack.empty()) {
      const Node* n = stack.back();
      stack.pop_back();
      for (Node* c : n->consumers()) {
        if (from_x.insert(c).second) stack.push_back(c);
      }
    }
  }
  std::set<const Node*> relevant;
  {
    std::vector<const Node*> stack;
    for (const Output& y : ys) {
      if (from_x.count(y.node) && relevant.insert(y.node).second) stack.push_back(y.node);
    }
    while (!stack.empty()) {
      const Node* n = stack.back();
      stack.pop_back();
      if (!n->op().differentiable) continue;
      for (const Output& in : n->inputs()) {
        if (from_x.count(in.node) && relevant.insert(in.node).second) stack.push_back(in.node);
      }
    }
  }

  std::map<Output, std::vector<Grad>> pending;
  for (size_t i = 0; i < ys.size(); ++i) {
    Output gy;
    if (!grad_ys.empty() && grad_ys[i]) {
      gy = grad_ys[i];
    } else {
      NameScope scope(g, "gradients/");
      gy = ops::ones_like(ys[i], "grad_ys_" + std::to_string(i));
    }
    pending[ys[i]].push_back(gy);
  }
  std::set<Output> is_x(xs.begin(), xs.end());

  // Data edges always point to earlier nodes, so descending id order is a reverse
  // topological order.
  std::vector<const Node*> order(relevant.begin(), relevant.end());
  std::sort(order.begin(), order.end(),
            [](const Node* a, const Node* b) { return a->id() > b->id(); });
  std::map<Output, Grad> final_grads;
  for (const Node* n : order) {
    std::vector<Output> dys(static_cast<size_t>(n->num_outputs()));
    bool any = false;
    for (int i = 0; i < n->num_outputs(); ++i) {
      auto it = pending.find(n->output(i));
      if (it == pending.end()) continue;
      Grad agg;
      {
        NameScope scope(g, "gradients/" + n->name() + "_grad/");
        agg = aggregate(it->second);
      }
      if (is_x.count(n->output(i))) final_grads[n->output(i)] = agg;
      dys[static_cast<size_t>(i)] = agg.is_sparse() ? to_dense(*agg.sparse) : agg.dense;
      any = true;
    }
    if (!any || !n->op().differentiable || n->num_inputs() == 0) continue;
    bool needs_input_grad = false;
    for (const Output& in : n->inputs())
      needs_input_grad = needs_input_grad || relevant.count(in.node);
    if (!needs_input_grad) continue;
    if (!n->op().grad_fn) {
      throw InvalidArgument(
          str_cat("gradients: no gradient is defined for op ", n->type(), " ('", n->name(), "')"));
    }
    std::vector<Grad> in_grads;
    {
      NameScope scope(g, "gradients/" + n->name() + "_grad/");
      GradContext ctx{g, *n, std::move(dys)};
      in_grads = n->op().grad_fn(ctx);
    }
    DL_ASSERT(in_grads.size() == static_cast<size_t>(n->num_inputs()));
    for (int i = 0; i < n->num_inputs(); ++i) {
      Grad& gi = in_grads[static_cast<size_t>(i)];
      if (!gi || !relevant.count(n->input(i).node)) continue;
      pending[n->input(i)].push_back(std::move(gi));
    }
  }

  std::vector<Grad> out;
  for (const Output& x : xs) {
    auto it = final_grads.find(x);
    out.push_back(it == final_grads.end() ? Grad() : it->second);
  }
  return out;
}

std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys) {
  std::vector<Grad> gs = gradients_sparse(ys, xs, grad_ys);
  std::vector<Output> out;
  for (Grad& gr : gs) {
    if (gr.is_sparse()) {
      NameScope scope(xs[0].graph(), "gradients/");
      out.push_back(to_dense(*gr.sparse));
    } else {
      out.push_back(gr.dense);
    }
  }
  return out;
}

}  // namespace dl
