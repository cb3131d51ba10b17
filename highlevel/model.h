#pragma once
/// Model (the functional API), Sequential, and their training: compile, fit, evaluate, predict
/// and the *_on_batch methods.
///
/// A compiled model is a graph plus a training loop over the context's Session. compile() (or
/// the first fit, for a Sequential model whose input shape comes from the data) adds to the
/// graph, once: label placeholders, the forward pass in training mode (the layers replayed with
/// training=true: dropout active), the losses, metric values, gradients, the optimizer's update
/// ops, and the same losses and metrics on the inference-mode outputs. training_graph() hands
/// all of it out, so a tool can put the model beside a hand-written graph. fit() then runs one
/// Session::make_callable per step (feeds x, y; fetches the loss and metric sums; targets the
/// train op).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/highlevel/callbacks.h"
#include "dl/highlevel/layer.h"
#include "dl/highlevel/losses.h"
#include "dl/highlevel/metrics.h"
#include "dl/highlevel/optimizers.h"

namespace dl::keras {

/// Inputs or targets of fit/evaluate/predict: one tensor, or one per model input / output.
/// Converts back to a single Tensor (throwing when it holds several).
class Data {
 public:
  Data() = default;
  Data(Tensor t) : tensors_{std::move(t)} {}                 // NOLINT
  Data(std::vector<Tensor> ts) : tensors_(std::move(ts)) {}  // NOLINT
  Data(std::initializer_list<Tensor> ts) : tensors_(ts) {}   // NOLINT
  const std::vector<Tensor>& tensors() const { return tensors_; }
  size_t size() const { return tensors_.size(); }
  bool empty() const { return tensors_.empty(); }
  const Tensor& operator[](size_t i) const { return tensors_[i]; }
  /// The only tensor. Throws InvalidArgument when there are several or none.
  operator Tensor() const;  // NOLINT(google-explicit-constructor)

 private:
  std::vector<Tensor> tensors_;
};

struct ValidationData {
  Data x = {};
  Data y = {};
  Tensor sample_weight = {};
};

/// One batch of a BatchSource: inputs, targets and (optionally) sample weights.
struct Batch {
  Data x = {};
  Data y = {};
  Tensor sample_weight = {};
};

/// A source of batches for fit / evaluate (Keras 3's PyDataset or a generator; Keras 2's
/// fit_generator input). next() returns the next batch, or a Batch with empty `x` when the data
/// ran out.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  /// Batches per epoch (Keras's len(Sequence)); -1 when unknown (a generator: give
  /// steps_per_epoch, or the epoch ends when next() returns an empty batch).
  virtual int64_t size() const { return -1; }
  virtual Batch next() = 0;
  /// Called after every epoch (a Sequence reshuffles here).
  virtual void on_epoch_end() {}
};

/// A BatchSource over a function (Keras 2's Python generators).
class GeneratorSource : public BatchSource {
 public:
  explicit GeneratorSource(std::function<Batch()> next, int64_t size = -1)
      : next_(std::move(next)), size_(size) {}
  int64_t size() const override { return size_; }
  Batch next() override { return next_(); }

 private:
  std::function<Batch()> next_;
  int64_t size_;
};

/// compile()'s `loss`: one loss for every output, or one per output (a list, or a map from
/// output-layer names).
class LossSpec {
 public:
  LossSpec() = default;
  LossSpec(const char* name) : all_(name) {}                 // NOLINT
  LossSpec(const std::string& name) : all_(name) {}          // NOLINT
  LossSpec(losses::LossArg loss) : all_(std::move(loss)) {}  // NOLINT
  template <class T>
  requires std::is_base_of_v<losses::Loss, T> LossSpec(T loss) : all_(std::move(loss)) {}  // NOLINT
  LossSpec(std::initializer_list<losses::LossArg> per_output)                              // NOLINT
      : per_output_(per_output), is_list_(true) {}
  LossSpec(std::vector<losses::LossArg> per_output)  // NOLINT
      : per_output_(std::move(per_output)), is_list_(true) {}
  LossSpec(std::map<std::string, losses::LossArg> by_name)  // NOLINT
      : by_name_(std::move(by_name)) {}

