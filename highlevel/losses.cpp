#include "dl/highlevel/losses.h"

#include <functional>

#include "dl/core/error.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::keras::losses {
namespace {

Output as_dtype(Output x, DType t) { return x.dtype() == t ? x : ops::cast(x, t); }

Output scalar_like(Output x, double v) { return ops::scalar(x.graph(), v, x.dtype()); }

/// Keras's _get_logits: the input of the Softmax / Sigmoid node that produced `output`.
Output logits_of(Output output, const char* op_type) {
  if (output.node && output.node->type() == op_type && output.index == 0 &&
      output.node->num_inputs() == 1) {
    return output.node->input(0);
  }
  return Output{};
}

Output clip_probabilities(Output p) {
  const double eps = backend::epsilon();
  return ops::clip_by_value(p, eps, 1.0 - eps);
}

}  // namespace

std::pair<Output, Output> squeeze_or_expand_to_same_rank(Output x1, Output x2, bool expand_rank_1) {
  const int r1 = x1.shape().rank(), r2 = x2.shape().rank();
  if (r1 == r2) return {x1, x2};
  if (r1 == r2 + 1 && x1.shape()[r1 - 1] == 1) {
    if (r2 == 1 && expand_rank_1) {
      x2 = ops::expand_dims(x2, -1);
    } else {
      x1 = ops::squeeze(x1, {-1});
    }
  }
  if (r2 == r1 + 1 && x2.shape()[r2 - 1] == 1) {
    if (r1 == 1 && expand_rank_1) {
      x1 = ops::expand_dims(x1, -1);
    } else {
      x2 = ops::squeeze(x2, {-1});
    }
  }
  return {x1, x2};
}

// ---- per-sample functions ----

Output binary_crossentropy(Output y_true, Output y_pred, bool from_logits, Profile profile) {
  y_true = as_dtype(y_true, y_pred.dtype());
  Output elementwise;
  if (profile == Profile::keras2) {
    // Keras 2.2.4: clip, recover logits log(p / (1 - p)), then the logits formula.
    Output logits = y_pred;
    if (!from_logits) {
      Output p = clip_probabilities(y_pred);
      logits = ops::log(p / (1.0 - p));
    }
    elementwise = nn::sigmoid_cross_entropy_with_logits(y_true, logits);
  } else {
    Output logits = from_logits ? y_pred : logits_of(y_pred, "Sigmoid");
    if (logits) {
      elementwise = nn::sigmoid_cross_entropy_with_logits(y_true, logits);
    } else {
      Output p = clip_probabilities(y_pred);
      Output bce = y_true * ops::log(p);
      bce = bce + (1.0 - y_true) * ops::log(1.0 - p);
      elementwise = -bce;
    }
  }
  return ops::reduce_mean(elementwise, {-1});
}

Output categorical_crossentropy(Output y_true, Output y_pred, bool from_logits, Profile profile) {
  y_true = as_dtype(y_true, y_pred.dtype());
  if (y_true.shape().rank() != y_pred.shape().rank() ||
      !y_true.shape().compatible_with(y_pred.shape())) {
    throw InvalidArgument(
        str_cat("Arguments `target` and `output` must have the same shape. Received: target.shape=",
                y_true.shape().to_string(), ", output.shape=", y_pred.shape().to_string()));
  }
  Output logits = from_logits ? y_pred : Output{};
  if (!from_logits && profile == Profile::keras3) logits = logits_of(y_pred, "Softmax");
  if (logits) return nn::softmax_cross_entropy_with_logits_v2(y_true, logits);
  // Probabilities: renormalise each row, clip to [eps, 1 - eps], then -sum(t * log(p)).
  Output p = y_pred / ops::reduce_sum(y_pred, {-1}, true);
  p = clip_probabilities(p);
  return -ops::reduce_sum(y_true * ops::log(p), {-1});
}

Output sparse_categorical_crossentropy(Output y_true, Output y_pred, bool from_logits,
                                       Profile profile) {
  Output logits = from_logits ? y_pred : Output{};
  if (!from_logits && profile == Profile::keras3) logits = logits_of(y_pred, "Softmax");
  Output labels = y_true.dtype() == DType::i64 || y_true.dtype() == DType::i32
                      ? y_true
                      : ops::cast(y_true, DType::i64);
  const int rt = labels.shape().rank(), rp = y_pred.shape().rank();
  if (rt == rp && rt > 0 && labels.shape()[rt - 1] == 1) labels = ops::squeeze(labels, {-1});
  if (labels.shape().rank() != rp - 1) {
    throw InvalidArgument(str_cat(
        "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: target.shape=",
        y_true.shape().to_string(), ", output.shape=", y_pred.shape().to_string()));
  }
  if (!logits) logits = ops::log(clip_probabilities(y_pred));
  return nn::sparse_softmax_cross_entropy_with_logits(labels, logits);
}

Output mean_squared_error(Output y_true, Output y_pred) {
  y_true = as_dtype(y_true, y_pred.dtype());
  std::tie(y_true, y_pred) = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return ops::reduce_mean(ops::square(y_true - y_pred), {-1});
}

