#include "dl/highlevel/metrics.h"

#include <functional>

#include "dl/core/error.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/losses.h"

namespace dl::keras::metrics {
namespace {

Output as_dtype(Output x, DType t) { return x.dtype() == t ? x : ops::cast(x, t); }

/// Keras's reduce_to_samplewise_values: the mean over every axis but the first (the sum for
/// the counts of the ratio metrics).
Output samplewise(Output v, bool sum = false) {
  const int r = v.shape().rank();
  if (r <= 1) return v;
  std::vector<int64_t> axes;
  for (int i = 1; i < r; ++i) axes.push_back(i);
  return sum ? ops::reduce_sum(v, axes) : ops::reduce_mean(v, axes);
}

std::string or_default(const std::string& n, const char* d) { return n.empty() ? d : n; }

/// tf.nn.in_top_k(targets, predictions, k) for predictions [n, classes] and int targets [n]:
/// true when fewer than k classes score strictly higher than the target class.
Output in_top_k(Output targets, Output predictions, int64_t k) {
  const int64_t classes = predictions.shape()[predictions.shape().rank() - 1];
  Output onehot = ops::one_hot(targets, classes, 1.0, 0.0, -1, predictions.dtype());
  Output target_score = ops::reduce_sum(predictions * onehot, {-1}, true);
  Output higher = ops::cast(ops::greater(predictions, target_score), predictions.dtype());
  Output count = ops::reduce_sum(higher, {-1});
  return ops::less(count, ops::scalar(predictions.graph(), double(k), predictions.dtype()));
}

Output flatten_classes(Output y_pred) {
  const int r = y_pred.shape().rank();
  if (r <= 2) return y_pred;
  return ops::reshape(y_pred, Shape({-1, y_pred.shape()[r - 1]}));
}

}  // namespace

Metric::Metric(std::string name, std::string direction)
    : name_(std::move(name)), direction_(std::move(direction)) {}

Output Metric::call(Output, Output) const {
  throw Unimplemented(str_cat("metric \"", name_,
                              "\" has no per-sample values: it is computed from a state summed "
                              "over the epoch (batch_state() and result())"));
}
Output Metric::batch_state(Output, Output) const {
  throw Unimplemented(str_cat("metric \"", name_,
                              "\" has no batch state: it is a mean or ratio of per-sample values "
                              "(call())"));
}
double Metric::result(const std::vector<double>&) const {
  throw Unimplemented(str_cat("metric \"", name_,
                              "\" has no state to compute a result from (has_state() is false)"));
}

BinaryAccuracy::BinaryAccuracy(Options o)
    : Metric(or_default(o.name, "binary_accuracy"), "up"), threshold_(o.threshold) {}

Output BinaryAccuracy::call(Output y_true, Output y_pred) const {
  y_true = as_dtype(y_true, y_pred.dtype());
  std::tie(y_true, y_pred) = losses::squeeze_or_expand_to_same_rank(y_true, y_pred);
  Output thr = ops::scalar(y_pred.graph(), threshold_, y_pred.dtype());
  Output pred = ops::cast(ops::greater(y_pred, thr), y_true.dtype());
  return samplewise(ops::cast(ops::equal(y_true, pred), DType::f32));
}

CategoricalAccuracy::CategoricalAccuracy(MetricOptions o)
    : Metric(or_default(o.name, "categorical_accuracy"), "up") {}

Output CategoricalAccuracy::call(Output y_true, Output y_pred) const {
  Output t = ops::argmax(y_true, -1);
  Output p = ops::argmax(y_pred, -1);
  return samplewise(ops::cast(ops::equal(t, p), DType::f32));
}

SparseCategoricalAccuracy::SparseCategoricalAccuracy(MetricOptions o)
    : Metric(or_default(o.name, "sparse_categorical_accuracy"), "up") {}

Output SparseCategoricalAccuracy::call(Output y_true, Output y_pred) const {
  y_true = as_dtype(y_true, y_pred.dtype());
  const int rt = y_true.shape().rank();
  if (rt == y_pred.shape().rank() && rt > 0 && y_true.shape()[rt - 1] == 1) {
    y_true = ops::squeeze(y_true, {-1});
  }
  // Keras compares in y_true's (float) dtype: the argmax is cast to it.
  Output p = ops::cast(ops::argmax(y_pred, -1), y_true.dtype());
  return samplewise(ops::cast(ops::equal(y_true, p), DType::f32));
}

TopKCategoricalAccuracy::TopKCategoricalAccuracy(Options o)
    : Metric(or_default(o.name, "top_k_categorical_accuracy"), "up"), k_(o.k) {
  DL_CHECK(k_ >= 1, "TopKCategoricalAccuracy: k must be >= 1, received ", k_);
}

Output TopKCategoricalAccuracy::call(Output y_true, Output y_pred) const {
  Output t = ops::reshape(ops::cast(ops::argmax(y_true, -1), DType::i32), Shape({-1}));
  Output m = ops::cast(in_top_k(t, flatten_classes(y_pred), k_), DType::f32);
  if (y_true.shape().rank() > 2) {
    std::vector<int64_t> dims = y_true.shape().dims();
    dims.pop_back();
    dims[0] = -1;
    m = ops::reshape(m, Shape(dims));
  }
  return samplewise(m);
}

SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(Options o)
    : Metric(or_default(o.name, "sparse_top_k_categorical_accuracy"), "up"), k_(o.k) {
  DL_CHECK(k_ >= 1, "SparseTopKCategoricalAccuracy: k must be >= 1, received ", k_);
}

Output SparseTopKCategoricalAccuracy::call(Output y_true, Output y_pred) const {
  Output t = ops::reshape(ops::cast(y_true, DType::i32), Shape({-1}));
  Output m = ops::cast(in_top_k(t, flatten_classes(y_pred), k_), DType::f32);
  const int rp = y_pred.shape().rank();
  if (rp > 2) {
    std::vector<int64_t> dims = y_pred.shape().dims();
    dims.pop_back();
    dims[0] = -1;
    m = ops::reshape(m, Shape(dims));
  }
  return samplewise(m);
}

MeanSquaredError::MeanSquaredError(MetricOptions o)
    : Metric(or_default(o.name, "mean_squared_error"), "down") {}
Output MeanSquaredError::call(Output y_true, Output y_pred) const {
  return samplewise(losses::mean_squared_error(y_true, y_pred));
}
MeanAbsoluteError::MeanAbsoluteError(MetricOptions o)
    : Metric(or_default(o.name, "mean_absolute_error"), "down") {}
Output MeanAbsoluteError::call(Output y_true, Output y_pred) const {
  return samplewise(losses::mean_absolute_error(y_true, y_pred));
}

TruePositivesRatio::TruePositivesRatio(const ThresholdMetricOptions& o, const char* default_name)
    : Metric(or_default(o.name, default_name), "up"), threshold_(o.threshold) {}
Output TruePositivesRatio::predicted_positive(Output y_pred) const {
  return ops::cast(ops::greater(y_pred, ops::scalar(y_pred.graph(), threshold_, y_pred.dtype())),
                   y_pred.dtype());
}
Output TruePositivesRatio::call(Output y_true, Output y_pred) const {
  return samplewise(predicted_positive(y_pred) * ops::cast(y_true, y_pred.dtype()), true);
}
Output Precision::denominator(Output, Output y_pred) const {
  return samplewise(predicted_positive(y_pred), true);
}
Output Recall::denominator(Output y_true, Output y_pred) const {
  return samplewise(ops::cast(y_true, y_pred.dtype()), true);
}

// ---- names ----

namespace {

using Factory = std::function<std::shared_ptr<Metric>()>;

const std::vector<std::pair<std::string, Factory>>& table() {
  static const std::vector<std::pair<std::string, Factory>> t = {
      {"binary_accuracy", [] { return std::make_shared<BinaryAccuracy>(); }},
      {"BinaryAccuracy", [] { return std::make_shared<BinaryAccuracy>(); }},
      {"categorical_accuracy", [] { return std::make_shared<CategoricalAccuracy>(); }},
      {"CategoricalAccuracy", [] { return std::make_shared<CategoricalAccuracy>(); }},
      {"sparse_categorical_accuracy", [] { return std::make_shared<SparseCategoricalAccuracy>(); }},
      {"SparseCategoricalAccuracy", [] { return std::make_shared<SparseCategoricalAccuracy>(); }},
      {"top_k_categorical_accuracy", [] { return std::make_shared<TopKCategoricalAccuracy>(); }},
      {"TopKCategoricalAccuracy", [] { return std::make_shared<TopKCategoricalAccuracy>(); }},
      {"sparse_top_k_categorical_accuracy",
       [] { return std::make_shared<SparseTopKCategoricalAccuracy>(); }},
      {"SparseTopKCategoricalAccuracy",
       [] { return std::make_shared<SparseTopKCategoricalAccuracy>(); }},
      {"mean_squared_error", [] { return std::make_shared<MeanSquaredError>(); }},
      {"MeanSquaredError", [] { return std::make_shared<MeanSquaredError>(); }},
      {"mse", [] { return std::make_shared<MeanSquaredError>(); }},
      {"MSE", [] { return std::make_shared<MeanSquaredError>(); }},
      {"mean_absolute_error", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"MeanAbsoluteError", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"mae", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"MAE", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"precision", [] { return std::make_shared<Precision>(); }},
      {"Precision", [] { return std::make_shared<Precision>(); }},
      {"recall", [] { return std::make_shared<Recall>(); }},
      {"Recall", [] { return std::make_shared<Recall>(); }},
      {"auc", [] { return std::make_shared<AUC>(); }},
      {"AUC", [] { return std::make_shared<AUC>(); }},
  };
  return t;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out{"accuracy", "acc"};
  for (const auto& [n, f] : table()) out.push_back(n);
  return out;
}

std::shared_ptr<Metric> get(const std::string& name) {
  for (const auto& [n, f] : table()) {
    if (n == name) return f();
  }
  std::string valid;
  for (const std::string& n : names()) valid += (valid.empty() ? "" : ", ") + n;
  throw InvalidArgument(
      str_cat("Could not interpret metric identifier: '", name, "'. Valid names: ", valid));
}

MetricArg::MetricArg(const char* name) : MetricArg(std::string(name)) {}
MetricArg::MetricArg(const std::string& name) : name_(name) {
  if (name != "accuracy" && name != "acc") {
    auto m = get(name);  // fails here for an unknown name
    p_ = m;
  }
}
MetricArg::MetricArg(std::shared_ptr<const Metric> p) : p_(std::move(p)) {
  DL_CHECK(p_ != nullptr, "metric: received a null metric");
}

std::string MetricArg::identifier() const { return name_.empty() ? p_->name() : name_; }

std::shared_ptr<const Metric> MetricArg::resolve(int y_true_rank, int64_t y_true_last,
                                                 int y_pred_rank, int64_t y_pred_last,
                                                 const losses::Loss* loss, Profile profile) const {
  if (name_.empty()) return p_;  // an object keeps its own name
  std::shared_ptr<Metric> m;
  if (name_ == "accuracy" || name_ == "acc") {
    if (profile == Profile::keras2) {
      // Keras 2.2.4 (training.py _compile_metrics): by the loss function and output shape.
      const bool bce = loss && dynamic_cast<const losses::BinaryCrossentropy*>(loss) != nullptr;
      const bool scce =
          loss && dynamic_cast<const losses::SparseCategoricalCrossentropy*>(loss) != nullptr;
      if (y_pred_last == 1 || bce) {
        m = std::make_shared<BinaryAccuracy>();
      } else if (scce) {
        m = std::make_shared<SparseCategoricalAccuracy>();
      } else {
        m = std::make_shared<CategoricalAccuracy>();
      }
      m->set_name("acc");
      return m;
    }
    // Keras 3 (compile_utils.get_metric): by shapes.
    const bool is_binary = y_pred_last == 1;
    const bool is_sparse = y_true_rank < y_pred_rank || (y_true_last == 1 && y_pred_last > 1);
    if (is_binary) {
      m = std::make_shared<BinaryAccuracy>();
    } else if (is_sparse) {
      m = std::make_shared<SparseCategoricalAccuracy>();
    } else {
      m = std::make_shared<CategoricalAccuracy>();
    }
    m->set_name(name_);
    return m;
  }
  m = get(name_);
  // Keras 3 logs a metric under the string given; Keras 2.2.4 under its function's name
  // ("mse" -> "mean_squared_error").
  if (profile == Profile::keras3) {
    m->set_name(name_);
  } else if (name_ == "mse" || name_ == "MSE") {
    m->set_name("mean_squared_error");
  } else if (name_ == "mae" || name_ == "MAE") {
    m->set_name("mean_absolute_error");
  }
  return m;
}

}  // namespace dl::keras::metrics