  bool empty() const { return !all_ && per_output_.empty() && by_name_.empty(); }
  /// The loss of each output (an empty LossArg: no loss for that output). Throws
  /// InvalidArgument when a list has the wrong length or a map names an unknown output.
  std::vector<losses::LossArg> for_outputs(const std::vector<std::string>& output_names) const;

 private:
  losses::LossArg all_;
  std::vector<losses::LossArg> per_output_;
  std::map<std::string, losses::LossArg> by_name_;
  bool is_list_ = false;
};

struct CompileOptions {
  optimizers::OptimizerArg optimizer = "rmsprop";
  LossSpec loss = {};
  /// One weight per output (default 1): the training loss is sum(w_i * loss_i).
  std::vector<double> loss_weights = {};
  /// Metrics of every output.
  std::vector<metrics::MetricArg> metrics = {};
  /// Metrics per output-layer name (in addition to `metrics`).
  std::map<std::string, std::vector<metrics::MetricArg>> output_metrics = {};
};

struct FitOptions {
  int64_t batch_size = 32;
  int epochs = 1;
  /// 0 silent, 1 progress bar, 2 one line per epoch; -1 "auto" (= 1).
  int verbose = -1;
  std::vector<callbacks::CallbackArg> callbacks = {};
  /// Fraction of the samples (the last ones, taken before shuffling) held out for validation.
  double validation_split = 0.0;
  std::optional<ValidationData> validation_data = {};
  /// Shuffle the training samples before every epoch (a permutation drawn from the context's
  /// seed, so utils::set_random_seed makes it reproducible).
  bool shuffle = true;
  /// Weight of each class: the loss of a sample is multiplied by the weight of its class
  /// (the argmax of one-hot labels).
  std::map<int64_t, double> class_weight;
  /// One weight per sample, multiplying its loss.
  Tensor sample_weight = {};
  int initial_epoch = 0;
  /// Batches per epoch (-1: all the data). The data position carries over to the next epoch,
  /// starting a new (shuffled) pass when the data runs out.
  int64_t steps_per_epoch = -1;
  int64_t validation_steps = -1;
  int64_t validation_batch_size = -1;  ///< -1: batch_size
  int validation_freq = 1;
};

/// fit() on a BatchSource (Keras 3's fit on a dataset; Keras 2's fit_generator).
struct FitGeneratorOptions {
  int64_t steps_per_epoch = -1;  ///< -1: the source's size(), else until it runs out
  int epochs = 1;
  int verbose = -1;
  std::vector<callbacks::CallbackArg> callbacks = {};
  /// Validation from another source (with validation_steps), or from arrays.
  BatchSource* validation_source = nullptr;
  std::optional<ValidationData> validation_data = {};
  int64_t validation_steps = -1;
  int64_t validation_batch_size = 32;  ///< for array validation data
  int validation_freq = 1;
  std::map<int64_t, double> class_weight;
  int initial_epoch = 0;
};

struct EvaluateOptions {
  int64_t batch_size = 32;
  int verbose = -1;
  Tensor sample_weight = {};
  int64_t steps = -1;
  std::vector<callbacks::CallbackArg> callbacks = {};
};

struct PredictOptions {
  int64_t batch_size = 32;
  int verbose = -1;
  int64_t steps = -1;
  std::vector<callbacks::CallbackArg> callbacks = {};
};

struct BatchOptions {
  Tensor sample_weight = {};
  std::map<int64_t, double> class_weight;
};

struct LoadWeightsOptions {
  bool by_name = false;        ///< match layers by name (layers missing from the model are skipped)
  bool skip_mismatch = false;  ///< with by_name or a Keras 3 file: skip layers that do not fit
};

struct SummaryOptions {
  int line_length = -1;                ///< -1: Keras's default for the profile and model kind
  std::vector<double> positions = {};  ///< column end positions (fractions), empty: the default
  bool show_trainable = false;
};