Output mean_absolute_error(Output y_true, Output y_pred) {
  y_true = as_dtype(y_true, y_pred.dtype());
  std::tie(y_true, y_pred) = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return ops::reduce_mean(ops::abs(y_true - y_pred), {-1});
}

Output kl_divergence(Output y_true, Output y_pred) {
  y_true = as_dtype(y_true, y_pred.dtype());
  const double eps = backend::epsilon();
  Output t = ops::clip_by_value(y_true, eps, 1.0);
  Output p = ops::clip_by_value(y_pred, eps, 1.0);
  return ops::reduce_sum(t * ops::log(t / p), {-1});
}

Output huber(Output y_true, Output y_pred, double delta) {
  y_true = as_dtype(y_true, y_pred.dtype());
  std::tie(y_true, y_pred) = squeeze_or_expand_to_same_rank(y_true, y_pred);
  Output error = y_pred - y_true;
  Output abs_error = ops::abs(error);
  Output d = scalar_like(error, delta);
  Output quadratic = 0.5 * ops::square(error);
  Output linear = d * abs_error - scalar_like(error, 0.5 * delta * delta);
  return ops::reduce_mean(ops::where(ops::less_equal(abs_error, d), quadratic, linear), {-1});
}

// ---- Loss ----

Loss::Loss(std::string name, std::string reduction)
    : name_(std::move(name)), reduction_(std::move(reduction)) {
  if (reduction_ != "sum_over_batch_size" && reduction_ != "sum" && reduction_ != "none" &&
      reduction_ != "mean") {
    throw InvalidArgument(
        str_cat("Invalid value for argument `reduction`. Expected one of {\"sum_over_batch_size\", "
                "\"sum\", \"mean\", \"none\"}. Received: reduction=",
                reduction_));
  }
}

Output Loss::operator()(Output y_true, Output y_pred, Output sample_weight, Profile profile) const {
  // Keras's Loss.__call__ converts the labels to the predictions' dtype, and its
  // LossFunctionWrapper squeezes or expands a trailing 1 so that the ranks agree.
  y_true = as_dtype(y_true, y_pred.dtype());
  std::tie(y_true, y_pred) = squeeze_or_expand_to_same_rank(y_true, y_pred);
  Output values = call(y_true, y_pred, profile);
  if (sample_weight) {
    Output w = as_dtype(sample_weight, values.dtype());
    // A [batch] weight multiplies every value of its sample.
    while (w.shape().rank() < values.shape().rank()) w = ops::expand_dims(w, -1);
    values = values * w;
    if (profile == Profile::keras2) {
      // Keras 2.2.4's weighted_masked_objective: divide by the fraction of non-zero weights.
      Output nonzero =
          ops::cast(ops::not_equal(sample_weight, scalar_like(sample_weight, 0.0)), values.dtype());
      values = values / ops::reduce_mean(nonzero);
    }
  }
  if (reduction_ == "none" || values.shape().rank() == 0) return values;
  if (reduction_ == "sum") return ops::reduce_sum(values);
  return ops::reduce_mean(values);
}

namespace {
std::string or_default(const std::string& n, const char* d) { return n.empty() ? d : n; }
}  // namespace

BinaryCrossentropy::BinaryCrossentropy(CrossentropyOptions o)
    : Loss(or_default(o.name, "binary_crossentropy"), o.reduction), o_(std::move(o)) {}
Output BinaryCrossentropy::call(Output y_true, Output y_pred, Profile profile) const {
  y_true = as_dtype(y_true, y_pred.dtype());
  if (o_.label_smoothing != 0.0) {
    y_true = y_true * (1.0 - o_.label_smoothing) + 0.5 * o_.label_smoothing;
  }
  return binary_crossentropy(y_true, y_pred, o_.from_logits, profile);
}

CategoricalCrossentropy::CategoricalCrossentropy(CrossentropyOptions o)
    : Loss(or_default(o.name, "categorical_crossentropy"), o.reduction), o_(std::move(o)) {}
