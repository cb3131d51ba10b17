#pragma once
/// keras.callbacks: hooks into fit/evaluate/predict, and the standard callbacks.
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/highlevel/backend.h"

namespace dl::keras {

class Model;

/// The logs of a batch or an epoch: (name, value) pairs in Keras's order (Keras 3: sorted
/// names, then the sorted validation names; keras2: loss, the metrics, then val_ ones).
class Logs {
 public:
  Logs() = default;
  Logs(std::initializer_list<std::pair<std::string, double>> items) : items_(items) {}
  bool contains(const std::string& key) const;
  /// Throws NotFound naming the key and the keys present.
  double at(const std::string& key) const;
  std::optional<double> get(const std::string& key) const;
  /// Sets a value, appending the key when new.
  void set(const std::string& key, double value);
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  std::vector<std::string> keys() const;
  bool empty() const { return items_.empty(); }
  /// "{loss: 0.5, val_loss: 0.6}" for messages.
  std::string to_string() const;

 private:
  std::vector<std::pair<std::string, double>> items_;
};

namespace callbacks {

/// What fit() tells its callbacks (Keras's callback.params).
struct Params {
  int epochs = 1;
  int64_t steps = -1;    ///< steps per epoch (-1: unknown)
  int64_t samples = -1;  ///< samples per epoch (-1: unknown)
  int verbose = 1;
  bool do_validation = false;
  std::vector<std::string> metrics =
      {};  ///< the log names of the epoch (keras2's params['metrics'])
};

class Callback {
 public:
  virtual ~Callback() = default;
  void set_model(Model* m) { model_ = m; }
  void set_params(const Params& p) { params_ = p; }
  /// The model being trained. Throws FailedPrecondition outside fit/evaluate/predict.
  Model& model() const;
  const Params& params() const { return params_; }

  virtual void on_train_begin(Logs& logs) {}
  virtual void on_train_end(Logs& logs) {}
  virtual void on_epoch_begin(int epoch, Logs& logs) {}
  virtual void on_epoch_end(int epoch, Logs& logs) {}
  virtual void on_train_batch_begin(int64_t batch, Logs& logs) {}
  virtual void on_train_batch_end(int64_t batch, Logs& logs) {}
  virtual void on_test_begin(Logs& logs) {}
  virtual void on_test_end(Logs& logs) {}
  virtual void on_test_batch_begin(int64_t batch, Logs& logs) {}
  virtual void on_test_batch_end(int64_t batch, Logs& logs) {}
  virtual void on_predict_begin(Logs& logs) {}
  virtual void on_predict_end(Logs& logs) {}
  virtual void on_predict_batch_begin(int64_t batch, Logs& logs) {}
  virtual void on_predict_batch_end(int64_t batch, Logs& logs) {}

 private:
  Model* model_ = nullptr;
  Params params_;
};

/// A callback given to fit() by value (copied) or by shared_ptr (kept by the caller, to read
/// its state afterwards).
class CallbackArg {
 public:
  template <class T>
  requires std::is_base_of_v<Callback, T> CallbackArg(T cb)  // NOLINT(google-explicit-constructor)
      : p_(std::make_shared<T>(std::move(cb))) {}
  template <class T>
  requires std::is_base_of_v<Callback, T> CallbackArg(std::shared_ptr<T> cb)
      : p_(std::move(cb)) {}  // NOLINT
  const std::shared_ptr<Callback>& ptr() const { return p_; }

 private:
  std::shared_ptr<Callback> p_;
};

/// The History callback's content: history[key] = the value of every epoch.
class History : public Callback {
 public:
  std::vector<int> epoch = {};
  std::map<std::string, std::vector<double>> history;
  /// The keys in the logs' order.
  std::vector<std::string> keys = {};

  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
};

struct ProgbarLoggerOptions {
  /// Where to write (default: std::cout).
  std::ostream* out = nullptr;
  /// Redraw in place; -1: when `out` is std::cout and stdout is a terminal.
  int dynamic_display = -1;
  /// Seconds clock for the bar (tests inject a fake one).
  std::function<double()> clock;
};
/// Prints the progress bar of fit/evaluate/predict (created by fit from `verbose`). Keras 3
/// counts steps and prints "Epoch i/n" only when epochs > 1; keras2 counts samples
/// ("60000/60000 [=====] - 5s 83us/step - loss: ...") and always prints the epoch line.
class ProgbarLogger : public Callback {
 public:
  explicit ProgbarLogger(ProgbarLoggerOptions o = {});
  ~ProgbarLogger() override;
  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_test_begin(Logs& logs) override;
  void on_test_batch_end(int64_t batch, Logs& logs) override;
  void on_test_end(Logs& logs) override;
  void on_predict_begin(Logs& logs) override;
  void on_predict_batch_end(int64_t batch, Logs& logs) override;
  void on_predict_end(Logs& logs) override;

