#pragma once
/// keras.optimizers with Keras 3's update rules and defaults, as graph ops (Variables updated by
/// Assign / AssignAdd / AssignSub), plus learning-rate schedules.
///
/// Each optimizer keeps Keras 3's state: an int64 `iteration` counter (incremented after every
/// update, as Keras's apply()), a float32 `learning_rate` variable (so callbacks can change it)
/// or a schedule evaluated at the counter, and per-weight slots (momentum, velocity, ...).
/// Gradient processing runs in Keras's order: clipnorm / global_clipnorm / clipvalue (only one),
/// then weight decay (var -= var * weight_decay * lr), then the update.
///
/// Options left unset take the model's profile default at compile(): Keras 3's, or in the keras2
/// profile Keras 2.2.4's (Adagrad lr 0.01 with accumulators from 0, Adadelta lr 1.0, Adamax and
/// Nadam lr 0.002), where RMSprop and Adagrad also use Keras 2's rule (epsilon outside the square
/// root), Nadam its momentum schedule, and `decay` divides the learning rate by
/// (1 + decay * iterations). Keras 3 refuses `decay`.
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "dl/graph/variable.h"
#include "dl/highlevel/backend.h"

namespace dl::keras::optimizers {

namespace schedules {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  /// The learning rate at `step` (a float32 scalar), as graph ops.
  virtual Output operator()(Output step) const = 0;
  virtual std::string class_name() const = 0;
};

struct ExponentialDecayOptions {
  double initial_learning_rate = 0.01;
  int64_t decay_steps = 1;
  double decay_rate = 0.96;
  bool staircase = false;
};
/// initial * decay_rate ^ (step / decay_steps) (the exponent floored when staircase).
class ExponentialDecay : public LearningRateSchedule {
 public:
  explicit ExponentialDecay(ExponentialDecayOptions o);
  Output operator()(Output step) const override;
  std::string class_name() const override { return "ExponentialDecay"; }

 private:
  ExponentialDecayOptions o_;
};

/// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <=
/// boundaries[i], values.back() after the last boundary.
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  PiecewiseConstantDecay(std::vector<int64_t> boundaries, std::vector<double> values);
  Output operator()(Output step) const override;
  std::string class_name() const override { return "PiecewiseConstantDecay"; }

 private:
  std::vector<int64_t> boundaries_ = {};
  std::vector<double> values_ = {};
};

struct PolynomialDecayOptions {
  double initial_learning_rate = 0.01;
  int64_t decay_steps = 1;
  double end_learning_rate = 1e-4;
  double power = 1.0;
  bool cycle = false;
};
/// (initial - end) * (1 - step / decay_steps) ^ power + end, the step capped at decay_steps
/// (or decay_steps stretched to the next multiple when cycle).
class PolynomialDecay : public LearningRateSchedule {
 public:
  explicit PolynomialDecay(PolynomialDecayOptions o);
  Output operator()(Output step) const override;
  std::string class_name() const override { return "PolynomialDecay"; }

 private:
  PolynomialDecayOptions o_;
};

/// initial / (1 + decay_rate * step / decay_steps) (the ratio floored when staircase).
class InverseTimeDecay : public LearningRateSchedule {
 public:
  explicit InverseTimeDecay(ExponentialDecayOptions o);
  Output operator()(Output step) const override;
  std::string class_name() const override { return "InverseTimeDecay"; }

 private:
  ExponentialDecayOptions o_;
};

struct CosineDecayOptions {
  double initial_learning_rate = 0.01;
  int64_t decay_steps = 1;
  double alpha = 0.0;
  std::optional<double> warmup_target = {};
  int64_t warmup_steps = 0;
};
/// initial * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha), the step capped
/// at decay_steps; with warmup_target, a linear warmup from initial to warmup_target over
/// warmup_steps first, then the decay from warmup_target. The graph tier has no cosine op: the
/// cosine is a degree-17 polynomial, accurate to 1e-11 on [0, pi] (far below float32's
/// rounding).
class CosineDecay : public LearningRateSchedule {
 public:
  explicit CosineDecay(CosineDecayOptions o);
  Output operator()(Output step) const override;
  std::string class_name() const override { return "CosineDecay"; }

 private:
  CosineDecayOptions o_;
};

}  // namespace schedules

/// A learning rate: a number or a schedule.
class LearningRate {
 public:
  LearningRate(double v) : value_(v) {}  // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::is_base_of_v<schedules::LearningRateSchedule, T> LearningRate(
      T s)  // NOLINT(google-explicit-constructor)
      : schedule_(std::make_shared<T>(std::move(s))) {}
  LearningRate(std::shared_ptr<const schedules::LearningRateSchedule> s)  // NOLINT
      : schedule_(std::move(s)) {}

  bool is_schedule() const { return schedule_ != nullptr; }
  double value() const { return value_; }
  const std::shared_ptr<const schedules::LearningRateSchedule>& schedule() const {
    return schedule_;
  }

 private:
  double value_ = 0.0;
  std::shared_ptr<const schedules::LearningRateSchedule> schedule_;
};

