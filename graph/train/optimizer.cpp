#include "dl/graph/train/optimizer.h"

#include <algorithm>

#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::train {
namespace {

// Clears the name scope for its lifetime: slot names do not depend on the caller's scope.
class TopLevelScope {
 public:
  explicit TopLevelScope(Graph& g) : g_(g) { g_.push_name_scope(""); }
  ~TopLevelScope() { g_.pop_name_scope(); }
  TopLevelScope(const TopLevelScope&) = delete;
  TopLevelScope& operator=(const TopLevelScope&) = delete;

 private:
  Graph& g_;
};

std::string names_of(const std::vector<GradAndVar>& gv) {
  std::string s = "[";
  for (size_t i = 0; i < gv.size(); ++i) s += (i ? ", '" : "'") + gv[i].second.name() + "'";
  return s + "]";
}

}  // namespace

Optimizer::Optimizer(std::string name) : name_(std::move(name)) {
  DL_CHECK(!name_.empty(), "Optimizer: the name must not be empty");
}

Graph& Optimizer::graph() const {
  DL_CHECK(graph_ != nullptr, "Optimizer '", name_, "' has not been used with a graph yet");
  return *graph_;
}

std::vector<GradAndVar> Optimizer::compute_gradients(Output loss, std::vector<Variable> var_list) {
  DL_CHECK(loss.node != nullptr, "Optimizer '", name_, "': compute_gradients needs a loss");
  if (!is_floating(loss.dtype())) {
    throw InvalidArgument(str_cat("Optimizer '", name_, "': the loss '", loss.name(),
                                  "' must be float32 or float64, received ", name(loss.dtype())));
  }
  if (var_list.empty()) var_list = trainable_variables(loss.graph());
  if (var_list.empty()) {
    throw InvalidArgument(str_cat("Optimizer '", name_,
                                  "': no variables to optimize (the graph "
                                  "of '",
                                  loss.name(), "' has no trainable variables)"));
  }
  std::vector<Output> xs;
  for (const Variable& v : var_list) xs.push_back(v.value());
  std::vector<Grad> grads = gradients_sparse({loss}, xs);
  std::vector<GradAndVar> out;
  for (size_t i = 0; i < var_list.size(); ++i) out.emplace_back(grads[i], var_list[i]);
  return out;
}

Node* Optimizer::apply_gradients(const std::vector<GradAndVar>& grads_and_vars,
                                 std::optional<Variable> global_step, const std::string& name) {
  DL_CHECK(!grads_and_vars.empty(), "Optimizer '", name_, "': apply_gradients: no variables given");
  std::vector<Variable> var_list;
  for (const auto& [g, v] : grads_and_vars) {
    DL_CHECK(v.op() != nullptr, "Optimizer '", name_, "': apply_gradients: an empty variable");
    if (graph_ == nullptr) graph_ = &v.op()->graph();
    DL_CHECK(&v.op()->graph() == graph_, "Optimizer '", name_, "': variable '", v.name(),
             "' belongs to another graph than the variables it was first used with");
    if (!g) continue;
    const Output values = g.is_sparse() ? g.sparse->values : g.dense;
    if (values.dtype() != v.dtype()) {
      throw InvalidArgument(str_cat("Optimizer '", name_, "': the gradient of '", v.name(),
                                    "' has dtype ", dl::name(values.dtype()),
                                    " but the variable is ", dl::name(v.dtype())));
    }
    if (!g.is_sparse() && !values.shape().compatible_with(v.shape())) {
      throw InvalidArgument(str_cat("Optimizer '", name_, "': the gradient of '", v.name(),
                                    "' has shape ", values.shape().to_string(),
                                    " but the variable is ", v.shape().to_string()));
    }
    var_list.push_back(v);
  }
  if (var_list.empty()) {
    throw InvalidArgument(
        str_cat("Optimizer '", name_,
                "': no gradients provided for any variable: ", names_of(grads_and_vars)));
  }
  Graph& g = *graph_;
  {
    InitScope init_scope(g);
    TopLevelScope top(g);
    create_slots(var_list);
  }
  std::vector<Node*> update_ops;
  const std::string scope = g.push_name_scope(name.empty() ? name_ : name);
  Node* apply_updates = nullptr;
  try {
    hyper_tensors_.clear();
    for (const auto& [grad, var] : grads_and_vars) {
      if (!grad) continue;
      NameScope update(g, "update_" + var.name());
      update_ops.push_back(grad.is_sparse() ? apply_sparse(*grad.sparse, var)
                                            : apply_dense(grad.dense, var));
    }
    if (!global_step) {
      apply_updates = finish(update_ops, scope);
    } else {
      Node* done = finish(update_ops, "update");
      ControlDependencies after(g, {done});
      Output one = ops::scalar(g, 1.0, global_step->dtype(), "value");
      apply_updates = global_step->assign_add(one, scope).node;
    }
  } catch (...) {
    g.pop_name_scope();
    throw;
  }
  g.pop_name_scope();
  hyper_tensors_.clear();
  g.add_to_collection(GraphKeys::TRAIN_OP, apply_updates);
  return apply_updates;
}