/// The graph of a compiled model (what compile() added), for tools and tests.
struct TrainingGraph {
  std::vector<Output> inputs;               ///< the input placeholders (fed with x)
  std::vector<Output> targets;              ///< one label placeholder per output (fed with y)
  std::vector<Output> sample_weights = {};  ///< [batch] placeholders of the weighted variant
  std::vector<Output> outputs = {};         ///< the outputs in inference mode
  std::vector<Output> train_outputs = {};   ///< the outputs in training mode
  Output loss;                              ///< the total training loss (with regularization)
  std::vector<Output> output_losses;        ///< each output's training loss (unweighted)
  Output eval_loss = {};                    ///< the total loss on the inference outputs
  std::vector<Output> eval_output_losses = {};
  struct MetricNodes {
    std::string name;       ///< the log name ("accuracy", "dense_1_accuracy")
    std::string direction;  ///< "up" or "down"
    Output train_sum;       ///< sum over the batch of the per-sample values (training mode)
    Output eval_sum;        ///< the same on the inference outputs (both empty: a state metric)
    /// A ratio metric's denominators summed over the batch (empty: the batch size counts).
    Output train_count = {};
    Output eval_count = {};
    /// A state metric's (AUC) batch state, a 1-D vector summed element-wise over the batches;
    /// the value is metric->result(summed state). train_sum and eval_sum are empty for it.
    Output train_state = {};
    Output eval_state = {};
    std::shared_ptr<const metrics::Metric> metric = {};  ///< the metric itself
  };
  std::vector<MetricNodes> metrics = {};
  std::vector<Variable> trainable_variables = {};
  std::vector<Output> gradients = {};  ///< d loss / d trainable_variables[i]
  Node* train_op = nullptr;            ///< runs the optimizer updates and the update ops
  std::vector<Node*> update_ops;       ///< layers' state updates (BatchNormalization)
  std::map<std::string, std::vector<Variable>> variables_by_layer = {};
};

class Model {
 public:
  /// keras.Model(inputs, outputs): the layers on the paths from `inputs` to `outputs`.
  /// Throws InvalidArgument when an output cannot be computed from the inputs ("Graph
  /// disconnected") or two layers share a name.
  Model(const std::vector<KerasTensor>& inputs, const std::vector<KerasTensor>& outputs,
        const std::string& name = "");
  Model(const KerasTensor& input, const KerasTensor& output, const std::string& name = "");
  virtual ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& name() const { return name_; }
  Profile profile() const { return profile_; }
  /// The profile of the training behaviours (set before compile()).
  void set_profile(Profile p) { profile_ = p; }

  // ---- structure ----
  /// The layers, in Keras's order (Sequential: the added layers without the InputLayer;
  /// functional: by depth from the inputs, InputLayers included).
  virtual std::vector<std::shared_ptr<Layer>> layers() const;
  /// Throws InvalidArgument naming the layer and listing the model's layers.
  std::shared_ptr<Layer> get_layer(const std::string& name) const;
  std::shared_ptr<Layer> get_layer(int index) const;
  template <class T>
  std::shared_ptr<T> get_layer_as(const std::string& name) const {
    auto l = std::dynamic_pointer_cast<T>(get_layer(name));
    DL_CHECK(l != nullptr, "layer \"", name, "\" is not of the requested class");
    return l;
  }
  const std::vector<KerasTensor>& inputs() const;
  const std::vector<KerasTensor>& outputs() const;
  /// The only input / output. Throws when there are several.
  KerasTensor input() const;
  KerasTensor output() const;
  bool built() const { return !inputs_.empty(); }
  /// The names of the output layers ("dense_1").
  std::vector<std::string> output_names() const;

  // ---- weights ----
  std::vector<Weight> weights() const;
  std::vector<Weight> trainable_weights() const;
  std::vector<Weight> non_trainable_weights() const;
  std::vector<Tensor> get_weights() const;
  /// Throws InvalidArgument naming the first weight whose shape differs, or the counts.
  void set_weights(const std::vector<Tensor>& values);
  int64_t count_params() const;
  /// Regularization losses of all layers.
  std::vector<Output> losses() const;

