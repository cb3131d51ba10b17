#include "dl/tools/parity_check/lib/diff.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace dl::parity {

const char* to_string(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
  }
  return "?";
}

std::vector<std::string> StaticDiff::components(Severity at_least) const {
  std::vector<std::string> out;
  for (int s = static_cast<int>(Severity::high); s >= static_cast<int>(at_least); --s) {
    for (const Finding& f : findings) {
      if (static_cast<int>(f.severity) == s &&
          std::find(out.begin(), out.end(), f.component) == out.end()) {
        out.push_back(f.component);
      }
    }
  }
  return out;
}

std::string OptimizerUpdateProbe::describe() const {
  if (!ran) return "not measured (" + why_not + ")";
  return "same gradient, same weights, " + std::to_string(steps) +
         " apply steps: |update B| / |update A| = " + num(norm_ratio) +
         " at step 1, max relative difference " + num(max_rel_diff);
}

namespace {

bool differ(double a, double b, double rel = 1e-6) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) != std::isnan(b);
  return std::fabs(a - b) > rel * std::max({std::fabs(a), std::fabs(b), 1e-30});
}

std::string layer_name(int i, const Layer& l) {
  return "layer " + std::to_string(i + 1) + " (" + l.kind + ")";
}

std::string stages_text(const std::vector<Stage>& st) {
  std::string s;
  for (const Stage& x : st) {
    if (x.kind == "select" || x.kind == "reshape" || x.kind == "transpose") continue;
    s += (s.empty() ? "" : ", ") + x.kind + (x.detail.empty() ? "" : " " + x.detail);
  }
  return s.empty() ? "none" : s;
}

std::string attr(const Layer& l, const std::string& k) {
  for (const auto& [n, v] : l.attrs) {
    if (n == k) return v;
  }
  return "";
}

std::string stats_text(const TensorStats& s) {
  return "mean " + num(s.mean) + ", std " + num(s.std) + ", range [" + num(s.min) + ", " +
         num(s.max) + "]";
}

std::string canonical_metric_name(const std::string& n) {
  if (n == "acc" || n == "accuracy") return "accuracy";
  return n;
}

std::string same_function(const std::string& f) {
  // Sparse and dense softmax cross-entropy compute one function of the logits.
  return f == "sparse softmax cross-entropy" ? "softmax cross-entropy" : f;
}

void diff_architecture(const StaticDiff& d, std::vector<Finding>& out) {
  const Forward& fa = d.a.structure.forward;
  const Forward& fb = d.b.structure.forward;
  for (const std::string& p : d.alignment.problems) {
    out.push_back({"architecture", "layers", "", "", "", p, Severity::high, ""});
  }
  if (stages_text(fa.input_stages) != stages_text(fb.input_stages)) {
    out.push_back({"architecture", "input preprocessing in the graph", "",
                   stages_text(fa.input_stages), stages_text(fb.input_stages), "", Severity::medium,
                   ""});
  }
  for (int i = 0; i < d.alignment.num_layers; ++i) {
    const Layer& A = fa.layers[static_cast<size_t>(i)];
    const Layer& B = fb.layers[static_cast<size_t>(i)];
    const std::string where = layer_name(i, A);
    for (const char* k : {"strides", "padding", "dilations", "epsilon"}) {
      if (attr(A, k) != attr(B, k)) {
        out.push_back({"architecture", k, where, attr(A, k), attr(B, k), "", Severity::high, ""});
      }
    }
    if (A.activation != B.activation) {
      out.push_back({"architecture", "activation", where,
                     A.activation.empty() ? "none" : A.activation,
                     B.activation.empty() ? "none" : B.activation, "", Severity::high, ""});
    }
    if (stages_text(A.post) != stages_text(B.post)) {
      out.push_back({"architecture", "ops after the layer", where, stages_text(A.post),
                     stages_text(B.post), "", Severity::medium, ""});
    }
    const auto oa = flatten_order(fa, i + 1), ob = flatten_order(fb, i + 1);
    if (oa && ob && (oa->perm != ob->perm || oa->source != ob->source)) {
      const bool convertible = oa->source == ob->source;
      out.push_back({"architecture", "flatten order", where, oa->describe(), ob->describe(),
                     convertible ? "the next layer's kernel maps by a row permutation; weights "
                                   "copied across stay equivalent (see the lock-step replay)"
                                 : "the flattened tensors differ",
                     convertible ? Severity::low : Severity::high, ""});
    }
  }
}

