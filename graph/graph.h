#pragma once
/// Graph: owns its nodes (append-only), name scopes, control-dependency scopes, collections
/// and the graph-level random seed, like a TF1 tf.Graph.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/graph/node.h"

namespace dl {

/// Collection keys, with TF1's string values (tf.GraphKeys).
namespace GraphKeys {
inline constexpr const char* GLOBAL_VARIABLES = "variables";
inline constexpr const char* TRAINABLE_VARIABLES = "trainable_variables";
inline constexpr const char* UPDATE_OPS = "update_ops";
inline constexpr const char* REGULARIZATION_LOSSES = "regularization_losses";
inline constexpr const char* LOSSES = "losses";
inline constexpr const char* GLOBAL_STEP = "global_step";
inline constexpr const char* TRAIN_OP = "train_op";
inline constexpr const char* LOCAL_VARIABLES = "local_variables";
}  // namespace GraphKeys

/// What the graph knows about a variable besides its node (set by dl::Variable).
struct VariableInfo {
  Node* initializer = nullptr;  ///< the Assign that initialises it
  Output initial_value;
  bool trainable = true;
};

class Graph {
 public:
  Graph();
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  /// Creates a node of registered op `op_type`. The name is `name` (or the op type when
  /// empty) under the current name scope, made unique with "_1", "_2"... Runs the op's shape
  /// function; throws InvalidArgument naming the node, the op and the input specs when the
  /// inputs do not fit. Adds the current control dependencies.
  Node* add_node(const std::string& op_type, const std::string& name, std::vector<Output> inputs,
                 AttrMap attrs = {}, std::vector<Node*> control_inputs = {});

  /// Adds a control input to an existing node (TF's op._add_control_input). The only way to
  /// make a cycle; the Session reports one when a run needs it.
  void add_control_input(Node* node, Node* dep);

  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  Node* node(int id) const { return nodes_[static_cast<size_t>(id)].get(); }
  /// Finds a node by full name; nullptr when absent.
  Node* find_node(const std::string& name) const;
  /// Finds a node or a tensor by "name" or "name:i"; throws NotFound naming what was asked.
  Output tensor_by_name(const std::string& name) const;
  Node* node_by_name(const std::string& name) const;

  // ---- name scopes (tf.name_scope) ----
  /// Pushes a scope; returns the full scope prefix. A name ending in '/' is used as is.
  std::string push_name_scope(const std::string& name);
  void pop_name_scope();
  /// "a/b/" or "" at the top.
  const std::string& current_name_scope() const { return scope_; }
  /// Makes `name` unique in the graph (TF's unique_name: "x", "x_1", ...), without a scope.
  std::string unique_name(const std::string& name, bool mark_used = true);

  // ---- control dependencies (tf.control_dependencies) ----
  void push_control_dependencies(std::vector<Node*> deps);
  void pop_control_dependencies();
  /// Takes every active control-dependency scope off the graph (tf.init_scope), returning them
  /// for restore_control_dependencies.
  std::vector<std::vector<Node*>> take_control_dependencies();
  void restore_control_dependencies(std::vector<std::vector<Node*>> saved);

  // ---- collections (tf.add_to_collection / tf.get_collection) ----
  void add_to_collection(const std::string& key, Node* node);
  /// Nodes in the collection, in insertion order; with `scope`, only those whose name starts
  /// with it.
  std::vector<Node*> get_collection(const std::string& key, const std::string& scope = "") const;
  std::vector<std::string> collection_keys() const;

  // ---- randomness (tf.set_random_seed) ----
  void set_random_seed(int64_t seed) { seed_ = seed; }
  std::optional<int64_t> random_seed() const { return seed_; }

  // ---- variables ----
  void set_variable_info(Node* var, VariableInfo info);
  /// nullptr when `var` was not made by dl::Variable.
  const VariableInfo* variable_info(const Node* var) const;

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, Node*> by_name_;
  std::map<std::string, int> name_counts_;
  std::vector<std::string> scope_stack_;
  std::string scope_;
  std::vector<std::vector<Node*>> control_stack_;
  std::map<std::string, std::vector<Node*>> collections_;
  std::vector<std::string> collection_order_;
  std::optional<int64_t> seed_;
  std::map<int, VariableInfo> variables_;
};

/// RAII tf.name_scope.
class NameScope {
 public:
  NameScope(Graph& g, const std::string& name) : g_(g) { g_.push_name_scope(name); }
  ~NameScope() { g_.pop_name_scope(); }
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;

 private:
  Graph& g_;
};

/// RAII tf.control_dependencies: nodes created inside run after `deps`.
class ControlDependencies {
 public:
  ControlDependencies(Graph& g, std::vector<Node*> deps) : g_(g) {
    g_.push_control_dependencies(std::move(deps));
  }
  ~ControlDependencies() { g_.pop_control_dependencies(); }
  ControlDependencies(const ControlDependencies&) = delete;
  ControlDependencies& operator=(const ControlDependencies&) = delete;

 private:
  Graph& g_;
};

/// RAII tf.init_scope (for graph building): nodes created inside depend on none of the enclosing
/// control-dependency scopes, as TF1 creates an optimizer's slots and accumulators.
class InitScope {
 public:
  explicit InitScope(Graph& g) : g_(g), saved_(g.take_control_dependencies()) {}
  ~InitScope() { g_.restore_control_dependencies(std::move(saved_)); }
  InitScope(const InitScope&) = delete;
  InitScope& operator=(const InitScope&) = delete;

 private:
  Graph& g_;
  std::vector<std::vector<Node*>> saved_;
};

}  // namespace dl
