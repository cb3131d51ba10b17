#pragma once
/// tf.train.Optimizer (TF1): the base of every optimizer in dl::train.
///
/// compute_gradients + apply_gradients = minimize, as in TF1. apply_gradients creates the slot
/// variables the first time it sees a variable (not trainable, in GLOBAL_VARIABLES, named
/// "<variable>/<optimizer name>", "<variable>/<optimizer name>_1", ...), then, under a name scope
/// named after the optimizer, one update op per variable ("<scope>/update_<variable>/...") and a
/// NoOp grouping them. Dense gradients go to the Apply* ops, IndexedSlices (from gather /
/// embedding_lookup) to the sparse paths, where TF1 sends them.
///
/// Hyperparameters given as numbers become float32 constants, as TF1's convert_to_tensor makes
/// them; for a float64 variable the float32 value is widened (TF1 casts it). A hyperparameter
/// given as a tensor (a decayed learning rate) must be a scalar; it is cast to each variable's
/// dtype.
///
/// Update ops read the gradients, which read the variables: the Session runs nodes in creation
/// order, so every gradient is computed before any update of the same run (TF1's GATE_OP).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dl/graph/grad.h"
#include "dl/graph/initializers.h"
#include "dl/graph/variable.h"

namespace dl::train {

/// A hyperparameter: a number, or a scalar tensor (e.g. an exponentially decayed learning rate).
class Hyper {
 public:
  Hyper(double v) : value_(v) {}                    // NOLINT(google-explicit-constructor)
  Hyper(Output t) : tensor_(t) {}                   // NOLINT(google-explicit-constructor)
  Hyper(const Variable& v) : tensor_(v.value()) {}  // NOLINT(google-explicit-constructor)
  bool is_tensor() const { return static_cast<bool>(tensor_); }
  double value() const { return value_; }
  Output tensor() const { return tensor_; }

 private:
  double value_ = 0.0;
  Output tensor_;
};

/// A gradient (dense, IndexedSlices or none) and the variable it belongs to.
using GradAndVar = std::pair<Grad, Variable>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// The name given at construction ("Adam", "GradientDescent", ...).
  const std::string& get_name() const { return name_; }

  /// Gradients of `loss` (summed if it is not a scalar) with respect to `var_list` (default:
  /// the trainable variables of loss's graph), in var_list's order. A variable that loss does
  /// not depend on gets an empty Grad. IndexedSlices stay sparse.
  /// Throws InvalidArgument: a non-float loss; no variables to optimize.
  std::vector<GradAndVar> compute_gradients(Output loss, std::vector<Variable> var_list = {});

  /// Adds the update ops and returns the training op: a NoOp named `name` (default: the
  /// optimizer's name) that runs every update, or, with a global_step, the AssignAdd(global_step,
  /// 1) op of that name, which runs after every update (TF1). The op is added to the TRAIN_OP
  /// collection. Pairs with an empty Grad are skipped.
  /// Throws InvalidArgument: no pair has a gradient; a variable of another graph than the
  /// optimizer's first one; a gradient whose dtype or shape does not match its variable.
  Node* apply_gradients(const std::vector<GradAndVar>& grads_and_vars,
                        std::optional<Variable> global_step = std::nullopt,
                        const std::string& name = "");

  /// compute_gradients then apply_gradients. Throws InvalidArgument when no variable in
  /// var_list gets a gradient.
  Node* minimize(Output loss, std::optional<Variable> global_step = std::nullopt,
                 std::vector<Variable> var_list = {}, const std::string& name = "");

  /// The slot `name` ("m", "momentum", "rms", ...) of `var`. Throws NotFound when the optimizer
  /// has no such slot for var (TF1 returns None).
  Variable get_slot(const Variable& var, const std::string& name) const;
  /// Slot names, sorted (as TF1).
  std::vector<std::string> get_slot_names() const;
  /// Every variable the optimizer created (slots and others such as Adam's beta1_power), sorted
  /// by name as TF1 does.
  std::vector<Variable> variables() const;

 protected:
  explicit Optimizer(std::string name);

  // ---- the hooks of TF1's Optimizer ----
  /// Creates the slots of these variables (called with each apply_gradients' variables).
  virtual void create_slots(const std::vector<Variable>& var_list) {}
  /// One variable's update for a dense gradient.
  virtual Node* apply_dense(Output grad, const Variable& var) = 0;
  /// One variable's update for IndexedSlices (duplicate indices included: the sparse kernels
  /// sum them, as TF1 does with _deduplicate_indexed_slices before its kernels).
  virtual Node* apply_sparse(const IndexedSlices& grad, const Variable& var) = 0;
  /// Groups the update ops into one NoOp named `name` (a scope name ending in '/' is used as
  /// is). Adam also updates its beta powers here.
  virtual Node* finish(const std::vector<Node*>& update_ops, const std::string& name);

  // ---- helpers for subclasses ----
  /// Registers a hyperparameter under TF1's tensor name ("learning_rate", "momentum", ...).
  void set_hyper(const std::string& name, Hyper value);
  /// The hyperparameter as a scalar tensor of `dtype`, made once per apply_gradients call in
  /// its name scope.
  Output hyper(const std::string& name, DType dtype);
  /// The slot `slot_name` of var, made with `init` the first time.
  Variable get_or_make_slot(const Variable& var, const Initializer& init,
                            const std::string& slot_name);
  Variable zeros_slot(const Variable& var, const std::string& slot_name) {
    return get_or_make_slot(var, init::zeros_initializer(), slot_name);
  }
  /// A non-slot variable (Adam's beta powers), made once with `initial` under the current name
  /// scope (the top level when called from create_slots, like the slots); `initial` is called
  /// only the first time (it may be empty once the variable exists).
  Variable get_or_make_non_slot(const std::string& name,
                                const std::function<Output(Graph&)>& initial);
  Graph& graph() const;

 private:
  std::string name_;
  Graph* graph_ = nullptr;
  std::vector<std::pair<std::string, Hyper>> hypers_;
  std::map<std::pair<std::string, DType>, Output> hyper_tensors_;  // for the current apply call
  std::vector<std::string> slot_names_;
  std::map<std::string, std::map<int, Variable>> slots_;  // slot name -> variable node id -> slot
  std::map<std::string, Variable> non_slots_;
};

}  // namespace dl::train