void diff_initializers(const StaticDiff& d, const DiffOptions& o, std::vector<Finding>& out) {
  const std::string logits = "initial logits std A " + num(d.a.initial_logits.std) + ", B " +
                             num(d.b.initial_logits.std) + "; initial loss A " +
                             num(d.a.initial_loss) + ", B " + num(d.b.initial_loss);
  for (const VarPair& p : d.alignment.vars) {
    const VarInit* ia = d.a.init_of(p.a.op());
    const VarInit* ib = d.b.init_of(p.b.op());
    if (!ia || !ib) continue;
    const double sa = ia->stats.std, sb = ib->stats.std;
    const double lo = std::min(sa, sb), hi = std::max(sa, sb);
    const double ratio = lo > 0 ? hi / lo : (hi > 0 ? INFINITY : 1.0);
    const bool std_differs = ratio > o.init_std_factor;
    const bool mean_differs =
        std::fabs(ia->stats.mean - ib->stats.mean) > 1e-3 &&
        std::fabs(ia->stats.mean - ib->stats.mean) > 0.5 * std::max(hi, 1e-12);
    const std::string where =
        p.layer >= 0
            ? layer_name(p.layer, d.a.structure.forward.layers[static_cast<size_t>(p.layer)]) +
                  " " + p.role
            : p.role;
    std::string da =
        ia->description + (ia->declared.empty() ? "" : " [declared: " + ia->declared + "]");
    std::string db =
        ib->description + (ib->declared.empty() ? "" : " [declared: " + ib->declared + "]");
    if (std_differs || mean_differs) {
      Severity sev = (ratio > 5 || lo == 0 || mean_differs) ? Severity::high : Severity::medium;
      out.push_back({"initializer", std_differs ? "spread" : "mean", where, da, db,
                     "drawn: A " + stats_text(ia->stats) + "; B " + stats_text(ib->stats) +
                         (std::isfinite(ratio) ? " (std x" + num(ratio) + ")" : "") + "; " + logits,
                     sev, "initializer"});
    } else if (ia->description != ib->description) {
      out.push_back({"initializer", "written differently", where, da, db,
                     "drawn statistics agree within x" + num(o.init_std_factor) + ": A std " +
                         num(sa) + ", B std " + num(sb),
                     Severity::info, ""});
    }
  }
}

void diff_head(const StaticDiff& d, const DiffOptions& o, std::vector<Finding>& out) {
  const Head& ha = d.a.structure.head;
  const Head& hb = d.b.structure.head;
  const HeadProbe& pa = d.a.head;
  const HeadProbe& pb = d.b.head;
  std::string sa = ha.summary(), sb = hb.summary();
  if (!d.a.structure.forward.output_activation.empty())
    sa += " (model outputs " + d.a.structure.forward.output_activation + ")";
  if (!d.b.structure.forward.output_activation.empty())
    sb += " (model outputs " + d.b.structure.forward.output_activation + ")";
  bool measured_differ = false;
  std::string evidence;
  if (pa.ran && pb.ran && pa.grad.valid() && pb.grad.valid() &&
      pa.grad.num_elements() == pb.grad.num_elements()) {
    const Closeness gc = compare(pa.grad, pb.grad);
    measured_differ = differ(pa.loss_n, pb.loss_n, o.head_tolerance) || gc.rel > o.head_tolerance ||
                      differ(pa.batch_factor, pb.batch_factor, 1e-3);
    evidence = "on identical logits and labels (16 rows): loss A " + num(pa.loss_n) + ", B " +
               num(pb.loss_n) + "; |d loss / d logits| A " + num(pa.grad_norm) + ", B " +
               num(pb.grad_norm) +
               (pa.grad_norm > 0 ? " (x" + num(pb.grad_norm / pa.grad_norm) + ")" : "") +
               "; the same rows twice multiply the loss by " + num(pa.batch_factor) + " (A), " +
               num(pb.batch_factor) + " (B)";
  } else {
    evidence = "not measured: " + (pa.ran ? pb.why_not : pa.why_not);
    measured_differ = sa != sb;
  }
  if (!measured_differ) {
    if (sa != sb) {
      out.push_back({"loss head", "written differently", "", sa, sb, evidence, Severity::info, ""});
    }
    return;
  }
  const double r = pa.grad_norm > 0 ? pb.grad_norm / pa.grad_norm : 1.0;
  const Severity sev = (r > 3 || r < 1.0 / 3) ? Severity::high : Severity::medium;
  std::vector<std::string> aspects;
  if (same_function(ha.function) != same_function(hb.function)) aspects.push_back("function");
  if (ha.input_is_probabilities != hb.input_is_probabilities || ha.input != hb.input)
    aspects.push_back("input");
  if (differ(pa.batch_factor, pb.batch_factor, 1e-3) || ha.reduction != hb.reduction)
    aspects.push_back("reduction");
  if (ha.clipping != hb.clipping) aspects.push_back("clipping");
  if (ha.extra_terms != hb.extra_terms) aspects.push_back("regularization");
  if (aspects.empty()) aspects.push_back("value");
  std::string joined;
  for (const std::string& a : aspects) joined += (joined.empty() ? "" : ", ") + a;
  out.push_back({"loss head", joined, "", sa, sb, evidence, sev, "loss_head"});
}

