#include "dl/tools/parity_check/lib/structure.h"

#include <algorithm>
#include <functional>
#include <map>

#include "dl/graph/op_def.h"

namespace dl::parity {
namespace {

bool is_activation(const std::string& t) {
  static const std::set<std::string> acts = {"Relu",     "Relu6",     "Tanh",      "Sigmoid",
                                             "Softmax",  "Elu",       "Selu",      "Softplus",
                                             "Softsign", "LeakyRelu", "LogSoftmax"};
  return acts.count(t) != 0;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string ints(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

std::string shape_of(const Variable& v) { return v.shape().to_string(); }

// Follows Identity-like ops back from `o`.
Output skip_identity(Output o) {
  while (o.node->type() == "Identity" || o.node->type() == "StopGradient") o = o.node->input(0);
  return o;
}

std::vector<const Node*> sorted(const std::set<const Node*>& s) {
  std::vector<const Node*> v(s.begin(), s.end());
  std::sort(v.begin(), v.end(), [](const Node* a, const Node* b) { return a->id() < b->id(); });
  return v;
}

std::string pool_detail(const Node* n) {
  const auto k = attr_or<std::vector<int64_t>>(n, "ksize", {});
  const auto s = attr_or<std::vector<int64_t>>(n, "strides", {});
  const std::string pad = attr_or<std::string>(n, "padding", "VALID");
  std::string d = n->type() == "MaxPool" ? "max " : "avg ";
  if (k.size() == 4) d += std::to_string(k[1]) + "x" + std::to_string(k[2]);
  if (s.size() == 4) d += " stride " + std::to_string(s[1]) + "x" + std::to_string(s[2]);
  return d + " " + pad;
}

}  // namespace

std::set<const Node*> ancestors(const std::vector<const Node*>& outs, bool control) {
  std::set<const Node*> seen;
  std::vector<const Node*> stack;
  for (const Node* n : outs) {
    if (n && seen.insert(n).second) stack.push_back(n);
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Output& in : n->inputs()) {
      if (seen.insert(in.node).second) stack.push_back(in.node);
    }
    if (control) {
      for (const Node* c : n->control_inputs()) {
        if (seen.insert(c).second) stack.push_back(c);
      }
    }
  }
  return seen;
}

const Node* resolve_variable(Output o) {
  for (int guard = 0; guard < 16 && o.node; ++guard) {
    const std::string& t = o.node->type();
    if (t == "VariableV2") return o.node;
    if (t == "Identity" || t == "Cast" || t == "ExpandDims" || t == "Reshape" ||
        t == "StopGradient") {
      o = o.node->input(0);
      continue;
    }
    return nullptr;
  }
  return nullptr;
}

const Variable* Layer::var(const std::string& role) const {
  for (const auto& v : vars) {
    if (v.role == role) return &v.var;
  }
  return nullptr;
}

std::string Layer::summary() const {
  std::string s = kind;
  if (const Variable* k = var("kernel")) s += " " + shape_of(*k);
  if (kind == "batch_norm" && var("gamma")) s += " " + shape_of(*var("gamma"));
  for (const auto& [k, v] : attrs) {
    if (k == "padding" || k == "strides") s += " " + k + "=" + v;
  }
  if (!activation.empty()) s += " " + activation;
  for (const Stage& st : post) s += " | " + st.kind + (st.detail.empty() ? "" : " " + st.detail);
  return s;
}

std::string Head::summary() const {
  std::string s = function + " on " + input + ", " + reduction;
  if (!clipping.empty()) s += ", clipped (" + clipping + ")";
  for (const auto& t : extra_terms) s += ", + " + t;
  return s;
}

namespace {

Forward analyze_forward(const TrainingProgram& p) {
  Forward f;
  const std::set<const Node*> anc = ancestors({p.predictions.node});
  std::set<const Node*> desc;
  {
    std::vector<const Node*> stack{p.input.node};
    desc.insert(p.input.node);
    while (!stack.empty()) {
      const Node* n = stack.back();
      stack.pop_back();
      for (const Node* c : n->consumers()) {
        if (desc.insert(c).second) stack.push_back(c);
      }
    }
  }
  std::vector<const Node*> main;
  for (const Node* n : sorted(anc)) {
    if (n != p.input.node && desc.count(n)) main.push_back(n);
  }

  std::map<const Node*, int> var_layer;
  const std::set<const Node*> loss_path = ancestors({p.loss.node});
  int cur = -1;
  // A layer's weights used again (Keras's training-mode replay of the layers after a Dropout or
  // BatchNormalization): the stages that follow that use repeat the ones already recorded, and
  // are recorded only where the branch has a stage of its own (a dropout).
  std::map<int, size_t> replay_at;
  auto add_stage = [&](Stage st) {
    if (cur < 0) {
      f.input_stages.push_back(std::move(st));
      return;
    }
    std::vector<Stage>& post = f.layers[static_cast<size_t>(cur)].post;
    auto it = replay_at.find(cur);
    if (it == replay_at.end()) {
      post.push_back(std::move(st));
      return;
    }
    size_t& at = it->second;
    if (at < post.size() && post[at].kind == st.kind && post[at].detail == st.detail) {
      ++at;
      return;
    }
    post.insert(post.begin() + static_cast<std::ptrdiff_t>(at), std::move(st));
    ++at;
  };
  auto start_layer = [&](const Node* n, std::string kind,
                         std::vector<std::pair<std::string, const Node*>> vars) -> bool {
    for (const auto& [role, v] : vars) {
      auto it = var_layer.find(v);
      if (it != var_layer.end()) {
        // A second use of a layer's weights (e.g. an inference branch): same layer, which
        // takes the variables only this use reads (the moving statistics).
        cur = it->second;
        Layer& L = f.layers[static_cast<size_t>(cur)];
        for (const auto& [r2, v2] : vars) {
          if (!var_layer.count(v2)) {
            L.vars.push_back({r2, Variable::from_node(const_cast<Node*>(v2))});
            var_layer[v2] = cur;
          }
        }
        // The replay compares the branch the loss is computed on.
        if (loss_path.count(n) && !loss_path.count(L.pre_activation.node))
          L.pre_activation = n->output(0);
        replay_at[cur] = 0;
        L.output = n->output(0);
        return false;
      }
    }
    Layer L;
    L.kind = std::move(kind);
    L.weight_node = n;
    for (const auto& [role, v] : vars) {
      L.vars.push_back({role, Variable::from_node(const_cast<Node*>(v))});
    }
    L.pre_activation = n->output(0);
    L.output = n->output(0);
    f.layers.push_back(std::move(L));
    cur = static_cast<int>(f.layers.size()) - 1;
    for (const auto& [role, v] : vars) var_layer[v] = cur;
    return true;
  };

  // The layer each node on the path belongs to: a stage follows the layer of its input, so that
  // a second forward branch (Keras's training-mode replay after a Dropout) places its stages
  // after the layer they follow, not after the last layer seen.
  std::map<const Node*, int> node_layer;
  struct Record {
    std::map<const Node*, int>& m;
    const Node* n;
    const int& cur;
    ~Record() { m[n] = cur; }
  };
  for (const Node* n : main) {
    const std::string& t = n->type();
    const Record record{node_layer, n, cur};
    for (int i = t == "SelectV2" ? 1 : 0; i < n->num_inputs(); ++i) {
      auto it = node_layer.find(n->input(i).node);
      if (it != node_layer.end()) {
        cur = it->second;
        break;
      }
    }
    Layer* L = cur >= 0 ? &f.layers[static_cast<size_t>(cur)] : nullptr;
    if (t == "MatMul") {
      const Node* w = resolve_variable(n->input(1));
      if (!w) w = resolve_variable(n->input(0));
      if (w) {
        if (start_layer(n, "dense", {{"kernel", w}})) {
          Layer& N = f.layers.back();
          N.attrs.emplace_back("units", std::to_string(n->output_specs()[0].shape.dim(1)));
          if (attr_or<bool>(n, "transpose_b", false)) N.attrs.emplace_back("transpose_b", "true");
        }
        continue;
      }
    } else if (t == "Conv2D") {
      const Node* w = resolve_variable(n->input(1));
      if (w) {
        const bool is_1d = n->input(1).node->type() == "ExpandDims";
        if (start_layer(n, is_1d ? "conv1d" : "conv2d", {{"kernel", w}})) {
          Layer& N = f.layers.back();
          const auto s = attr_or<std::vector<int64_t>>(n, "strides", {1, 1, 1, 1});
          const auto d = attr_or<std::vector<int64_t>>(n, "dilations", {1, 1, 1, 1});
          N.attrs.emplace_back("strides", ints(is_1d ? std::vector<int64_t>{s[2]}
                                                     : std::vector<int64_t>{s[1], s[2]}));
          N.attrs.emplace_back("padding", attr_or<std::string>(n, "padding", "VALID"));
          if (d != std::vector<int64_t>{1, 1, 1, 1}) N.attrs.emplace_back("dilations", ints(d));
        }
        continue;
      }
    } else if (t == "GatherV2") {
      if (const Node* w = resolve_variable(n->input(0))) {
        start_layer(n, "embedding", {{"kernel", w}});
        continue;
      }
    } else if (t == "FusedBatchNormV3") {
      std::vector<std::pair<std::string, const Node*>> vars;
      const char* roles[] = {"", "gamma", "beta", "moving_mean", "moving_variance"};
      for (int i = 1; i < 5 && i < n->num_inputs(); ++i) {
        if (const Node* v = resolve_variable(n->input(i))) vars.emplace_back(roles[i], v);
      }
      if (start_layer(n, "batch_norm", vars)) {
        f.layers.back().attrs.emplace_back("epsilon",
                                           std::to_string(attr_or<double>(n, "epsilon", 0.001)));
      }
      continue;
    } else if (t == "BiasAdd" || t == "Add" || t == "AddV2" || t == "Mul") {
      const Node* v = nullptr;
      for (int i = 0; i < n->num_inputs() && !v; ++i) v = resolve_variable(n->input(i));
      if (v && L && !var_layer.count(v)) {
        const std::string role = t == "Mul" ? "scale" : "bias";
        if (!L->var(role) && L->post.empty() && L->activation.empty()) {
          L->vars.push_back({role, Variable::from_node(const_cast<Node*>(v))});
          var_layer[v] = cur;
          L->pre_activation = n->output(0);
          L->output = n->output(0);
          if (role == "bias" && t != "BiasAdd") L->attrs.emplace_back("bias_op", "Add");
          continue;
        }
      }
      if (v && var_layer.count(v)) {
        if (L && L->pre_activation.node == n->input(0).node) L->pre_activation = n->output(0);
        if (L) L->output = n->output(0);
        continue;  // part of a layer already seen
      }
    } else if (is_activation(t)) {
      // The same layer's activation in a second forward branch.
      if (L && replay_at.count(cur) && replay_at[cur] == 0 && L->activation == lower(t)) continue;
      const bool after_selects_only =
          L && std::all_of(L->post.begin(), L->post.end(),
                           [](const Stage& st) { return st.kind == "select"; });
      if (L && L->activation.empty() && after_selects_only) {
        L->activation = lower(t);
        L->output = n->output(0);
        continue;
      }
      add_stage({"activation", lower(t), n});
      if (L) L->output = n->output(0);
      continue;
    } else if (t == "Identity" || t == "Cast" || t == "ExpandDims" || t == "Squeeze" ||
               t == "StopGradient") {
      if (L) L->output = n->output(0);
      continue;
    }
    Stage st{"op", t, n};
    if (t == "MaxPool" || t == "AvgPool") {
      st = {"pool", pool_detail(n), n};
    } else if (t == "Reshape" || t == "ReshapeLike") {
      st = {"reshape",
            n->input(0).shape().to_string() + " -> " + n->output_specs()[0].shape.to_string(), n};
    } else if (t == "Transpose") {
      st = {"transpose", ints(attr_or<std::vector<int64_t>>(n, "perm", {})), n};
    } else if (t == "Dropout") {
      st = {"dropout", "rate " + std::to_string(attr_or<double>(n, "rate", 0.5)).substr(0, 5), n};
    } else if (t == "SelectV2") {
      const bool flag = p.training_flag && skip_identity(n->input(0)).node == p.training_flag.node;
      st = {"select", flag ? "on the training flag" : "on " + n->input(0).node->name(), n};
    }
    add_stage(std::move(st));
    if (L) L->output = n->output(0);
  }

  // The model output's activation (softmax/sigmoid on the logits) belongs to the head.
  const Node* out = skip_identity(p.predictions).node;
  // Through a selection between a training and an inference branch (both end alike).
  while (out->type() == "SelectV2" && p.training_flag &&
         skip_identity(out->input(0)).node == p.training_flag.node) {
    out = skip_identity(out->input(2)).node;
  }
  auto only_selects = [](const std::vector<Stage>& post) {
    return std::all_of(post.begin(), post.end(),
                       [](const Stage& st) { return st.kind == "select"; });
  };
  if ((out->type() == "Softmax" || out->type() == "Sigmoid") && !f.layers.empty()) {
    Layer& last = f.layers.back();
    if (!last.post.empty() && last.post.back().node == out) {
      last.post.pop_back();
      f.output_activation = lower(out->type());
    } else if (last.activation == lower(out->type()) && only_selects(last.post)) {
      last.activation.clear();
      f.output_activation = lower(out->type());
    }
    if (!f.output_activation.empty()) last.output = p.logits ? p.logits : last.pre_activation;
  }
  for (const Variable& v : p.trainable) {
    if (!var_layer.count(v.op())) f.unplaced.push_back(v);
  }
  return f;
}

Head analyze_head(const TrainingProgram& p) {
  Head h;
  const std::set<const Node*> model = ancestors({p.logits.node, p.labels.node});
  const std::set<const Node*> all = ancestors({p.loss.node});
  std::set<const Node*> head_set;
  for (const Node* n : all) {
    if (!model.count(n)) head_set.insert(n);
  }
  const std::vector<const Node*> H = sorted(head_set);
  static const std::map<std::string, std::string> fused = {
      {"SoftmaxCrossEntropyWithLogits", "softmax cross-entropy"},
      {"SparseSoftmaxCrossEntropyWithLogits", "sparse softmax cross-entropy"},
      {"SigmoidCrossEntropyWithLogits", "sigmoid cross-entropy"},
      {"SquaredDifference", "squared error"}};
  for (const Node* n : H) {
    auto it = fused.find(n->type());
    if (it != fused.end()) {
      h.function = it->second;
      h.loss_op = n;
      break;
    }
  }
  if (!h.loss_op) {
    for (const Node* n : H) {
      if (n->type() == "Log") {
        h.function = "cross-entropy written with log()";
        h.loss_op = n;
        break;
      }
      if (n->type() == "Square") {
        h.function = "squared error";
        h.loss_op = n;
        break;
      }
    }
  }
  if (!h.loss_op) {
    h.function = "unrecognised";
    h.input = "?";
    h.reduction = "?";
    return h;
  }
  // What feeds it: the model-side input of the loss op.
  Output in;
  for (const Output& i : h.loss_op->inputs()) {
    if (ancestors({i.node}).count(p.logits.node)) {
      in = i;
      break;
    }
  }
  if (!in) in = h.loss_op->input(0);
  Output src = skip_identity(in);
  while (src.node->type() == "ClipByValue" || src.node->type() == "Maximum" ||
         src.node->type() == "Minimum") {
    h.clipping += (h.clipping.empty() ? "" : ", ") + src.node->type();
    src = skip_identity(src.node->input(0));
  }
  if (src.node == p.logits.node) {
    h.input = "logits";
  } else if (src.node->type() == "Softmax") {
    h.input = "softmax probabilities";
    h.input_is_probabilities = true;
  } else if (src.node->type() == "Sigmoid") {
    h.input = "sigmoid probabilities";
    h.input_is_probabilities = true;
  } else if (src.node->type() == "Log") {
    h.input = "logits recovered from probabilities (log(p/(1-p)))";
  } else {
    h.input = "the output of " + src.node->type();
  }
  for (const Node* n : H) {
    if ((n->type() == "ClipByValue" || n->type() == "Maximum" || n->type() == "Minimum") &&
        h.clipping.find(n->type()) == std::string::npos) {
      h.clipping += (h.clipping.empty() ? "" : ", ") + n->type();
    }
  }
  // The chain from the per-element loss to the loss.
  std::map<const Node*, bool> reaches;
  std::function<bool(const Node*)> leads = [&](const Node* n) -> bool {
    if (n == h.loss_op) return true;
    auto it = reaches.find(n);
    if (it != reaches.end()) return it->second;
    reaches[n] = false;
    bool r = false;
    for (const Output& i : n->inputs()) r = leads(i.node) || r;
    reaches[n] = r;
    return r;
  };
  std::vector<std::string> chain;
  const Node* n = p.loss.node;
  while (n && n != h.loss_op) {
    const Node* next = nullptr;
    for (const Output& i : n->inputs()) {
      if (leads(i.node)) {
        if (!next) next = i.node;
      } else if (n->type() == "Add" || n->type() == "AddV2" || n->type() == "AddN") {
        std::string term = i.node->type();
        for (const Node* a : ancestors({i.node})) {
          if (a->type() == "L2Loss") {
            const Node* v = resolve_variable(a->input(0));
            term = "L2Loss(" + (v ? v->name() : a->input(0).name()) + ")";
          }
        }
        h.extra_terms.push_back(term);
      }
    }
    const std::string& t = n->type();
    if (t == "Sum" || t == "Mean") {
      const auto axis = attr_or<std::vector<int64_t>>(n, "axis", {});
      chain.push_back(t + (axis.empty() ? "(all)" : "(axis " + ints(axis) + ")"));
    } else if (t != "Identity" && t != "Cast" && t != "Reshape" && t != "Squeeze" &&
               t != "ExpandDims" && t != "Add" && t != "AddV2" && t != "AddN") {
      chain.push_back(t);
    }
    n = next;
  }
  std::reverse(chain.begin(), chain.end());
  for (size_t i = 0; i < chain.size(); ++i) h.reduction += (i ? " -> " : "") + chain[i];
  if (h.reduction.empty()) h.reduction = "none";
  return h;
}

std::string describe_metric(const TrainingProgram& p, const Output& m) {
  const std::set<const Node*> model = ancestors({p.logits.node});
  const std::set<const Node*> labels = ancestors({p.labels.node});
  std::vector<const Node*> own;
  for (const Node* n : sorted(ancestors({m.node}))) {
    if (!model.count(n) && n != p.labels.node) own.push_back(n);
  }
  int argmax_pred = 0, argmax_label = 0, greater = 0, equal = 0;
  for (const Node* n : own) {
    const std::string& t = n->type();
    if (t == "ArgMax") {
      const auto a = ancestors({n});
      (a.count(p.labels.node) ? argmax_label : argmax_pred)++;
    }
    if (t == "Greater" || t == "GreaterEqual") ++greater;
    if (t == "Equal") ++equal;
  }
  (void)labels;
  const int64_t width = p.predictions.shape().rank() > 1
                            ? p.predictions.shape().dim(p.predictions.shape().rank() - 1)
                            : 1;
  if (equal && argmax_pred && argmax_label) {
    return "categorical accuracy: argmax of the outputs equals argmax of the one-hot labels";
  }
  if (equal && argmax_pred)
    return "sparse categorical accuracy: argmax of the outputs equals the "
           "class id";
  if (equal && greater) {
    return "binary accuracy: each of the " + std::to_string(width) +
           " outputs thresholded and compared with its label, averaged over all outputs";
  }
  std::string s = "computed by";
  for (const Node* n : own) {
    if (n->type() != "Const" && n->type() != "Identity") s += " " + n->type();
  }
  return s;
}

}  // namespace

Structure analyze_structure(const TrainingProgram& p) {
  Structure s;
  s.forward = analyze_forward(p);
  s.head = analyze_head(p);
  for (const auto& m : p.metrics) s.metric_descriptions.push_back(describe_metric(p, m.tensor));

  std::vector<const Node*> targets(p.train_targets.begin(), p.train_targets.end());
  s.train_closure = ancestors(targets, true);
  // The optimizer's update ops.
  std::set<std::string> types;
  for (const Node* n : sorted(s.train_closure)) {
    const std::string& t = n->type();
    if (t.rfind("Apply", 0) != 0 && t.rfind("SparseApply", 0) != 0) continue;
    ApplyInfo a;
    a.node = n;
    a.var = Variable::from_node(n->input(0).node);
    const OpDef& op = n->op();
    for (int i = 1; i < n->num_inputs(); ++i) {
      const std::string& nm = op.input_names[static_cast<size_t>(i)];
      const bool ref =
          std::find(op.ref_inputs.begin(), op.ref_inputs.end(), i) != op.ref_inputs.end();
      if (ref) {
        a.slots.emplace_back(nm, Variable::from_node(n->input(i).node));
      } else if (nm == "grad" || nm == "delta") {
        a.grad = n->input(i);
      } else if (nm != "indices") {
        const std::string name = (nm == "lr" || nm == "alpha") ? "learning_rate" : nm;
        a.hypers.emplace_back(name, n->input(i));
      }
    }
    if (attr_or<bool>(n, "use_nesterov", false)) s.optimizer.nesterov = true;
    types.insert(t.rfind("Sparse", 0) == 0 ? t.substr(6) : t);
    s.optimizer.applies.push_back(std::move(a));
  }
  s.optimizer.op = types.empty() ? "none" : types.size() == 1 ? *types.begin() : "mixed";

  // State the train step writes, and UPDATE_OPS it runs or not.
  std::set<const Node*> updated;
  for (const Node* n : s.train_closure) {
    if (!n->op().ref_inputs.empty() && n->op().ref_inputs[0] == 0 && n->num_inputs() > 0 &&
        n->input(0).node->type() == "VariableV2") {
      if (updated.insert(n->input(0).node).second) {
        s.updates.updated.push_back(Variable::from_node(n->input(0).node));
      }
    }
  }
  std::sort(s.updates.updated.begin(), s.updates.updated.end(),
            [](const Variable& a, const Variable& b) { return a.op()->id() < b.op()->id(); });
  for (const Node* u : p.update_ops) {
    (s.train_closure.count(u) ? s.updates.update_ops_run : s.updates.update_ops_not_run)
        .push_back(u);
  }
  // Non-trainable variables that an op outside initializers updates, but not the train step.
  std::set<const Node*> init_nodes;
  for (const Variable& v : p.variables) {
    if (v.initializer()) init_nodes.insert(v.initializer());
  }
  std::set<const Node*> trainable;
  for (const Variable& v : p.trainable) trainable.insert(v.op());
  std::set<const Node*> stale;
  for (const auto& up : p.graph->nodes()) {
    const Node* n = up.get();
    if (init_nodes.count(n) || n->op().ref_inputs.empty() || n->num_inputs() == 0) continue;
    const Node* v = n->input(0).node;
    if (v->type() != "VariableV2" || trainable.count(v) || updated.count(v)) continue;
    if (stale.insert(v).second)
      s.updates.stale.push_back(Variable::from_node(const_cast<Node*>(v)));
  }
  return s;
}

}  // namespace dl::parity