/// The options every optimizer takes (Keras 3's BaseOptimizer arguments); each optimizer's
/// options struct repeats them after its own, in Keras's argument order.
struct CommonOptions {
  std::optional<double> weight_decay = {};
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name;    ///< empty: Keras's auto name ("adam", "sgd", ...)
};

class Optimizer {
 public:
  Optimizer(std::string class_name, std::optional<LearningRate> learning_rate,
            CommonOptions common);
  virtual ~Optimizer();
  // Copies and moves are for unbuilt optimizers (an optimizer passed by value to compile);
  // a built optimizer owns graph variables and is shared through std::shared_ptr.
  Optimizer(const Optimizer&) = default;
  Optimizer(Optimizer&&) = default;

  const std::string& class_name() const { return class_name_; }
  const std::string& name() const { return name_; }

  /// Adds the update ops of one training step for `grads` of `vars` (one gradient per variable;
  /// an empty gradient leaves its variable alone) to the graph, creating the optimizer's
  /// variables the first time, and returns the NoOp that runs them all (the train op).
  /// Throws InvalidArgument when no variable has a gradient, or on a bad option combination.
  Node* apply_gradients(const std::vector<Output>& grads, const std::vector<Variable>& vars,
                        Profile profile);
  bool built() const { return static_cast<bool>(iterations_.op()); }

  /// The step counter (int64), the learning-rate variable (float32; absent with a schedule)
  /// and every variable the optimizer created, in creation order.
  const Variable& iterations() const { return iterations_; }
  std::vector<Variable> variables() const;
  /// The current learning rate (read from the session; a schedule is evaluated at the
  /// current iteration). Throws FailedPrecondition before the optimizer is built.
  double learning_rate() const;
  /// Sets the learning-rate variable. Throws InvalidArgument when the optimizer was created
  /// with a schedule (Keras's message).
  void set_learning_rate(double lr);
  /// The current iteration count.
  int64_t iteration_count() const;
  /// The float32 learning-rate variable (empty before build() and with a schedule).
  const Variable& learning_rate_variable() const { return lr_var_; }

 protected:
  /// Creates the per-variable slots (called once, under the optimizer's name scope).
  virtual void build(const std::vector<Variable>& vars) = 0;
  /// Adds the ops of one variable's update; returns the nodes that perform it.
  virtual std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                         Output lr) = 0;
  /// Ops that run once per step before the per-variable updates (Nadam's momentum product);
  /// returns the nodes the updates must follow.
  virtual std::vector<Node*> before_updates(Output lr) { return {}; }
  /// A slot for `var` named "<var path>_<slot>" initialised to `init`.
  Variable add_slot(const Variable& var, const std::string& slot, double init = 0.0);
  /// A scalar float32 variable of the optimizer.
  Variable add_scalar(const std::string& name, double init);
  /// iterations + 1 (Keras's local_step) as a float32 scalar.
  Output local_step() const;
  /// The profile default of the learning rate (when the user gave none).
  virtual double default_learning_rate(Profile p) const = 0;
  Graph& graph() const;
  Profile profile() const { return profile_; }

  Profile profile_ = Profile::keras3;

 private:
  std::string class_name_;
  std::string name_;
  std::optional<LearningRate> learning_rate_;
  CommonOptions common_;
  std::shared_ptr<Context> ctx_;
  std::string scope_;
  Variable iterations_;
  Variable lr_var_;
  std::vector<Variable> variables_;
  Output iterations_float_;
};

struct SGDOptions {
  std::optional<LearningRate> learning_rate = {};  ///< 0.01
  double momentum = 0.0;
  bool nesterov = false;
  std::optional<double> weight_decay = {};
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name = {};
};
/// Keras's SGD: v = momentum * v - lr * g; var += v (Nesterov: var += momentum * v - lr * g);
/// plain var -= lr * g without momentum.
class SGD : public Optimizer {
 public:
  explicit SGD(SGDOptions o = {});
  const SGDOptions& options() const { return o_; }

 protected:
  void build(const std::vector<Variable>& vars) override;
  std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                 Output lr) override;
  double default_learning_rate(Profile) const override { return 0.01; }

 private:
  SGDOptions o_;
  std::vector<Variable> momentums_;
};

struct AdamOptions {
  std::optional<LearningRate> learning_rate = {};  ///< 0.001
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> weight_decay = {};
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name = {};
};
/// Keras 3's Adam: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
/// var -= m * lr sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(v) + eps) (amsgrad: v_hat = max(v_hat, v)).
class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions o = {});
  const AdamOptions& options() const { return o_; }

 protected:
  Adam(std::string class_name, AdamOptions o);
  void build(const std::vector<Variable>& vars) override;
  std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                 Output lr) override;
  double default_learning_rate(Profile) const override { return 0.001; }

 private:
  AdamOptions o_;
  std::vector<Variable> m_, v_, v_hat_;
};

struct AdamWOptions {
  std::optional<LearningRate> learning_rate = {};  ///< 0.001
  double weight_decay = 0.004;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name = {};
};
/// Adam with decoupled weight decay (default 0.004).
class AdamW : public Adam {
 public:
  explicit AdamW(AdamWOptions o = {});
};

