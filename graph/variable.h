#pragma once
/// dl::Variable: tf.Variable. A VariableV2 node whose value lives in the Session, an Assign
/// initializer, and the collections it belongs to. Converts to Output, so W can be used
/// directly: matmul(x, W).
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl {

struct VariableOptions {
  bool trainable = true;
  std::string name = "Variable";
  /// Collections besides the defaults (GLOBAL_VARIABLES, and TRAINABLE_VARIABLES if trainable).
  std::vector<std::string> collections = {};
};

class Variable {
 public:
  Variable() = default;
  /// tf.Variable(initial_value, trainable, name). The shape and dtype are the initial value's,
  /// which must be fully defined.
  explicit Variable(Output initial_value, VariableOptions opts = {});
  /// Wraps an existing VariableV2 node.
  static Variable from_node(Node* var);

  Output value() const { return node_->output(0); }
  operator Output() const { return value(); }  // NOLINT(google-explicit-constructor)
  Node* op() const { return node_; }
  Node* initializer() const;
  Output initial_value() const;
  bool trainable() const;
  const std::string& name() const { return node_->name(); }
  const Shape& shape() const { return value().shape(); }
  DType dtype() const { return value().dtype(); }

  /// var.assign(v), assign_add, assign_sub: ops that update the variable and output its new
  /// value.
  Output assign(Output v, const std::string& name = "Assign") const;
  Output assign_add(Output v, const std::string& name = "AssignAdd") const;
  Output assign_sub(Output v, const std::string& name = "AssignSub") const;

  bool operator==(const Variable& o) const { return node_ == o.node_; }

 private:
  Node* node_ = nullptr;
};

/// Variables in GLOBAL_VARIABLES / TRAINABLE_VARIABLES, in creation order.
std::vector<Variable> global_variables(const Graph& g);
std::vector<Variable> trainable_variables(const Graph& g);
/// tf.variables_initializer / tf.global_variables_initializer: a NoOp that runs the initializers.
Node* variables_initializer(Graph& g, const std::vector<Variable>& vars,
                            const std::string& name = "init");
Node* global_variables_initializer(Graph& g);

}  // namespace dl
