#include "dl/tools/parity_check/lib/profile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "dl/graph/gradients.h"
#include "dl/graph/initializers.h"
#include "dl/graph/train/adadelta.h"
#include "dl/graph/train/adagrad.h"
#include "dl/graph/train/adam.h"
#include "dl/graph/train/gradient_descent.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/train/rmsprop.h"

namespace dl::parity {
namespace {

std::optional<double> const_value(const Output& o) {
  const Node* n = o.node;
  while (n->type() == "Identity" || n->type() == "Cast") n = n->input(0).node;
  if (n->type() == "Const") {
    const Tensor& t = n->attrs().get<Tensor>("value");
    if (t.num_elements() >= 1) {
      const double v = t.value_at(0);
      for (int64_t i = 1; i < t.num_elements(); ++i) {
        if (t.value_at(i) != v) return std::nullopt;
      }
      return v;
    }
  }
  if (n->type() == "Fill") return n->attrs().get_or<double>("value", 0.0);
  return std::nullopt;
}

bool close(double a, double b) { return std::fabs(a - b) <= 1e-5 * std::max(std::fabs(a), 1e-12); }

// Names a distribution the standard initializers draw for this shape.
std::string known_name(const std::string& kind, double spread, const Shape& shape) {
  const init::Fans f = init::compute_fans(shape);
  const double in = std::max(1.0, f.fan_in), avg = std::max(1.0, (f.fan_in + f.fan_out) / 2);
  if (kind == "uniform") {
    if (close(spread, std::sqrt(3.0 / avg))) return " = glorot_uniform";
    if (close(spread, std::sqrt(6.0 / in))) return " = he_uniform";
    if (close(spread, std::sqrt(3.0 / in))) return " = lecun_uniform";
    if (close(spread, 0.05)) return " = Keras RandomUniform default";
  } else {
    const double t = kind == "truncated_normal" ? 0.87962566103423978 : 1.0;
    if (close(spread, std::sqrt(1.0 / avg) / t)) return " = glorot_normal";
    if (close(spread, std::sqrt(2.0 / in) / t)) return " = he_normal";
    if (close(spread, std::sqrt(1.0 / in) / t)) return " = lecun_normal";
    if (close(spread, 0.05)) return " = Keras default stddev 0.05";
    if (close(spread, 1.0)) return " = TF1 default stddev 1.0";
  }
  return "";
}

}  // namespace

std::string describe_initial_value(const Variable& v) {
  Output o = v.initial_value();
  if (!o) return "unknown (no initial value recorded)";
  double scale = 1.0, offset = 0.0;
  for (int guard = 0; guard < 8; ++guard) {
    const std::string& t = o.node->type();
    if (t == "Identity") {
      o = o.node->input(0);
      continue;
    }
    if ((t == "Add" || t == "AddV2" || t == "Mul") && o.node->num_inputs() == 2) {
      const auto c0 = const_value(o.node->input(0)), c1 = const_value(o.node->input(1));
      if (c0 || c1) {
        const double c = c1 ? *c1 : *c0;
        // value = inner * scale + offset, peeled from the outside in.
        if (t == "Mul") {
          scale *= c;
        } else {
          offset += c * scale;
        }
        o = c1 ? o.node->input(0) : o.node->input(1);
        continue;
      }
    }
    break;
  }
  const std::string& t = o.node->type();
  if (t == "RandomUniform") {
    const double lo = offset, hi = offset + scale;
    if (close(-lo, hi)) return "uniform(+-" + num(hi) + ")" + known_name("uniform", hi, v.shape());
    return "uniform(" + num(lo) + ", " + num(hi) + ")";
  }
  if (t == "RandomStandardNormal" || t == "TruncatedNormal") {
    const std::string k = t == "TruncatedNormal" ? "truncated_normal" : "normal";
    std::string s = k + "(mean " + num(offset) + ", stddev " + num(std::fabs(scale)) + ")";
    if (offset == 0) s += known_name(k, std::fabs(scale), v.shape());
    return s;
  }
  if (auto c = const_value(o)) return "constant " + num(*c * scale + offset);
  if (t == "Const") return "constant tensor";
  return "computed by " + t;
}

const VarInit* Profile::init_of(const Node* var) const {
  for (const auto& i : inits) {
    if (i.var.op() == var) return &i;
  }
  return nullptr;
}

std::string OptimizerFacts::summary() const {
  std::string s = type + "(";
  for (size_t i = 0; i < hypers.size(); ++i)
    s += (i ? ", " : "") + hypers[i].first + "=" + num(hypers[i].second);
  if (nesterov) s += ", nesterov";
  s += ")";
  for (const auto& [k, v] : slot_init) s += ", slot " + k + " starts at " + num(v);
  return s;
}

double OptimizerFacts::hyper(const std::string& name, double def) const {
  for (const auto& [k, v] : hypers) {
    if (k == name) return v;
  }
  return def;
}

Tensor probe_logits(int64_t n, int64_t width, DType dtype) {
  return normal_tensor(dtype, Shape({n, width}), 0x5eed0f1a, 2.0);
}

std::shared_ptr<train::Optimizer> make_optimizer(const OptimizerFacts& f) {
  const double lr = f.hyper("learning_rate");
  if (f.type == "Adam") {
    return std::make_shared<train::AdamOptimizer>(
        lr, f.hyper("beta1", 0.9), f.hyper("beta2", 0.999), f.hyper("epsilon", 1e-8));
  }
  if (f.type == "Momentum") {
    return std::make_shared<train::MomentumOptimizer>(lr, f.hyper("momentum"), f.nesterov);
  }
  if (f.type == "GradientDescent") return std::make_shared<train::GradientDescentOptimizer>(lr);
  if (f.type == "RMSProp" || f.type == "CenteredRMSProp") {
    return std::make_shared<train::RMSPropOptimizer>(lr, f.hyper("rho", 0.9), f.hyper("momentum"),
                                                     f.hyper("epsilon", 1e-10),
                                                     f.type == "CenteredRMSProp");
  }
  if (f.type == "Adagrad") {
    double acc = 0.1;
    for (const auto& [k, v] : f.slot_init) {
      if (k == "accum") acc = v;
    }
    return std::make_shared<train::AdagradOptimizer>(lr, acc);
  }
  if (f.type == "Adadelta") {
    return std::make_shared<train::AdadeltaOptimizer>(lr, f.hyper("rho", 0.95),
                                                      f.hyper("epsilon", 1e-8));
  }
  return nullptr;
}

Tensor eval_outputs(TrainingProgram& p, Session& s, const Dataset& d, int64_t n,
                    std::optional<double> flag_override) {
  n = std::min(n, d.num_val());
  const Output out = p.model_output();
  std::vector<Tensor> parts;
  const int64_t bs = std::max<int64_t>(1, p.data.eval_batch_size);
  for (int64_t i = 0; i < n; i += bs) {
    FeedDict f = p.feed(val_batch(d, i, std::min(n, i + bs)), RunKind::eval);
    if (flag_override && p.training_flag) {
      std::erase_if(f, [&](const auto& kv) { return kv.first == p.training_flag; });
      f.emplace_back(p.training_flag,
                     Tensor::filled(p.training_flag.dtype(), Shape{}, *flag_override));
    }
    parts.push_back(s.run(f, {out})[0]);
  }
  if (parts.size() == 1) return parts[0];
  std::vector<int64_t> dims = parts[0].shape().dims();
  dims[0] = n;
  Tensor all(parts[0].dtype(), Shape(dims));
  size_t off = 0;
  for (const Tensor& t : parts) {
    std::memcpy(static_cast<char*>(all.raw_data()) + off, t.raw_data(), t.num_bytes());
    off += t.num_bytes();
  }
  return all;
}

namespace {

FeedDict with(FeedDict f, const Output& key, const Tensor& value) {
  std::erase_if(f, [&](const auto& kv) { return kv.first == key; });
  f.emplace_back(key, value);
  return f;
}

// Feeds `z` as the program's logits, and as each tensor that is its logits in a kind of run.
FeedDict with_logits(FeedDict f, const TrainingProgram& p, const Tensor& z) {
  f = with(std::move(f), p.logits, z);
  for (const Output& t : p.logits_aliases) f = with(std::move(f), t, z);
  return f;
}

std::string flag_text(const TrainingProgram& p, const std::optional<double>& v) {
  if (!p.training_flag) return "no training flag";
  if (!v) return "flag not fed";
  if (p.training_flag.dtype() == DType::boolean) return *v != 0 ? "flag = true" : "flag = false";
  return "flag = " + num(*v);
}

Tensor concat_rows(const Tensor& a, const Tensor& b) {
  std::vector<int64_t> dims = a.shape().dims();
  dims[0] += b.shape().dim(0);
  Tensor t(a.dtype(), Shape(dims));
  std::memcpy(t.raw_data(), a.raw_data(), a.num_bytes());
  std::memcpy(static_cast<char*>(t.raw_data()) + a.num_bytes(), b.raw_data(), b.num_bytes());
  return t;
}

ModeProbe probe_modes_with(TrainingProgram& p, Session& s, const Dataset& d,
                           std::optional<double> eval_flag) {
  ModeProbe m;
  if (d.num_val() < 24) return m;
  m.ran = true;
  m.flag_train = flag_text(p, p.flag_train_value);
  m.flag_eval = flag_text(p, eval_flag ? eval_flag : p.flag_eval_value);
  const Output out = p.predictions;
  std::vector<int64_t> r1(16), r2(16);
  for (int64_t i = 0; i < 16; ++i) {
    r1[static_cast<size_t>(i)] = i;
    r2[static_cast<size_t>(i)] = i < 8 ? i : i + 8;
  }
  for (RunKind kind : {RunKind::train, RunKind::eval}) {
    auto feed = [&](const std::vector<int64_t>& rows) {
      FeedDict f = p.feed(gather_batch(d, true, rows), kind);
      if (kind == RunKind::eval && eval_flag && p.training_flag) {
        f = with(f, p.training_flag, Tensor::filled(p.training_flag.dtype(), Shape{}, *eval_flag));
      }
      return f;
    };
    const Tensor a = s.run(feed(r1), {out})[0];
    const Tensor b = s.run(feed(r1), {out})[0];
    const Tensor c = s.run(feed(r2), {out})[0];
    const bool stochastic = !compare(a, b).bit_identical;
    const int64_t half = a.num_elements() / 2;
    const Tensor a8 = a.reshaped(Shape({a.num_elements()})).slice_rows(0, half);
    const Tensor c8 = c.reshaped(Shape({c.num_elements()})).slice_rows(0, half);
    // With random outputs, a row's dependence on its batch cannot be told from noise by one
    // comparison: count it only when the deterministic comparison differs.
    const bool batch_dep = !stochastic && !compare(a8, c8).bit_identical;
    if (kind == RunKind::train) {
      m.train_stochastic = stochastic;
      m.train_batch_dependent = batch_dep;
    } else {
      m.eval_stochastic = stochastic;
      m.eval_batch_dependent = batch_dep;
    }
  }
  return m;
}

}  // namespace

ModeProbe probe_modes(TrainingProgram& p, Session& s, const Dataset& d) {
  return probe_modes_with(p, s, d, std::nullopt);
}

Profile profile_program(TrainingProgram& p, Session& s, const Dataset& d) {
  Profile pr;
  pr.structure = analyze_structure(p);
  const Snapshot snap = snapshot(s, p.variables);

  // Initializers: as written, and the statistics of what they drew.
  for (const Variable& v : p.variables) {
    VarInit vi;
    vi.var = v;
    vi.description = describe_initial_value(v);
    for (const auto& [name, desc] : p.initializer_descriptions) {
      if (name == v.name()) vi.declared = desc;
    }
    if (s.is_initialized(v.op())) vi.stats = stats_of(s.variable_value(v.op()));
    pr.inits.push_back(std::move(vi));
  }
  pr.initial_logits = stats_of(eval_outputs(p, s, d, 256));
  {
    const auto batches = epoch_batches(p.data, d.num_train(), 0);
    if (!batches.empty()) {
      pr.initial_loss =
          s.run(p.feed(gather_batch(d, false, batches[0]), RunKind::train), {p.loss})[0].value_at(
              0);
    }
  }

  // Optimizer: the update ops' type and the values their hyperparameters and slots hold.
  const OptimizerStructure& os = pr.structure.optimizer;
  static const std::map<std::string, std::string> names = {
      {"ApplyAdam", "Adam"},
      {"ApplyMomentum", "Momentum"},
      {"ApplyKerasMomentum", "Momentum"},
      {"ApplyGradientDescent", "GradientDescent"},
      {"ApplyRMSProp", "RMSProp"},
      {"ApplyCenteredRMSProp", "CenteredRMSProp"},
      {"ApplyAdagrad", "Adagrad"},
      {"ApplyAdadelta", "Adadelta"}};
  auto it = names.find(os.op);
  pr.optimizer.type = it != names.end() ? it->second : os.op;
  pr.optimizer.nesterov = os.nesterov;
  pr.optimizer.declared = p.optimizer_description;
  if (os.applies.empty() && !p.optimizer_role.type.empty()) {
    // Assign-based updates (the Keras tier): the values its hyperparameter tensors hold now.
    pr.optimizer.type = p.optimizer_role.type;
    pr.optimizer.nesterov = p.optimizer_role.nesterov;
    for (const auto& [name, t] : p.optimizer_role.hypers) {
      double v = NAN;
      try {
        v = s.run(t).value_at(0);
      } catch (const Error&) {
        // A hyperparameter fed at run time: shown as nan.
      }
      pr.optimizer.hypers.emplace_back(name, v);
    }
    for (const auto& [name, slot] : p.optimizer_role.slots) {
      if (s.is_initialized(slot.op()))
        pr.optimizer.slot_init.emplace_back(name, stats_of(s.variable_value(slot.op())).mean);
    }
  }
  if (!os.applies.empty()) {
    const ApplyInfo& a0 = os.applies[0];
    for (const auto& [name, t] : a0.hypers) {
      // State the train step updates (Adam's beta powers) is reported with the slots; a
      // variable it only reads (Keras's learning rate) is a hyperparameter: its current value.
      const Node* var = resolve_variable(t);
      const bool state = var && std::any_of(pr.structure.updates.updated.begin(),
                                            pr.structure.updates.updated.end(),
                                            [&](const Variable& u) { return u.op() == var; });
      if (state) {
        if (s.is_initialized(var)) {
          pr.optimizer.slot_init.emplace_back(name, stats_of(s.variable_value(var)).mean);
        }
        continue;
      }
      double v = NAN;
      try {
        v = s.run(t).value_at(0);
      } catch (const Error&) {
        // A hyperparameter fed at run time: shown as nan.
      }
      pr.optimizer.hypers.emplace_back(name, v);
    }
    for (const auto& [name, slot] : a0.slots) {
      if (!s.is_initialized(slot.op())) continue;
      const TensorStats st = stats_of(s.variable_value(slot.op()));
      pr.optimizer.slot_init.emplace_back(name, st.mean);
    }
    for (const ApplyInfo& a : os.applies) {
      if (a.hypers.size() != a0.hypers.size()) pr.optimizer.hypers_vary = true;
      for (size_t i = 0; i < a.hypers.size() && i < a0.hypers.size(); ++i) {
        if (a.hypers[i].second != a0.hypers[i].second &&
            const_value(a.hypers[i].second) != const_value(a0.hypers[i].second)) {
          pr.optimizer.hypers_vary = true;
        }
      }
    }
  }

  // The loss head as a function of the logits.
  HeadProbe& h = pr.head;
  const int64_t width = p.logits && p.logits.shape().rank() >= 1
                            ? p.logits.shape().dim(p.logits.shape().rank() - 1)
                            : -1;
  if (!p.logits) {
    h.why_not = "the program's logits are unknown";
  } else if (width < 0 || p.logits.shape().rank() != 2) {
    h.why_not = "the logits are not [batch, width] with a known width";
  } else if (d.num_val() < 16) {
    h.why_not = "fewer than 16 validation rows";
  } else {
    const int64_t n = 16;
    std::vector<int64_t> rows(n), rows2(2 * n);
    for (int64_t i = 0; i < 2 * n; ++i) {
      if (i < n) rows[static_cast<size_t>(i)] = i;
      rows2[static_cast<size_t>(i)] = i % n;
    }
    const Tensor z = probe_logits(n, width, p.logits.dtype());
    // The logits the loss is computed on (a Keras program's training-mode pass).
    Output loss_logits = p.logits;
    if (!p.logits_aliases.empty()) {
      const std::set<const Node*> up = ancestors({p.loss.node});
      for (const Output& t : p.logits_aliases)
        if (up.count(t.node)) loss_logits = t;
    }
    Output g = gradients({p.loss}, {loss_logits})[0];
    FeedDict f = with_logits(p.feed(gather_batch(d, true, rows), RunKind::train), p, z);
    std::vector<Output> fetch{p.loss};
    if (g) fetch.push_back(g);
    auto r = s.run(f, fetch);
    h.loss_n = r[0].value_at(0);
    if (g) {
      h.grad = r[1];
      h.grad_norm = l2_norm(r[1]);
    }
    FeedDict f2 =
        with_logits(p.feed(gather_batch(d, true, rows2), RunKind::train), p, concat_rows(z, z));
    h.loss_2n = s.run(f2, {p.loss})[0].value_at(0);
    h.batch_factor = h.loss_n != 0 ? h.loss_2n / h.loss_n : NAN;
    h.ran = true;
  }

  // Metrics as functions of the logits, on the validation labels.
  for (size_t i = 0; i < p.metrics.size(); ++i) {
    MetricProbe mp;
    mp.name = p.metrics[i].name;
    mp.description = p.metrics[i].description.empty() ? pr.structure.metric_descriptions[i]
                                                      : p.metrics[i].description;
    if (!h.ran) {
      mp.why_not = h.why_not;
      pr.metrics.push_back(mp);
      continue;
    }
    const int64_t n = std::min<int64_t>(256, d.num_val());
    const Batch b = val_batch(d, 0, n);
    const FeedDict base = p.feed(b, RunKind::eval);
    auto value = [&](const Tensor& logits) {
      return s.run(with_logits(base, p, logits), {p.metrics[i].tensor})[0].value_at(0);
    };
    const DType dt = p.logits.dtype();
    mp.uninformative = value(Tensor::zeros(dt, Shape({n, width})));
    Tensor perfect = Tensor::zeros(DType::f64, Shape({n, width}));
    bool have_perfect = true;
    if (d.is_classification() && width == d.num_classes) {
      for (int64_t r = 0; r < n; ++r) {
        for (int64_t c = 0; c < width; ++c)
          perfect.data<double>()[r * width + c] = c == b.y.data<int32_t>()[r] ? 10.0 : -10.0;
      }
    } else if (d.is_classification() && width == 1 && d.num_classes == 2) {
      for (int64_t r = 0; r < n; ++r)
        perfect.data<double>()[r] = b.y.data<int32_t>()[r] ? 10.0 : -10.0;
    } else if (!d.is_classification() && b.y.num_elements() == n * width) {
      for (int64_t r = 0; r < n * width; ++r) perfect.data<double>()[r] = b.y.value_at(r);
    } else {
      have_perfect = false;
    }
    mp.perfect = have_perfect ? value(perfect.cast(dt)) : NAN;
    mp.random = value(probe_logits(n, width, dt));
    mp.ran = true;
    pr.metrics.push_back(mp);
  }

  pr.modes = probe_modes_with(p, s, d, std::nullopt);

  // Which variables one train step changes.
  {
    const auto batches = epoch_batches(p.data, d.num_train(), 0);
    if (!batches.empty()) {
      s.run(p.feed(gather_batch(d, false, batches[0]), RunKind::train), {}, p.train_targets);
      for (const auto& [v, before] : snap) {
        if (!compare(before, s.variable_value(v.op())).bit_identical)
          pr.changed_by_step.push_back(v);
      }
    }
  }
  restore(s, snap);
  return pr;
}

}  // namespace dl::parity
