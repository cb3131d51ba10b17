#include "dl/highlevel/optimizers.h"

#include <cmath>
#include <functional>

#include "dl/core/error.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/optimizer_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::keras::optimizers {
namespace {

Output scalar_of(Graph& g, double v, DType t = DType::f32) { return ops::scalar(g, v, t); }

template <class O>
CommonOptions common_of(const O& o) {
  return CommonOptions{o.weight_decay, o.clipnorm, o.clipvalue, o.global_clipnorm, o.decay, o.name};
}

void check_positive(const char* what, double v) {
  if (!(v >= 0))
    throw InvalidArgument(str_cat("Argument `", what, "` must be >= 0. Received: ", what, "=", v));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Schedules

namespace schedules {

ExponentialDecay::ExponentialDecay(ExponentialDecayOptions o) : o_(o) {
  DL_CHECK(o_.decay_steps > 0,
           "Argument `decay_steps` must be > 0. Received: decay_steps=", o_.decay_steps);
}
Output ExponentialDecay::operator()(Output step) const {
  Graph& g = step.graph();
  Output p = step / double(o_.decay_steps);
  if (o_.staircase) p = ops::floor(p);
  return o_.initial_learning_rate * ops::pow(scalar_of(g, o_.decay_rate), p);
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<int64_t> boundaries,
                                               std::vector<double> values)
    : boundaries_(std::move(boundaries)), values_(std::move(values)) {
  if (boundaries_.size() + 1 != values_.size()) {
    throw InvalidArgument(
        str_cat("The length of boundaries should be 1 less than the length of values. Received: ",
                boundaries_.size(), " boundaries and ", values_.size(), " values."));
  }
}
Output PiecewiseConstantDecay::operator()(Output step) const {
  Graph& g = step.graph();
  auto indicator = [&](Output cond) { return ops::cast(cond, DType::f32); };
  if (boundaries_.empty()) return scalar_of(g, values_[0]);
  auto b = [&](size_t i) { return scalar_of(g, double(boundaries_[i])); };
  Output r = indicator(ops::less_equal(step, b(0))) * values_[0];
  r = r + indicator(ops::greater(step, b(boundaries_.size() - 1))) * values_.back();
  for (size_t i = 0; i + 1 < boundaries_.size(); ++i) {
    Output in = ops::logical_and(ops::greater(step, b(i)), ops::less_equal(step, b(i + 1)));
    r = r + indicator(in) * values_[i + 1];
  }
  return r;
}

PolynomialDecay::PolynomialDecay(PolynomialDecayOptions o) : o_(o) {
  DL_CHECK(o_.decay_steps > 0,
           "Argument `decay_steps` must be > 0. Received: decay_steps=", o_.decay_steps);
}
Output PolynomialDecay::operator()(Output step) const {
  Graph& g = step.graph();
  Output decay_steps = scalar_of(g, double(o_.decay_steps));
  if (o_.cycle) {
    // multiplier = 1 at step 0, else ceil(step / decay_steps) (ceil(x) = -floor(-x)).
    Output ceil = -ops::floor(-(step / double(o_.decay_steps)));
    Output mult = ops::where(ops::equal(step, scalar_of(g, 0.0)), scalar_of(g, 1.0), ceil);
    decay_steps = decay_steps * mult;
  } else {
    step = ops::minimum(step, decay_steps);
  }
  Output p = step / decay_steps;
  return (o_.initial_learning_rate - o_.end_learning_rate) *
             ops::pow(1.0 - p, scalar_of(g, o_.power)) +
         o_.end_learning_rate;
}

InverseTimeDecay::InverseTimeDecay(ExponentialDecayOptions o) : o_(o) {
  DL_CHECK(o_.decay_steps > 0,
           "Argument `decay_steps` must be > 0. Received: decay_steps=", o_.decay_steps);
}
Output InverseTimeDecay::operator()(Output step) const {
  Output p = step / double(o_.decay_steps);
  if (o_.staircase) p = ops::floor(p);
  return o_.initial_learning_rate / (1.0 + o_.decay_rate * p);
}

namespace {
/// cos(pi * f) for f in [0, 1]: -sin(y) with y = pi (f - 1/2) in [-pi/2, pi/2], by the Taylor
/// series of sin to degree 17 (remainder below 1e-11) in Horner form.
Output cos_pi(Output f) {
  const double pi = 3.14159265358979323846;
  Output y = pi * (f - 0.5);
  Output y2 = y * y;
  // sin(y) = y * (1 - y2/3! + y2^2/5! - ... + y2^8/17!)
  double fact[9];
  double f_acc = 1.0;
  for (int k = 0; k <= 8; ++k) {
    // coefficient of y2^k: (-1)^k / (2k+1)!
    if (k > 0) f_acc *= double(2 * k) * double(2 * k + 1);
    fact[k] = ((k % 2) ? -1.0 : 1.0) / f_acc;
  }
  Output acc = fact[8] * y2 + fact[7];
  for (int k = 6; k >= 0; --k) acc = acc * y2 + fact[k];
  return -(y * acc);
}
}  // namespace

CosineDecay::CosineDecay(CosineDecayOptions o) : o_(o) {
  DL_CHECK(o_.decay_steps > 0,
           "Argument `decay_steps` must be > 0. Received: decay_steps=", o_.decay_steps);
}
Output CosineDecay::operator()(Output step) const {
  Graph& g = step.graph();
  const double decay_steps = double(o_.decay_steps);
  auto decay = [&](Output s, Output from) {
    Output completed = s / decay_steps;
    Output cosine = 0.5 * (1.0 + cos_pi(completed));
    Output decayed = (1.0 - o_.alpha) * cosine + o_.alpha;
    return from * decayed;
  };
  if (!o_.warmup_target) {
    Output s = ops::minimum(step, scalar_of(g, decay_steps));
    return decay(s, scalar_of(g, o_.initial_learning_rate));
  }
  const double warmup_steps = double(o_.warmup_steps);
  Output s = ops::minimum(step, scalar_of(g, decay_steps + warmup_steps));
  Output warm = (*o_.warmup_target - o_.initial_learning_rate) * (s / warmup_steps) +
                o_.initial_learning_rate;
  Output dec = decay(s - warmup_steps, scalar_of(g, *o_.warmup_target));
  return ops::where(ops::less(s, scalar_of(g, warmup_steps)), warm, dec);
}

}  // namespace schedules

// ---------------------------------------------------------------------------------------------
// Optimizer

Optimizer::Optimizer(std::string class_name, std::optional<LearningRate> learning_rate,
                     CommonOptions common)
    : class_name_(std::move(class_name)),
      learning_rate_(std::move(learning_rate)),
      common_(std::move(common)) {
  name_ = common_.name.empty() ? backend::current_context()->auto_name(
                                     backend::to_snake_case(class_name_), Profile::keras3)
                               : common_.name;
  const int clips = int(common_.clipnorm.has_value()) + int(common_.clipvalue.has_value()) +
                    int(common_.global_clipnorm.has_value());
  if (clips > 1) {
    throw InvalidArgument(
        str_cat("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                "clipnorm=",
                common_.clipnorm ? str_cat(*common_.clipnorm) : "None", ", clipvalue=",
                common_.clipvalue ? str_cat(*common_.clipvalue) : "None", ", global_clipnorm=",
                common_.global_clipnorm ? str_cat(*common_.global_clipnorm) : "None"));
  }
  if (common_.clipnorm) check_positive("clipnorm", *common_.clipnorm);
  if (common_.clipvalue) check_positive("clipvalue", *common_.clipvalue);
  if (common_.global_clipnorm) check_positive("global_clipnorm", *common_.global_clipnorm);
  check_positive("decay", common_.decay);
}

Optimizer::~Optimizer() = default;

Graph& Optimizer::graph() const {
  DL_ASSERT(ctx_ != nullptr);
  return ctx_->graph();
}

Variable Optimizer::add_scalar(const std::string& name, double init) {
  Graph& g = graph();
  Variable v(scalar_of(g, init), {.trainable = false, .name = name});
  variables_.push_back(v);
  return v;
}

Variable Optimizer::add_slot(const Variable& var, const std::string& slot, double init) {
  Graph& g = graph();
  std::string base = var.name();
  for (char& c : base) {
    if (c == '/') c = '_';
  }
  Output initial = init == 0.0 ? ops::zeros(g, var.shape(), var.dtype())
                               : ops::fill(g, var.shape(), init, var.dtype());
  Variable v(initial, {.trainable = false, .name = base + "_" + slot});
  variables_.push_back(v);
  return v;
}

Output Optimizer::local_step() const { return ops::cast(iterations_.value() + 1.0, DType::f32); }

std::vector<Variable> Optimizer::variables() const { return variables_; }

Node* Optimizer::apply_gradients(const std::vector<Output>& grads,
                                 const std::vector<Variable>& vars, Profile profile) {
  DL_CHECK(grads.size() == vars.size(), "apply_gradients: ", grads.size(), " gradients for ",
           vars.size(), " variables");
  if (vars.empty()) {
    throw InvalidArgument(
        str_cat("optimizer '", name_, "': the model has no trainable weights to optimize"));
  }
  bool any = false;
  for (const Output& gr : grads) any = any || static_cast<bool>(gr);
  if (!any) {
    throw InvalidArgument(str_cat("No gradients provided for any variable (optimizer '", name_,
                                  "'): does the loss depend on the trainable weights?"));
  }
  if (profile == Profile::keras3 && common_.decay != 0.0) {
    throw InvalidArgument(str_cat(
        "optimizer '", name_,
        "': argument `decay` is no longer supported in Keras 3; use a learning-rate schedule "
        "(or the keras2 profile). Received: decay=",
        common_.decay));
  }
  profile_ = profile;
  std::shared_ptr<Context> ctx = backend::context_of(vars[0].value().graph());
  if (ctx_ && ctx_ != ctx) {
    throw InvalidArgument(str_cat("optimizer '", name_,
                                  "' was built for another model's graph; give each model its "
                                  "own optimizer"));
  }
  ctx_ = ctx;
  Graph& g = graph();
  if (scope_.empty()) {
    scope_ = g.push_name_scope(name_);
    g.pop_name_scope();
  }
  NameScope scope(g, scope_);
  if (!built()) {
    iterations_ =
        Variable(ops::zeros(g, Shape{}, DType::i64), {.trainable = false, .name = "iteration"});
    variables_.push_back(iterations_);
    const LearningRate lr =
        learning_rate_ ? *learning_rate_ : LearningRate(default_learning_rate(profile));
    learning_rate_ = lr;
    if (!lr.is_schedule()) lr_var_ = add_scalar("learning_rate", lr.value());
    build(vars);
  }
  Output it = ops::cast(iterations_.value(), DType::f32);
  Output lr = learning_rate_->is_schedule() ? (*learning_rate_->schedule())(it) : lr_var_.value();
  if (profile == Profile::keras2 && common_.decay > 0) {
    lr = lr * (1.0 / (1.0 + common_.decay * it));
  }

  // Gradient clipping, in Keras's precedence.
  std::vector<Output> gs = grads;
  if (common_.clipnorm && *common_.clipnorm > 0) {
    const double c = *common_.clipnorm;
    for (Output& gr : gs) {
      if (!gr) continue;
      // tf.clip_by_norm: t * c / max(||t||, c), with the where() guard for a zero norm.
      Output l2sum = ops::reduce_sum(ops::square(gr), {}, false);
      Output pred = ops::greater(l2sum, ops::scalar(g, 0.0, gr.dtype()));
      Output safe = ops::where(pred, l2sum, ops::ones_like(l2sum));
      Output l2norm = ops::where(pred, ops::sqrt(safe), l2sum);
      gr = (gr * c) / ops::maximum(l2norm, ops::scalar(g, c, gr.dtype()));
    }
  } else if (common_.global_clipnorm && *common_.global_clipnorm > 0) {
    const double c = *common_.global_clipnorm;
    std::vector<Output> sq;
    for (const Output& gr : gs) {
      if (gr) sq.push_back(ops::reduce_sum(ops::square(gr)));
    }
    Output norm = ops::sqrt(ops::add_n(sq));
    // clip_norm * min(1 / norm, 1 / clip_norm), plus (norm - norm) to turn inf/nan into nan.
    Output scale = c * ops::minimum(1.0 / norm, ops::scalar(g, 1.0 / c, norm.dtype()));
    scale = scale + (norm - norm);
    for (Output& gr : gs) {
      if (gr) gr = gr * scale;
    }
  } else if (common_.clipvalue && *common_.clipvalue > 0) {
    const double v = *common_.clipvalue;
    for (Output& gr : gs) {
      if (gr) gr = ops::clip_by_value(gr, -v, v);
    }
  }

  std::vector<Node*> all = before_updates(lr);
  const std::vector<Node*> first = all;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (!gs[i]) continue;
    const Variable& var = vars[i];
    Output gr = gs[i].dtype() == var.dtype() ? gs[i] : ops::cast(gs[i], var.dtype());
    Output lr_v = lr.dtype() == var.dtype() ? lr : ops::cast(lr, var.dtype());
    std::vector<Node*> deps = first;
    if (common_.weight_decay && *common_.weight_decay != 0.0) {
      Output decayed = var.assign_sub(var.value() * *common_.weight_decay * lr_v);
      deps.push_back(decayed.node);
      all.push_back(decayed.node);
    }
    ControlDependencies cd(g, deps);
    for (Node* n : update_step(gr, var, i, lr_v)) all.push_back(n);
  }
  // The counter moves after every update has read it (Keras's apply: iterations += 1 last).
  Node* inc;
  {
    ControlDependencies cd(g, all);
    inc = iterations_.assign_add(ops::scalar(g, 1, DType::i64)).node;
  }
  return ops::group(g, {inc}, "update");
}

double Optimizer::learning_rate() const {
  if (!built()) {
    if (learning_rate_ && !learning_rate_->is_schedule()) return learning_rate_->value();
    throw FailedPrecondition(
        str_cat("optimizer '", name_, "' is not built yet (compile and train the model first)"));
  }
  Session& s = ctx_->session();
  if (!learning_rate_->is_schedule()) return s.variable_value(lr_var_.op()).value_at(0);
  // A schedule: evaluate its ops at the current counter (built once, on first use).
  Graph& g = graph();
  Node* cached = g.find_node(scope_ + "current_learning_rate");
  Output lr;
  if (cached) {
    lr = cached->output(0);
  } else {
    NameScope scope(g, scope_);
    lr = ops::identity((*learning_rate_->schedule())(ops::cast(iterations_.value(), DType::f32)),
                       "current_learning_rate");
  }
  return s.run(lr).value_at(0);
}

void Optimizer::set_learning_rate(double lr) {
  if (learning_rate_ && learning_rate_->is_schedule()) {
    throw InvalidArgument(
        "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
        "constructor argument, hence its learning rate is not settable. If you need the "
        "learning rate to be settable, you should instantiate the optimizer with a float "
        "`learning_rate` argument.");
  }
  if (!built()) {
    learning_rate_ = LearningRate(lr);
    return;
  }
  ctx_->session().set_variable_value(lr_var_.op(), Tensor::scalar<float>(static_cast<float>(lr)));
}

int64_t Optimizer::iteration_count() const {
  if (!built()) return 0;
  return static_cast<int64_t>(ctx_->session().variable_value(iterations_.op()).value_at(0));
}

// ---------------------------------------------------------------------------------------------
// SGD

SGD::SGD(SGDOptions o) : Optimizer("SGD", o.learning_rate, common_of(o)), o_(std::move(o)) {
  if (o_.momentum < 0 || o_.momentum > 1) {
    throw InvalidArgument(
        str_cat("`momentum` must be a float between [0, 1]. Received: momentum=", o_.momentum));
  }
}
void SGD::build(const std::vector<Variable>& vars) {
  if (o_.momentum == 0) return;
  for (const Variable& v : vars) momentums_.push_back(add_slot(v, "momentum"));
}
std::vector<Node*> SGD::update_step(Output grad, const Variable& var, size_t index, Output lr) {
  if (o_.momentum == 0) return {var.assign_sub(grad * lr).node};
  const Variable& m = momentums_[index];
  if (var.dtype() == DType::f32 && lr.dtype() == DType::f32 && grad.dtype() == DType::f32) {
    // One fused pass (TF's ApplyKerasMomentum), the same arithmetic as the ops below.
    return {
        ops::apply_keras_momentum(var, m, lr, grad, scalar_of(graph(), o_.momentum), o_.nesterov)
            .node};
  }
  Output m_new = m.assign(m.value() * o_.momentum - grad * lr);
  if (o_.nesterov) return {var.assign_add(m_new * o_.momentum - grad * lr).node};
  return {var.assign_add(m_new).node};
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW

Adam::Adam(AdamOptions o) : Adam("Adam", std::move(o)) {}
Adam::Adam(std::string class_name, AdamOptions o)
    : Optimizer(std::move(class_name), o.learning_rate, common_of(o)), o_(std::move(o)) {}

void Adam::build(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) m_.push_back(add_slot(v, "momentum"));
  for (const Variable& v : vars) v_.push_back(add_slot(v, "velocity"));
  if (o_.amsgrad) {
    for (const Variable& v : vars) v_hat_.push_back(add_slot(v, "velocity_hat"));
  }
}

std::vector<Node*> Adam::update_step(Output grad, const Variable& var, size_t i, Output lr) {
  Graph& g = graph();
  Output t = local_step();
  Output b1_power = ops::pow(scalar_of(g, o_.beta_1), t);
  Output b2_power = ops::pow(scalar_of(g, o_.beta_2), t);
  const Variable& m = m_[i];
  const Variable& v = v_[i];
  if (profile() == Profile::keras2) {
    // Keras 2.2.4: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); m_t = b1 m + (1 - b1) g; ...
    Output lr_t = lr * (ops::sqrt(1.0 - b2_power) / (1.0 - b1_power));
    Output m_t = m.assign(o_.beta_1 * m.value() + (1.0 - o_.beta_1) * grad);
    Output v_t = v.assign(o_.beta_2 * v.value() + (1.0 - o_.beta_2) * ops::square(grad));
    Output denom_v = v_t;
    if (o_.amsgrad) denom_v = v_hat_[i].assign(ops::maximum(v_hat_[i].value(), v_t));
    return {var.assign_sub(lr_t * m_t / (ops::sqrt(denom_v) + o_.epsilon)).node};
  }
  Output alpha = lr * ops::sqrt(1.0 - b2_power) / (1.0 - b1_power);
  Output m_new = m.assign_add((grad - m.value()) * (1.0 - o_.beta_1));
  Output v_new = v.assign_add((ops::square(grad) - v.value()) * (1.0 - o_.beta_2));
  if (o_.amsgrad) v_new = v_hat_[i].assign(ops::maximum(v_hat_[i].value(), v_new));
  return {var.assign_sub((m_new * alpha) / (ops::sqrt(v_new) + o_.epsilon)).node};
}

AdamW::AdamW(AdamWOptions o)
    : Adam("AdamW",
           AdamOptions{o.learning_rate, o.beta_1, o.beta_2, o.epsilon, o.amsgrad, o.weight_decay,
                       o.clipnorm, o.clipvalue, o.global_clipnorm, o.decay, o.name}) {}

// ---------------------------------------------------------------------------------------------
// RMSprop

RMSprop::RMSprop(RMSpropOptions o)
    : Optimizer("RMSprop", o.learning_rate, common_of(o)), o_(std::move(o)) {}

void RMSprop::build(const std::vector<Variable>& vars) {
  if (profile() == Profile::keras2 && (o_.momentum != 0 || o_.centered)) {
    throw InvalidArgument(
        "RMSprop: Keras 2.2.4 (the keras2 profile) has no `momentum` or `centered` argument");
  }
  for (const Variable& v : vars) velocities_.push_back(add_slot(v, "velocity"));
  if (o_.momentum > 0) {
    for (const Variable& v : vars) momentums_.push_back(add_slot(v, "momentum"));
  }
  if (o_.centered) {
    for (const Variable& v : vars) average_grads_.push_back(add_slot(v, "average_gradient"));
  }
}

std::vector<Node*> RMSprop::update_step(Output grad, const Variable& var, size_t i, Output lr) {
  const Variable& vel = velocities_[i];
  const double rho = o_.rho;
  Output v_new = vel.assign(rho * vel.value() + (1.0 - rho) * ops::square(grad));
  if (profile() == Profile::keras2) {
    return {var.assign_sub(lr * grad / (ops::sqrt(v_new) + o_.epsilon)).node};
  }
  Output denominator;
  if (o_.centered) {
    const Variable& avg = average_grads_[i];
    Output a_new = avg.assign(rho * avg.value() + (1.0 - rho) * grad);
    denominator = v_new - ops::square(a_new) + o_.epsilon;
  } else {
    denominator = v_new + o_.epsilon;
  }
  Output increment = (lr * grad) / ops::sqrt(denominator);
  if (o_.momentum > 0) {
    const Variable& m = momentums_[i];
    Output m_new = m.assign(o_.momentum * m.value() + increment);
    return {var.assign_sub(m_new).node};
  }
  return {var.assign_sub(increment).node};
}

// ---------------------------------------------------------------------------------------------
// Adagrad

Adagrad::Adagrad(AdagradOptions o)
    : Optimizer("Adagrad", o.learning_rate, common_of(o)), o_(std::move(o)) {}

void Adagrad::build(const std::vector<Variable>& vars) {
  const double init = o_.initial_accumulator_value ? *o_.initial_accumulator_value
                                                   : (profile() == Profile::keras2 ? 0.0 : 0.1);
  for (const Variable& v : vars) accumulators_.push_back(add_slot(v, "accumulator", init));
}

std::vector<Node*> Adagrad::update_step(Output grad, const Variable& var, size_t i, Output lr) {
  const Variable& acc = accumulators_[i];
  Output a_new = acc.assign_add(ops::square(grad));
  if (profile() == Profile::keras2) {
    return {var.assign_sub(lr * grad / (ops::sqrt(a_new) + o_.epsilon)).node};
  }
  return {var.assign_sub((lr * grad) / ops::sqrt(a_new + o_.epsilon)).node};
}

// ---------------------------------------------------------------------------------------------
// Adadelta

Adadelta::Adadelta(AdadeltaOptions o)
    : Optimizer("Adadelta", o.learning_rate, common_of(o)), o_(std::move(o)) {}

void Adadelta::build(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) accumulated_grads_.push_back(add_slot(v, "accumulated_grad"));
  for (const Variable& v : vars) {
    accumulated_deltas_.push_back(add_slot(v, "accumulated_delta_var"));
  }
}

