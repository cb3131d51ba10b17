#pragma once
/// TrainingProgram: a self-contained description of one training program, the unit parity_check
/// compares. A program is a Graph plus the roles of its tensors (inputs, labels, loss, metrics,
/// train op, predictions, variables, training flag), a data recipe (batch size, order, partial
/// batch, validation split, preprocessing) and a step contract (how a batch is fed, what each
/// step runs). The graph tier describes a hand-written graph with ProgramBuilder; the Keras tier
/// produces the same structure from a compiled model.
///
/// Everything parity_check knows about a program beyond these roles it finds out itself, from
/// the graph and by running it: it does not trust descriptions it can measure.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/graph/graph.h"
#include "dl/graph/session.h"
#include "dl/graph/variable.h"

namespace dl::parity {

/// How labels are fed: class ids (int [N]), one-hot rows (float [N, C]), or the dataset's
/// float targets as they are (regression, binary columns).
enum class LabelFormat { sparse, one_hot, dense };
const char* to_string(LabelFormat f);

/// The two kinds of run a training loop makes.
enum class RunKind { train, eval };

/// The input pipeline of one program.
struct DataRecipe {
  int64_t batch_size = 32;
  bool shuffle = true;             ///< reshuffle the training rows every epoch
  uint64_t shuffle_seed = 0;       ///< epoch e's order is drawn from (shuffle_seed, e)
  bool keep_partial_batch = true;  ///< false: the last, smaller batch of an epoch is dropped
  double validation_split = 0.0;   ///< the last fraction of the training rows is not trained on
                                   ///< (Keras' validation_split: taken before shuffling)
  double scale = 1.0;              ///< inputs are multiplied by this before feeding (1/255)
  LabelFormat label_format = LabelFormat::sparse;
  DType label_dtype = DType::i32;  ///< dtype of the labels feed (sparse: i32/i64, else float)
  int64_t eval_batch_size = 256;   ///< batch size of evaluation runs
};

/// A reported metric: its name as the program prints it, the tensor that computes it (a batch
/// value), and what the author says it computes (optional: parity_check finds out).
struct MetricRole {
  std::string name;
  Output tensor;
  std::string description;
};

/// An extra run the training loop makes besides the train step (seed 000 evaluates accuracy
/// every 100 steps with its own Session::run).
struct ExtraRun {
  std::string name;
  int64_t every_n_steps = 1;
  std::vector<Output> fetches;
  RunKind kind = RunKind::eval;  ///< which training-flag value it feeds
};

/// An optimizer whose updates are not TF1 Apply* ops (the Keras tier writes its update rules
/// with assign ops): what it is in TF1's terms and the tensors that hold its hyperparameters
/// and one variable's slots. The values are read from the program's session when it is
/// measured, not taken from a description.
struct OptimizerRole {
  std::string type;  ///< TF1's name for the update rule: "Adam", "Momentum", "GradientDescent"
  std::vector<std::pair<std::string, Output>> hypers;  ///< ("learning_rate", lr variable)...
  std::vector<std::pair<std::string, Variable>> slots;
  bool nesterov = false;
  std::vector<std::pair<Variable, Output>> grads;  ///< each trainable variable's gradient
};

class TrainingProgram;
/// Work the loop does on every step besides its runs (it may add nodes to the graph, as a user
/// who builds an op inside the loop does). Called after the train step of `step`.
using StepHook = std::function<void(TrainingProgram&, Session&, int64_t step)>;

/// Feeds for one batch: x holds the raw rows (scaled and reshaped by the default feeder),
/// y the dataset's labels for those rows (class ids int32 [n], or float targets [n, k]).
struct Batch {
  Tensor x;
  Tensor y;
  int64_t num_classes = 0;
};
using FeedFn = std::function<FeedDict(const TrainingProgram&, const Batch&, RunKind)>;

/// A label placeholder and the format it is fed in (a program may have several: a loss head
/// swapped in from another program brings its own).
struct LabelFeed {
  Output placeholder;
  LabelFormat format = LabelFormat::sparse;
};

class TrainingProgram {
 public:
  std::string name;            ///< "A: tf.layers MLP"
  std::string tier = "graph";  ///< "graph" or "keras"
  std::shared_ptr<Graph> graph;

