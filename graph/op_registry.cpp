#include "dl/graph/op_registry.h"

#include <mutex>

namespace dl {

OpRegistry& OpRegistry::global() {
  static OpRegistry* reg = [] {
    auto* r = new OpRegistry();
    register_builtin_ops(*r);
    return r;
  }();
  return *reg;
}

void register_builtin_ops(OpRegistry& r) {
  register_state_ops(r);
  register_math_ops(r);
  register_array_ops(r);
  register_reduce_ops(r);
  register_random_ops(r);
  register_nn_ops(r);
  register_conv_ops(r);
  register_loss_ops(r);
  register_gather_ops(r);
  register_optimizer_ops(r);
}

void OpRegistry::add(OpDef def) {
  DL_CHECK(!ops_.count(def.name), "op '", def.name, "' is registered twice");
  std::string n = def.name;
  ops_.emplace(std::move(n), std::make_unique<OpDef>(std::move(def)));
}

const OpDef* OpRegistry::find(const std::string& name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

const OpDef& OpRegistry::lookup(const std::string& name) const {
  const OpDef* op = find(name);
  if (!op) throw NotFound(str_cat("op type '", name, "' is not registered"));
  return *op;
}

std::vector<std::string> OpRegistry::op_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : ops_) out.push_back(k);
  return out;
}

std::vector<std::string> OpRegistry::validate() const {
  std::vector<std::string> problems;
  for (const auto& [name, op] : ops_) {
    if (!op->infer_fn) problems.push_back(str_cat(name, ": no shape function"));
    if (!op->reference_factory) problems.push_back(str_cat(name, ": no reference kernel"));
    if (op->differentiable && !op->grad_fn) {
      problems.push_back(str_cat(name, ": differentiable but has no gradient"));
    }
  }
  return problems;
}

}  // namespace dl