std::vector<Node*> Adadelta::update_step(Output grad, const Variable& var, size_t i, Output lr) {
  const Variable& ag = accumulated_grads_[i];
  const Variable& ad = accumulated_deltas_[i];
  const double rho = o_.rho;
  const double eps = o_.epsilon;
  if (profile() == Profile::keras2) {
    // Keras 2.2.4: update = g sqrt(d_a + eps) / sqrt(new_a + eps); p -= lr update.
    Output a_new = ag.assign(rho * ag.value() + (1.0 - rho) * ops::square(grad));
    Output update = grad * ops::sqrt(ad.value() + eps) / ops::sqrt(a_new + eps);
    Output p_new = var.assign_sub(lr * update);
    Output d_new = ad.assign(rho * ad.value() + (1.0 - rho) * ops::square(update));
    return {p_new.node, d_new.node};
  }
  Output a_new = ag.assign(rho * ag.value() + (1.0 - rho) * ops::square(grad));
  Output delta = -((ops::sqrt(ad.value() + eps) * grad) / ops::sqrt(a_new + eps));
  Output d_new = ad.assign(rho * ad.value() + (1.0 - rho) * ops::square(delta));
  Output p_new = var.assign_add(lr * delta);
  return {p_new.node, d_new.node};
}

// ---------------------------------------------------------------------------------------------
// Adamax

