#pragma once
/// keras.metrics: per-sample metric values as graph ops, averaged over an epoch as Keras's
/// stateful Mean metrics (total of the per-sample values / number of samples seen).
///
/// `'accuracy'` and `'acc'` resolve as in Keras 3 (by shapes: a last prediction dimension of 1
/// -> binary; labels of lower rank, or a last label dimension of 1 against more classes ->
/// sparse; else categorical) or, in the keras2 profile, as in Keras 2.2.4 (by the loss: binary
/// cross-entropy or a last output dimension of 1 -> binary; sparse categorical cross-entropy ->
/// sparse; else categorical), and log under the name given (Keras 3) or always as "acc"
/// (keras2).
#include <memory>
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
  /// Keras's reduce_to_samplewise_values does).
  virtual Output call(Output y_true, Output y_pred) const = 0;
  /// Per-sample denominators [batch] of a ratio metric (Precision: predicted positives): the
  /// epoch value is sum(call) / sum(denominator) over the batches seen, 0 when the sum is 0
  /// (Keras's divide_no_nan). Empty (the default): every sample counts 1, a running mean.
  virtual Output denominator(Output /*y_true*/, Output /*y_pred*/) const { return {}; }
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

/// A metric by name ("accuracy", "acc", "binary_accuracy", "categorical_accuracy",
/// "sparse_categorical_accuracy", "top_k_categorical_accuracy",
/// "sparse_top_k_categorical_accuracy", "mse", "mae", "precision", "recall", their class names)
/// or as an object.
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