  /// model.summary() text (Keras 3's table; keras2: Keras 2.2.4's plain layout).
  std::string summary(SummaryOptions options = {}) const;
  /// Prints summary() to stdout.
  void print_summary(SummaryOptions options = {}) const;
  /// model.to_json(): the Keras 3 config of the model (architecture and layer configs, as Keras
  /// 3.15 writes them), which Keras 3's keras.models.model_from_json reads; `indent` < 0 writes
  /// one line. No compile_config is written: the model comes back uncompiled (compile it
  /// again); models::model_from_json reads Keras's compile_config. Throws InvalidArgument naming
  /// the layer when part of the model has no Keras config (a custom activation, an initializer
  /// given as a value).
  std::string to_json(int indent = -1) const;

  // ---- inference on graph tensors ----
  /// Emits the model's layers on `inputs` (one per model input) and returns the outputs;
  /// training=false gives the recorded inference outputs when `inputs` are the model's own.
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) const;

  // ---- training ----
  void compile(CompileOptions options);
  bool compiled() const { return compiled_ != nullptr; }
  /// The compiled optimizer. Throws FailedPrecondition before compile().
  optimizers::Optimizer& optimizer() const;
  /// The graph that compile() built (builds it now if compile() had to wait for the input
  /// shape, which then must be known). Throws FailedPrecondition when not compiled.
  const TrainingGraph& training_graph();

  callbacks::History fit(const Data& x, const Data& y, FitOptions options = {});
  /// fit on batches from a source. Data checks run on every batch before it is used.
  callbacks::History fit(BatchSource& data, FitGeneratorOptions options = {});
  /// Keras 2's name for the same.
  callbacks::History fit_generator(BatchSource& data, FitGeneratorOptions options = {}) {
    return fit(data, std::move(options));
  }
  /// evaluate on `steps` batches of a source (-1: its size(), or until it runs out).
  Logs evaluate_logs(BatchSource& data, int64_t steps = -1, int verbose = 0);
  /// [loss, metrics...] in the order of metrics_names().
  std::vector<double> evaluate(const Data& x, const Data& y, EvaluateOptions options = {});
  /// The same as Logs ({loss: ..., accuracy: ...}).
  Logs evaluate_logs(const Data& x, const Data& y, EvaluateOptions options = {});
  Data predict(const Data& x, PredictOptions options = {});
  /// One optimizer step on one batch; returns [loss, metrics...] of that batch.
  std::vector<double> train_on_batch(const Data& x, const Data& y, BatchOptions options = {});
  std::vector<double> test_on_batch(const Data& x, const Data& y, BatchOptions options = {});
  Data predict_on_batch(const Data& x);
  /// "loss", then each output's "<name>_loss" when there are several, then the metrics.
  std::vector<std::string> metrics_names() const;
  /// "up"/"down" for a log name ("val_accuracy" -> "up"), empty when unknown.
  std::string metric_direction(const std::string& log_name) const;

  /// Set by callbacks to stop fit() after the current batch / epoch.
  bool stop_training = false;

  // ---- saving ----
  /// Writes every weight (layer by layer, in weights() order) to `path`, atomically: a
  /// ".weights.h5" path in Keras 3's save_weights layout (keras2 profile: the legacy one), any
  /// other ".h5" or ".hdf5" path in Keras's legacy HDF5 layout (both readable by Keras's
  /// load_weights; need a dl built with HDF5), any other path in dl's own format
  /// (docs/keras_tier.md). Optimizer variables are not written.
  void save_weights(const std::string& path) const;
  /// Reads weights written by save_weights or by Keras (HDF5, either layout, told apart by the
  /// file's contents). Legacy layout and dl's format: by default the layers that have weights
  /// are paired in order (Keras's topological loading); with by_name, by layer name. Keras 3
  /// layout: each layer from its group (class in snake case, numbered per class, as Keras 3);
  /// by_name is refused, and an optimizer group in the file is not read. skip_mismatch leaves
  /// the layers that do not match as they are. Throws NotFound for a missing file, DataLoss for
  /// a corrupt one, InvalidArgument naming the layer or weight when the file does not match the
  /// model (layer count, shapes, layers the model lacks), before any weight changes.
  void load_weights(const std::string& path, LoadWeightsOptions options = {});

  /// Where a loop's batches come from (defined in highlevel/internal/training_state.h).
  struct Feeder;

  /// The context (graph and Session) of the model.
  const std::shared_ptr<Context>& context() const { return ctx_; }
  Session& session() const;

 protected:
  /// For Sequential: no graph yet.
  Model(const std::string& class_prefix, const std::string& name);
  /// (Re)computes the functional structure from inputs_/outputs_.
  void init_graph_network(const std::vector<KerasTensor>& inputs,
                          const std::vector<KerasTensor>& outputs);
  /// Sequential builds itself from data shapes (fit on an unbuilt model).
  virtual void build_from_data(const std::vector<Shape>& input_shapes);
  virtual bool is_sequential() const { return false; }

  std::string name_;
  Profile profile_ = Profile::keras3;
  std::shared_ptr<Context> ctx_;
  std::vector<KerasTensor> inputs_;
  std::vector<KerasTensor> outputs_;

 private:
  struct Compiled;
  struct NodeRef {
    std::shared_ptr<Layer> layer = {};
    int node_index = {};
    int depth = {};
  };
  void ensure_training_graph();
  void build_training_graph(bool weighted);
  struct Feeds;
  Feeds prepare(const Data& x, const Data* y, const Tensor* sample_weight,
                const std::map<int64_t, double>* class_weight, const char* where) const;
  callbacks::History fit_loop(Feeder& train, Feeder* val, int epochs, int initial_epoch,
                              int verbose, int validation_freq,
                              const std::vector<callbacks::CallbackArg>& user_callbacks);
  Logs run_evaluation(Feeder& data, const std::vector<std::shared_ptr<callbacks::Callback>>& cbs);
  void check_compiled_and_built(const std::vector<Shape>& input_shapes);
  std::string summary_keras3(const SummaryOptions& o) const;
  std::string summary_keras2(const SummaryOptions& o) const;
  bool sequential_like() const;

  std::vector<std::shared_ptr<Layer>> layers_;  // functional order (inputs included)
  std::vector<NodeRef> nodes_;                  // topological order (inputs first)
  std::unique_ptr<Compiled> compiled_;
};

