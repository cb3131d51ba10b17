// keras.metrics.AUC: confusion counts per threshold as graph ops, the area from their sums.
#include <algorithm>
#include <cmath>

#include "dl/core/error.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/gather_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/backend.h"
#include "dl/highlevel/layer.h"
#include "dl/highlevel/losses.h"
#include "dl/highlevel/metrics.h"

namespace dl::keras::metrics {
namespace {

double divide_no_nan(double x, double y) { return y == 0 ? 0.0 : x / y; }

std::string list_string(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + str_cat(v[i]);
  return out + "]";
}

/// metrics_utils.is_evenly_distributed_thresholds: np.allclose(t, arange(n, float32) / (n - 1),
/// atol=epsilon) with numpy's default rtol.
bool evenly_distributed(const std::vector<double>& t) {
  const size_t n = t.size();
  if (n < 3) return false;
  for (size_t i = 0; i < n; ++i) {
    const double even = static_cast<float>(i) / static_cast<float>(n - 1);
    if (!(std::fabs(t[i] - even) <= backend::epsilon() + 1e-5 * std::fabs(even))) return false;
  }
  return true;
}

}  // namespace

AUC::AUC(Options o) : Metric(o.name.empty() ? "auc" : o.name, "up"), o_(std::move(o)) {
  const std::string who = str_cat("AUC \"", name(), "\": ");
  if (o_.curve == "ROC" || o_.curve == "roc") {
    curve_ = Curve::roc;
  } else if (o_.curve == "PR" || o_.curve == "pr") {
    curve_ = Curve::pr;
  } else if (o_.curve == "PRGAIN" || o_.curve == "prgain") {
    curve_ = Curve::prgain;
  } else {
    throw InvalidArgument(str_cat(who, "Invalid AUC curve value: \"", o_.curve,
                                  "\". Expected values are [\"PR\", \"ROC\", \"PRGAIN\"]"));
  }
  const std::string& sm = o_.summation_method;
  if (sm == "interpolation" || sm == "Interpolation") {
    summation_ = Summation::interpolation;
  } else if (sm == "minoring" || sm == "Minoring") {
    summation_ = Summation::minoring;
  } else if (sm == "majoring" || sm == "Majoring") {
    summation_ = Summation::majoring;
  } else {
    throw InvalidArgument(
        str_cat(who, "Invalid AUC summation method value: \"", sm,
                "\". Expected values are [\"interpolation\", \"majoring\", \"minoring\"]"));
  }
  const double eps = backend::epsilon();
  thresholds_ = {0.0 - eps};
  if (o_.thresholds) {
    std::vector<double> t = *o_.thresholds;
    std::sort(t.begin(), t.end());
    for (double v : t) {
      // Keras only asks for [0, 1]; outside it the -epsilon and 1 + epsilon ends would no longer
      // be the smallest and largest thresholds, which the bucket counts below rely on.
      if (!(v >= 0.0 && v <= 1.0)) {
        throw InvalidArgument(str_cat(who, "`thresholds` must lie in [0, 1], received ",
                                      list_string(*o_.thresholds)));
      }
    }
    std::vector<double> with_ends{0.0};
    with_ends.insert(with_ends.end(), t.begin(), t.end());
    with_ends.push_back(1.0);
    evenly_ = evenly_distributed(with_ends);
    thresholds_.insert(thresholds_.end(), t.begin(), t.end());
  } else {
    if (o_.num_thresholds <= 1) {
      throw InvalidArgument(str_cat(
          who, "Argument `num_thresholds` must be an integer > 1. Received: num_thresholds=",
          o_.num_thresholds));
    }
    const int64_t n = o_.num_thresholds;
    for (int64_t i = 0; i < n - 2; ++i) {
      thresholds_.push_back(static_cast<double>(i + 1) * 1.0 / static_cast<double>(n - 1));
    }
    evenly_ = true;
  }
  thresholds_.push_back(1.0 + eps);
  if (o_.num_labels < 0) {
    throw InvalidArgument(
        str_cat(who, "`num_labels` must be positive (or 0: not given), received ", o_.num_labels));
  }
  if (!o_.multi_label && o_.num_labels > 0) {
    throw InvalidArgument(str_cat(who, "`num_labels` is needed only when `multi_label` is True."));
  }
  if (o_.multi_label && o_.num_labels > 0 && !o_.label_weights.empty() &&
      static_cast<int64_t>(o_.label_weights.size()) != o_.num_labels) {
    throw InvalidArgument(str_cat(who, "`label_weights` has ", o_.label_weights.size(),
                                  " entries, but num_labels=", o_.num_labels));
  }
}

Output AUC::batch_state(Output y_true, Output y_pred) const {
  const std::string who = str_cat("AUC \"", name(), "\": ");
  Graph& g = y_pred.graph();
  const int64_t T = num_thresholds();
  const int64_t S = T + 1;  // buckets: above 0, 1, ..., T thresholds
  if (o_.multi_label && y_pred.shape().rank() != 2) {
    throw InvalidArgument(
        str_cat(who, "`y_pred` must have rank 2 when `multi_label=True`. Found rank ",
                y_pred.shape().rank(),
                ". Full shape received for `y_pred`: ", shape_to_string(y_pred.shape())));
  }
  if (y_true.dtype() != DType::f32) y_true = ops::cast(y_true, DType::f32);
  if (y_pred.dtype() != DType::f32) y_pred = ops::cast(y_pred, DType::f32);
  std::tie(y_pred, y_true) = losses::squeeze_or_expand_to_same_rank(y_pred, y_true);
  const Shape& ps = y_pred.shape();
  const Shape& ts = y_true.shape();
  bool same = ps.rank() == ts.rank();
  for (int a = 1; same && a < ps.rank(); ++a) same = ps[a] < 0 || ts[a] < 0 || ps[a] == ts[a];
  if (!same) {
    throw InvalidArgument(str_cat(who, "labels of shape ", shape_to_string(ts),
                                  " do not match predictions of shape ", shape_to_string(ps),
                                  ": every prediction needs one label"));
  }
  const int rank = ps.rank();
  const int64_t last = rank ? ps[rank - 1] : 1;
  const bool need_last = o_.multi_label || !o_.label_weights.empty();
  if (need_last && (rank < 2 || last < 0)) {
    throw InvalidArgument(str_cat(who,
                                  "multi_label and label_weights need predictions with a known "
                                  "last dimension (the labels), received shape ",
                                  shape_to_string(ps)));
  }
  if (o_.multi_label && o_.num_labels > 0 && o_.num_labels != last) {
    throw InvalidArgument(str_cat(who, "num_labels=", o_.num_labels, ", but `y_pred` has ", last,
                                  " labels (shape ", shape_to_string(ps), ")"));
  }
  if (!o_.label_weights.empty() && static_cast<int64_t>(o_.label_weights.size()) != last) {
    throw InvalidArgument(str_cat(who, "`label_weights` has ", o_.label_weights.size(),
                                  " entries, but `y_pred` has ", last, " labels (shape ",
                                  shape_to_string(ps), ")"));
  }
  const int64_t labels = o_.multi_label ? last : 1;

  if (o_.from_logits) y_pred = ops::sigmoid(y_pred);
  // Keras casts the labels to bool and back: any nonzero label is a whole positive.
  Output is_pos = ops::cast(ops::not_equal(y_true, ops::scalar(g, 0.0)), DType::f32);
  Output true_labels = is_pos, false_labels = 1.0 - is_pos;
  if (!o_.label_weights.empty() && !o_.multi_label) {
    std::vector<float> w(o_.label_weights.begin(), o_.label_weights.end());
    Output lw = ops::constant(g, w, Shape({last}));
    true_labels = true_labels * lw;
    false_labels = false_labels * lw;
  }

  // The bucket of each prediction: how many thresholds it is above.
  Output above;
  if (evenly_) {
    // _update_confusion_matrix_variables_optimized with thresholds_with_epsilon: bucket index
    // relu(ceil(p * (T - 1)) - 1) is the last threshold p is above (every p in [0, 1] is above
    // the first, -epsilon), in float32 as Keras computes it.
    Output p = ops::clip_by_value(y_pred, 0.0, 1.0);
    Output x = p * ops::scalar(g, static_cast<double>(T - 1));
    Output ceil = -ops::floor(-x);
    above = ops::maximum(ceil - 1.0, ops::scalar(g, 0.0)) + 1.0;
  } else {
    // The comparison path: p > threshold, thresholds rounded to float32.
    std::vector<float> t(thresholds_.begin(), thresholds_.end());
    Output thr = ops::constant(g, t, Shape({T}));
    Output gt = ops::cast(ops::greater(ops::expand_dims(y_pred, -1), thr), DType::f32);
    above = ops::reduce_sum(gt, {-1});
  }
  Output ids = ops::cast(above, DType::i32);
  if (o_.multi_label) {
    std::vector<int32_t> offsets(static_cast<size_t>(labels));
    for (int64_t l = 0; l < labels; ++l)
      offsets[static_cast<size_t>(l)] = static_cast<int32_t>(l * S);
    ids = ids + ops::constant(g, Tensor::from_vector<int32_t>(Shape({labels}), offsets));
  } else {
    ids = ops::reshape(ids, Shape({-1}));
    true_labels = ops::reshape(true_labels, Shape({-1}));
    false_labels = ops::reshape(false_labels, Shape({-1}));
  }
  Output tp = ops::unsorted_segment_sum(true_labels, ids, labels * S);
  Output fp = ops::unsorted_segment_sum(false_labels, ids, labels * S);
  return ops::concat({tp, fp}, 0);
}

AUC::ConfusionMatrix AUC::confusion_matrix(const std::vector<double>& state) const {
  const int64_t T = num_thresholds();
  const int64_t S = T + 1;
  const int64_t n = static_cast<int64_t>(state.size());
  const int64_t L = n / (2 * S);
  const bool fits = n > 0 && n % (2 * S) == 0 && (o_.multi_label || L == 1) &&
                    (o_.num_labels == 0 || L == o_.num_labels) &&
                    (!o_.multi_label || o_.label_weights.empty() ||
                     L == static_cast<int64_t>(o_.label_weights.size()));
  if (!fits) {
    throw InvalidArgument(str_cat("AUC \"", name(),
                                  "\": a state holds 2 * labels * (num_thresholds + 1) values "
                                  "(num_thresholds + 1 = ",
                                  S,
                                  "; labels = 1 unless multi_label, then the number of "
                                  "labels), received ",
                                  n, " values"));
  }
  ConfusionMatrix m;
  m.num_labels = L;
  const size_t cells = static_cast<size_t>(T * L);
  m.true_positives.assign(cells, 0.0);
  m.false_positives.assign(cells, 0.0);
  m.true_negatives.assign(cells, 0.0);
  m.false_negatives.assign(cells, 0.0);
  for (int64_t l = 0; l < L; ++l) {
    const double* tpb = state.data() + l * S;
    const double* fpb = state.data() + L * S + l * S;
    double total_true = 0, total_false = 0;
    for (int64_t k = 0; k < S; ++k) {
      total_true += tpb[k];
      total_false += fpb[k];
    }
    // Positive at threshold i: above more than i thresholds (Keras's reversed cumsum).
    double tp = 0, fp = 0;
    for (int64_t i = T - 1; i >= 0; --i) {
      tp += tpb[i + 1];
      fp += fpb[i + 1];
      const size_t c = static_cast<size_t>(i * L + l);
      m.true_positives[c] = tp;
      m.false_positives[c] = fp;
      m.false_negatives[c] = total_true - tp;
      m.true_negatives[c] = total_false - fp;
    }
  }
  return m;
}

double AUC::interpolate_pr_auc(const ConfusionMatrix& m, int64_t label) const {
  const int64_t T = num_thresholds();
  const int64_t L = m.num_labels;
  auto at = [&](const std::vector<double>& v, int64_t i) {
    return v[static_cast<size_t>(i * L + label)];
  };
  double sum = 0;
  for (int64_t i = 0; i + 1 < T; ++i) {
    const double tp_a = at(m.true_positives, i), tp_b = at(m.true_positives, i + 1);
    const double p_a = tp_a + at(m.false_positives, i);
    const double p_b = tp_b + at(m.false_positives, i + 1);
    const double dtp = tp_a - tp_b;
    const double dp = p_a - p_b;
    const double prec_slope = divide_no_nan(dtp, std::max(dp, 0.0));
    const double intercept = tp_b - prec_slope * p_b;
    const double safe_p_ratio = p_a > 0 && p_b > 0 ? divide_no_nan(p_a, std::max(p_b, 0.0)) : 1.0;
    sum += divide_no_nan(prec_slope * (dtp + intercept * std::log(safe_p_ratio)),
                         std::max(tp_b + at(m.false_negatives, i + 1), 0.0));
  }
  return sum;
}

double AUC::area(const ConfusionMatrix& m, int64_t label) const {
  if (curve_ == Curve::pr && summation_ == Summation::interpolation) {
    return interpolate_pr_auc(m, label);
  }
  const int64_t T = num_thresholds();
  const int64_t L = m.num_labels;
  std::vector<double> x(static_cast<size_t>(T)), y(static_cast<size_t>(T));
  for (int64_t i = 0; i < T; ++i) {
    const size_t c = static_cast<size_t>(i * L + label);
    const double tp = m.true_positives[c], fp = m.false_positives[c];
    const double tn = m.true_negatives[c], fn = m.false_negatives[c];
    const double recall = divide_no_nan(tp, tp + fn);
    double& xi = x[static_cast<size_t>(i)];
    double& yi = y[static_cast<size_t>(i)];
    if (curve_ == Curve::roc) {
      xi = divide_no_nan(fp, fp + tn);
      yi = recall;
    } else if (curve_ == Curve::pr) {
      xi = recall;
      yi = divide_no_nan(tp, tp + fp);
    } else {
      // PRGAIN, with Keras's fixes: recall gain 0 and precision gain 1 where there are no true
      // positives, recall gain at least 0.
      const double scaling = divide_no_nan(tp + fn, tn + fp);
      double recall_gain = 1.0 - scaling * divide_no_nan(fn, tp);
      double precision_gain = 1.0 - scaling * divide_no_nan(fp, tp);
      if (tp == 0.0) {
        recall_gain = 0.0;
        precision_gain = 1.0;
      }
      xi = std::max(recall_gain, 0.0);
      yi = precision_gain;
    }
  }
  double sum = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    double h;
    if (summation_ == Summation::interpolation) {
      h = (y[i] + y[i + 1]) / 2.0;
    } else if (summation_ == Summation::minoring) {
      h = std::min(y[i], y[i + 1]);
    } else {
      h = std::max(y[i], y[i + 1]);
    }
    sum += (x[i] - x[i + 1]) * h;
  }
  return sum;
}

double AUC::result(const std::vector<double>& state) const {
  const ConfusionMatrix m = confusion_matrix(state);
  if (!o_.multi_label) return area(m, 0);
  double total = 0, weighted = 0, weights = 0;
  for (int64_t l = 0; l < m.num_labels; ++l) {
    const double a = area(m, l);
    total += a;
    if (!o_.label_weights.empty()) {
      weighted += a * o_.label_weights[static_cast<size_t>(l)];
      weights += o_.label_weights[static_cast<size_t>(l)];
    }
  }
  if (o_.label_weights.empty()) return total / static_cast<double>(m.num_labels);
  return divide_no_nan(weighted, weights);
}

}  // namespace dl::keras::metrics