  // ---- roles ----
  Output input;           ///< the input placeholder (x)
  Output labels;          ///< the label placeholder
  Output sample_weights;  ///< optional per-example weights placeholder (fed with ones)
  Output loss;            ///< the scalar the optimizer minimises (as reported)
  std::vector<MetricRole> metrics;
  std::vector<Node*> train_targets;   ///< what the train step runs (the train op)
  std::vector<Node*> update_ops;      ///< UPDATE_OPS of the graph (default: the collection)
  std::vector<Output> train_fetches;  ///< fetched by the train step (default: loss + metrics)
  std::vector<Output> eval_fetches;   ///< fetched by evaluation (default: loss + metrics)
  /// Tensors that are the logits / the model output in one kind of run (the Keras tier's
  /// training- and inference-mode passes, which `logits` and `predictions` select between): a
  /// piece of this program copied into another maps them to that program's logits/predictions.
  std::vector<Output> logits_aliases, predictions_aliases;
  Output logits;       ///< the pre-activation model output (found from predictions if empty)
  Output predictions;  ///< the model output as the program returns it (may be probabilities)
  std::vector<Variable> trainable;  ///< default: TRAINABLE_VARIABLES
  std::vector<Variable> variables;  ///< default: GLOBAL_VARIABLES
  /// The learning-phase / training placeholder, and what each run kind feeds it (nullopt:
  /// not fed, its default applies).
  Output training_flag;
  std::optional<double> flag_train_value;
  std::optional<double> flag_eval_value;

  // ---- declared descriptions (optional; shown next to what parity_check measures) ----
  std::string optimizer_description;  ///< "AdamOptimizer(1e-4)"
  OptimizerRole optimizer_role;       ///< set when the train step has no Apply* ops
  std::vector<std::pair<std::string, std::string>> initializer_descriptions;  ///< var -> desc

  // ---- data recipe and step contract ----
  DataRecipe data;
  std::vector<LabelFeed> extra_labels;  ///< label placeholders besides `labels`
  FeedFn feed_override;                 ///< replaces the default feeder when set
  std::vector<ExtraRun> extra_runs;
  StepHook step_hook;

  /// Runs after the variables are initialised, before training (loads pretrained weights,
  /// redraws the initial weights of an imported graph under another seed).
  std::function<void(Session&)> after_init;

  /// Keeps objects alive that the graph's builders refer to (optimizers).
  std::vector<std::shared_ptr<void>> keep_alive;

  /// The feeds of one run: x scaled and reshaped to the input placeholder, labels converted to
  /// each label placeholder's format, sample weights ones, and the training flag's value for
  /// `kind` when it is fed. Throws InvalidArgument when a batch does not fit the placeholders.
  FeedDict feed(const Batch& batch, RunKind kind) const;

  /// Fills the defaults listed above (variables, update ops, fetches, logits from a
  /// Softmax/Sigmoid prediction). Throws InvalidArgument naming the missing role when the
  /// program lacks input, labels, loss, train targets or both logits and predictions.
  void finalize();

  /// The model output used for common measures: logits when known, else predictions.
  Output model_output() const { return logits ? logits : predictions; }
};

/// Converts class ids / targets to the format a label placeholder expects.
Tensor convert_labels(const Tensor& y, int64_t num_classes, LabelFormat format, DType dtype,
                      const Shape& placeholder_shape);

/// Describes a hand-written graph program in a few lines:
///
///   ProgramBuilder b("A: raw variables");
///   Graph& g = b.graph();
///   auto x = ops::placeholder(g, DType::f32, Shape({-1, 20}), "x");
///   ... build the network, loss, train op ...
///   TrainingProgram p = b.input(x).labels(y).logits(logits).loss(loss)
///                          .metric("accuracy", acc).train_op(train).batch_size(32).build();
class ProgramBuilder {
 public:
  explicit ProgramBuilder(std::string name, std::optional<int64_t> graph_seed = std::nullopt);
  Graph& graph() { return *p_.graph; }

  ProgramBuilder& input(Output x);
  ProgramBuilder& labels(Output y, LabelFormat format);
  ProgramBuilder& sample_weights(Output w);
  ProgramBuilder& logits(Output l);
  ProgramBuilder& predictions(Output p);
  ProgramBuilder& loss(Output l);
  ProgramBuilder& metric(const std::string& name, Output t, const std::string& description = "");
  ProgramBuilder& train_op(Node* op);
  ProgramBuilder& train_target(Node* extra);
  ProgramBuilder& training_flag(Output flag, std::optional<double> train_value,
                                std::optional<double> eval_value);
  ProgramBuilder& optimizer(const std::string& description);
  ProgramBuilder& initializer(const std::string& var_name, const std::string& description);
  ProgramBuilder& data(const DataRecipe& r);
  ProgramBuilder& batch_size(int64_t n);
  ProgramBuilder& shuffle(bool on, uint64_t seed = 0);
  ProgramBuilder& keep_partial_batch(bool keep);
  ProgramBuilder& scale(double s);
  ProgramBuilder& extra_run(ExtraRun r);
  ProgramBuilder& step_hook(StepHook h);
  ProgramBuilder& keep(std::shared_ptr<void> obj);
  /// Direct access for roles without a setter.
  TrainingProgram& program() { return p_; }

  /// finalize()s and returns the program.
  TrainingProgram build();

 private:
  TrainingProgram p_;
};

}  // namespace dl::parity