Adamax::Adamax(AdamaxOptions o)
    : Optimizer("Adamax", o.learning_rate, common_of(o)), o_(std::move(o)) {}

void Adamax::build(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) m_.push_back(add_slot(v, "momentum"));
  for (const Variable& v : vars) u_.push_back(add_slot(v, "norm"));
}

std::vector<Node*> Adamax::update_step(Output grad, const Variable& var, size_t i, Output lr) {
  Graph& g = graph();
  Output b1_power = ops::pow(scalar_of(g, o_.beta_1), local_step());
  const Variable& m = m_[i];
  const Variable& u = u_[i];
  if (profile() == Profile::keras2) {
    Output lr_t = lr / (1.0 - b1_power);
    Output m_t = m.assign(o_.beta_1 * m.value() + (1.0 - o_.beta_1) * grad);
    Output u_t = u.assign(ops::maximum(o_.beta_2 * u.value(), ops::abs(grad)));
    return {var.assign_sub(lr_t * m_t / (u_t + o_.epsilon)).node};
  }
  Output m_new = m.assign_add((grad - m.value()) * (1.0 - o_.beta_1));
  Output u_new = u.assign(ops::maximum(o_.beta_2 * u.value(), ops::abs(grad)));
  return {var.assign_sub((lr * m_new) / ((1.0 - b1_power) * (u_new + o_.epsilon))).node};
}

