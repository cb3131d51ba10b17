#pragma once
/// KernelRegistry: for each op, the fast implementations in priority order. The op's
/// reference kernel (from its OpDef) is always the last resort. Selection happens once per plan
/// specialisation; DL_VERBOSE>=1 logs each choice and why the skipped ones declined.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dl/kernels/kernel.h"

namespace dl {

struct OpDef;

struct KernelChoice {
  std::unique_ptr<Kernel> kernel;
  std::string impl_name;  ///< "onednn:conv2d" or "ref:Conv2D"
  std::string skipped;    ///< "onednn:x (reason); ..." for the impls that declined
};

class KernelRegistry {
 public:
  /// The process-wide registry, filled by register_builtin_kernels on first use.
  static KernelRegistry& global();

  void add(const std::string& op, KernelImpl impl);
  const std::vector<KernelImpl>& impls(const std::string& op) const;
  /// Picks the first implementation that accepts `key`, else the op's reference kernel.
  KernelChoice select(const OpDef& op, const KernelKey& key) const;
  /// Turns fast kernels off (only reference kernels), e.g. for parity tests.
  void set_reference_only(bool on) { reference_only_ = on; }
  bool reference_only() const { return reference_only_; }
  std::vector<std::string> ops_with_impls() const;

 private:
  std::map<std::string, std::vector<KernelImpl>> impls_;
  bool reference_only_ = false;
};

/// Registers every fast kernel (kernels/register_kernels.cpp).
void register_builtin_kernels(KernelRegistry& r);

}  // namespace dl