Output CategoricalCrossentropy::call(Output y_true, Output y_pred, Profile profile) const {
  y_true = as_dtype(y_true, y_pred.dtype());
  if (o_.label_smoothing != 0.0) {
    const int64_t classes = y_pred.shape()[y_pred.shape().rank() - 1];
    y_true = y_true * (1.0 - o_.label_smoothing) + o_.label_smoothing / double(classes);
  }
  return categorical_crossentropy(y_true, y_pred, o_.from_logits, profile);
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(CrossentropyOptions o)
    : Loss(or_default(o.name, "sparse_categorical_crossentropy"), o.reduction), o_(std::move(o)) {
  if (o_.label_smoothing != 0.0) {
    throw InvalidArgument(
        "SparseCategoricalCrossentropy: label_smoothing is not supported (Keras has no such "
        "argument for the sparse loss)");
  }
}
Output SparseCategoricalCrossentropy::call(Output y_true, Output y_pred, Profile profile) const {
  return sparse_categorical_crossentropy(y_true, y_pred, o_.from_logits, profile);
}

MeanSquaredError::MeanSquaredError(LossOptions o)
    : Loss(or_default(o.name, "mean_squared_error"), o.reduction) {}
Output MeanSquaredError::call(Output y_true, Output y_pred, Profile) const {
  return mean_squared_error(y_true, y_pred);
}
MeanAbsoluteError::MeanAbsoluteError(LossOptions o)
    : Loss(or_default(o.name, "mean_absolute_error"), o.reduction) {}
Output MeanAbsoluteError::call(Output y_true, Output y_pred, Profile) const {
  return mean_absolute_error(y_true, y_pred);
}
KLDivergence::KLDivergence(LossOptions o)
    : Loss(or_default(o.name, "kl_divergence"), o.reduction) {}
Output KLDivergence::call(Output y_true, Output y_pred, Profile) const {
  return kl_divergence(y_true, y_pred);
}
Huber::Huber(HuberOptions o)
    : Loss(or_default(o.name, "huber_loss"), o.reduction), delta_(o.delta) {}
Output Huber::call(Output y_true, Output y_pred, Profile) const {
  return huber(y_true, y_pred, delta_);
}

// ---- names ----

namespace {

using Factory = std::function<std::shared_ptr<Loss>()>;

const std::vector<std::pair<std::string, Factory>>& table() {
  static const std::vector<std::pair<std::string, Factory>> t = {
      {"binary_crossentropy", [] { return std::make_shared<BinaryCrossentropy>(); }},
      {"BinaryCrossentropy", [] { return std::make_shared<BinaryCrossentropy>(); }},
      {"bce", [] { return std::make_shared<BinaryCrossentropy>(); }},
      {"BCE", [] { return std::make_shared<BinaryCrossentropy>(); }},
      {"categorical_crossentropy", [] { return std::make_shared<CategoricalCrossentropy>(); }},
      {"CategoricalCrossentropy", [] { return std::make_shared<CategoricalCrossentropy>(); }},
      {"sparse_categorical_crossentropy",
       [] { return std::make_shared<SparseCategoricalCrossentropy>(); }},
      {"SparseCategoricalCrossentropy",
       [] { return std::make_shared<SparseCategoricalCrossentropy>(); }},
      {"mean_squared_error", [] { return std::make_shared<MeanSquaredError>(); }},
      {"MeanSquaredError", [] { return std::make_shared<MeanSquaredError>(); }},
      {"mse", [] { return std::make_shared<MeanSquaredError>(); }},
      {"MSE", [] { return std::make_shared<MeanSquaredError>(); }},
      {"mean_absolute_error", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"MeanAbsoluteError", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"mae", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"MAE", [] { return std::make_shared<MeanAbsoluteError>(); }},
      {"kl_divergence", [] { return std::make_shared<KLDivergence>(); }},
      {"KLDivergence", [] { return std::make_shared<KLDivergence>(); }},
      {"kld", [] { return std::make_shared<KLDivergence>(); }},
      {"KLD", [] { return std::make_shared<KLDivergence>(); }},
      {"huber", [] { return std::make_shared<Huber>(); }},
      {"Huber", [] { return std::make_shared<Huber>(); }},
  };
  return t;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& [n, f] : table()) out.push_back(n);
  return out;
}

std::shared_ptr<const Loss> get(const std::string& name) {
  for (const auto& [n, f] : table()) {
    if (n == name) {
      auto l = f();
      // compile(loss="mse") names the loss "mse", as Keras's LossFunctionWrapper(name=...).
      l->set_name(name);
      return l;
    }
  }
  std::string valid;
  for (const auto& [n, f] : table()) valid += (valid.empty() ? "" : ", ") + n;
  throw InvalidArgument(str_cat("Could not interpret loss identifier: '", name,
                                "'. Valid names: ", valid, ", crossentropy, ce"));
}

LossArg::LossArg(const char* name) : LossArg(std::string(name)) {}
LossArg::LossArg(const std::string& name) {
  if (name == "crossentropy" || name == "ce") {
    auto_name_ = name;
  } else {
    p_ = get(name);
  }
}

std::shared_ptr<const Loss> LossArg::resolve(int y_true_rank, int64_t y_true_last, int y_pred_rank,
                                             int64_t y_pred_last) const {
  if (p_) return p_;
  if (auto_name_.empty()) return nullptr;
  // Keras 3's compile_utils.get_loss for "crossentropy": by shapes.
  const bool is_binary = y_pred_last == 1;
  const bool is_sparse = y_true_rank < y_pred_rank || (y_true_last == 1 && y_pred_last > 1);
  std::shared_ptr<Loss> l;
  if (is_binary) {
    l = std::make_shared<BinaryCrossentropy>();
  } else if (is_sparse) {
    l = std::make_shared<SparseCategoricalCrossentropy>();
  } else {
    l = std::make_shared<CategoricalCrossentropy>();
  }
  l->set_name(auto_name_);
  return l;
}

}  // namespace dl::keras::losses
