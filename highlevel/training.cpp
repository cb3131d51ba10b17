// compile, fit, evaluate, predict and the *_on_batch methods of Model.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <set>
#include <tuple>

#include "dl/graph/gradients.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/internal/training_state.h"
#include "dl/highlevel/model.h"

namespace dl::keras {

// ---------------------------------------------------------------------------------------------
// LossSpec

std::vector<losses::LossArg> LossSpec::for_outputs(const std::vector<std::string>& names) const {
  std::vector<losses::LossArg> out(names.size());
  if (all_) {
    for (auto& l : out) l = all_;
    return out;
  }
  if (is_list_) {
    if (per_output_.size() != names.size()) {
      throw InvalidArgument(str_cat("compile(): `loss` is a list of ", per_output_.size(),
                                    " losses, but the model has ", names.size(),
                                    " outputs; give one loss per output"));
    }
    return per_output_;
  }
  for (const auto& [k, v] : by_name_) {
    auto it = std::find(names.begin(), names.end(), k);
    if (it == names.end()) {
      std::string valid;
      for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
      throw InvalidArgument(str_cat("compile(): `loss` names the output \"", k,
                                    "\", but the model's outputs are: ", valid));
    }
    out[static_cast<size_t>(it - names.begin())] = v;
  }
  return out;
}

namespace {

// ---- helpers ----

std::string dims_string(const Shape& s) {
  // A data tensor's shape as Python prints a tuple: (100, 10).
  std::string out = "(";
  for (int i = 0; i < s.rank(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  if (s.rank() == 1) out += ",";
  return out + ")";
}

/// Rows [begin, end) of `t`, or the rows listed by idx[begin..end) when `idx` is given.
Tensor take_rows(const Tensor& t, const std::vector<int64_t>* idx, int64_t begin, int64_t end) {
  if (!idx) return t.slice_rows(begin, end);
  std::vector<int64_t> dims = t.shape().dims();
  dims[0] = end - begin;
  Tensor out(t.dtype(), Shape(dims));
  const int64_t n0 = t.shape()[0];
  const size_t row = n0 ? t.num_bytes() / static_cast<size_t>(n0) : 0;
  const char* src = static_cast<const char*>(t.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (int64_t i = begin; i < end; ++i) {
    std::memcpy(dst + static_cast<size_t>(i - begin) * row,
                src + static_cast<size_t>((*idx)[static_cast<size_t>(i)]) * row, row);
  }
  return out;
}

/// Running means of the logs (Keras's stateful Mean metrics): total / count; for a state
/// metric's column (AUC), the element-wise sum of its batch states and the metric's result.
struct Running {
  std::vector<double> total, count;
  std::vector<std::vector<double>> state;
  std::vector<std::shared_ptr<const metrics::Metric>> state_metrics;  // per column, or null
  void reset(size_t n, const std::vector<std::shared_ptr<const metrics::Metric>>& stateful) {
    total.assign(n, 0.0);
    count.assign(n, 0.0);
    state.assign(n, {});
    state_metrics = stateful;
    state_metrics.resize(n);
  }
  double result(size_t i) const {
    if (state_metrics[i]) return state_metrics[i]->result(state[i]);
    return count[i] == 0 ? 0.0 : total[i] / count[i];
  }
};

/// A uniformly random permutation of 0..n-1 (Fisher-Yates on a 64-bit Mersenne twister, with
/// rejection so that every index is equally likely).
void shuffle_indices(std::vector<int64_t>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const uint64_t bound = i;
    const uint64_t limit =
        std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
    uint64_t r;
    do {
      r = rng();
    } while (r >= limit);
    std::swap(v[i - 1], v[static_cast<size_t>(r % bound)]);
  }
}

std::vector<std::shared_ptr<callbacks::Callback>> callback_ptrs(
    const std::vector<callbacks::CallbackArg>& args) {
  std::vector<std::shared_ptr<callbacks::Callback>> out;
  for (const auto& a : args) out.push_back(a.ptr());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// compile

void Model::compile(CompileOptions options) {
  auto c = std::make_unique<Compiled>();
  c->optimizer = options.optimizer.ptr();
  if (options.loss.empty()) {
    throw InvalidArgument(str_cat("Model \"", name_,
                                  "\": compile() needs a `loss` (for example \"mse\" or "
                                  "\"sparse_categorical_crossentropy\")"));
  }
  c->options = std::move(options);
  compiled_ = std::move(c);
  stop_training = false;
  if (built()) ensure_training_graph();
}

optimizers::Optimizer& Model::optimizer() const {
  if (!compiled_) {
    throw FailedPrecondition(
        str_cat("Model \"", name_, "\" has no optimizer: call compile() first"));
  }
  return *compiled_->optimizer;
}

const TrainingGraph& Model::training_graph() {
  if (!compiled_) {
    throw FailedPrecondition(
        str_cat("You must call `compile()` before using the model \"", name_, "\"."));
  }
  if (!built()) {
    throw FailedPrecondition(str_cat("Model \"", name_,
                                     "\" is not built yet: give the first layer an input_shape, "
                                     "call build(), or fit it once"));
  }
  ensure_training_graph();
  return compiled_->plain.graph;
}

std::vector<std::string> Model::metrics_names() const {
  if (!compiled_ || compiled_->names.empty()) return {"loss"};
  return compiled_->names;
}

std::string Model::metric_direction(const std::string& log_name) const {
  std::string n = log_name;
  if (n.rfind("val_", 0) == 0) n = n.substr(4);
  if (!compiled_) return n == "loss" ? "down" : "";
  for (size_t i = 0; i < compiled_->names.size(); ++i) {
    if (compiled_->names[i] == n) return compiled_->directions[i];
  }
  return "";
}

void Model::ensure_training_graph() {
  Compiled& c = *compiled_;
  if (c.plain.built) return;
  const std::vector<std::string> out_names = output_names();
  c.loss_args = c.options.loss.for_outputs(out_names);
  c.loss_weights = c.options.loss_weights;
  if (!c.loss_weights.empty() && c.loss_weights.size() != out_names.size()) {
    throw InvalidArgument(str_cat("compile(): `loss_weights` has ", c.loss_weights.size(),
                                  " entries, but the model has ", out_names.size(), " outputs"));
  }
  if (c.loss_weights.empty()) c.loss_weights.assign(out_names.size(), 1.0);
  for (const auto& [k, v] : c.options.output_metrics) {
    if (std::find(out_names.begin(), out_names.end(), k) == out_names.end()) {
      std::string valid;
      for (const auto& n : out_names) valid += (valid.empty() ? "" : ", ") + n;
      throw InvalidArgument(str_cat("compile(): `output_metrics` names the output \"", k,
                                    "\", but the model's outputs are: ", valid));
    }
  }
  build_training_graph(false);
}

void Model::build_training_graph(bool weighted) {
  Compiled& c = *compiled_;
  Compiled::Variant& v = weighted ? c.weighted : c.plain;
  if (v.built) return;
  Graph& g = ctx_->graph();
  TrainingGraph& tg = v.graph;
  const std::vector<std::string> out_names = output_names();
  const size_t n_out = outputs_.size();
  const bool multi = n_out > 1;

  for (const KerasTensor& t : inputs_) tg.inputs.push_back(t.output());
  for (const KerasTensor& t : outputs_) tg.outputs.push_back(t.output());
  // The forward pass in training mode: the layers replayed with training=true (only layers
  // whose call depends on it, and those after them, emit new ops).
  tg.train_outputs = call(tg.inputs, true);
  for (const auto& l : layers()) {
    for (Node* u : l->take_updates()) tg.update_ops.push_back(u);
  }

  // Losses: resolve and create the label placeholders from each output's shape.
  c.losses.assign(n_out, nullptr);
  std::vector<Output> targets(n_out);
  {
    NameScope scope(g, weighted ? "training_weighted" : "training");
    for (size_t i = 0; i < n_out; ++i) {
      const Shape& os = tg.outputs[i].shape();
      const int rank = os.rank();
      const int64_t last = rank ? os[rank - 1] : 1;
      // The labels' expected form follows the loss (crossentropy/ce: by the output shape).
      std::shared_ptr<const losses::Loss> loss;
      // "crossentropy"/"ce" resolve with labels shaped like the output (Keras 3 looks at the
      // data's labels; name the sparse loss to train on class ids).
      if (c.loss_args[i]) loss = c.loss_args[i].resolve(rank, last, rank, last);
      c.losses[i] = loss;
      if (!loss) continue;
      std::vector<int64_t> tdims = os.dims();
      if (loss->label_kind() == losses::LabelKind::sparse) tdims.pop_back();
      if (!tdims.empty()) tdims[0] = -1;
      targets[i] = ops::placeholder(g, DType::f32, Shape(tdims), out_names[i] + "_target");
      if (weighted) {
        tg.sample_weights.push_back(
            ops::placeholder(g, DType::f32, Shape({-1}), out_names[i] + "_sample_weights"));
      }
    }
  }
  bool any_loss = false;
  for (const auto& l : c.losses) any_loss = any_loss || l != nullptr;
  if (!any_loss) {
    throw InvalidArgument(str_cat("Model \"", name_, "\": compile() gave no loss for any output"));
  }
  tg.targets = targets;

  // Metrics: resolved against the label and output shapes (Keras 3) or the loss (keras2).
  struct MetricUse {
    std::shared_ptr<const metrics::Metric> metric;
    size_t output;
    std::string log_name;
  };
  std::vector<MetricUse> uses;
  std::set<std::string> used_names;
  for (size_t i = 0; i < n_out; ++i) {
    std::vector<metrics::MetricArg> args = c.options.metrics;
    auto it = c.options.output_metrics.find(out_names[i]);
    if (it != c.options.output_metrics.end()) {
      args.insert(args.end(), it->second.begin(), it->second.end());
    }
    const Shape& os = tg.outputs[i].shape();
    const int rank = os.rank();
    const int64_t last = rank ? os[rank - 1] : 1;
    int t_rank = rank;
    int64_t t_last = last;
    if (targets[i]) {
      t_rank = targets[i].shape().rank();
      t_last = t_rank ? targets[i].shape()[t_rank - 1] : 1;
    }
    for (const auto& a : args) {
      auto m = a.resolve(t_rank, t_last, rank, last, c.losses[i].get(), profile_);
      std::string log_name = multi ? out_names[i] + "_" + m->name() : m->name();
      if (!used_names.insert(log_name).second) {
        throw InvalidArgument(str_cat("compile(): the metric name \"", log_name,
                                      "\" is used twice; give the metric objects distinct names"));
      }
      uses.push_back(MetricUse{m, i, log_name});
    }
  }
  if (!targets.empty()) {
    for (const auto& u : uses) {
      if (!targets[u.output]) {
        throw InvalidArgument(str_cat("compile(): metric \"", u.log_name, "\" is on output \"",
                                      out_names[u.output], "\", which has no loss (no labels)"));
      }
    }
  }

  // The loss and metric ops on a set of outputs (training or inference mode).
  auto build_heads = [&](const std::vector<Output>& outs, const char* scope_name,
                         std::vector<Output>& out_losses, Output& total,
                         std::vector<Output>& metric_sums, std::vector<Output>& metric_counts,
                         std::vector<Output>& metric_states) {
    NameScope scope(g, scope_name);
    std::vector<Output> terms;
    for (size_t i = 0; i < n_out; ++i) {
      if (!c.losses[i]) {
        out_losses.push_back(Output{});
        continue;
      }
      Output sw = weighted ? tg.sample_weights[out_losses.size()] : Output{};
      Output l;
      {
        NameScope ls(g, c.losses[i]->name());
        l = (*c.losses[i])(targets[i], outs[i], sw, profile_);
      }
      out_losses.push_back(l);
      terms.push_back(c.loss_weights[i] == 1.0 ? l : l * c.loss_weights[i]);
    }
    for (const Output& r : losses()) terms.push_back(r);
    total = terms.size() == 1 ? terms[0] : ops::add_n(terms);
    for (const auto& u : uses) {
      NameScope ms(g, u.metric->name());
      if (u.metric->has_state()) {
        metric_sums.push_back(Output{});
        metric_counts.push_back(Output{});
        metric_states.push_back(u.metric->batch_state(targets[u.output], outs[u.output]));
        continue;
      }
      metric_states.push_back(Output{});
      Output values = u.metric->call(targets[u.output], outs[u.output]);
      metric_sums.push_back(ops::reduce_sum(values));
      const Output den = u.metric->denominator(targets[u.output], outs[u.output]);
      metric_counts.push_back(den ? ops::reduce_sum(den) : Output{});
    }
  };

  std::vector<Output> train_sums, eval_sums, train_counts, eval_counts, train_states, eval_states;
  build_heads(tg.train_outputs, "loss", tg.output_losses, tg.loss, train_sums, train_counts,
              train_states);
  if (tg.train_outputs == tg.outputs) {
    tg.eval_loss = tg.loss;
    tg.eval_output_losses = tg.output_losses;
    eval_sums = train_sums;
    eval_counts = train_counts;
    eval_states = train_states;
  } else {
    build_heads(tg.outputs, "eval_loss", tg.eval_output_losses, tg.eval_loss, eval_sums,
                eval_counts, eval_states);
  }
  for (size_t k = 0; k < uses.size(); ++k) {
    tg.metrics.push_back(TrainingGraph::MetricNodes{
        uses[k].log_name, uses[k].metric->direction(), train_sums[k], eval_sums[k], train_counts[k],
        eval_counts[k], train_states[k], eval_states[k], uses[k].metric});
  }

  // Gradients and the optimizer.
  std::vector<Output> var_outputs;
  for (const Weight& w : trainable_weights()) {
    tg.trainable_variables.push_back(w.variable);
    var_outputs.push_back(w.variable.value());
  }
  for (const auto& l : layers()) {
    std::vector<Variable> vs;
    for (const Weight& w : l->weights()) vs.push_back(w.variable);
    if (!vs.empty()) tg.variables_by_layer[l->name()] = vs;
  }
  if (var_outputs.empty()) {
    throw InvalidArgument(
        str_cat("Model \"", name_, "\" has no trainable weights: there is nothing to train"));
  }
  tg.gradients = gradients({tg.loss}, var_outputs);
  Node* opt = c.optimizer->apply_gradients(tg.gradients, tg.trainable_variables, profile_);
  std::vector<Node*> train_deps{opt};
  for (Node* u : tg.update_ops) train_deps.push_back(u);
  tg.train_op = train_deps.size() == 1 ? opt : ops::group(g, train_deps, "train_op");

  // The run signatures: feeds x, y (and sample weights); fetch the loss, per-output losses and
  // metric sums.
  std::vector<Output> feeds = tg.inputs;
  for (const Output& t : targets) {
    if (t) feeds.push_back(t);
  }
  for (const Output& w : tg.sample_weights) feeds.push_back(w);
  std::vector<Output> train_fetch{tg.loss}, eval_fetch{tg.eval_loss};
  if (multi) {
    for (size_t i = 0; i < n_out; ++i) {
      if (!tg.output_losses[i]) continue;
      train_fetch.push_back(tg.output_losses[i]);
      eval_fetch.push_back(tg.eval_output_losses[i]);
    }
  }
  // A state metric's column fetches its batch state vector in place of a sum.
  c.state_metrics.assign(train_fetch.size(), nullptr);
  for (const auto& m : tg.metrics) {
    c.state_metrics.push_back(m.train_state ? m.metric : nullptr);
    train_fetch.push_back(m.train_state ? m.train_state : m.train_sum);
    eval_fetch.push_back(m.eval_state ? m.eval_state : m.eval_sum);
  }
  // Ratio metrics' denominators come after every log column; count_of maps a column to its
  // denominator's position in the fetches (-1: the batch size counts).
  c.count_of.assign(train_fetch.size(), -1);
  const size_t first_metric = train_fetch.size() - tg.metrics.size();
  for (size_t k = 0; k < tg.metrics.size(); ++k) {
    if (!tg.metrics[k].train_count) continue;
    c.count_of[first_metric + k] = static_cast<int>(train_fetch.size());
    train_fetch.push_back(tg.metrics[k].train_count);
    eval_fetch.push_back(tg.metrics[k].eval_count);
  }
  Session& s = ctx_->session();  // also initialises the new variables
  v.train = s.make_callable(feeds, train_fetch, {tg.train_op});
  v.eval = s.make_callable(feeds, eval_fetch);
  v.built = true;

  // Log names: "loss", "<output>_loss" for several outputs, then the metrics.
  c.names = {"loss"};
  c.directions = {"down"};
  c.num_output_losses = 0;
  if (multi) {
    for (size_t i = 0; i < n_out; ++i) {
      if (!c.losses[i]) continue;
      c.names.push_back(out_names[i] + "_loss");
      c.directions.push_back("down");
      ++c.num_output_losses;
    }
  }
  for (const auto& m : tg.metrics) {
    c.names.push_back(m.name);
    c.directions.push_back(m.direction);
  }
}

// ---------------------------------------------------------------------------------------------
// Data preparation and checks

Model::Feeds Model::prepare(const Data& x, const Data* y, const Tensor* sample_weight,
                            const std::map<int64_t, double>* class_weight,
                            const char* where) const {
  Feeds f;
  const Compiled* c = compiled_.get();
  // ---- x ----
  if (x.size() != inputs_.size()) {
    throw InvalidArgument(str_cat("Layer \"", name_, "\" expects ", inputs_.size(),
                                  " input(s), but it received ", x.size(),
                                  " input tensors (argument `x` of ", where, ")"));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    const Tensor& t = x[i];
    if (!t.valid()) throw InvalidArgument(str_cat(where, ": `x` tensor ", i, " is empty"));
    const Shape& want = inputs_[i].shape();
    const Shape& got = t.shape();
    // The first layer that reads the input reports the mismatch, as Keras's input checks do.
    std::string consumer = inputs_[i].layer()->name();
    for (const NodeRef& n : nodes_) {
      const auto& call = n.layer->inbound_nodes()[static_cast<size_t>(n.node_index)];
      bool reads = false;
      for (const KerasTensor& in : call.inputs) reads = reads || in.output() == inputs_[i].output();
      if (reads) {
        consumer = n.layer->name();
        break;
      }
    }
    std::vector<int64_t> shown = got.dims();
    if (!shown.empty()) shown[0] = -1;
    if (got.rank() != want.rank()) {
      throw InvalidArgument(str_cat(
          "Input ", i, " of layer \"", consumer,
          "\" is incompatible with the layer: expected ndim=", want.rank(),
          ", found ndim=", got.rank(), ". Full shape received: ", shape_to_string(Shape(shown)),
          " (argument `x` of ", where, ")"));
    }
    for (int a = 1; a < want.rank(); ++a) {
      if (want[a] >= 0 && want[a] != got[a]) {
        const int axis = a == want.rank() - 1 ? -1 : a;
        throw InvalidArgument(
            str_cat("Input ", i, " of layer \"", consumer,
                    "\" is incompatible with the layer: expected axis ", axis,
                    " of input shape to have value ", want[a], ", but received input with shape ",
                    shape_to_string(Shape(shown)), " (argument `x` of ", where, ")"));
      }
    }
    const DType dt = inputs_[i].dtype();
    f.x.push_back(t.dtype() == dt ? t : t.cast(dt));
  }
  f.n = x[0].shape().rank() ? x[0].shape()[0] : 1;

  // ---- cardinality ----
  auto sizes = [](const Data& d) {
    std::string s;
    for (const Tensor& t : d.tensors()) {
      s += (s.empty() ? "" : ", ") +
           std::to_string(t.valid() && t.shape().rank() ? t.shape()[0] : 0);
    }
    return s;
  };
  bool same = true;
  for (const Tensor& t : x.tensors()) same = same && t.shape()[0] == f.n;
  if (y) {
    for (const Tensor& t : y->tensors())
      same = same && t.valid() && t.shape().rank() > 0 && t.shape()[0] == f.n;
  }
  const bool has_sw = sample_weight && sample_weight->valid();
  if (has_sw) same = same && sample_weight->shape().rank() > 0 && sample_weight->shape()[0] == f.n;
  if (!same) {
    std::string msg = str_cat(
        "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."
        "'x' sizes: ",
        sizes(x));
    if (y) msg += str_cat("\n'y' sizes: ", sizes(*y));
    if (has_sw) msg += str_cat("\n'sample_weight' sizes: ", sample_weight->shape()[0]);
    throw InvalidArgument(msg + str_cat(" (", where, ")"));
  }
  if (f.n == 0) throw InvalidArgument(str_cat(where, ": the data has no samples"));
  if (!y) return f;

  // ---- y ----
  const TrainingGraph& tg = c->plain.graph;
  const std::vector<std::string> out_names = output_names();
  size_t with_loss = 0;
  for (const auto& l : c->losses) with_loss += l ? 1 : 0;
  if (y->size() != with_loss && y->size() != outputs_.size()) {
    throw InvalidArgument(str_cat("Model \"", name_, "\" has ", outputs_.size(), " output(s) (",
                                  with_loss, " with a loss), but `y` of ", where, " holds ",
                                  y->size(), " tensor(s)"));
  }
  size_t k = 0;
  for (size_t i = 0; i < outputs_.size(); ++i) {
    const losses::Loss* loss = c->losses[i].get();
    if (!loss) {
      if (y->size() == outputs_.size()) ++k;
      continue;
    }
    Tensor t = (*y)[k++];
    const Shape& target = tg.targets[i].shape();
    const Shape& out = outputs_[i].shape();
    const int64_t classes = out.rank() ? out[out.rank() - 1] : 1;
    std::vector<int64_t> tdims(target.dims().begin() + 1, target.dims().end());
    std::vector<int64_t> ydims(t.shape().dims().begin() + 1, t.shape().dims().end());
    const std::string label =
        str_cat("Loss \"", loss->name(), "\" of output \"", out_names[i], "\"");
    std::vector<int64_t> shown_target = target.dims();
    if (loss->label_kind() == losses::LabelKind::sparse) {
      // Class ids: (n,) or (n, 1), never one-hot rows.
      if (ydims == tdims) {
        // ok
      } else if (ydims.size() == tdims.size() + 1 && ydims.back() == 1) {
        std::vector<int64_t> d{f.n};
        d.insert(d.end(), tdims.begin(), tdims.end());
        t = t.reshaped(Shape(d));
      } else if (ydims.size() == tdims.size() + 1 && ydims.back() == classes && classes > 1) {
        throw InvalidArgument(str_cat(
            label, " expects integer class ids of shape ", shape_to_string(target),
            ", but received labels of shape ", dims_string(t.shape()),
            ": these look like one-hot labels. Use loss \"categorical_crossentropy\" for one-hot "
            "labels, or pass the class ids (argument `y` of ",
            where, ")"));
      } else {
        throw InvalidArgument(str_cat(label, " expects integer class ids of shape ",
                                      shape_to_string(target), ", but received labels of shape ",
                                      dims_string(t.shape()), " (argument `y` of ", where, ")"));
      }
      // Every id must name a class.
      for (int64_t j = 0; j < t.num_elements(); ++j) {
        const double v = t.value_at(j);
        if (!(v >= 0 && v < double(classes)) || v != std::floor(v)) {
          throw InvalidArgument(str_cat(label, " received the label ", v, " (sample ",
                                        j / std::max<int64_t>(1, t.num_elements() / f.n),
                                        "), but class ids must be integers in [0, ", classes,
                                        ") (argument `y` of ", where, ")"));
        }
      }
    } else {
      if (ydims != tdims) {
        if (ydims.size() + 1 == tdims.size() && tdims.back() == 1) {
          std::vector<int64_t> d{f.n};
          d.insert(d.end(), tdims.begin(), tdims.end());
          t = t.reshaped(Shape(d));
        } else if (ydims.size() == tdims.size() + 1 && ydims.back() == 1 &&
                   std::equal(tdims.begin(), tdims.end(), ydims.begin())) {
          std::vector<int64_t> d{f.n};
          d.insert(d.end(), tdims.begin(), tdims.end());
          t = t.reshaped(Shape(d));
        } else if (loss->label_kind() == losses::LabelKind::categorical &&
                   (ydims.size() + 1 == tdims.size() ||
                    (ydims.size() == tdims.size() && !ydims.empty() && ydims.back() == 1))) {
          throw InvalidArgument(
              str_cat(label, " expects one-hot labels of shape ", shape_to_string(target),
                      ", but received labels of shape ", dims_string(t.shape()),
                      ": these look like integer class ids. Use loss "
                      "\"sparse_categorical_crossentropy\" for class ids, or one-hot encode them "
                      "(keras::utils::to_categorical) (argument `y` of ",
                      where, ")"));
        } else {
          throw InvalidArgument(str_cat(label, " expects labels of shape ", shape_to_string(target),
                                        ", but received labels of shape ", dims_string(t.shape()),
                                        " (argument `y` of ", where, ")"));
        }
      }
    }
    f.y.push_back(t.dtype() == DType::f32 ? t : t.cast(DType::f32));
  }

  // ---- sample weights ----
  const bool has_cw = class_weight && !class_weight->empty();
  if (has_sw && has_cw) {
    throw InvalidArgument(
        str_cat("You cannot `class_weight` and `sample_weight` at the same time. (", where, ")"));
  }
  if (has_sw) {
    const Tensor& w = *sample_weight;
    if (w.num_elements() != f.n) {
      throw InvalidArgument(str_cat("`sample_weight` of ", where,
                                    " must hold one weight per sample (", f.n, "), received shape ",
                                    dims_string(w.shape())));
    }
    f.sample_weight = (w.dtype() == DType::f32 ? w : w.cast(DType::f32)).reshaped(Shape({f.n}));
  } else if (has_cw) {
    // Keras's class_weight_to_sample_weights on the first output with a loss: the class of a
    // sample is the argmax of its label row (or the rounded label when it is one number).
    if (f.y.size() != 1) {
      throw InvalidArgument(
          str_cat("`class_weight` is only supported for models with a single "
                  "output (",
                  where, ")"));
    }
    const Tensor& t = f.y[0];
    const int64_t per = t.num_elements() / f.n;
    Tensor w(DType::f32, Shape({f.n}));
    float* wp = w.data<float>();
    const float* yp = t.data<float>();
    for (int64_t i = 0; i < f.n; ++i) {
      int64_t cls;
      if (per > 1) {
        cls = std::max_element(yp + i * per, yp + (i + 1) * per) - (yp + i * per);
      } else {
        cls = static_cast<int64_t>(std::nearbyint(yp[i]));
      }
      auto it = class_weight->find(cls);
      wp[i] = it == class_weight->end() ? 1.0f : static_cast<float>(it->second);
    }
    f.sample_weight = w;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// The loops

namespace {

struct CallbackList {
  std::vector<std::shared_ptr<callbacks::Callback>> cbs;
  void set(Model* m, const callbacks::Params& p) {
    for (auto& c : cbs) {
      c->set_model(m);
      c->set_params(p);
    }
  }
  template <class F>
  void each(F f) {
    for (auto& c : cbs) f(*c);
  }
};

Logs make_logs(const std::vector<std::string>& names, const Running& r, Profile profile,
               const std::string& prefix = "") {
  std::vector<std::pair<std::string, double>> items;
  for (size_t i = 0; i < names.size(); ++i) items.emplace_back(prefix + names[i], r.result(i));
  if (profile == Profile::keras3) {
    // Keras 3's pythonify_logs sorts the keys.
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  Logs logs;
  for (const auto& [k, v] : items) logs.set(k, v);
  return logs;
}

/// What one batch adds to a column's count: its ratio metric's denominator, or the batch size.
double batch_count(const std::vector<Tensor>& outs, const std::vector<int>& count_of, size_t i,
                   int64_t m) {
  return count_of[i] >= 0 ? outs[static_cast<size_t>(count_of[i])].value_at(0) : double(m);
}

/// Adds one batch's fetched values to the running means: outs[0] is the loss, then per-output
/// losses (means over the batch), then metric sums over the batch (a state metric's batch
/// state), then the denominators of ratio metrics (count_of).
void accumulate(Running& r, const std::vector<Tensor>& outs, size_t num_losses,
                const std::vector<int>& count_of, int64_t m) {
  for (size_t i = 0; i < count_of.size(); ++i) {
    if (r.state_metrics[i]) {
      const Tensor& t = outs[i];
      DL_CHECK(t.dtype() == DType::f32, "metric state must be float32 (Metric::batch_state), got ",
               name(t.dtype()));
      std::vector<double>& st = r.state[i];
      if (st.empty()) st.assign(static_cast<size_t>(t.num_elements()), 0.0);
      DL_CHECK(static_cast<int64_t>(st.size()) == t.num_elements(), "metric state of ",
               t.num_elements(), " values, but ", st.size(), " accumulated");
      const float* v = t.data<float>();
      for (size_t k = 0; k < st.size(); ++k) st[k] += v[k];
      continue;
    }
    const double v = outs[i].value_at(0);
    if (i < 1 + num_losses) {
      r.total[i] += v * double(m);
    } else {
      r.total[i] += v;
    }
    r.count[i] += batch_count(outs, count_of, i, m);
  }
}

std::vector<Tensor> batch_feeds(const std::vector<Tensor>& x, const std::vector<Tensor>& y,
                                const Tensor& sw, const std::vector<int64_t>* idx, int64_t b,
                                int64_t e) {
  std::vector<Tensor> feeds;
  for (const Tensor& t : x) feeds.push_back(take_rows(t, idx, b, e));
  for (const Tensor& t : y) feeds.push_back(take_rows(t, idx, b, e));
  if (sw.valid()) feeds.push_back(take_rows(sw, idx, b, e));
  return feeds;
}

}  // namespace

void Model::check_compiled_and_built(const std::vector<Shape>& input_shapes) {
  if (!compiled_) {
    throw FailedPrecondition(
        str_cat("You must call `compile()` before using the model \"", name_, "\"."));
  }
  if (!built()) build_from_data(input_shapes);
  ensure_training_graph();
}

namespace {

std::vector<Shape> shapes_of(const Data& x) {
  std::vector<Shape> shapes;
  for (const Tensor& t : x.tensors()) shapes.push_back(t.shape());
  return shapes;
}

}  // namespace

callbacks::History Model::fit(const Data& x, const Data& y, FitOptions o) {
  if (o.batch_size <= 0) {
    throw InvalidArgument(str_cat("fit(): `batch_size` must be positive, received ", o.batch_size));
  }
  if (o.epochs < 0 || o.initial_epoch < 0) {
    throw InvalidArgument(str_cat("fit(): `epochs` and `initial_epoch` must be >= 0, received ",
                                  o.epochs, " and ", o.initial_epoch));
  }
  if (o.validation_split < 0 || o.validation_split >= 1) {
    throw InvalidArgument(
        str_cat("fit(): `validation_split` must be in [0, 1), received ", o.validation_split));
  }
  check_compiled_and_built(shapes_of(x));
  auto train = std::make_shared<Feeds>(prepare(x, &y, &o.sample_weight, &o.class_weight, "fit"));

  // Validation data: given, or the last fraction of the samples (before shuffling).
  std::shared_ptr<Feeds> val;
  if (o.validation_data) {
    val = std::make_shared<Feeds>(prepare(o.validation_data->x, &o.validation_data->y,
                                          &o.validation_data->sample_weight, nullptr,
                                          "validation_data"));
  } else if (o.validation_split > 0) {
    const int64_t split_at =
        static_cast<int64_t>(std::floor(double(train->n) * (1.0 - o.validation_split)));
    if (split_at <= 0 || split_at >= train->n) {
      throw InvalidArgument(str_cat(
          "Training data contains ", train->n,
          " samples, which is not sufficient to split it into a validation and training set as "
          "specified by `validation_split=",
          o.validation_split,
          "`. Either provide more data, or a different value for the "
          "`validation_split` argument."));
    }
    val = std::make_shared<Feeds>();
    val->n = train->n - split_at;
    for (Tensor& t : train->x) {
      val->x.push_back(t.slice_rows(split_at, train->n));
      t = t.slice_rows(0, split_at);
    }
    for (Tensor& t : train->y) {
      val->y.push_back(t.slice_rows(split_at, train->n));
      t = t.slice_rows(0, split_at);
    }
    if (train->sample_weight.valid()) {
      val->sample_weight = train->sample_weight.slice_rows(split_at, train->n);
      train->sample_weight = train->sample_weight.slice_rows(0, split_at);
    }
    train->n = split_at;
  }

  const int64_t bs = o.batch_size;
  Feeder tf;
  tf.steps = o.steps_per_epoch > 0 ? o.steps_per_epoch : (train->n + bs - 1) / bs;
  tf.samples = train->n;
  auto rng = std::make_shared<std::mt19937_64>(ctx_->draw_seed());
  auto perm = std::make_shared<std::vector<int64_t>>(static_cast<size_t>(train->n));
  std::iota(perm->begin(), perm->end(), 0);
  auto cursor = std::make_shared<int64_t>(0);  // position in the current pass over the data
  const bool shuffle = o.shuffle;
  const bool carry = o.steps_per_epoch > 0;
  tf.begin_epoch = [cursor, carry] {
    if (!carry) *cursor = 0;
  };
  tf.next = [train, perm, rng, cursor, shuffle, bs](std::vector<Tensor>& feeds, int64_t& m,
                                                    bool& weighted) {
    if (*cursor == 0 && shuffle) shuffle_indices(*perm, *rng);
    const int64_t b = *cursor;
    const int64_t e = std::min(b + bs, train->n);
    *cursor = e >= train->n ? 0 : e;
    m = e - b;
    weighted = train->sample_weight.valid();
    feeds =
        batch_feeds(train->x, train->y, train->sample_weight, shuffle ? perm.get() : nullptr, b, e);
    return true;
  };
  std::unique_ptr<Feeder> vf;
  if (val) {
    const int64_t vbs = o.validation_batch_size > 0 ? o.validation_batch_size : bs;
    vf = std::make_unique<Feeder>();
    const int64_t batches = (val->n + vbs - 1) / vbs;
    vf->steps = o.validation_steps > 0 ? std::min(o.validation_steps, batches) : batches;
    vf->samples = val->n;
    auto vcur = std::make_shared<int64_t>(0);
    vf->begin_epoch = [vcur] { *vcur = 0; };
    vf->next = [val, vcur, vbs](std::vector<Tensor>& feeds, int64_t& m, bool& weighted) {
      const int64_t b = *vcur;
      if (b >= val->n) return false;
      const int64_t e = std::min(b + vbs, val->n);
      *vcur = e;
      m = e - b;
      weighted = val->sample_weight.valid();
      feeds = batch_feeds(val->x, val->y, val->sample_weight, nullptr, b, e);
      return true;
    };
  }
  return fit_loop(tf, vf.get(), o.epochs, o.initial_epoch, o.verbose < 0 ? 1 : o.verbose,
                  o.validation_freq, o.callbacks);
}

namespace {

/// A Feeder over a BatchSource: every batch passes the data checks of prepare().
template <class Prepare>
Model::Feeder source_feeder(BatchSource& src, int64_t steps, Prepare prepare) {
  Model::Feeder f;
  f.steps = steps > 0 ? steps : src.size();
  f.end_epoch = [&src] { src.on_epoch_end(); };
  f.next = [&src, prepare](std::vector<Tensor>& feeds, int64_t& m, bool& weighted) {
    Batch b = src.next();
    if (b.x.empty()) return false;
    auto [fd, n, w] = prepare(b);
    feeds = std::move(fd);
    m = n;
    weighted = w;
    return true;
  };
  return f;
}

}  // namespace

callbacks::History Model::fit(BatchSource& data, FitGeneratorOptions o) {
  if (o.epochs < 0 || o.initial_epoch < 0) {
    throw InvalidArgument(str_cat("fit(): `epochs` and `initial_epoch` must be >= 0, received ",
                                  o.epochs, " and ", o.initial_epoch));
  }
  // The first batch builds a Sequential without an input shape, then is used for training.
  Batch first = data.next();
  if (first.x.empty()) throw InvalidArgument("fit(): the batch source gave no data");
  check_compiled_and_built(shapes_of(first.x));
  auto pending = std::make_shared<std::optional<Batch>>(std::move(first));
  auto class_weight = std::make_shared<std::map<int64_t, double>>(o.class_weight);
  auto prep = [this, class_weight](const Batch& b, const char* where) {
    Feeds f = prepare(b.x, &b.y, &b.sample_weight, class_weight.get(), where);
    std::vector<Tensor> feeds = f.x;
    for (const Tensor& t : f.y) feeds.push_back(t);
    if (f.sample_weight.valid()) feeds.push_back(f.sample_weight);
    return std::make_tuple(std::move(feeds), f.n, f.sample_weight.valid());
  };
  Feeder tf;
  tf.steps = o.steps_per_epoch > 0 ? o.steps_per_epoch : data.size();
  tf.end_epoch = [&data] { data.on_epoch_end(); };
  tf.next = [&data, pending, prep](std::vector<Tensor>& feeds, int64_t& m, bool& weighted) {
    Batch b;
    if (pending->has_value()) {
      b = std::move(**pending);
      pending->reset();
    } else {
      b = data.next();
    }
    if (b.x.empty()) return false;
    auto [fd, n, w] = prep(b, "fit (batch source)");
    feeds = std::move(fd);
    m = n;
    weighted = w;
    return true;
  };
  std::unique_ptr<Feeder> vf;
  std::shared_ptr<Feeds> val_arrays;
  if (o.validation_source) {
    BatchSource* vs = o.validation_source;
    vf = std::make_unique<Feeder>(source_feeder(*vs, o.validation_steps, [&, vs](const Batch& b) {
      return prep(b, "validation (batch source)");
    }));
    vf->end_epoch = [vs] { vs->on_epoch_end(); };
  } else if (o.validation_data) {
    val_arrays = std::make_shared<Feeds>(prepare(o.validation_data->x, &o.validation_data->y,
                                                 &o.validation_data->sample_weight, nullptr,
                                                 "validation_data"));
    const int64_t vbs = std::max<int64_t>(1, o.validation_batch_size);
    vf = std::make_unique<Feeder>();
    const int64_t batches = (val_arrays->n + vbs - 1) / vbs;
    vf->steps = o.validation_steps > 0 ? std::min(o.validation_steps, batches) : batches;
    vf->samples = val_arrays->n;
    auto vcur = std::make_shared<int64_t>(0);
    vf->begin_epoch = [vcur] { *vcur = 0; };
    vf->next = [val_arrays, vcur, vbs](std::vector<Tensor>& feeds, int64_t& m, bool& weighted) {
      const int64_t b = *vcur;
      if (b >= val_arrays->n) return false;
      const int64_t e = std::min(b + vbs, val_arrays->n);
      *vcur = e;
      m = e - b;
      weighted = val_arrays->sample_weight.valid();
      feeds = batch_feeds(val_arrays->x, val_arrays->y, val_arrays->sample_weight, nullptr, b, e);
      return true;
    };
  }
  return fit_loop(tf, vf.get(), o.epochs, o.initial_epoch, o.verbose < 0 ? 1 : o.verbose,
                  o.validation_freq, o.callbacks);
}

callbacks::History Model::fit_loop(Feeder& train, Feeder* val, int epochs, int initial_epoch,
                                   int verbose, int validation_freq,
                                   const std::vector<callbacks::CallbackArg>& user_callbacks) {
  Compiled& c = *compiled_;
  // Callbacks, in Keras's order: Keras 3 puts the user's first, then History and the progress
  // bar; Keras 2 puts the progress bar before the user's and History last.
  CallbackList list;
  auto history = std::make_shared<callbacks::History>();
  std::shared_ptr<callbacks::Callback> progbar;
  for (auto& cb : callback_ptrs(user_callbacks)) {
    if (std::dynamic_pointer_cast<callbacks::ProgbarLogger>(cb)) progbar = cb;
  }
  if (!progbar && verbose) progbar = std::make_shared<callbacks::ProgbarLogger>();
  if (profile_ == Profile::keras2) {
    if (progbar) list.cbs.push_back(progbar);
    for (auto& cb : callback_ptrs(user_callbacks)) {
      if (cb != progbar) list.cbs.push_back(cb);
    }
    list.cbs.push_back(history);
  } else {
    for (auto& cb : callback_ptrs(user_callbacks)) {
      if (cb != progbar) list.cbs.push_back(cb);
    }
    list.cbs.push_back(history);
    if (progbar) list.cbs.push_back(progbar);
  }
  callbacks::Params params;
  params.epochs = epochs;
  params.steps = train.steps;
  params.samples = train.samples;
  params.verbose = verbose;
  params.do_validation = val != nullptr;
  params.metrics = c.names;
  if (val) {
    for (const auto& n : c.names) params.metrics.push_back("val_" + n);
  }
  list.set(this, params);

  stop_training = false;
  Running running;
  Logs train_logs;
  list.each([&](callbacks::Callback& cb) { cb.on_train_begin(train_logs); });
  Logs epoch_logs;
  std::vector<Tensor> feeds;
  for (int epoch = initial_epoch; epoch < epochs; ++epoch) {
    running.reset(c.names.size(), c.state_metrics);
    Logs begin_logs;
    list.each([&](callbacks::Callback& cb) { cb.on_epoch_begin(epoch, begin_logs); });
    train.begin_epoch();
    for (int64_t step = 0; train.steps < 0 || step < train.steps; ++step) {
      int64_t m = 0;
      bool weighted = false;
      if (!train.next(feeds, m, weighted)) break;
      if (weighted) build_training_graph(true);
      Compiled::Variant& variant = weighted ? c.weighted : c.plain;
      Logs batch_logs;
      if (profile_ == Profile::keras2) {
        batch_logs.set("batch", double(step));
        batch_logs.set("size", double(m));
      }
      list.each([&](callbacks::Callback& cb) { cb.on_train_batch_begin(step, batch_logs); });
      std::vector<Tensor> outs = variant.train(feeds);
      accumulate(running, outs, c.num_output_losses, c.count_of, m);
      if (profile_ == Profile::keras2) {
        // Keras 2 hands the callbacks this batch's values (BaseLogger averages them); a state
        // metric's is its result on this batch's state alone, as for the ratio metrics.
        for (size_t i = 0; i < c.names.size(); ++i) {
          if (c.state_metrics[i]) {
            const float* v = outs[i].data<float>();
            const std::vector<double> st(v, v + outs[i].num_elements());
            batch_logs.set(c.names[i], c.state_metrics[i]->result(st));
            continue;
          }
          const double v = outs[i].value_at(0);
          const double n = batch_count(outs, c.count_of, i, m);
          batch_logs.set(c.names[i], i < 1 + c.num_output_losses ? v : (n == 0 ? 0.0 : v / n));
        }
      } else {
        batch_logs = make_logs(c.names, running, profile_);
      }
      list.each([&](callbacks::Callback& cb) { cb.on_train_batch_end(step, batch_logs); });
      if (stop_training) break;
    }
    train.end_epoch();
    epoch_logs = make_logs(c.names, running, profile_);
    if (val && (epoch + 1) % std::max(1, validation_freq) == 0) {
      Logs vl = run_evaluation(*val, list.cbs);
      if (profile_ == Profile::keras2) {
        // Keras 2.2.4's epoch_logs dict: the val_ entries first, the averages added after.
        Logs merged;
        for (const auto& [k, v] : vl.items()) merged.set("val_" + k, v);
        for (const auto& [k, v] : epoch_logs.items()) merged.set(k, v);
        epoch_logs = merged;
      } else {
        for (const auto& [k, v] : vl.items()) epoch_logs.set("val_" + k, v);
      }
    }
    list.each([&](callbacks::Callback& cb) { cb.on_epoch_end(epoch, epoch_logs); });
    if (stop_training) break;
  }
  list.each([&](callbacks::Callback& cb) { cb.on_train_end(epoch_logs); });
  for (auto& cb : list.cbs) cb->set_model(nullptr);
  return *history;
}

Logs Model::run_evaluation(Feeder& data,
                           const std::vector<std::shared_ptr<callbacks::Callback>>& cbs) {
  Compiled& c = *compiled_;
  Running running;
  running.reset(c.names.size(), c.state_metrics);
  Logs logs;
  for (auto& cb : cbs) cb->on_test_begin(logs);
  data.begin_epoch();
  std::vector<Tensor> feeds;
  for (int64_t step = 0; data.steps < 0 || step < data.steps; ++step) {
    int64_t m = 0;
    bool weighted = false;
    if (!data.next(feeds, m, weighted)) break;
    if (weighted) build_training_graph(true);
    Compiled::Variant& variant = weighted ? c.weighted : c.plain;
    Logs bl;
    for (auto& cb : cbs) cb->on_test_batch_begin(step, bl);
    accumulate(running, variant.eval(feeds), c.num_output_losses, c.count_of, m);
    bl = make_logs(c.names, running, profile_);
    for (auto& cb : cbs) cb->on_test_batch_end(step, bl);
  }
  data.end_epoch();
  logs = make_logs(c.names, running, profile_);
  for (auto& cb : cbs) cb->on_test_end(logs);
  return logs;
}

Logs Model::evaluate_logs(const Data& x, const Data& y, EvaluateOptions o) {
  if (o.batch_size <= 0) {
    throw InvalidArgument(
        str_cat("evaluate(): `batch_size` must be positive, received ", o.batch_size));
  }
  check_compiled_and_built(shapes_of(x));
  auto data = std::make_shared<Feeds>(prepare(x, &y, &o.sample_weight, nullptr, "evaluate"));
  const int verbose = o.verbose < 0 ? 1 : o.verbose;
  std::vector<std::shared_ptr<callbacks::Callback>> cbs = callback_ptrs(o.callbacks);
  bool has_progbar = false;
  for (auto& cb : cbs) {
    has_progbar = has_progbar || std::dynamic_pointer_cast<callbacks::ProgbarLogger>(cb);
  }
  if (verbose && !has_progbar) cbs.push_back(std::make_shared<callbacks::ProgbarLogger>());
  const int64_t bs = o.batch_size;
  Feeder f;
  const int64_t batches = (data->n + bs - 1) / bs;
  f.steps = o.steps > 0 ? std::min(o.steps, batches) : batches;
  f.samples = data->n;
  auto cur = std::make_shared<int64_t>(0);
  f.next = [data, cur, bs](std::vector<Tensor>& feeds, int64_t& m, bool& weighted) {
    const int64_t b = *cur;
    if (b >= data->n) return false;
    const int64_t e = std::min(b + bs, data->n);
    *cur = e;
    m = e - b;
    weighted = data->sample_weight.valid();
    feeds = batch_feeds(data->x, data->y, data->sample_weight, nullptr, b, e);
    return true;
  };
  callbacks::Params params;
  params.epochs = 1;
  params.steps = f.steps;
  params.samples = data->n;
  params.verbose = verbose;
  params.metrics = compiled_->names;
  for (auto& cb : cbs) {
    cb->set_model(this);
    cb->set_params(params);
  }
  Logs logs = run_evaluation(f, cbs);
  for (auto& cb : cbs) cb->set_model(nullptr);
  return logs;
}

Logs Model::evaluate_logs(BatchSource& source, int64_t steps, int verbose) {
  Batch first = source.next();
  if (first.x.empty()) throw InvalidArgument("evaluate(): the batch source gave no data");
  check_compiled_and_built(shapes_of(first.x));
  auto pending = std::make_shared<std::optional<Batch>>(std::move(first));
  Feeder f;
  f.steps = steps > 0 ? steps : source.size();
  f.next = [this, &source, pending](std::vector<Tensor>& feeds, int64_t& m, bool& weighted) {
    Batch b;
    if (pending->has_value()) {
      b = std::move(**pending);
      pending->reset();
    } else {
      b = source.next();
    }
    if (b.x.empty()) return false;
    Feeds fd = prepare(b.x, &b.y, &b.sample_weight, nullptr, "evaluate (batch source)");
    feeds = fd.x;
    for (const Tensor& t : fd.y) feeds.push_back(t);
    if (fd.sample_weight.valid()) feeds.push_back(fd.sample_weight);
    m = fd.n;
    weighted = fd.sample_weight.valid();
    return true;
  };
  std::vector<std::shared_ptr<callbacks::Callback>> cbs;
  if (verbose) {
    cbs.push_back(std::make_shared<callbacks::ProgbarLogger>());
    callbacks::Params params;
    params.steps = f.steps;
    params.verbose = verbose;
    params.metrics = compiled_->names;
    cbs[0]->set_model(this);
    cbs[0]->set_params(params);
  }
  Logs logs = run_evaluation(f, cbs);
  for (auto& cb : cbs) cb->set_model(nullptr);
  return logs;
}

std::vector<double> Model::evaluate(const Data& x, const Data& y, EvaluateOptions o) {
  Logs logs = evaluate_logs(x, y, std::move(o));
  std::vector<double> out;
  for (const std::string& n : compiled_->names) out.push_back(logs.at(n));
  return out;
}

Data Model::predict(const Data& x, PredictOptions o) {
  if (o.batch_size <= 0) {
    throw InvalidArgument(
        str_cat("predict(): `batch_size` must be positive, received ", o.batch_size));
  }
  if (!built()) {
    std::vector<Shape> shapes;
    for (const Tensor& t : x.tensors()) shapes.push_back(t.shape());
    build_from_data(shapes);
  }
  Feeds data = prepare(x, nullptr, nullptr, nullptr, "predict");
  Session& s = session();
  std::vector<Output> outs;
  for (const KerasTensor& t : outputs_) outs.push_back(t.output());
  std::vector<Output> feeds;
  for (const KerasTensor& t : inputs_) feeds.push_back(t.output());
  Callable fn = s.make_callable(feeds, outs);
  const int verbose = o.verbose < 0 ? 1 : o.verbose;
  std::vector<std::shared_ptr<callbacks::Callback>> cbs = callback_ptrs(o.callbacks);
  if (verbose) cbs.push_back(std::make_shared<callbacks::ProgbarLogger>());
  const int64_t num_batches = (data.n + o.batch_size - 1) / o.batch_size;
  const int64_t steps = o.steps > 0 ? std::min(o.steps, num_batches) : num_batches;
  callbacks::Params params;
  params.epochs = 1;
  params.steps = steps;
  params.samples = data.n;
  params.verbose = verbose;
  for (auto& cb : cbs) {
    cb->set_model(this);
    cb->set_params(params);
  }
  Logs logs;
  for (auto& cb : cbs) cb->on_predict_begin(logs);
  std::vector<Tensor> result;
  const int64_t total = std::min(data.n, steps * o.batch_size);
  for (int64_t step = 0; step < steps; ++step) {
    const int64_t b = step * o.batch_size;
    const int64_t e = std::min(b + o.batch_size, data.n);
    Logs bl;
    for (auto& cb : cbs) cb->on_predict_batch_begin(step, bl);
    std::vector<Tensor> ys = fn(batch_feeds(data.x, {}, Tensor(), nullptr, b, e));
    if (result.empty()) {
      for (const Tensor& t : ys) {
        std::vector<int64_t> dims = t.shape().dims();
        dims[0] = total;
        result.emplace_back(t.dtype(), Shape(dims));
      }
    }
    for (size_t i = 0; i < ys.size(); ++i) {
      const size_t row = ys[i].num_bytes() / static_cast<size_t>(e - b);
      std::memcpy(static_cast<char*>(result[i].raw_data()) + static_cast<size_t>(b) * row,
                  ys[i].raw_data(), ys[i].num_bytes());
    }
    for (auto& cb : cbs) cb->on_predict_batch_end(step, bl);
  }
  for (auto& cb : cbs) cb->on_predict_end(logs);
  for (auto& cb : cbs) cb->set_model(nullptr);
  return Data(result);
}

std::vector<double> Model::train_on_batch(const Data& x, const Data& y, BatchOptions o) {
  if (!compiled_) {
    throw FailedPrecondition(
        str_cat("You must call `compile()` before using the model \"", name_, "\"."));
  }
  if (!built()) {
    std::vector<Shape> shapes;
    for (const Tensor& t : x.tensors()) shapes.push_back(t.shape());
    build_from_data(shapes);
  }
  ensure_training_graph();
  Feeds f = prepare(x, &y, &o.sample_weight, &o.class_weight, "train_on_batch");
  const bool weighted = f.sample_weight.valid();
  if (weighted) build_training_graph(true);
  Compiled& c = *compiled_;
  Compiled::Variant& v = weighted ? c.weighted : c.plain;
  std::vector<Tensor> outs = v.train(batch_feeds(f.x, f.y, f.sample_weight, nullptr, 0, f.n));
  Running r;
  r.reset(c.names.size(), c.state_metrics);
  accumulate(r, outs, c.num_output_losses, c.count_of, f.n);
  std::vector<double> out;
  for (size_t i = 0; i < c.names.size(); ++i) out.push_back(r.result(i));
  return out;
}

std::vector<double> Model::test_on_batch(const Data& x, const Data& y, BatchOptions o) {
  if (!compiled_) {
    throw FailedPrecondition(
        str_cat("You must call `compile()` before using the model \"", name_, "\"."));
  }
  ensure_training_graph();
  Feeds f = prepare(x, &y, &o.sample_weight, &o.class_weight, "test_on_batch");
  const bool weighted = f.sample_weight.valid();
  if (weighted) build_training_graph(true);
  Compiled& c = *compiled_;
  Compiled::Variant& v = weighted ? c.weighted : c.plain;
  std::vector<Tensor> outs = v.eval(batch_feeds(f.x, f.y, f.sample_weight, nullptr, 0, f.n));
  Running r;
  r.reset(c.names.size(), c.state_metrics);
  accumulate(r, outs, c.num_output_losses, c.count_of, f.n);
  std::vector<double> out;
  for (size_t i = 0; i < c.names.size(); ++i) out.push_back(r.result(i));
  return out;
}

Data Model::predict_on_batch(const Data& x) {
  Feeds f = prepare(x, nullptr, nullptr, nullptr, "predict_on_batch");
  std::vector<Output> outs, feeds;
  for (const KerasTensor& t : outputs_) outs.push_back(t.output());
  for (const KerasTensor& t : inputs_) feeds.push_back(t.output());
  Callable fn = session().make_callable(feeds, outs);
  return Data(fn(f.x));
}

}  // namespace dl::keras
