#pragma once
/// keras.metrics: per-sample metric values as graph ops, averaged over an epoch as Keras's
/// stateful Mean metrics (total of the per-sample values / number of samples seen); ratio
/// metrics (Precision, Recall) divide sums of values by sums of denominators; state metrics
/// (AUC) sum a vector state over the epoch and compute their value from it.
///
/// `'accuracy'` and `'acc'` resolve as in Keras 3 (by shapes: a last prediction dimension of 1
/// -> binary; labels of lower rank, or a last label dimension of 1 against more classes ->
/// sparse; else categorical) or, in the keras2 profile, as in Keras 2.2.4 (by the loss: binary
/// cross-entropy or a last output dimension of 1 -> binary; sparse categorical cross-entropy ->
/// sparse; else categorical), and log under the name given (Keras 3) or always as "acc"
/// (keras2).
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "dl/graph/graph.h"
#include "dl/highlevel/backend.h"

namespace dl::keras::losses {
class Loss;
}

namespace dl::keras::metrics {

class Metric {
 public:
  /// `direction` is Keras 3's _direction: "up" when larger is better (accuracies), "down"
  /// otherwise; ModelCheckpoint and EarlyStopping use it with mode "auto".
  Metric(std::string name, std::string direction);
  virtual ~Metric() = default;
  /// Per-sample values: shape [batch] (values of rank > 1 are averaged over the other axes, as
  /// Keras's reduce_to_samplewise_values does). A state metric (has_state()) has none: the
  /// default throws Unimplemented naming the metric.
  virtual Output call(Output y_true, Output y_pred) const;
  /// Per-sample denominators [batch] of a ratio metric (Precision: predicted positives): the
  /// epoch value is sum(call) / sum(denominator) over the batches seen, 0 when the sum is 0
  /// (Keras's divide_no_nan). Empty (the default): every sample counts 1, a running mean.
  virtual Output denominator(Output /*y_true*/, Output /*y_pred*/) const { return {}; }

  /// True for a metric computed from a state summed over the epoch (AUC's confusion counts per
  /// threshold) rather than from per-sample values: it implements batch_state() and result()
  /// instead of call() and denominator().
  virtual bool has_state() const { return false; }
  /// A state metric's contribution of one batch: a 1-D float32 tensor of static length; the
  /// epoch's state is the element-wise sum of these over the batches seen. The default throws
  /// Unimplemented naming the metric.
  virtual Output batch_state(Output y_true, Output y_pred) const;
  /// A state metric's value from a state: the element-wise sum of batch_state() values over
  /// any number of batches (one batch: that batch's value), in double. Throws InvalidArgument
  /// when `state` does not have batch_state()'s length; the default throws Unimplemented.
  virtual double result(const std::vector<double>& state) const;
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  const std::string& direction() const { return direction_; }

 private:
  std::string name_;
  std::string direction_;
};

struct MetricOptions {
  std::string name = {};  ///< empty: the Keras default name
};

/// 1 where (y_pred > threshold) == y_true, per element (Keras's binary_accuracy).
class BinaryAccuracy : public Metric {
 public:
  struct Options {
    std::string name = {};
    double threshold = 0.5;
  };
  explicit BinaryAccuracy(Options o);
  BinaryAccuracy() : BinaryAccuracy(Options{}) {}
  Output call(Output y_true, Output y_pred) const override;

 private:
  double threshold_;
};
/// argmax(y_true) == argmax(y_pred).
class CategoricalAccuracy : public Metric {
 public:
  explicit CategoricalAccuracy(MetricOptions o = {});
  Output call(Output y_true, Output y_pred) const override;
};
/// y_true (a class id) == argmax(y_pred).
class SparseCategoricalAccuracy : public Metric {
 public:
  explicit SparseCategoricalAccuracy(MetricOptions o = {});
  Output call(Output y_true, Output y_pred) const override;
};
/// argmax(y_true) is among the k largest predictions (tf.nn.in_top_k: classes tied with the
/// target's score count as in the top k).
class TopKCategoricalAccuracy : public Metric {
 public:
  struct Options {
    int64_t k = 5;
    std::string name = {};
  };
  explicit TopKCategoricalAccuracy(Options o);
  TopKCategoricalAccuracy() : TopKCategoricalAccuracy(Options{}) {}
  Output call(Output y_true, Output y_pred) const override;

