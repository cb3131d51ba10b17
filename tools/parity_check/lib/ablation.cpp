#include "dl/tools/parity_check/lib/ablation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "dl/graph/ops/state_ops.h"
#include "dl/tools/parity_check/lib/clone.h"

namespace dl::parity {
namespace {

void replace_output(std::vector<Output>& v, const Output& old, const Output& neu) {
  for (Output& o : v) {
    if (o == old) o = neu;
  }
}

std::string canonical(const std::string& n) { return n == "acc" ? "accuracy" : n; }

// The tensors of A that stand for tensors of B when a piece of A is copied into B.
std::map<Output, Output> counterparts(const TrainingProgram& a, TrainingProgram& b,
                                      const Alignment& al) {
  std::map<Output, Output> m;
  // From the logits on, A's own ops (its softmax included) are copied.
  if (a.logits) {
    m[a.logits] = b.logits ? b.logits : b.predictions;
  } else {
    m[a.predictions] = b.predictions;
  }
  for (const Output& t : a.logits_aliases) m[t] = b.logits ? b.logits : b.predictions;
  if (!a.logits) {
    for (const Output& t : a.predictions_aliases) m[t] = b.predictions;
  }
  m[a.input] = b.input;
  if (a.training_flag && b.training_flag) m[a.training_flag] = b.training_flag;
  Graph& g = *b.graph;
  const bool same_labels = a.labels.dtype() == b.labels.dtype() &&
                           a.labels.shape().rank() == b.labels.shape().rank() &&
                           a.data.label_format == b.data.label_format;
  if (same_labels) {
    m[a.labels] = b.labels;
  } else {
    Output ph = ops::placeholder(g, a.labels.dtype(), a.labels.shape(), "swapped_labels");
    b.extra_labels.push_back({ph, a.data.label_format});
    m[a.labels] = ph;
  }
  if (a.sample_weights) {
    if (!b.sample_weights) {
      b.sample_weights = ops::placeholder(g, a.sample_weights.dtype(), a.sample_weights.shape(),
                                          "swapped_sample_weights");
    }
    m[a.sample_weights] = b.sample_weights;
  }
  for (const VarPair& p : al.vars) {
    if (p.conv.kind == Conversion::Kind::none) m[p.a.value()] = p.b.value();
  }
  return m;
}

}  // namespace

Instance make_instance(const ProgramFactory& f, int64_t seed, int threads) {
  Instance i;
  i.program = f({.seed = seed});
  i.session =
      std::make_unique<Session>(*i.program.graph, SessionOptions{.intra_op_threads = threads});
  i.session->run(global_variables_initializer(*i.program.graph));
  if (i.program.after_init) i.program.after_init(*i.session);
  return i;
}

Instance build_variant(const Case& c, int64_t seed, const std::vector<std::string>& swaps,
                       const VariantContext& ctx, int threads) {
  Instance out;
  auto has = [&](const std::string& k) {
    return std::find(swaps.begin(), swaps.end(), k) != swaps.end();
  };
  bool need_a = has("initializer") || has("loss_head");
  for (const auto& s : swaps) need_a = need_a || s.rfind("metric:", 0) == 0;
  Instance a;
  Structure sa;
  if (need_a) {
    a = make_instance(c.a, seed, threads);
    sa = analyze_structure(a.program);
  }
  TrainingProgram b = c.b({.seed = seed});
  const Structure sb = analyze_structure(b);
  Alignment al;
  if (need_a) al = align(a.program, sa, b, sb);
  Graph& g = *b.graph;

  // A's data recipe, built once for every data swap (building A can be a whole Keras model).
  std::optional<DataRecipe> a_data;
  auto a_recipe = [&]() -> const DataRecipe& {
    if (!a_data) a_data = need_a ? a.program.data : c.a({.seed = seed}).data;
    return *a_data;
  };
  bool rebuild = false;
  OptimizerFacts facts = ctx.b_optimizer;
  bool all_vars = false;
  bool with_updates = !sb.updates.update_ops_run.empty();
  bool add_missing_updates = false;
  for (const std::string& s : swaps) {
    try {
      if (s == "loss_head") {
        const auto m = counterparts(a.program, b, al);
        const Output loss = clone_subgraph(g, {a.program.loss}, m, "swapped_loss_head")[0];
        replace_output(b.train_fetches, b.loss, loss);
        replace_output(b.eval_fetches, b.loss, loss);
        b.loss = loss;
        rebuild = true;
        out.notes.push_back("loss head rebuilt on B's logits as A computes it");
      } else if (s.rfind("metric:", 0) == 0) {
        const std::string name = s.substr(7);
        size_t ib = b.metrics.size(), ia = a.program.metrics.size();
        for (size_t i = 0; i < b.metrics.size(); ++i)
          if (b.metrics[i].name == name) ib = i;
        for (size_t i = 0; i < a.program.metrics.size(); ++i)
          if (canonical(a.program.metrics[i].name) == canonical(name)) ia = i;
        if (ia == a.program.metrics.size()) ia = ib;
        if (ib == b.metrics.size() || ia >= a.program.metrics.size()) {
          out.notes.push_back("metric '" + name + "' not found in both programs");
          continue;
        }
        const auto m = counterparts(a.program, b, al);
        const Output t = clone_subgraph(g, {a.program.metrics[ia].tensor}, m, "swapped_metric")[0];
        replace_output(b.train_fetches, b.metrics[ib].tensor, t);
        replace_output(b.eval_fetches, b.metrics[ib].tensor, t);
        b.metrics[ib].tensor = t;
        out.notes.push_back("metric '" + name + "' computed as A computes it");
      } else if (s == "optimizer") {
        facts = ctx.a_optimizer;
        rebuild = true;
      } else if (s.rfind("optimizer.slot.", 0) == 0) {
        // applied after initialisation
      } else if (s.rfind("optimizer.", 0) == 0) {
        const std::string h = s.substr(10);
        bool set = false;
        for (auto& [k, v] : facts.hypers) {
          if (k == h) {
            v = ctx.a_optimizer.hyper(h, v);
            set = true;
          }
        }
        if (!set) facts.hypers.emplace_back(h, ctx.a_optimizer.hyper(h));
        rebuild = true;
      } else if (s == "train_variables") {
        all_vars = true;
        rebuild = true;
      } else if (s == "update_ops") {
        if (!sb.updates.update_ops_not_run.empty()) {
          add_missing_updates = true;
        } else {
          with_updates = false;
          rebuild = true;
        }
      } else if (s == "data.batch_size") {
        b.data.batch_size = a_recipe().batch_size;
      } else if (s == "data.shuffle") {
        b.data.shuffle = a_recipe().shuffle;
      } else if (s == "data.order") {
        b.data.shuffle_seed = a_recipe().shuffle_seed;
      } else if (s == "data.partial_batch") {
        b.data.keep_partial_batch = a_recipe().keep_partial_batch;
      } else if (s == "data.validation_split") {
        b.data.validation_split = a_recipe().validation_split;
      } else if (s == "data.scale") {
        b.data.scale = a_recipe().scale;
      } else if (s == "mode.eval") {
        if (ctx.eval_flag) {
          b.flag_eval_value = ctx.eval_flag;
        } else {
          out.notes.push_back("no value of B's training flag behaves as A at eval");
        }
      } else if (s == "mode.eval_batch_statistics") {
        b.flag_eval_value = b.flag_train_value;
        out.notes.push_back(
            "B evaluates with its training flag's training value (batch statistics)");
      } else if (s == "mode.train") {
        if (ctx.train_flag) {
          b.flag_train_value = ctx.train_flag;
        } else {
          out.notes.push_back("no value of B's training flag behaves as A in training");
        }
      } else if (s != "initializer") {
        out.notes.push_back("unknown swap '" + s + "'");
      }
    } catch (const Error& e) {
      out.notes.push_back("swap '" + s + "' failed: " + e.what());
    }
  }
  if (rebuild) {
    auto opt = make_optimizer(facts);
    if (!opt) {
      out.notes.push_back("dl::train has no optimizer for '" + facts.type + "': train op kept");
    } else {
      std::vector<Variable> vars;
      for (const Variable& v : b.trainable) {
        const bool updated = std::any_of(sb.updates.updated.begin(), sb.updates.updated.end(),
                                         [&](const Variable& u) { return u.op() == v.op(); });
        if (all_vars || updated) vars.push_back(v);
      }
      Node* op = opt->minimize(b.loss, std::nullopt, vars, "parity_train");
      b.keep_alive.push_back(opt);
      b.train_targets = {op};
      if (with_updates) {
        for (const Node* u : sb.updates.update_ops_run)
          b.train_targets.push_back(const_cast<Node*>(u));
      }
      out.notes.push_back("train op rebuilt: " + facts.summary());
    }
  }
  if (add_missing_updates) {
    for (const Node* u : sb.updates.update_ops_not_run)
      b.train_targets.push_back(const_cast<Node*>(u));
    out.notes.push_back("train step runs B's UPDATE_OPS");
  }
  out.session = std::make_unique<Session>(*b.graph, SessionOptions{.intra_op_threads = threads});
  out.session->run(global_variables_initializer(*b.graph));
  if (b.after_init) b.after_init(*out.session);
  if (has("initializer")) {
    int n = 0;
    for (const VarPair& p : al.vars) {
      out.session->set_variable_value(p.b.op(), p.conv.a_to_b(a.session->variable_value(p.a.op())));
      ++n;
    }
    out.notes.push_back("B starts from A's initial weights (" + std::to_string(n) + " variables)");
  }
  for (const std::string& s : swaps) {
    if (s.rfind("optimizer.slot.", 0) != 0) continue;
    const std::string slot = s.substr(15);
    double value = NAN;
    for (const auto& [k, v] : ctx.a_optimizer.slot_init)
      if (k == slot) value = v;
    const Structure now = analyze_structure(b);
    int n = 0;
    for (const ApplyInfo& ap : now.optimizer.applies) {
      for (const auto& [k, var] : ap.slots) {
        if (k == slot) {
          out.session->set_variable_value(var.op(),
                                          Tensor::filled(var.dtype(), var.shape(), value));
          ++n;
        }
      }
      for (const auto& [k, t] : ap.hypers) {
        const Node* v = resolve_variable(t);
        if (k == slot && v) {
          out.session->set_variable_value(
              v, Tensor::filled(t.dtype(), v->output_specs()[0].shape, value));
          ++n;
        }
      }
    }
    out.notes.push_back("slot " + slot + " starts at " + num(value) + " (" + std::to_string(n) +
                        " variables)");
  }
  out.program = std::move(b);
  return out;
}

namespace {

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? NAN : s / static_cast<double>(v.size());
}
double std_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

double measure_value(const Evaluation& e, int m) {
  switch (m) {
    case 0:
      return e.accuracy;
    case 1:
      return e.loss;
    default:
      return e.reported_metric;
  }
}

RunResult run_once(Instance& in, const Dataset& d, const Schedule& sch, int64_t seed) {
  RunResult r;
  r.seed = seed;
  LoopOptions lo;
  lo.schedule = sch;
  r.curve = run_loop(in.program, *in.session, d, lo);
  r.final = r.curve.final_eval();
  return r;
}

std::optional<double> matching_flag(const Case& c, const Dataset& d, const ModeProbe& target,
                                    bool eval, int threads) {
  Instance b = make_instance(c.b, 0, threads);
  if (!b.program.training_flag) return std::nullopt;
  for (double v : {0.0, 1.0}) {
    (eval ? b.program.flag_eval_value : b.program.flag_train_value) = v;
    const ModeProbe m = probe_modes(b.program, *b.session, d);
    const bool ok = eval ? (m.eval_stochastic == target.eval_stochastic &&
                            m.eval_batch_dependent == target.eval_batch_dependent)
                         : (m.train_stochastic == target.train_stochastic &&
                            m.train_batch_dependent == target.train_batch_dependent);
    if (ok) return v;
  }
  return std::nullopt;
}

}  // namespace

