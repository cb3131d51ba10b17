#include "dl/kernels/kernel_registry.h"

#include "dl/graph/op_def.h"

namespace dl {

KernelRegistry& KernelRegistry::global() {
  static KernelRegistry* reg = [] {
    auto* r = new KernelRegistry();
    register_builtin_kernels(*r);
    return r;
  }();
  return *reg;
}

void KernelRegistry::add(const std::string& op, KernelImpl impl) {
  impls_[op].push_back(std::move(impl));
}

const std::vector<KernelImpl>& KernelRegistry::impls(const std::string& op) const {
  static const std::vector<KernelImpl> none;
  auto it = impls_.find(op);
  return it == impls_.end() ? none : it->second;
}

std::vector<std::string> KernelRegistry::ops_with_impls() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : impls_) out.push_back(k);
  return out;
}

KernelChoice KernelRegistry::select(const OpDef& op, const KernelKey& key) const {
  KernelChoice choice;
  if (!reference_only_) {
    for (const KernelImpl& impl : impls(op.name)) {
      std::optional<std::string> why =
          impl.unsupported_reason ? impl.unsupported_reason(key) : std::nullopt;
      if (!why) {
        choice.kernel = impl.create(key);
        choice.impl_name = impl.name;
        return choice;
      }
      if (!choice.skipped.empty()) choice.skipped += "; ";
      choice.skipped += str_cat(impl.name, " (", *why, ")");
    }
  }
  DL_ASSERT(op.reference_factory);
  choice.kernel = op.reference_factory(key);
  choice.impl_name = "ref:" + op.name;
  return choice;
}

}  // namespace dl