void diff_metrics(const StaticDiff& d, std::vector<Finding>& out) {
  std::set<size_t> used;
  for (size_t i = 0; i < d.a.metrics.size(); ++i) {
    const MetricProbe& ma = d.a.metrics[i];
    size_t j = d.b.metrics.size();
    for (size_t k = 0; k < d.b.metrics.size(); ++k) {
      if (!used.count(k) &&
          canonical_metric_name(d.b.metrics[k].name) == canonical_metric_name(ma.name)) {
        j = k;
        break;
      }
    }
    if (j == d.b.metrics.size() && i < d.b.metrics.size() && !used.count(i)) j = i;
    if (j == d.b.metrics.size()) {
      out.push_back(
          {"metric", ma.name, "", ma.description, "not reported", "", Severity::info, ""});
      continue;
    }
    used.insert(j);
    const MetricProbe& mb = d.b.metrics[j];
    if (!ma.ran || !mb.ran) continue;
    if (!differ(ma.random, mb.random, 1e-6) && !differ(ma.uninformative, mb.uninformative, 1e-6) &&
        !differ(ma.perfect, mb.perfect, 1e-6)) {
      continue;
    }
    auto text = [](const MetricProbe& m) {
      return "'" + m.name + "' = " + m.description + "; scores " + num(m.uninformative) +
             " for all-zero logits (its trivial baseline), " + num(m.perfect) + " for perfect ones";
    };
    const Severity sev =
        std::fabs(ma.uninformative - mb.uninformative) > 0.1 ? Severity::high : Severity::medium;
    out.push_back({"metric", ma.name, "", text(ma), text(mb),
                   "on the same random logits: A " + num(ma.random) + ", B " + num(mb.random), sev,
                   "metric:" + mb.name});
  }
}

void diff_optimizer(const StaticDiff& d, std::vector<Finding>& out) {
  const OptimizerFacts& a = d.a.optimizer;
  const OptimizerFacts& b = d.b.optimizer;
  const std::string ev = d.optimizer_update.describe();
  const size_t before = out.size();
  if (a.type != b.type) {
    out.push_back(
        {"optimizer", "type", "", a.summary(), b.summary(), ev, Severity::high, "optimizer"});
  } else {
    std::vector<std::string> names;
    for (const auto& [k, v] : a.hypers) names.push_back(k);
    for (const auto& [k, v] : b.hypers) {
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
    }
    for (const std::string& k : names) {
      const double va = a.hyper(k, NAN), vb = b.hyper(k, NAN);
      if (!differ(va, vb)) continue;
      const double ratio = std::max(va, vb) / std::max(std::min(va, vb), 1e-30);
      const Severity sev = k == "learning_rate" ? (ratio >= 3 ? Severity::high : Severity::medium)
                                                : Severity::medium;
      out.push_back({"optimizer", k, "", a.type + " " + k + " = " + num(va),
                     b.type + " " + k + " = " + num(vb), ev, sev, "optimizer." + k});
    }
    if (a.nesterov != b.nesterov) {
      out.push_back({"optimizer", "nesterov", "", a.nesterov ? "on" : "off",
                     b.nesterov ? "on" : "off", ev, Severity::medium, "optimizer"});
    }
    for (const auto& [k, va] : a.slot_init) {
      for (const auto& [k2, vb] : b.slot_init) {
        if (k == k2 && differ(va, vb)) {
          out.push_back({"optimizer", "initial " + k, "", k + " starts at " + num(va),
                         k + " starts at " + num(vb), ev, Severity::medium, "optimizer.slot." + k});
        }
      }
    }
  }
  if (out.size() == before && d.optimizer_update.ran &&
      d.optimizer_update.max_rel_diff > kDefaultTolerance * 10) {
    out.push_back({"optimizer", "update rule", "", a.summary(), b.summary(), ev, Severity::medium,
                   "optimizer"});
  }
}

