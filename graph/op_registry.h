#pragma once
/// OpRegistry: the table of OpDefs, filled by explicit registration functions (no static
/// initialisers), one per op family.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dl/graph/op_def.h"

namespace dl {

class OpRegistry {
 public:
  /// The process-wide registry, with every built-in op registered on first use.
  static OpRegistry& global();

  /// Adds an op; throws InvalidArgument if the name is taken.
  void add(OpDef def);
  /// Throws NotFound naming the op when it is not registered.
  const OpDef& lookup(const std::string& name) const;
  const OpDef* find(const std::string& name) const;
  std::vector<std::string> op_names() const;
  /// Problems with the registry (an op without shape function or reference kernel, a
  /// differentiable op without gradient); empty when all is well.
  std::vector<std::string> validate() const;

 private:
  std::map<std::string, std::unique_ptr<OpDef>> ops_;
};

/// Registers every built-in op family.
void register_builtin_ops(OpRegistry& r);

// One registration function per op family (graph/ops/<family>.cpp).
void register_state_ops(OpRegistry& r);
void register_math_ops(OpRegistry& r);
void register_array_ops(OpRegistry& r);
void register_reduce_ops(OpRegistry& r);
void register_random_ops(OpRegistry& r);
void register_nn_ops(OpRegistry& r);
void register_conv_ops(OpRegistry& r);
void register_loss_ops(OpRegistry& r);
void register_gather_ops(OpRegistry& r);
void register_optimizer_ops(OpRegistry& r);

}  // namespace dl