 private:
  struct State;
  void reset();
  void maybe_init();
  void update(int64_t batch, const Logs* logs);
  void finalize(const Logs* logs);
  ProgbarLoggerOptions o_;
  std::shared_ptr<State> s_;
};

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;
  bool save_weights_only = true;  ///< full-model saving is not available yet
  std::string mode = "auto";      ///< "auto", "min" or "max"
  std::optional<double> initial_value_threshold = {};
};
/// Saves the model's weights after each epoch to `filepath` formatted with the epoch (1-based)
/// and the epoch logs: "m.{epoch:02d}-{val_acc:.4f}.weights" (Python's str.format fields with
/// format specs d, f, e, g, s, width, fill and precision). With save_best_only, only when the
/// monitored value improves. Files are written atomically (temporary file, then rename).
/// Throws InvalidArgument when a field names a key missing from the logs (Keras's KeyError:
/// "Failed to format this callback filepath").
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions o = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  /// The last file written ("" if none).
  const std::string& last_saved() const { return last_saved_; }
  std::optional<double> best() const { return best_; }

 private:
  std::string filepath_;
  ModelCheckpointOptions o_;
  bool greater_ = false;
  std::optional<double> best_;
  std::string last_saved_;
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  int patience = 0;
  int verbose = 0;
  std::string mode = "auto";
  std::optional<double> baseline = {};
  bool restore_best_weights = false;
  int start_from_epoch = 0;
};
/// Stops training when the monitored value has not improved by more than min_delta for
/// `patience` epochs; optionally restores the weights of the best epoch.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions o = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;
  /// The epoch (0-based) at which training stopped (0 when it did not stop early).
  int stopped_epoch() const { return stopped_epoch_; }
  int best_epoch() const { return best_epoch_; }

 private:
  EarlyStoppingOptions o_;
  bool greater_ = false;
  int wait_ = 0;
  int stopped_epoch_ = 0;
  int best_epoch_ = 0;
  std::optional<double> best_;
  std::vector<Tensor> best_weights_;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  int verbose = 0;
  std::string mode = "auto";
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;
};
/// Multiplies the learning rate by `factor` (not below min_lr) when the monitored value has
/// not improved for `patience` epochs, then waits `cooldown` epochs. Adds "learning_rate" to
/// the epoch logs (as Keras 3).
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions o = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  ReduceLROnPlateauOptions o_;
  bool greater_ = false;
  double best_ = 0;
  int wait_ = 0;
  int cooldown_counter_ = 0;
};

struct CSVLoggerOptions {
  char separator = ',';
  bool append = false;
};
/// Writes one CSV row per epoch: "epoch" then the log keys in sorted order.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string filename, CSVLoggerOptions o = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;

 private:
  std::string filename_;
  CSVLoggerOptions o_;
  std::vector<std::string> keys_ = {};
  bool header_written_ = false;
  std::shared_ptr<std::ostream> file_;
};

/// Sets the learning rate at the start of every epoch to schedule(epoch, current_lr).
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int epoch, double lr)> schedule,
                                 int verbose = 0);
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  std::function<double(int, double)> schedule_;
  int verbose_;
};

/// Stops training when the loss becomes NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  explicit TerminateOnNaN(bool raise_error = false) : raise_error_(raise_error) {}
  void on_train_batch_end(int64_t batch, Logs& logs) override;

 private:
  bool raise_error_;
};

/// A callback made of functions (Keras's LambdaCallback); unset hooks do nothing.
struct LambdaCallbackOptions {
  std::function<void(int, Logs&)> on_epoch_begin;
  std::function<void(int, Logs&)> on_epoch_end;
  std::function<void(int64_t, Logs&)> on_train_batch_begin;
  std::function<void(int64_t, Logs&)> on_train_batch_end;
  std::function<void(Logs&)> on_train_begin;
  std::function<void(Logs&)> on_train_end;
};
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions o) : o_(std::move(o)) {}
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_batch_begin(int64_t batch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  void on_train_begin(Logs& logs) override;
  void on_train_end(Logs& logs) override;

 private:
  LambdaCallbackOptions o_;
};

/// Python's str.format for the fields of a checkpoint path: "{epoch:02d}", "{val_acc:.4f}",
/// "{loss}". `values` maps field names to numbers; `integers` names those formatted as ints
/// when no type is given ("epoch"). "{{" and "}}" are literal braces.
/// Throws InvalidArgument for a missing key or a malformed field, naming the template.
std::string format_filepath(const std::string& pattern, const Logs& values,
                            const std::vector<std::string>& integers = {"epoch", "batch"});

}  // namespace callbacks
}  // namespace dl::keras