struct SequentialOptions {
  std::string name = {};
};

/// keras.Sequential: a stack of single-input, single-output layers. The model is built (its
/// graph emitted) as soon as the input shape is known: from an InputLayer / Input added first,
/// from the first layer's input_shape, from build(), or from the data of the first fit.
class Sequential : public Model {
 public:
  explicit Sequential(SequentialOptions options = {});
  Sequential(std::initializer_list<std::shared_ptr<Layer>> layers, SequentialOptions options = {});
  explicit Sequential(const std::vector<std::shared_ptr<Layer>>& layers,
                      SequentialOptions options = {});

  /// Adds a layer on top of the stack (calling it when the model is built). Throws
  /// InvalidArgument for a duplicate name, a second input, or a layer that does not fit.
  void add(std::shared_ptr<Layer> layer);
  /// Adds a keras::Input() tensor (its InputLayer).
  void add(const KerasTensor& input);
  /// Builds the model for inputs of shape (None, input_shape...).
  void build(const std::vector<int64_t>& input_shape);
  std::vector<std::shared_ptr<Layer>> layers() const override;

 protected:
  void build_from_data(const std::vector<Shape>& input_shapes) override;
  bool is_sequential() const override { return true; }

 private:
  void rebuild();
  std::vector<std::shared_ptr<Layer>> stack_;  // InputLayer first when known
};

}  // namespace dl::keras
