#include "dl/tools/parity_check/lib/replay.h"

#include <algorithm>
#include <set>

#include "dl/graph/gradients.h"

namespace dl::parity {

std::string ReplayResult::verdict() const {
  if (!ran) return "not replayed: " + why_not;
  const std::string over = " over " + std::to_string(steps) + " step" + (steps == 1 ? "" : "s");
  if (bit_identical) return "bit-identical" + over + " (activations, loss, gradients, updates)";
  if (!first_divergence) {
    return "equal within tolerance " + num(tolerance) + over + "; weights after the last step " +
           (final_weights_identical ? "bit-identical" : "within tolerance");
  }
  const ReplayPoint& p = *first_divergence;
  return "diverges first at step " + std::to_string(p.step) + ", " + p.quantity + ": " +
         p.closeness.describe();
}

namespace {

struct Side {
  std::vector<Output> fetches;  // forward..., logits, loss, gradients...
  std::vector<const Node*> dropouts;
};

std::vector<const Node*> dropout_nodes(const Structure& s) {
  std::vector<const Node*> out;
  for (const Stage& st : s.forward.input_stages)
    if (st.kind == "dropout") out.push_back(st.node);
  for (const Layer& l : s.forward.layers) {
    for (const Stage& st : l.post)
      if (st.kind == "dropout") out.push_back(st.node);
  }
  return out;
}

Tensor multiply(const Tensor& x, const Tensor& mask) {
  Tensor y(x.dtype(), x.shape());
  if (x.dtype() == DType::f32) {
    for (int64_t i = 0; i < x.num_elements(); ++i)
      y.data<float>()[i] = x.data<float>()[i] * mask.data<float>()[i];
  } else {
    for (int64_t i = 0; i < x.num_elements(); ++i)
      y.data<double>()[i] = x.data<double>()[i] * mask.data<double>()[i];
  }
  return y;
}

}  // namespace

ReplayResult replay(TrainingProgram& a, Session& sa, const Structure& sta, TrainingProgram& b,
                    Session& sb, const Structure& stb, const Alignment& al, const Dataset& d,
                    const ReplayOptions& o) {
  ReplayResult r;
  r.tolerance = o.tolerance;
  std::vector<const VarPair*> train_pairs;
  std::set<const Node*> aligned_a, aligned_b;
  for (const VarPair& p : al.vars) {
    aligned_a.insert(p.a.op());
    aligned_b.insert(p.b.op());
    if (p.trainable) train_pairs.push_back(&p);
  }
  for (const Variable& v : a.trainable) {
    if (!aligned_a.count(v.op())) {
      r.why_not = "A's variable '" + v.name() + "' has no counterpart in B";
      return r;
    }
  }
  for (const Variable& v : b.trainable) {
    if (!aligned_b.count(v.op())) {
      r.why_not = "B's variable '" + v.name() + "' has no counterpart in A";
      return r;
    }
  }
  if (train_pairs.empty()) {
    r.why_not = "no aligned trainable variables";
    return r;
  }
  for (const VarPair& p : al.vars)
    sb.set_variable_value(p.b.op(), p.conv.a_to_b(sa.variable_value(p.a.op())));

  // What is compared, in the order a divergence is looked for.
  struct Item {
    std::string stage, quantity;
    Output a, b;
    const Conversion* conv = nullptr;  // B -> A layout of the tensor itself
    const Conversion* cols = nullptr;  // B -> A layout of an activation's columns
  };
  std::vector<Item> items;
  const int nl = al.num_layers;
  auto kernel_conv = [&](int layer) -> const Conversion* {
    for (const VarPair& p : al.vars)
      if (p.layer == layer && p.role == "kernel" && p.conv.kind == Conversion::Kind::rows)
        return &p.conv;
    return nullptr;
  };
  for (int i = 0; i < nl; ++i) {
    const Layer& la = sta.forward.layers[static_cast<size_t>(i)];
    const Layer& lb = stb.forward.layers[static_cast<size_t>(i)];
    const std::string name = "layer " + std::to_string(i + 1) + " (" + la.kind + ")";
    items.push_back({"forward", name + " pre-activation", la.pre_activation, lb.pre_activation});
    if (la.output != la.pre_activation || lb.output != lb.pre_activation) {
      items.push_back(
          {"forward", name + " output", la.output, lb.output, nullptr, kernel_conv(i + 1)});
    }
  }
  items.push_back({"forward", a.logits ? "logits" : "outputs", a.model_output(), b.model_output()});
  items.push_back({"loss", "loss", a.loss, b.loss});
  {
    std::vector<Output> va, vb;
    for (const VarPair* p : train_pairs) {
      va.push_back(p->a.value());
      vb.push_back(p->b.value());
    }
    const std::vector<Output> ga = gradients({a.loss}, va), gb = gradients({b.loss}, vb);
    for (int k = static_cast<int>(train_pairs.size()) - 1; k >= 0; --k) {
      const VarPair* p = train_pairs[static_cast<size_t>(k)];
      if (!ga[static_cast<size_t>(k)] || !gb[static_cast<size_t>(k)]) continue;
      const std::string where = p->layer >= 0
                                    ? "layer " + std::to_string(p->layer + 1) + " (" +
                                          sta.forward.layers[static_cast<size_t>(p->layer)].kind +
                                          ") " + p->role
                                    : p->a.name();
      items.push_back({"gradient", "gradient of " + where, ga[static_cast<size_t>(k)],
                       gb[static_cast<size_t>(k)], &p->conv});
    }
  }
  std::vector<Output> fa, fb;
  for (const Item& it : items) {
    fa.push_back(it.a);
    fb.push_back(it.b);
  }

  // Dropout: A draws, B is given A's masks.
  const std::vector<const Node*> da = dropout_nodes(sta), db = dropout_nodes(stb);
  const bool force = !da.empty() && da.size() == db.size();
  if (!da.empty() && !force) {
    r.notes.push_back("dropout layers differ in number: B's masks are its own");
  }
  if (force) r.notes.push_back("B uses the dropout masks A draws");
  for (const Node* n : da) {
    fa.push_back(n->output(0));
    fa.push_back(n->output(1));
  }

  const auto batches = epoch_batches(a.data, d.num_train(), 0);
  if (batches.empty()) {
    r.why_not = "no training batch";
    return r;
  }
  r.bit_identical = true;
  for (int s = 0; s < o.steps; ++s) {
    const Batch batch = gather_batch(d, false, batches[static_cast<size_t>(s) % batches.size()]);
    FeedDict feed_a = a.feed(batch, RunKind::train), feed_b = b.feed(batch, RunKind::train);
    const std::vector<Tensor> va = sa.run(feed_a, fa);
    if (force) {
      const size_t base = items.size();
      for (size_t k = 0; k < da.size(); ++k) {
        const Tensor& ya = va[base + 2 * k];
        const Tensor& ma = va[base + 2 * k + 1];
        feed_a.emplace_back(da[k]->output(0), ya);
        feed_a.emplace_back(da[k]->output(1), ma);
        const Tensor xb = sb.run(feed_b, {db[k]->input(0)})[0];
        if (xb.num_elements() != ma.num_elements()) {
          r.notes.push_back("dropout " + std::to_string(k + 1) + " has another shape in B");
          continue;
        }
        feed_b.emplace_back(db[k]->output(0), multiply(xb, ma.reshaped(xb.shape())));
        feed_b.emplace_back(db[k]->output(1), ma.reshaped(xb.shape()));
      }
    }
    const std::vector<Tensor> vb = sb.run(feed_b, fb);
    for (size_t i = 0; i < items.size(); ++i) {
      const Item& it = items[i];
      Tensor tb = vb[i];
      if (it.conv) tb = it.conv->b_to_a(tb);
      if (it.cols) tb = it.cols->columns_b_to_a(tb);
      ReplayPoint p{s + 1, it.stage, it.quantity, compare(va[i], tb), true};
      p.within = !p.closeness.shape_mismatch && p.closeness.rel <= o.tolerance;
      r.bit_identical = r.bit_identical && p.closeness.bit_identical;
      if (!p.within && !r.first_divergence) r.first_divergence = p;
      r.points.push_back(p);
    }
    sa.run(feed_a, {}, a.train_targets);
    sb.run(feed_b, {}, b.train_targets);
    bool all_identical = true;
    for (const VarPair& vp : al.vars) {
      const std::string where = vp.layer >= 0
                                    ? "layer " + std::to_string(vp.layer + 1) + " (" +
                                          sta.forward.layers[static_cast<size_t>(vp.layer)].kind +
                                          ") " + vp.role
                                    : vp.a.name();
      ReplayPoint p{
          s + 1, "update", where + " after the step",
          compare(sa.variable_value(vp.a.op()), vp.conv.b_to_a(sb.variable_value(vp.b.op()))),
          true};
      p.within = !p.closeness.shape_mismatch && p.closeness.rel <= o.tolerance;
      all_identical = all_identical && p.closeness.bit_identical;
      r.bit_identical = r.bit_identical && p.closeness.bit_identical;
      if (!p.within && !r.first_divergence) r.first_divergence = p;
      r.points.push_back(p);
    }
    r.final_weights_identical = all_identical;
  }
  r.steps = o.steps;
  r.ran = true;
  return r;
}

}  // namespace dl::parity