struct RMSpropOptions {
  std::optional<LearningRate> learning_rate = {};  ///< 0.001
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  std::optional<double> weight_decay = {};
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name = {};
};
/// Keras 3's RMSprop: v = rho v + (1 - rho) g^2; var -= lr g / sqrt(v + eps) (centered: minus
/// the squared running mean of g; with momentum: m = momentum m + increment; var -= m).
/// keras2 profile: var -= lr g / (sqrt(v) + eps).
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions o = {});

 protected:
  void build(const std::vector<Variable>& vars) override;
  std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                 Output lr) override;
  double default_learning_rate(Profile) const override { return 0.001; }

 private:
  RMSpropOptions o_;
  std::vector<Variable> velocities_, momentums_, average_grads_;
};

struct AdagradOptions {
  std::optional<LearningRate> learning_rate;        ///< 0.001 (keras2: 0.01)
  std::optional<double> initial_accumulator_value;  ///< 0.1 (keras2: 0)
  double epsilon = 1e-7;
  std::optional<double> weight_decay = {};
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name = {};
};
/// Keras 3's Adagrad: acc += g^2; var -= lr g / sqrt(acc + eps). keras2: / (sqrt(acc) + eps).
class Adagrad : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions o = {});

 protected:
  void build(const std::vector<Variable>& vars) override;
  std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                 Output lr) override;
  double default_learning_rate(Profile p) const override {
    return p == Profile::keras2 ? 0.01 : 0.001;
  }

 private:
  AdagradOptions o_;
  std::vector<Variable> accumulators_;
};

struct AdadeltaOptions {
  std::optional<LearningRate> learning_rate;  ///< 0.001 (keras2: 1.0)
  double rho = 0.95;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = {};
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name = {};
};
/// Keras's Adadelta: a = rho a + (1 - rho) g^2; d = -sqrt(ad + eps) g / sqrt(a + eps);
/// ad = rho ad + (1 - rho) d^2; var += lr d.
class Adadelta : public Optimizer {
 public:
  explicit Adadelta(AdadeltaOptions o = {});

 protected:
  void build(const std::vector<Variable>& vars) override;
  std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                 Output lr) override;
  double default_learning_rate(Profile p) const override {
    return p == Profile::keras2 ? 1.0 : 0.001;
  }

 private:
  AdadeltaOptions o_;
  std::vector<Variable> accumulated_grads_, accumulated_deltas_;
};

struct AdamaxOptions {
  std::optional<LearningRate> learning_rate;  ///< 0.001 (keras2: 0.002)
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = {};
  std::optional<double> clipnorm = {};
  std::optional<double> clipvalue = {};
  std::optional<double> global_clipnorm = {};
  double decay = 0.0;  ///< Keras 2's time-based decay (keras2 profile only)
  std::string name = {};
};
/// Keras's Adamax: m += (g - m)(1 - b1); u = max(b2 u, |g|); var -= lr m / ((1 - b1^t)(u + eps)).
class Adamax : public Optimizer {
 public:
  explicit Adamax(AdamaxOptions o = {});

 protected:
  void build(const std::vector<Variable>& vars) override;
  std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                 Output lr) override;
  double default_learning_rate(Profile p) const override {
    return p == Profile::keras2 ? 0.002 : 0.001;
  }

 private:
  AdamaxOptions o_;
  std::vector<Variable> m_, u_;
};

using NadamOptions = AdamaxOptions;
/// Keras's Nadam (Keras 3's momentum schedule b1 (1 - 0.5 * 0.96^t); keras2: 0.96^(0.004 t)).
class Nadam : public Optimizer {
 public:
  explicit Nadam(NadamOptions o = {});

 protected:
  void build(const std::vector<Variable>& vars) override;
  std::vector<Node*> before_updates(Output lr) override;
  std::vector<Node*> update_step(Output grad, const Variable& var, size_t index,
                                 Output lr) override;
  double default_learning_rate(Profile p) const override {
    return p == Profile::keras2 ? 0.002 : 0.001;
  }

 private:
  AdamaxOptions o_;
  std::vector<Variable> m_, v_;
  Variable u_product_;
  Output u_product_new_;
};

/// An optimizer by name ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax",
/// "nadam", or the class names) or as an object. Unknown names fail where the argument is
/// given, listing the valid ones.
class OptimizerArg {
 public:
  OptimizerArg(const char* name);         // NOLINT(google-explicit-constructor)
  OptimizerArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::is_base_of_v<Optimizer, T> OptimizerArg(
      T opt)  // NOLINT(google-explicit-constructor)
      : p_(std::make_shared<T>(std::move(opt))) {}
  OptimizerArg(std::shared_ptr<Optimizer> p);  // NOLINT(google-explicit-constructor)

  const std::shared_ptr<Optimizer>& ptr() const { return p_; }

 private:
  std::shared_ptr<Optimizer> p_;
};

/// keras.optimizers.get(name). Throws InvalidArgument listing the valid names.
std::shared_ptr<Optimizer> get(const std::string& name);
std::vector<std::string> names();

}  // namespace dl::keras::optimizers