bool contains(const std::vector<Variable>& vs, const Node* n) {
  return std::any_of(vs.begin(), vs.end(), [&](const Variable& v) { return v.op() == n; });
}

void diff_updates(const StaticDiff& d, std::vector<Finding>& out) {
  const UpdateStructure& ua = d.a.structure.updates;
  const UpdateStructure& ub = d.b.structure.updates;
  auto ops_text = [](const UpdateStructure& u) {
    std::string s = std::to_string(u.update_ops_run.size()) + " of " +
                    std::to_string(u.update_ops_run.size() + u.update_ops_not_run.size()) +
                    " UPDATE_OPS run by the train step";
    if (!u.update_ops_not_run.empty()) {
      s += "; not run:";
      for (const Node* n : u.update_ops_not_run) s += " " + n->name();
    }
    return s;
  };
  for (const VarPair& p : d.alignment.vars) {
    const bool ca = contains(d.a.changed_by_step, p.a.op());
    const bool cb = contains(d.b.changed_by_step, p.b.op());
    if (ca == cb) continue;
    const std::string where =
        p.layer >= 0
            ? layer_name(p.layer, d.a.structure.forward.layers[static_cast<size_t>(p.layer)]) +
                  " " + p.role
            : p.role;
    auto text = [&](bool changed, const UpdateStructure& u) {
      return std::string(changed ? "changed by a train step" : "not changed by a train step") +
             " (" + ops_text(u) + ")";
    };
    if (p.trainable) {
      out.push_back({"train variables", "not updated", where, text(ca, ua), text(cb, ub),
                     "measured over one train step", Severity::high, "train_variables"});
    } else {
      out.push_back({"update ops", "state updates", where, text(ca, ua), text(cb, ub),
                     "measured over one train step", Severity::high, "update_ops"});
    }
  }
}

// B evaluates in inference mode on state its train step never updates (the moving statistics
// of a batch norm whose updates are not run): what it feeds its learning-phase flag at
// validation decides whether it reads those stale values.
void diff_learning_phase(const StaticDiff& d, const TrainingProgram& b, std::vector<Finding>& out) {
  if (!b.training_flag || !b.flag_eval_value || !b.flag_train_value ||
      *b.flag_eval_value == *b.flag_train_value || !d.b.modes.ran ||
      d.b.modes.eval_batch_dependent) {
    return;
  }
  int stale = 0;
  for (const VarPair& p : d.alignment.vars) {
    if (!p.trainable && contains(d.a.changed_by_step, p.a.op()) &&
        !contains(d.b.changed_by_step, p.b.op())) {
      ++stale;
    }
  }
  if (stale == 0) return;
  out.push_back({"update ops", "learning phase at validation", "",
                 "inference mode on moving statistics its train step keeps updated",
                 d.b.modes.flag_eval + ": inference mode on " + std::to_string(stale) +
                     " moving statistics its train step never updates (their initial values)",
                 "the ablation evaluates B with its training value (batch statistics) instead",
                 Severity::medium, "mode.eval_batch_statistics"});
}

void diff_modes(const StaticDiff& d, const TrainingProgram& b, std::vector<Finding>& out) {
  const ModeProbe& a = d.a.modes;
  const ModeProbe& m = d.b.modes;
  if (!a.ran || !m.ran) return;
  auto row = [&](const char* aspect, bool va, bool vb, const char* yes, const char* no,
                 const std::string& fa, const std::string& fb, const char* swap) {
    if (va == vb) return;
    out.push_back({"mode", aspect, "", std::string(va ? yes : no) + " (" + fa + ")",
                   std::string(vb ? yes : no) + " (" + fb + ")",
                   "measured: same rows run twice, and with other rows in the batch",
                   Severity::high, b.training_flag ? swap : ""});
  };
  row("dropout at eval", a.eval_stochastic, m.eval_stochastic, "active", "inactive", a.flag_eval,
      m.flag_eval, "mode.eval");
  row("batch statistics at eval", a.eval_batch_dependent, m.eval_batch_dependent,
      "outputs depend on the batch", "outputs independent of the batch", a.flag_eval, m.flag_eval,
      "mode.eval");
  row("dropout in training", a.train_stochastic, m.train_stochastic, "active", "inactive",
      a.flag_train, m.flag_train, "mode.train");
  row("batch statistics in training", a.train_batch_dependent, m.train_batch_dependent,
      "outputs depend on the batch", "outputs independent of the batch", a.flag_train, m.flag_train,
      "mode.train");
}