// ---------------------------------------------------------------------------------------------
// Nadam

Nadam::Nadam(NadamOptions o)
    : Optimizer("Nadam", o.learning_rate, common_of(o)), o_(std::move(o)) {}

void Nadam::build(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) m_.push_back(add_slot(v, "momentum"));
  for (const Variable& v : vars) v_.push_back(add_slot(v, "velocity"));
  u_product_ = add_scalar(profile() == Profile::keras2 ? "m_schedule" : "u_product", 1.0);
}

namespace {
/// The momentum cache beta_1 (1 - 0.5 * 0.96^(scale * t)).
Output momentum_cache(Graph& g, double beta_1, Output t, double scale) {
  return beta_1 * (1.0 - 0.5 * ops::pow(ops::scalar(g, 0.96), t * scale));
}
}  // namespace

std::vector<Node*> Nadam::before_updates(Output lr) {
  Graph& g = graph();
  // Keras 2.2.4 raises 0.96 to t * schedule_decay (0.004); Keras 3 to t.
  const double scale = profile() == Profile::keras2 ? 0.004 : 1.0;
  Output u_t = momentum_cache(g, o_.beta_1, local_step(), scale);
  u_product_new_ = u_product_.assign(u_product_.value() * u_t);
  return {u_product_new_.node};
}

