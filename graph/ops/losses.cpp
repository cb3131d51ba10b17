#include "dl/graph/ops/losses.h"

#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::ops::losses {
namespace {

// TF's math_ops.div_no_nan(total, n): total / n, and 0 where n is 0. The divisor is made 1
// there so that neither the value nor its gradient ever divides by zero.
Output div_no_nan(Output total, Output n, const std::string& name) {
  Output is_zero = ops::equal(n, ops::zeros_like(n));
  Output safe = ops::where(is_zero, ops::ones_like(n), n);
  return ops::where(is_zero, ops::zeros_like(total), total / safe, name);
}

// Number of elements of `losses` as a scalar of its dtype (run-time when the shape is not known).
Output num_elements(Output losses) {
  Graph& g = losses.graph();
  const int64_t n = losses.shape().num_elements();
  if (n >= 0) return ops::scalar(g, static_cast<double>(n), losses.dtype(), "num_elements");
  return ops::reduce_sum(ops::ones_like(losses), {}, false, "num_elements");
}

// TF's _num_present: the number of non-zero weights once broadcast to the losses' shape.
Output num_present(Output losses, const Weights& weights, Output w) {
  if (!weights.is_tensor() && weights.value() != 0.0) return num_elements(losses);
  NameScope scope(losses.graph(), "num_present");
  Output present =
      ops::where(ops::equal(w, ops::zeros_like(w)), ops::zeros_like(w), ops::ones_like(w));
  if (present.shape() != losses.shape() || !losses.shape().is_fully_defined()) {
    present = present * ops::ones_like(losses);
  }
  return ops::reduce_sum(present);
}

// A scope name: the caller's or TF's default; "" only for the outer default.
std::string scope_name(const std::string& scope, const char* def) {
  return scope.empty() ? def : scope;
}

// TF's remove_squeezable_dimensions for the sparse loss: labels [batch, 1] -> [batch]
// (expected rank difference 1), and weights one rank above the labels lose their last axis.
Output squeeze_last_if(Output x, int extra_rank, int reference_rank) {
  if (x.shape().rank() - reference_rank == extra_rank && x.shape().rank() > 0) {
    const int64_t last = x.shape().dim(x.shape().rank() - 1);
    if (last == 1 || last < 0) return ops::squeeze(x, {-1});
  }
  return x;
}

}  // namespace

Output compute_weighted_loss(Output losses, Weights weights, const std::string& scope,
                             const std::string& loss_collection, Reduction reduction) {
  Graph& g = losses.graph();
  DL_CHECK(is_floating(losses.dtype()), "compute_weighted_loss: losses '", losses.name(),
           "' must be float32 or float64, received ", name(losses.dtype()));
  NameScope ns(g, scope_name(scope, "weighted_loss"));
  const DType dt = losses.dtype();
  Output w = weights.is_tensor() ? ops::cast(weights.tensor(), dt)
                                 : ops::scalar(g, weights.value(), dt, "weights");
  Output weighted = ops::multiply(losses, w, "Mul");
  Output loss;
  if (reduction == Reduction::NONE) {
    loss = weighted;
  } else {
    loss = ops::reduce_sum(weighted, {}, false, "Sum");
    if (reduction == Reduction::MEAN) {
      loss = div_no_nan(loss, ops::reduce_sum(ops::ones_like(losses) * w), "value");
    } else if (reduction == Reduction::SUM_BY_NONZERO_WEIGHTS) {
      loss = div_no_nan(loss, num_present(losses, weights, w), "value");
    } else if (reduction == Reduction::SUM_OVER_BATCH_SIZE) {
      loss = div_no_nan(loss, num_elements(losses), "value");
    }
  }
  if (!loss_collection.empty()) g.add_to_collection(loss_collection, loss.node);
  return loss;
}

Output mean_squared_error(Output labels, Output predictions, Weights weights,
                          const std::string& scope, const std::string& loss_collection,
                          Reduction reduction) {
  Graph& g = predictions.graph();
  std::string s;
  Output losses;
  {
    NameScope ns(g, scope_name(scope, "mean_squared_error"));
    s = g.current_name_scope();
    Output y = ops::cast(labels, predictions.dtype());
    if (!predictions.shape().compatible_with(y.shape())) {
      throw InvalidArgument(str_cat("mean_squared_error '", s.substr(0, s.size() - 1),
                                    "': predictions ", predictions.shape().to_string(),
                                    " and labels ", y.shape().to_string(),
                                    " must have compatible shapes"));
    }
    losses = ops::squared_difference(predictions, y);
  }
  return compute_weighted_loss(losses, weights, s, loss_collection, reduction);
}

