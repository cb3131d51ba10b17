#pragma once
/// keras.losses: Keras 3's loss functions and classes, as graph ops.
///
/// A Loss computes per-sample values (the mean over the last axis, as Keras) and reduces them:
/// weighted by the sample weights when given, then "sum_over_batch_size" (the default: the sum
/// divided by the number of values), "sum" or "none". In the keras2 profile the weighted mean is
/// Keras 2.2.4's: mean(values * w) / mean(w != 0).
///
/// Cross-entropy numerics follow Keras 3's TensorFlow backend: when y_pred is the output of a
/// Softmax (categorical) or Sigmoid (binary) node, the loss uses that node's input as logits
/// (softmax_cross_entropy_with_logits / sigmoid_cross_entropy_with_logits); otherwise it clips
/// the probabilities to [epsilon, 1 - epsilon] (epsilon = 1e-7). The keras2 profile always takes
/// the clipped path on probabilities (Keras 2.2.4; binary cross-entropy re-derives logits as
/// log(p / (1 - p)) from the clipped p).
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "dl/graph/graph.h"
#include "dl/highlevel/backend.h"

namespace dl::keras::losses {

/// What the labels of a loss look like, for the data checks of fit/evaluate.
enum class LabelKind {
  any,          ///< same shape as the predictions (mse, mae, huber, kld, binary)
  categorical,  ///< one-hot or probability rows, same shape as the predictions
  sparse,       ///< integer class ids: the predictions' shape without the class axis
};

class Loss {
 public:
  Loss(std::string name, std::string reduction);
  virtual ~Loss() = default;
  /// The per-sample losses for labels `y_true` (converted to y_pred's dtype as Keras does) and
  /// predictions `y_pred`: shape y_pred.shape[:-1].
  virtual Output call(Output y_true, Output y_pred, Profile profile) const = 0;
  virtual LabelKind label_kind() const { return LabelKind::any; }
  /// The reduced loss (a scalar unless the reduction is "none"), weighted by `sample_weight`
  /// ([batch] or empty).
  Output operator()(Output y_true, Output y_pred, Output sample_weight = {},
                    Profile profile = Profile::keras3) const;
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  const std::string& reduction() const { return reduction_; }

 private:
  std::string name_;
  std::string reduction_;
};

struct CrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;  ///< not for the sparse loss
  std::string reduction = "sum_over_batch_size";
  std::string name = {};  ///< empty: the Keras default name
};

class BinaryCrossentropy : public Loss {
 public:
  explicit BinaryCrossentropy(CrossentropyOptions o = {});
  Output call(Output y_true, Output y_pred, Profile profile) const override;

 private:
  CrossentropyOptions o_;
};
class CategoricalCrossentropy : public Loss {
 public:
  explicit CategoricalCrossentropy(CrossentropyOptions o = {});
  Output call(Output y_true, Output y_pred, Profile profile) const override;
  LabelKind label_kind() const override { return LabelKind::categorical; }

 private:
  CrossentropyOptions o_;
};
class SparseCategoricalCrossentropy : public Loss {
 public:
  explicit SparseCategoricalCrossentropy(CrossentropyOptions o = {});
  Output call(Output y_true, Output y_pred, Profile profile) const override;
  LabelKind label_kind() const override { return LabelKind::sparse; }

 private:
  CrossentropyOptions o_;
};

struct LossOptions {
  std::string reduction = "sum_over_batch_size";
  std::string name = {};
};
class MeanSquaredError : public Loss {
 public:
  explicit MeanSquaredError(LossOptions o = {});
  Output call(Output y_true, Output y_pred, Profile profile) const override;
};
class MeanAbsoluteError : public Loss {
 public:
  explicit MeanAbsoluteError(LossOptions o = {});
  Output call(Output y_true, Output y_pred, Profile profile) const override;
};
/// Kullback-Leibler divergence: sum(y_true * log(y_true / y_pred)) with both clipped to
/// [epsilon, 1].
class KLDivergence : public Loss {
 public:
  explicit KLDivergence(LossOptions o = {});
  Output call(Output y_true, Output y_pred, Profile profile) const override;
};
struct HuberOptions {
  double delta = 1.0;
  std::string reduction = "sum_over_batch_size";
  std::string name = {};
};
class Huber : public Loss {
 public:
  explicit Huber(HuberOptions o = {});
  Output call(Output y_true, Output y_pred, Profile profile) const override;

 private:
  double delta_;
};

/// The per-sample functions of keras.losses (no reduction; keras3 numerics).
Output binary_crossentropy(Output y_true, Output y_pred, bool from_logits = false,
                           Profile profile = Profile::keras3);
Output categorical_crossentropy(Output y_true, Output y_pred, bool from_logits = false,
                                Profile profile = Profile::keras3);
Output sparse_categorical_crossentropy(Output y_true, Output y_pred, bool from_logits = false,
                                       Profile profile = Profile::keras3);
Output mean_squared_error(Output y_true, Output y_pred);
Output mean_absolute_error(Output y_true, Output y_pred);
Output kl_divergence(Output y_true, Output y_pred);
Output huber(Output y_true, Output y_pred, double delta = 1.0);

/// A loss by name ("categorical_crossentropy", "mse", "MeanSquaredError", "bce", "kld", ...) or
/// as an object. A name keeps itself as the loss's name (as Keras's compile). The special
/// names "crossentropy"/"ce" pick binary, sparse or categorical from the shapes at compile().
class LossArg {
 public:
  LossArg() = default;
  LossArg(const char* name);         // NOLINT(google-explicit-constructor)
  LossArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::is_base_of_v<Loss, T> LossArg(T loss)  // NOLINT(google-explicit-constructor)
      : p_(std::make_shared<T>(std::move(loss))) {}
  LossArg(std::shared_ptr<const Loss> p) : p_(std::move(p)) {}  // NOLINT

  explicit operator bool() const { return p_ != nullptr || !auto_name_.empty(); }
  /// The loss; for "crossentropy"/"ce", resolved with the label and prediction ranks and the
  /// prediction's last dimension.
  std::shared_ptr<const Loss> resolve(int y_true_rank, int64_t y_true_last, int y_pred_rank,
                                      int64_t y_pred_last) const;
  const std::shared_ptr<const Loss>& ptr() const { return p_; }

 private:
  std::shared_ptr<const Loss> p_;
  std::string auto_name_;  // "crossentropy" or "ce"
};

/// keras.losses.get(name). Throws InvalidArgument listing the valid names.
std::shared_ptr<const Loss> get(const std::string& name);
std::vector<std::string> names();

/// Keras's squeeze_or_expand_to_same_rank for two tensors whose ranks differ by one and whose
/// longer one ends in 1.
std::pair<Output, Output> squeeze_or_expand_to_same_rank(Output x1, Output x2,
                                                         bool expand_rank_1 = true);

}  // namespace dl::keras::losses
