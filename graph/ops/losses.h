#pragma once
/// tf.losses (TF1's tf.compat.v1.losses): weighted, reduced losses that are also added to the
/// graph's LOSSES collection, composed from the nn loss ops and reductions (no ops of their own).
///
/// Every function reduces with TF1's default Reduction::SUM_BY_NONZERO_WEIGHTS: the sum of
/// losses * weights divided by the number of non-zero weights (broadcast to the losses' shape),
/// and 0 when that number is 0. A nonzero numeric weight counts every element.
///
/// One deliberate difference: TF1 casts losses and weights to float32 (and the result back);
/// dl computes in the losses' own dtype, so float64 losses keep float64 precision. float32
/// results are the same computation as TF1's.
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::ops::losses {

/// tf.losses.Reduction.
enum class Reduction {
  NONE,                    ///< the weighted losses, unreduced
  SUM,                     ///< sum of the weighted losses
  MEAN,                    ///< SUM / sum of the weights (broadcast to the losses' shape)
  SUM_OVER_BATCH_SIZE,     ///< SUM / number of loss elements
  SUM_BY_NONZERO_WEIGHTS,  ///< SUM / number of non-zero weights (TF1's default)
  SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS,
};

/// The `weights` argument: a number (TF's Python float; the default 1.0) or a tensor of rank 0
/// or of the losses' rank whose dimensions are 1 or the losses' (it broadcasts). A tensor of
/// another dtype is cast to the losses' dtype.
class Weights {
 public:
  Weights(double w = 1.0) : value_(w) {}  // NOLINT(google-explicit-constructor)
  Weights(Output w) : tensor_(w) {}       // NOLINT(google-explicit-constructor)
  bool is_tensor() const { return static_cast<bool>(tensor_); }
  double value() const { return value_; }
  Output tensor() const { return tensor_; }

 private:
  double value_ = 1.0;
  Output tensor_;
};

/// tf.losses.compute_weighted_loss(losses, weights, scope, loss_collection, reduction).
/// The result is scalar unless reduction is NONE; it is added to `loss_collection` (none when
/// empty). `scope` empty means "weighted_loss".
Output compute_weighted_loss(Output losses, Weights weights = 1.0, const std::string& scope = "",
                             const std::string& loss_collection = GraphKeys::LOSSES,
                             Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS);

/// tf.losses.mean_squared_error(labels, predictions, weights, ...): (predictions - labels)^2,
/// weighted and reduced. labels are cast to predictions' dtype; the shapes must be compatible.
Output mean_squared_error(Output labels, Output predictions, Weights weights = 1.0,
                          const std::string& scope = "",
                          const std::string& loss_collection = GraphKeys::LOSSES,
                          Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS);

/// tf.losses.softmax_cross_entropy(onehot_labels, logits, weights, label_smoothing, ...):
/// nn::softmax_cross_entropy_with_logits_v2 on stop_gradient(labels), the labels smoothed to
/// labels * (1 - s) + s / num_classes when label_smoothing s > 0. weights are per example.
Output softmax_cross_entropy(Output onehot_labels, Output logits, Weights weights = 1.0,
                             double label_smoothing = 0, const std::string& scope = "",
                             const std::string& loss_collection = GraphKeys::LOSSES,
                             Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS);

/// tf.losses.sparse_softmax_cross_entropy(labels, logits, weights, ...): labels [batch] (or
/// [batch, 1], squeezed, as are weights [batch, 1]) int32/int64 class indices.
Output sparse_softmax_cross_entropy(Output labels, Output logits, Weights weights = 1.0,
                                    const std::string& scope = "",
                                    const std::string& loss_collection = GraphKeys::LOSSES,
                                    Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS);

/// tf.losses.sigmoid_cross_entropy(multi_class_labels, logits, weights, label_smoothing, ...):
/// nn::sigmoid_cross_entropy_with_logits with labels cast to logits' dtype and smoothed to
/// labels * (1 - s) + 0.5 * s when label_smoothing s > 0.
Output sigmoid_cross_entropy(Output multi_class_labels, Output logits, Weights weights = 1.0,
                             double label_smoothing = 0, const std::string& scope = "",
                             const std::string& loss_collection = GraphKeys::LOSSES,
                             Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS);

/// tf.losses.get_losses(scope, loss_collection): the collected losses, in creation order,
/// those whose name starts with `scope` when it is given.
std::vector<Output> get_losses(const Graph& g, const std::string& scope = "",
                               const std::string& loss_collection = GraphKeys::LOSSES);
/// tf.losses.get_regularization_losses(scope): the REGULARIZATION_LOSSES collection.
std::vector<Output> get_regularization_losses(const Graph& g, const std::string& scope = "");
/// tf.losses.get_regularization_loss(scope, name): their sum, or a float32 scalar 0 when
/// there are none.
Output get_regularization_loss(Graph& g, const std::string& scope = "",
                               const std::string& name = "total_regularization_loss");
/// tf.losses.get_total_loss(add_regularization_losses, name, scope): the sum of the collected
/// losses (and regularization losses). Throws InvalidArgument when there are none.
Output get_total_loss(Graph& g, bool add_regularization_losses = true,
                      const std::string& name = "total_loss", const std::string& scope = "");

}  // namespace dl::ops::losses