 private:
  int64_t k_;
};
/// The same with integer class ids as labels.
class SparseTopKCategoricalAccuracy : public Metric {
 public:
  struct Options {
    int64_t k = 5;
    std::string name = {};
  };
  explicit SparseTopKCategoricalAccuracy(Options o);
  SparseTopKCategoricalAccuracy() : SparseTopKCategoricalAccuracy(Options{}) {}
  Output call(Output y_true, Output y_pred) const override;

 private:
  int64_t k_;
};
class MeanSquaredError : public Metric {
 public:
  explicit MeanSquaredError(MetricOptions o = {});
  Output call(Output y_true, Output y_pred) const override;
};
class MeanAbsoluteError : public Metric {
 public:
  explicit MeanAbsoluteError(MetricOptions o = {});
  Output call(Output y_true, Output y_pred) const override;
};

struct ThresholdMetricOptions {
  std::string name = {};
  double threshold = 0.5;  ///< a prediction is positive when y_pred > threshold
};

/// The shared part of Precision and Recall: per sample, the true positives summed over its
/// elements; each divides by its own denominator.
class TruePositivesRatio : public Metric {
 public:
  Output call(Output y_true, Output y_pred) const override;

 protected:
  TruePositivesRatio(const ThresholdMetricOptions& o, const char* default_name);
  /// 1 where y_pred > threshold, per element.
  Output predicted_positive(Output y_pred) const;

 private:
  double threshold_;
};

/// keras.metrics.Precision(thresholds=0.5): true positives / predicted positives over every
/// element seen in the epoch.
class Precision : public TruePositivesRatio {
 public:
  using Options = ThresholdMetricOptions;
  explicit Precision(Options o) : TruePositivesRatio(o, "precision") {}
  Precision() : Precision(Options{}) {}
  Output denominator(Output y_true, Output y_pred) const override;
};
/// keras.metrics.Recall(thresholds=0.5): true positives / actual positives over the epoch.
class Recall : public TruePositivesRatio {
 public:
  using Options = ThresholdMetricOptions;
  explicit Recall(Options o) : TruePositivesRatio(o, "recall") {}
  Recall() : Recall(Options{}) {}
  Output denominator(Output y_true, Output y_pred) const override;
};

/// keras.metrics.AUC: the area under the ROC curve (or the precision-recall curve, or the
/// precision-recall-gain curve), a Riemann sum over thresholds of confusion counts accumulated
/// over the epoch (a state metric: see Metric::has_state).
///
/// As Keras 3 (confusion_metrics.AUC, metrics_utils.update_confusion_matrix_variables):
/// - thresholds: `num_thresholds` values, i / (num_thresholds - 1) for 0 < i < num_thresholds - 1
///   between the ends -epsilon and 1 + epsilon; or the given `thresholds` (sorted, with those
///   ends added; num_thresholds is then their count + 2).
/// - from_logits: the predictions go through a sigmoid first.
/// - labels are binarised: any nonzero label (a soft label 0.3 too) is a positive with weight
///   1 (times its label weight), a zero label a negative.
/// - evenly spaced thresholds (the default, or given ones within epsilon of
///   i / (num_thresholds - 1)) use Keras's bucket path: predictions clipped to [0, 1], and a
///   prediction p counts as positive at threshold i when max(ceil(p * (num_thresholds - 1)) - 1,
///   0) >= i, computed in float32 (so 0 is positive at the first threshold, 1 never at the
///   last). Other thresholds: positive when p > threshold in float32, p unclipped.
/// - multi_label = false: every element of y_pred is one prediction (all labels flattened
///   together); label_weights, one per last-axis column, weight each element. multi_label =
///   true: y_pred of rank 2, one AUC per column, averaged (weighted by label_weights when
///   given; num_labels, when given, must be the number of columns).
/// - curve "ROC" / "roc", "PR" / "pr", "PRGAIN" / "prgain"; summation_method "interpolation",
///   "minoring", "majoring" (or capitalised); PR with interpolation is Keras's
///   interpolate_pr_auc (Davis & Goadrich).
/// Differences: the counts are float32 per batch and summed in double, the result is computed
/// in double (Keras: float32 throughout, equal to ~1e-7); no `dtype` argument; given
/// `thresholds` must lie in [0, 1] (Keras accepts others and then misorders its ends). Bad
/// arguments throw InvalidArgument at construction (num_thresholds <= 1, an unknown curve or
/// summation method, num_labels without multi_label, a threshold outside [0, 1], a negative
/// num_labels), shape mismatches when the graph is built.
class AUC : public Metric {
 public:
  struct Options {
    int64_t num_thresholds = 200;
    std::string curve = "ROC";
    std::string summation_method = "interpolation";
    std::string name = {};  ///< empty: "auc"
    std::optional<std::vector<double>> thresholds = std::nullopt;
    bool multi_label = false;
    int64_t num_labels = 0;                  ///< 0: not given (None)
    std::vector<double> label_weights = {};  ///< empty: not given (None)
    bool from_logits = false;
  };
  explicit AUC(Options o);
  AUC() : AUC(Options{}) {}

