#pragma once
/// What parity_check measures about one program by running pieces of it in a Session: the
/// statistics of the weights its initializers actually draw, the scale of its first logits, the
/// values of its optimizer's hyperparameters and slots, its loss head and metrics as functions
/// of given logits, its train/eval behaviour (dropout, batch statistics) and which variables a
/// train step changes.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dl/graph/train/optimizer.h"
#include "dl/tools/parity_check/lib/dataset.h"
#include "dl/tools/parity_check/lib/measure.h"
#include "dl/tools/parity_check/lib/structure.h"

namespace dl::parity {

struct VarInit {
  Variable var;
  std::string description;  ///< recovered from the initial-value graph ("uniform(+-0.081) =
                            ///< glorot_uniform")
  std::string declared;     ///< what the program says, if it does
  TensorStats stats;        ///< of the values drawn
};

struct OptimizerFacts {
  std::string type;  ///< "Adam", "Momentum", "GradientDescent", ... ("none")
  std::vector<std::pair<std::string, double>> hypers;     ///< values at the first step
  std::vector<std::pair<std::string, double>> slot_init;  ///< slot name -> initial value
  bool nesterov = false;
  bool hypers_vary = false;  ///< the update ops do not all use the same values
  std::string declared;
  std::string summary() const;  ///< "Adam(learning_rate=0.001, beta1=0.9, ...)"
  double hyper(const std::string& name, double def = 0) const;
};

/// The loss head as a function of logits: evaluated on logits Z for n labelled rows, then on
/// the same rows and logits twice (2n).
struct HeadProbe {
  bool ran = false;
  std::string why_not;
  double loss_n = 0, loss_2n = 0;
  double batch_factor = 0;  ///< loss_2n / loss_n: 1 for a mean over the batch, 2 for a sum
  Tensor grad;              ///< d loss / d logits for the n rows
  double grad_norm = 0;
};

struct MetricProbe {
  std::string name;
  std::string description;
  double uninformative = 0;  ///< value when every logit is 0 (its trivial baseline)
  double perfect = 0;        ///< value for logits that put the label first by a wide margin
  double random = 0;         ///< value for the shared random logits
  bool ran = false;
  std::string why_not;
};

/// Train/eval behaviour, measured: is the output random (dropout active) and does a row's
/// output depend on the other rows of its batch (batch statistics)?
struct ModeProbe {
  bool ran = false;
  bool train_stochastic = false, train_batch_dependent = false;
  bool eval_stochastic = false, eval_batch_dependent = false;
  std::string flag_train, flag_eval;  ///< what the training flag is fed ("true", "not fed")
};

struct Profile {
  Structure structure;
  std::vector<VarInit> inits;  ///< every variable, in the program's order
  TensorStats initial_logits;  ///< on the first validation rows, eval feed
  double initial_loss = 0;     ///< on the first training batch, train feed, before any step
  OptimizerFacts optimizer;
  HeadProbe head;
  std::vector<MetricProbe> metrics;
  ModeProbe modes;
  std::vector<Variable> changed_by_step;  ///< variables one train step changed (measured)
  const VarInit* init_of(const Node* var) const;
};

/// Logits shared by both programs' head and metric probes: [n, width], reproducible.
Tensor probe_logits(int64_t n, int64_t width, DType dtype);

/// Measures a finalized program whose variables `s` has initialised. Leaves the variables as it
/// found them. Adds gradient nodes to the program's graph.
Profile profile_program(TrainingProgram& p, Session& s, const Dataset& d);

/// Describes an initial-value graph ("normal(0, 1)", "uniform(-0.08, 0.08) = glorot_uniform",
/// "constant 0").
std::string describe_initial_value(const Variable& v);

/// An optimizer of the same type and hyperparameters as `f` (nullptr when dl::train has none).
std::shared_ptr<train::Optimizer> make_optimizer(const OptimizerFacts& f);

/// The eval-feed value of the program's logits/outputs for validation rows [0, n).
Tensor eval_outputs(TrainingProgram& p, Session& s, const Dataset& d, int64_t n,
                    std::optional<double> flag_override = std::nullopt);

/// Measures only the train/eval behaviour (used to find a flag value that matches another
/// program's behaviour).
ModeProbe probe_modes(TrainingProgram& p, Session& s, const Dataset& d);

}  // namespace dl::parity