Output softmax_cross_entropy(Output onehot_labels, Output logits, Weights weights,
                             double label_smoothing, const std::string& scope,
                             const std::string& loss_collection, Reduction reduction) {
  Graph& g = logits.graph();
  std::string s;
  Output losses;
  {
    NameScope ns(g, scope_name(scope, "softmax_cross_entropy_loss"));
    s = g.current_name_scope();
    Output z = ops::cast(onehot_labels, logits.dtype());
    if (label_smoothing > 0) {
      // num_classes at run time when the class dimension is unknown.
      const int64_t c = z.shape().rank() > 0 ? z.shape().dim(z.shape().rank() - 1) : 1;
      Output num_classes = c >= 0 ? ops::scalar(g, static_cast<double>(c), z.dtype(), "num_classes")
                                  : ops::reduce_sum(ops::ones_like(z), {-1}, true, "num_classes");
      z = z * (1.0 - label_smoothing) + label_smoothing / num_classes;
    }
    z = ops::stop_gradient(z, "labels_stop_gradient");
    losses = nn::softmax_cross_entropy_with_logits_v2(z, logits, -1, "xentropy");
  }
  return compute_weighted_loss(losses, weights, s, loss_collection, reduction);
}

Output sparse_softmax_cross_entropy(Output labels, Output logits, Weights weights,
                                    const std::string& scope, const std::string& loss_collection,
                                    Reduction reduction) {
  Graph& g = logits.graph();
  std::string s;
  Output losses;
  {
    NameScope ns(g, scope_name(scope, "sparse_softmax_cross_entropy_loss"));
    s = g.current_name_scope();
    Output y = squeeze_last_if(labels, 0, logits.shape().rank());
    if (weights.is_tensor()) {
      weights = Weights(squeeze_last_if(weights.tensor(), 1, y.shape().rank()));
    }
    losses = nn::sparse_softmax_cross_entropy_with_logits(y, logits, "xentropy");
  }
  return compute_weighted_loss(losses, weights, s, loss_collection, reduction);
}

Output sigmoid_cross_entropy(Output multi_class_labels, Output logits, Weights weights,
                             double label_smoothing, const std::string& scope,
                             const std::string& loss_collection, Reduction reduction) {
  Graph& g = logits.graph();
  std::string s;
  Output losses;
  {
    NameScope ns(g, scope_name(scope, "sigmoid_cross_entropy_loss"));
    s = g.current_name_scope();
    Output z = ops::cast(multi_class_labels, logits.dtype());
    if (label_smoothing > 0) z = z * (1.0 - label_smoothing) + 0.5 * label_smoothing;
    losses = nn::sigmoid_cross_entropy_with_logits(z, logits, "xentropy");
  }
  return compute_weighted_loss(losses, weights, s, loss_collection, reduction);
}

std::vector<Output> get_losses(const Graph& g, const std::string& scope,
                               const std::string& loss_collection) {
  std::vector<Output> out;
  for (Node* n : g.get_collection(loss_collection, scope)) out.push_back(n->output(0));
  return out;
}

std::vector<Output> get_regularization_losses(const Graph& g, const std::string& scope) {
  return get_losses(g, scope, GraphKeys::REGULARIZATION_LOSSES);
}

Output get_regularization_loss(Graph& g, const std::string& scope, const std::string& name) {
  std::vector<Output> ls = get_regularization_losses(g, scope);
  if (ls.empty()) return ops::scalar(g, 0.0, DType::f32, name);
  return ops::add_n(ls, name);
}

Output get_total_loss(Graph& g, bool add_regularization_losses, const std::string& name,
                      const std::string& scope) {
  std::vector<Output> ls = get_losses(g, scope);
  if (add_regularization_losses) {
    for (const Output& r : get_regularization_losses(g, scope)) ls.push_back(r);
  }
  DL_CHECK(!ls.empty(), "get_total_loss: no losses in the '", GraphKeys::LOSSES, "'",
           add_regularization_losses ? " or '" : "",
           add_regularization_losses ? GraphKeys::REGULARIZATION_LOSSES : "",
           add_regularization_losses ? "'" : "", " collection",
           scope.empty() ? "" : " under scope '", scope, scope.empty() ? "" : "'");
  return ops::add_n(ls, name);
}

}  // namespace dl::ops::losses