void diff_data(const TrainingProgram& pa, const TrainingProgram& pb, const Dataset& d,
               std::vector<Finding>& out) {
  const DataRecipe& a = pa.data;
  const DataRecipe& b = pb.data;
  const int64_t n = d.num_train();
  auto batches = [&](const DataRecipe& r) {
    const auto e = epoch_batches(r, n, 0);
    return std::to_string(e.size()) + " steps per epoch";
  };
  if (a.batch_size != b.batch_size) {
    const double ratio = static_cast<double>(std::max(a.batch_size, b.batch_size)) /
                         static_cast<double>(std::min(a.batch_size, b.batch_size));
    out.push_back({"data", "batch size", "", std::to_string(a.batch_size) + " (" + batches(a) + ")",
                   std::to_string(b.batch_size) + " (" + batches(b) + ")", "",
                   ratio >= 2 ? Severity::medium : Severity::low, "data.batch_size"});
  }
  if (a.shuffle != b.shuffle) {
    out.push_back({"data", "shuffle", "", a.shuffle ? "reshuffled every epoch" : "file order",
                   b.shuffle ? "reshuffled every epoch" : "file order", "", Severity::medium,
                   "data.shuffle"});
  }
  if (a.shuffle && b.shuffle && a.batch_size == b.batch_size) {
    // The order itself, measured: the rows of each program's first epoch, position by position.
    auto rows = [&](const DataRecipe& r) {
      std::vector<int64_t> v;
      for (const auto& batch : epoch_batches(r, n, 0))
        v.insert(v.end(), batch.begin(), batch.end());
      return v;
    };
    const std::vector<int64_t> ra = rows(a), rb = rows(b);
    int64_t same = 0;
    for (size_t i = 0; i < std::min(ra.size(), rb.size()); ++i) same += ra[i] == rb[i];
    if (ra != rb) {
      out.push_back({"data", "order", "", "its own permutation every epoch",
                     "another permutation every epoch",
                     std::to_string(same) + " of " + std::to_string(ra.size()) +
                         " rows at the same position in epoch 1",
                     Severity::low, "data.order"});
    }
  }
  if (a.keep_partial_batch != b.keep_partial_batch) {
    const int64_t ra = training_rows(a, n) % a.batch_size, rb = training_rows(b, n) % b.batch_size;
    const bool matters = ra != 0 || rb != 0;
    out.push_back({"data", "partial last batch", "",
                   std::string(a.keep_partial_batch ? "kept" : "dropped") + " (last batch " +
                       std::to_string(ra ? ra : a.batch_size) + " rows)",
                   std::string(b.keep_partial_batch ? "kept" : "dropped") + " (last batch " +
                       std::to_string(rb ? rb : b.batch_size) + " rows)",
                   matters ? "" : "the batch size divides the data: no effect here",
                   matters ? Severity::low : Severity::info, matters ? "data.partial_batch" : ""});
  }
  if (differ(a.validation_split, b.validation_split)) {
    out.push_back({"data", "validation split", "", num(a.validation_split), num(b.validation_split),
                   "rows trained on: A " + std::to_string(training_rows(a, n)) + ", B " +
                       std::to_string(training_rows(b, n)),
                   Severity::medium, "data.validation_split"});
  }
  if (differ(a.scale, b.scale)) {
    const double r = std::max(a.scale, b.scale) / std::max(std::min(a.scale, b.scale), 1e-30);
    out.push_back({"data", "input scale", "", "x * " + num(a.scale), "x * " + num(b.scale), "",
                   r > 10 ? Severity::high : Severity::medium, "data.scale"});
  }
  if (a.label_format != b.label_format) {
    out.push_back({"data", "label format", "", to_string(a.label_format), to_string(b.label_format),
                   "", Severity::info, ""});
  }
}

// The dense gradient that `var`'s update reads: an Apply* op's grad input, or the gradient the
// program's optimizer role names.
Output gradient_input(const TrainingProgram& p, const Profile& pr, const Variable& var) {
  for (const auto& x : pr.structure.optimizer.applies)
    if (x.var.op() == var.op()) return x.grad;
  for (const auto& [v, g] : p.optimizer_role.grads)
    if (v.op() == var.op()) return g;
  return {};
}

}  // namespace