std::vector<Node*> Nadam::update_step(Output grad, const Variable& var, size_t i, Output lr) {
  Graph& g = graph();
  const double scale = profile() == Profile::keras2 ? 0.004 : 1.0;
  Output t = local_step();
  Output u_t = momentum_cache(g, o_.beta_1, t, scale);
  Output u_t_1 = momentum_cache(g, o_.beta_1, t + 1.0, scale);
  Output u_product_t = u_product_new_;
  Output u_product_t_1 = u_product_t * u_t_1;
  Output b2_power = ops::pow(scalar_of(g, o_.beta_2), t);
  const Variable& m = m_[i];
  const Variable& v = v_[i];
  if (profile() == Profile::keras2) {
    Output g_prime = grad / (1.0 - u_product_t);
    Output m_t = m.assign(o_.beta_1 * m.value() + (1.0 - o_.beta_1) * grad);
    Output m_t_prime = m_t / (1.0 - u_product_t_1);
    Output v_t = v.assign(o_.beta_2 * v.value() + (1.0 - o_.beta_2) * ops::square(grad));
    Output v_t_prime = v_t / (1.0 - b2_power);
    Output m_t_bar = (1.0 - u_t) * g_prime + u_t_1 * m_t_prime;
    return {var.assign_sub(lr * m_t_bar / (ops::sqrt(v_t_prime) + o_.epsilon)).node};
  }
  Output m_new = m.assign_add((grad - m.value()) * (1.0 - o_.beta_1));
  Output v_new = v.assign_add((ops::square(grad) - v.value()) * (1.0 - o_.beta_2));
  Output m_hat =
      (u_t_1 * m_new) / (1.0 - u_product_t_1) + ((1.0 - u_t) * grad) / (1.0 - u_product_t);
  Output v_hat = v_new / (1.0 - b2_power);
  return {var.assign_sub((m_hat * lr) / (ops::sqrt(v_hat) + o_.epsilon)).node};
}