  bool has_state() const override { return true; }
  /// [2 * labels * (num_thresholds + 1)] weighted counts per bucket: for the true labels, then
  /// for the false labels, per label (1 unless multi_label) the predictions above exactly k of
  /// the thresholds, k = 0 ... num_thresholds.
  Output batch_state(Output y_true, Output y_pred) const override;
  double result(const std::vector<double>& state) const override;

  /// Keras's confusion variables for a state, each [num_thresholds, labels] row-major (labels
  /// = 1 unless multi_label): weighted counts of positive and negative labels whose prediction
  /// is above (true / false positives) or not above (false / true negatives) each threshold.
  struct ConfusionMatrix {
    int64_t num_labels = 1;
    std::vector<double> true_positives, false_positives, true_negatives, false_negatives;
  };
  ConfusionMatrix confusion_matrix(const std::vector<double>& state) const;

  /// The thresholds with their -epsilon and 1 + epsilon ends (Keras's `thresholds` property).
  const std::vector<double>& thresholds() const { return thresholds_; }
  int64_t num_thresholds() const { return static_cast<int64_t>(thresholds_.size()); }
  const Options& options() const { return o_; }

 private:
  enum class Curve { roc, pr, prgain };
  enum class Summation { interpolation, minoring, majoring };
  double area(const ConfusionMatrix& m, int64_t label) const;
  double interpolate_pr_auc(const ConfusionMatrix& m, int64_t label) const;

  Options o_;
  Curve curve_ = Curve::roc;
  Summation summation_ = Summation::interpolation;
  std::vector<double> thresholds_;
  bool evenly_ = true;
};

/// A metric by name ("accuracy", "acc", "binary_accuracy", "categorical_accuracy",
/// "sparse_categorical_accuracy", "top_k_categorical_accuracy",
/// "sparse_top_k_categorical_accuracy", "mse", "mae", "precision", "recall", "auc", their class
/// names) or as an object.
/// Unknown names fail where the argument is given, listing the valid ones.
class MetricArg {
 public:
  MetricArg(const char* name);         // NOLINT(google-explicit-constructor)
  MetricArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::is_base_of_v<Metric, T> MetricArg(T m)  // NOLINT(google-explicit-constructor)
      : p_(std::make_shared<T>(std::move(m))) {}
  MetricArg(std::shared_ptr<const Metric> p);  // NOLINT(google-explicit-constructor)

  /// The metric for labels of rank `y_true_rank` (last dimension y_true_last) and predictions
  /// of rank y_pred_rank (last dimension y_pred_last); `loss` is the compiled loss (for the
  /// keras2 resolution of "acc").
  std::shared_ptr<const Metric> resolve(int y_true_rank, int64_t y_true_last, int y_pred_rank,
                                        int64_t y_pred_last, const losses::Loss* loss,
                                        Profile profile) const;
  /// The name as given ("acc") or the object's name.
  std::string identifier() const;

 private:
  std::shared_ptr<const Metric> p_;
  std::string name_;  // a name to resolve at compile time ("acc", "accuracy")
};

/// keras.metrics.get(name) for names that do not depend on shapes. Throws InvalidArgument
/// listing the valid names.
std::shared_ptr<Metric> get(const std::string& name);
std::vector<std::string> names();

}  // namespace dl::keras::metrics
