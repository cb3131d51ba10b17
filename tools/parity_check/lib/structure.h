#pragma once
/// Canonical structure of one training program, read from its graph without running it:
/// the forward path as layers (names and scopes stripped; layers found by the order in which
/// variables are consumed on the path from the input to the model output, and by op patterns
/// such as MatMul+BiasAdd+activation), the loss head, what each metric computes, the optimizer's
/// update ops, and which stateful updates the train step runs.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dl/graph/op_def.h"
#include "dl/tools/parity_check/lib/program.h"

namespace dl::parity {

/// One op on the forward path that is not a layer's weight op: pooling, reshape, dropout...
struct Stage {
  std::string kind;    ///< "pool", "reshape", "transpose", "dropout", "select", "activation", "op"
  std::string detail;  ///< "max 2x2 stride 2 VALID", "[?,4,4,50] -> [?,800]", "rate 0.2"
  const Node* node = nullptr;
};

struct LayerVar {
  std::string role;  ///< "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"
  Variable var;
};

/// A layer: a weight op (MatMul, Conv2D, GatherV2, FusedBatchNormV3) with its bias, activation
/// and the parameterless stages that follow it.
struct Layer {
  std::string kind;  ///< "dense", "conv2d", "conv1d", "embedding", "batch_norm"
  std::vector<LayerVar> vars;
  std::vector<std::pair<std::string, std::string>> attrs;  ///< units, strides, padding...
  std::string activation;                                  ///< "relu", "tanh"... ("" = none)
  std::vector<Stage> post;
  const Node* weight_node = nullptr;
  Output pre_activation;  ///< weight op (plus bias) output
  Output output;          ///< the layer's last tensor on the forward path
  /// "dense [784,32] relu", "conv2d [5,5,1,20] tanh | max 2x2 stride 2 VALID"
  std::string summary() const;
  const Variable* var(const std::string& role) const;
};

struct Forward {
  std::vector<Stage> input_stages;  ///< stages before the first layer (preprocessing)
  std::vector<Layer> layers;
  std::string output_activation;   ///< "softmax" / "sigmoid" applied to the logits, or ""
  std::vector<Variable> unplaced;  ///< trainable variables no layer consumes
};

/// The loss head: what turns the model output and labels into the loss.
struct Head {
  std::string function;  ///< "softmax cross-entropy", "sigmoid cross-entropy", ...
  std::string input;     ///< "logits", "softmax probabilities", "sigmoid probabilities", ...
  bool input_is_probabilities = false;
  std::string reduction;  ///< the chain after the per-element loss: "Mean(all)", "Sum(all)"
  std::string clipping;   ///< "" or what clips
  std::vector<std::string> extra_terms;  ///< regularization terms added to the loss
  const Node* loss_op = nullptr;
  std::string summary() const;
};

/// One update op of the optimizer (ApplyAdam...) and the variable it updates.
struct ApplyInfo {
  const Node* node = nullptr;
  Variable var;
  std::vector<std::pair<std::string, Variable>> slots;  ///< ("m", var/Adam)...
  std::vector<std::pair<std::string, Output>> hypers;   ///< ("learning_rate", tensor)...
  Output grad;                                          ///< the gradient input (dense) or empty
};

struct OptimizerStructure {
  std::string op;  ///< the update op type, "ApplyAdam"; "mixed" or "none"
  std::vector<ApplyInfo> applies;
  bool nesterov = false;
};

/// The train step's state updates.
struct UpdateStructure {
  std::vector<Variable> updated;            ///< variables some op in the train step writes
  std::vector<const Node*> update_ops_run;  ///< UPDATE_OPS members the train step runs
  std::vector<const Node*> update_ops_not_run;
  /// Non-trainable variables that some op of the graph (outside initializers) can update but the
  /// train step does not.
  std::vector<Variable> stale;
};

struct Structure {
  Forward forward;
  Head head;
  std::vector<std::string> metric_descriptions;  ///< one per program metric
  OptimizerStructure optimizer;
  UpdateStructure updates;
  std::set<const Node*> train_closure;  ///< every node the train step runs
};

/// Reads the structure of a finalized program.
Structure analyze_structure(const TrainingProgram& p);

/// Every node `outs` depends on through data (and, with `control`, control) inputs.
std::set<const Node*> ancestors(const std::vector<const Node*>& outs, bool control = false);
/// The variable `o` reads (through Identity, Cast, ExpandDims, Reshape), or nullptr.
const Node* resolve_variable(Output o);
/// A node attribute, or the op's default, or `def`.
template <class T>
T attr_or(const Node* n, const std::string& name, T def) {
  if (n->attrs().has(name)) return n->attrs().get_or<T>(name, def);
  return n->op().attr_defaults.get_or<T>(name, def);
}

}  // namespace dl::parity