Ablation run_ablation(const Case& c, const Dataset& d, const StaticDiff& diff,
                      const AblationOptions& o) {
  Ablation ab;
  ab.ran = true;
  std::vector<std::string> keys;
  std::map<std::string, std::vector<std::string>> covers;
  for (const Finding& f : diff.findings) {
    const std::string label =
        f.component + " / " + f.aspect + (f.layer.empty() ? "" : " (" + f.layer + ")");
    if (f.swap.empty()) {
      if (f.severity != Severity::info) ab.not_swappable.push_back(label);
      continue;
    }
    if (!covers.count(f.swap)) keys.push_back(f.swap);
    covers[f.swap].push_back(label);
  }
  VariantContext ctx{diff.a.optimizer, diff.b.optimizer, std::nullopt, std::nullopt};
  for (const auto& k : keys) {
    if (k == "mode.eval") ctx.eval_flag = matching_flag(c, d, diff.a.modes, true, o.threads);
    if (k == "mode.train") ctx.train_flag = matching_flag(c, d, diff.a.modes, false, o.threads);
  }
  const bool combined = o.combined && keys.size() > 1;
  const int total = o.seeds * (2 + static_cast<int>(keys.size()) + (combined ? 1 : 0));
  int done = 0;
  auto tick = [&](const std::string& what) {
    ++done;
    if (o.progress) o.progress(what, done, total);
  };

  for (int s = 1; s <= o.seeds; ++s) {
    Instance a = make_instance(c.a, s, o.threads);
    ab.a_runs.push_back(run_once(a, d, o.schedule, s));
    tick("A seed " + std::to_string(s));
    Instance b = make_instance(c.b, s, o.threads);
    ab.b_runs.push_back(run_once(b, d, o.schedule, s));
    tick("B seed " + std::to_string(s));
  }

  // Measures and the noise floor.
  const bool reported = !std::isnan(ab.a_runs[0].final.reported_metric) &&
                        !std::isnan(ab.b_runs[0].final.reported_metric);
  const int nm = reported ? 3 : 2;
  const double half_row = 0.5 / static_cast<double>(std::max<int64_t>(1, d.num_val()));
  for (int m = 0; m < nm; ++m) {
    Measure me;
    me.name = m == 0   ? (d.is_classification() ? "val accuracy" : "val rounded accuracy")
              : m == 1 ? (d.is_classification() ? "val loss" : "val mse")
                       : "reported metric";
    me.higher_is_better = m != 1;
    std::vector<double> va, vb;
    for (const auto& r : ab.a_runs) va.push_back(measure_value(r.final, m));
    for (const auto& r : ab.b_runs) vb.push_back(measure_value(r.final, m));
    me.a_mean = mean_of(va);
    me.b_mean = mean_of(vb);
    me.a_std = std_of(va);
    me.b_std = std_of(vb);
    me.gap = me.a_mean - me.b_mean;
    const double floor = m == 1 ? 1e-6 * std::max(std::fabs(me.a_mean), 1e-3) : half_row;
    // The noise of a difference between two means over o.seeds runs each.
    me.noise = std::max(o.noise_k * std::max(me.a_std, me.b_std) *
                            std::sqrt(2.0 / static_cast<double>(std::max(1, o.seeds))),
                        floor);
    // One seed measures no spread: without a noise floor no gap is real and no cause claimed.
    if (o.seeds < 2) me.noise = INFINITY;
    ab.measures.push_back(me);
  }
  double best = -1;
  for (int m = 0; m < nm; ++m) {
    const Measure& me = ab.measures[static_cast<size_t>(m)];
    const double z = me.noise > 0 ? std::fabs(me.gap) / me.noise : 0;
    if (me.gap_significant() && z > best) {
      best = z;
      ab.primary = m;
    }
  }

  auto run_variant = [&](const std::vector<std::string>& swaps) {
    VariantResult v;
    for (size_t i = 0; i < swaps.size(); ++i) v.swap += (i ? "+" : "") + swaps[i];
    for (const auto& k : swaps)
      for (const auto& f : covers[k]) v.findings.push_back(f);
    for (int s = 1; s <= o.seeds; ++s) {
      Instance in = build_variant(c, s, swaps, ctx, o.threads);
      if (s == 1) v.notes = in.notes;
      v.runs.push_back(run_once(in, d, o.schedule, s));
      tick(v.swap + " seed " + std::to_string(s));
    }
    for (int m = 0; m < nm; ++m) {
      const Measure& me = ab.measures[static_cast<size_t>(m)];
      std::vector<double> diffs;
      for (size_t i = 0; i < v.runs.size(); ++i) {
        diffs.push_back(measure_value(v.runs[i].final, m) - measure_value(ab.b_runs[i].final, m));
      }
      const double e = mean_of(diffs);
      v.effect.push_back(e);
      v.share.push_back(me.gap_significant() ? e / me.gap : NAN);
      const bool sig = std::fabs(e) > me.noise;
      v.significant.push_back(sig);
      if (sig && me.gap_significant() && e / me.gap > 0) v.claimed = true;
    }
    return v;
  };

  for (const auto& k : keys) ab.variants.push_back(run_variant({k}));
  auto rank = [&](const VariantResult& v) {
    double r = 0;
    for (size_t m = 0; m < v.share.size(); ++m) {
      if (v.significant[m] && !std::isnan(v.share[m])) r = std::max(r, v.share[m]);
    }
    return r;
  };
  std::stable_sort(ab.variants.begin(), ab.variants.end(),
                   [&](const VariantResult& x, const VariantResult& y) {
                     if (x.claimed != y.claimed) return x.claimed;
                     return rank(x) > rank(y);
                   });
  if (combined) {
    ab.combined = run_variant(keys);
  } else if (ab.variants.size() == 1) {
    ab.combined = ab.variants[0];
  }
  const Measure& pm = ab.measures[static_cast<size_t>(ab.primary)];
  if (!pm.gap_significant()) {
    ab.unexplained = NAN;
  } else if (ab.combined) {
    ab.unexplained = 1.0 - ab.combined->effect[static_cast<size_t>(ab.primary)] / pm.gap;
  } else {
    ab.unexplained = 1.0;
  }
  return ab;
}

}  // namespace dl::parity