// ---------------------------------------------------------------------------------------------
// names

namespace {

using Factory = std::function<std::shared_ptr<Optimizer>()>;

const std::vector<std::pair<std::string, Factory>>& table() {
  static const std::vector<std::pair<std::string, Factory>> t = {
      {"sgd", [] { return std::make_shared<SGD>(); }},
      {"SGD", [] { return std::make_shared<SGD>(); }},
      {"adam", [] { return std::make_shared<Adam>(); }},
      {"Adam", [] { return std::make_shared<Adam>(); }},
      {"adamw", [] { return std::make_shared<AdamW>(); }},
      {"AdamW", [] { return std::make_shared<AdamW>(); }},
      {"rmsprop", [] { return std::make_shared<RMSprop>(); }},
      {"RMSprop", [] { return std::make_shared<RMSprop>(); }},
      {"adagrad", [] { return std::make_shared<Adagrad>(); }},
      {"Adagrad", [] { return std::make_shared<Adagrad>(); }},
      {"adadelta", [] { return std::make_shared<Adadelta>(); }},
      {"Adadelta", [] { return std::make_shared<Adadelta>(); }},
      {"adamax", [] { return std::make_shared<Adamax>(); }},
      {"Adamax", [] { return std::make_shared<Adamax>(); }},
      {"nadam", [] { return std::make_shared<Nadam>(); }},
      {"Nadam", [] { return std::make_shared<Nadam>(); }},
  };
  return t;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& [n, f] : table()) out.push_back(n);
  return out;
}

std::shared_ptr<Optimizer> get(const std::string& name) {
  for (const auto& [n, f] : table()) {
    if (n == name) return f();
  }
  std::string valid;
  for (const auto& [n, f] : table()) {
    if (n[0] >= 'a' && n[0] <= 'z') valid += (valid.empty() ? "" : ", ") + n;
  }
  throw InvalidArgument(str_cat("Could not interpret optimizer identifier: '", name,
                                "'. Valid names: ", valid, " (or the class names)"));
}

OptimizerArg::OptimizerArg(const char* name) : p_(get(name)) {}
OptimizerArg::OptimizerArg(const std::string& name) : p_(get(name)) {}
OptimizerArg::OptimizerArg(std::shared_ptr<Optimizer> p) : p_(std::move(p)) {
  DL_CHECK(p_ != nullptr, "optimizer: received a null optimizer");
}

}  // namespace dl::keras::optimizers