OptimizerUpdateProbe probe_optimizer_updates(TrainingProgram& a, Session& sa, const Profile& pa,
                                             TrainingProgram& b, Session& sb, const Profile& pb,
                                             const Alignment& al, const Dataset& d, int steps) {
  OptimizerUpdateProbe r;
  r.steps = steps;
  auto no_updates = [](const TrainingProgram& p, const Profile& pr) {
    return pr.structure.optimizer.applies.empty() && p.optimizer_role.grads.empty();
  };
  if (no_updates(a, pa) || no_updates(b, pb)) {
    r.why_not = "a program has no update ops";
    return r;
  }
  const auto ba = epoch_batches(a.data, d.num_train(), 0);
  if (ba.empty()) {
    r.why_not = "no training batch";
    return r;
  }
  const Batch batch = gather_batch(d, false, ba[0]);
  const Snapshot snap_a = snapshot(sa, a.variables), snap_b = snapshot(sb, b.variables);
  FeedDict fa = a.feed(batch, RunKind::train), fb = b.feed(batch, RunKind::train);
  std::vector<const VarPair*> pairs;
  uint64_t seed = 99;
  for (const VarPair& p : al.vars) {
    if (!p.trainable) continue;
    const Output xa = gradient_input(a, pa, p.a), xb = gradient_input(b, pb, p.b);
    if (!xa || !xb) continue;
    sb.set_variable_value(p.b.op(), p.conv.a_to_b(sa.variable_value(p.a.op())));
    const Tensor g = normal_tensor(p.a.dtype(), p.a.shape(), seed++, 0.1);
    fa.emplace_back(xa, g);
    fb.emplace_back(xb, p.conv.a_to_b(g));
    pairs.push_back(&p);
  }
  if (pairs.empty()) {
    r.why_not = "no aligned variable has a dense gradient in both programs";
    restore(sa, snap_a);
    restore(sb, snap_b);
    return r;
  }
  std::vector<double> ratios;
  for (int s = 0; s < steps; ++s) {
    std::vector<Tensor> before_a, before_b;
    for (const VarPair* p : pairs) {
      before_a.push_back(sa.variable_value(p->a.op()).clone());
      before_b.push_back(sb.variable_value(p->b.op()).clone());
    }
    sa.run(fa, {}, a.train_targets);
    sb.run(fb, {}, b.train_targets);
    for (size_t i = 0; i < pairs.size(); ++i) {
      const Tensor ua = difference(sa.variable_value(pairs[i]->a.op()), before_a[i]);
      const Tensor ub = difference(pairs[i]->conv.b_to_a(sb.variable_value(pairs[i]->b.op())),
                                   pairs[i]->conv.b_to_a(before_b[i]));
      const double na = l2_norm(ua), nb = l2_norm(ub);
      const double rel = l2_norm(difference(ub, ua)) / std::max(na, 1e-30);
      r.max_rel_diff = std::max(r.max_rel_diff, na == 0 && nb == 0 ? 0.0 : rel);
      if (s == 0 && na > 0) ratios.push_back(nb / na);
    }
  }
  if (!ratios.empty()) {
    std::sort(ratios.begin(), ratios.end());
    r.norm_ratio = ratios[ratios.size() / 2];
  }
  r.ran = true;
  restore(sa, snap_a);
  restore(sb, snap_b);
  return r;
}

StaticDiff static_diff(TrainingProgram& a, Session& sa, TrainingProgram& b, Session& sb,
                       const Dataset& d, const DiffOptions& opts) {
  StaticDiff r;
  r.a = profile_program(a, sa, d);
  r.b = profile_program(b, sb, d);
  r.alignment = align(a, r.a.structure, b, r.b.structure);
  r.optimizer_update =
      probe_optimizer_updates(a, sa, r.a, b, sb, r.b, r.alignment, d, opts.optimizer_probe_steps);
  diff_architecture(r, r.findings);
  diff_initializers(r, opts, r.findings);
  diff_head(r, opts, r.findings);
  diff_metrics(r, r.findings);
  diff_optimizer(r, r.findings);
  diff_updates(r, r.findings);
  diff_modes(r, b, r.findings);
  diff_learning_phase(r, b, r.findings);
  diff_data(a, b, d, r.findings);
  return r;
}

}  // namespace dl::parity