Node* Optimizer::minimize(Output loss, std::optional<Variable> global_step,
                          std::vector<Variable> var_list, const std::string& name) {
  std::vector<GradAndVar> gv = compute_gradients(loss, std::move(var_list));
  const bool any =
      std::any_of(gv.begin(), gv.end(), [](const GradAndVar& p) { return bool(p.first); });
  if (!any) {
    throw InvalidArgument(str_cat(
        "Optimizer '", name_,
        "': no gradients provided for any variable, check your graph for ops that do not support "
        "gradients, between variables ",
        names_of(gv), " and loss '", loss.name(), "'"));
  }
  return apply_gradients(gv, global_step, name);
}

Node* Optimizer::finish(const std::vector<Node*>& update_ops, const std::string& name) {
  return ops::group(graph(), update_ops, name);
}

void Optimizer::set_hyper(const std::string& name, Hyper value) {
  for (auto& [n, h] : hypers_) {
    if (n == name) {
      h = value;
      return;
    }
  }
  hypers_.emplace_back(name, value);
}

Output Optimizer::hyper(const std::string& name, DType dtype) {
  auto key = std::make_pair(name, dtype);
  auto it = hyper_tensors_.find(key);
  if (it != hyper_tensors_.end()) return it->second;
  const Hyper* h = nullptr;
  for (const auto& [n, v] : hypers_) {
    if (n == name) h = &v;
  }
  DL_ASSERT(h != nullptr);
  Output t;
  if (h->is_tensor()) {
    t = h->tensor();
    if (t.shape().rank() != 0) {
      throw InvalidArgument(str_cat("Optimizer '", name_, "': hyperparameter ", name, " ('",
                                    t.name(), "') must be a scalar, received ",
                                    t.spec().to_string()));
    }
    t = ops::cast(t, dtype);  // TF1 casts to the variable's dtype (no-op when equal)
  } else {
    // TF1 makes a float32 tensor of the number and casts it to the variable's dtype.
    const double v = static_cast<double>(static_cast<float>(h->value()));
    t = ops::scalar(graph(), v, dtype,
                    dtype == DType::f32 ? name : name + "_" + std::string(dl::name(dtype)));
  }
  hyper_tensors_.emplace(key, t);
  return t;
}

Variable Optimizer::get_or_make_slot(const Variable& var, const Initializer& init,
                                     const std::string& slot_name) {
  auto& per_var = slots_[slot_name];
  if (std::find(slot_names_.begin(), slot_names_.end(), slot_name) == slot_names_.end()) {
    slot_names_.push_back(slot_name);
  }
  auto it = per_var.find(var.op()->id());
  if (it != per_var.end()) return it->second;
  Graph& g = var.op()->graph();
  InitScope init_scope(g);
  TopLevelScope top(g);
  const std::string full = g.unique_name(var.name() + "/" + name_, false);
  Variable slot = get_variable(g, full, var.shape(),
                               {.dtype = var.dtype(), .initializer = init, .trainable = false});
  per_var.emplace(var.op()->id(), slot);
  return slot;
}

Variable Optimizer::get_or_make_non_slot(const std::string& name,
                                         const std::function<Output(Graph&)>& initial) {
  auto it = non_slots_.find(name);
  if (it != non_slots_.end()) return it->second;
  DL_ASSERT(initial != nullptr);
  Graph& g = graph();
  InitScope init_scope(g);
  const std::string full = g.unique_name(g.current_name_scope() + name, false);
  Output init;
  {
    NameScope scope(g, full + "/");
    init = initial(g);
  }
  Variable v(init, {.trainable = false, .name = name});
  DL_ASSERT(v.name() == full);
  non_slots_.emplace(name, v);
  return v;
}

Variable Optimizer::get_slot(const Variable& var, const std::string& name) const {
  auto it = slots_.find(name);
  if (it != slots_.end()) {
    auto jt = it->second.find(var.op()->id());
    if (jt != it->second.end()) return jt->second;
  }
  std::string known;
  for (const std::string& s : slot_names_) known += (known.empty() ? "" : ", ") + s;
  throw NotFound(str_cat("Optimizer '", name_, "' has no slot '", name, "' for variable '",
                         var.name(), "' (its slots: ", known.empty() ? "none" : known, ")"));
}

std::vector<std::string> Optimizer::get_slot_names() const {
  std::vector<std::string> out = slot_names_;
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Variable> Optimizer::variables() const {
  std::vector<Variable> out;
  for (const auto& [n, v] : non_slots_) out.push_back(v);
  for (const auto& [n, per_var] : slots_) {
    for (const auto& [id, v] : per_var) out.push_back(v);
  }
  std::sort(out.begin(), out.end(),
            [](const Variable& a, const Variable& b) { return a.name() < b.name(); });
  return out;
}

}  // namespace dl::train
