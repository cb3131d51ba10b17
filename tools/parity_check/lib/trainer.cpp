#include "dl/tools/parity_check/lib/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "dl/tools/parity_check/lib/profile.h"

namespace dl::parity {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Cross-entropy and accuracy of a block of logits (or probabilities) against labels.
void score(const Tensor& out, const Tensor& y, int64_t classes, bool probabilities, double& loss,
           double& correct) {
  const int64_t n = out.shape().dim(0);
  const int64_t w = out.num_elements() / std::max<int64_t>(n, 1);
  if (classes == 0) {  // regression
    for (int64_t i = 0; i < out.num_elements(); ++i) {
      const double d = out.value_at(i) - y.value_at(i);
      loss += d * d / static_cast<double>(w);
      if (std::nearbyint(out.value_at(i)) == y.value_at(i)) correct += 1.0 / static_cast<double>(w);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int32_t label = y.data<int32_t>()[i];
    if (w == 1) {  // one sigmoid unit for two classes
      const double z = out.value_at(i);
      const double p = probabilities ? std::clamp(z, 1e-7, 1 - 1e-7) : 1.0 / (1.0 + std::exp(-z));
      loss += -(label ? std::log(p) : std::log(1 - p));
      correct += ((p > 0.5) == (label == 1)) ? 1 : 0;
      continue;
    }
    double mx = -INFINITY;
    int64_t arg = 0;
    for (int64_t c = 0; c < w; ++c) {
      const double v = out.value_at(i * w + c);
      if (v > mx) {
        mx = v;
        arg = c;
      }
    }
    if (probabilities) {
      loss += -std::log(std::clamp(out.value_at(i * w + label), 1e-7, 1.0));
    } else {
      double se = 0;
      for (int64_t c = 0; c < w; ++c) se += std::exp(out.value_at(i * w + c) - mx);
      loss += -(out.value_at(i * w + label) - mx - std::log(se));
    }
    correct += arg == label ? 1 : 0;
  }
}

}  // namespace

Evaluation evaluate(TrainingProgram& p, Session& s, const Dataset& d) {
  Evaluation e;
  const int64_t n = d.num_val();
  const bool probabilities = !p.logits;
  const Output out = p.model_output();
  std::vector<Output> fetch{out};
  for (const Output& f : p.eval_fetches) fetch.push_back(f);
  const int64_t bs = std::max<int64_t>(1, p.data.eval_batch_size);
  double loss = 0, correct = 0, rl = 0, rm = 0;
  for (int64_t i = 0; i < n; i += bs) {
    const int64_t end = std::min(n, i + bs);
    const Batch b = val_batch(d, i, end);
    auto r = s.run(p.feed(b, RunKind::eval), fetch);
    score(r[0], b.y, d.num_classes, probabilities, loss, correct);
    const auto k = static_cast<double>(end - i);
    if (r.size() > 1) rl += r[1].value_at(0) * k;
    if (r.size() > 2) rm += r[2].value_at(0) * k;
  }
  const auto dn = static_cast<double>(n);
  e.loss = loss / dn;
  e.accuracy = correct / dn;
  e.reported_loss = rl / dn;
  e.reported_metric = p.eval_fetches.size() > 1 ? rm / dn : NAN;
  return e;
}

int64_t total_steps(const TrainingProgram& p, const Dataset& d, const Schedule& sch) {
  int64_t total = 0;
  for (int e = 0; e < sch.epochs; ++e) {
    int64_t k = static_cast<int64_t>(epoch_batches(p.data, d.num_train(), e).size());
    if (sch.steps_per_epoch > 0) k = std::min(k, sch.steps_per_epoch);
    total += k;
  }
  return total;
}

TrainingLoop::TrainingLoop(TrainingProgram& p, Session& s, const Dataset& d, LoopOptions o)
    : p_(p), s_(s), d_(d), o_(std::move(o)) {
  total_ = total_steps(p, d, o_.schedule);
  t_start_ = now_ns();
}

void TrainingLoop::close_epoch() {
  EpochPoint ep;
  ep.epoch = epoch_ + 1;
  ep.steps = step_;
  ep.train_loss = rows_ ? loss_sum_ / static_cast<double>(rows_) : NAN;
  ep.train_metric =
      rows_ && p_.train_fetches.size() > 1 ? metric_sum_ / static_cast<double>(rows_) : NAN;
  if (o_.evaluate_epochs) ep.val = evaluate(p_, s_, d_);
  c_.epochs.push_back(ep);
}

bool TrainingLoop::step() {
  while (!done_) {
    if (!loaded_) {
      batches_ = epoch_batches(p_.data, d_.num_train(), epoch_);
      loaded_ = true;
      k_ = 0;
      loss_sum_ = metric_sum_ = 0;
      rows_ = 0;
    }
    const bool epoch_over = k_ >= static_cast<int64_t>(batches_.size()) ||
                            (o_.schedule.steps_per_epoch > 0 && k_ >= o_.schedule.steps_per_epoch);
    const bool stop = o_.max_steps > 0 && step_ >= o_.max_steps;
    if (!epoch_over && !stop) break;
    close_epoch();
    ++epoch_;
    loaded_ = false;
    if (stop || epoch_ >= o_.schedule.epochs) {
      done_ = true;
      c_.steps = step_;
      c_.seconds = static_cast<double>(now_ns() - t_start_) * 1e-9;
    }
  }
  if (done_) return false;

  const RunOptions trace{.trace = true};
  const bool timed = o_.timings != nullptr;
  const auto& idx = batches_[static_cast<size_t>(k_)];
  StepTiming t;
  const int64_t t0 = now_ns();
  const int nodes0 = p_.graph->num_nodes();
  const int plans0 = timed ? s_.num_plans() + s_.num_specializations() : 0;
  const Batch b = gather_batch(d_, false, idx);
  const FeedDict feed = p_.feed(b, RunKind::train);
  const int64_t t1 = now_ns();
  RunMetadata md;
  auto out = s_.run(feed, p_.train_fetches, p_.train_targets, timed ? &trace : nullptr,
                    timed ? &md : nullptr);
  const int64_t t2 = now_ns();
  if (timed) t.runs.push_back(std::move(md));
  ++step_;
  ++k_;
  for (const ExtraRun& x : p_.extra_runs) {
    if (x.every_n_steps > 0 && step_ % x.every_n_steps == 0) {
      RunMetadata mx;
      s_.run(p_.feed(b, x.kind), x.fetches, {}, timed ? &trace : nullptr, timed ? &mx : nullptr);
      if (timed) t.runs.push_back(std::move(mx));
    }
  }
  const int64_t t3 = now_ns();
  if (p_.step_hook) p_.step_hook(p_, s_, step_);
  const int64_t t4 = now_ns();
  const double l = out.empty() ? NAN : out[0].value_at(0);
  const auto n = static_cast<double>(idx.size());
  c_.step_loss.push_back(l);
  loss_sum_ += l * n;
  if (out.size() > 1) metric_sum_ += out[1].value_at(0) * n;
  rows_ += static_cast<int64_t>(idx.size());
  if (timed) {
    t.input_ns = t1 - t0;
    t.run_ns = t2 - t1;
    t.extra_ns = t3 - t2;
    t.hook_ns = t4 - t3;
    t.wall_ns = t4 - t0;
    t.nodes_added = p_.graph->num_nodes() - nodes0;
    t.plans_built = s_.num_plans() + s_.num_specializations() - plans0;
    o_.timings->push_back(std::move(t));
  }
  if (o_.progress) o_.progress(step_, total_);
  return true;
}

Curve run_loop(TrainingProgram& p, Session& s, const Dataset& d, const LoopOptions& o) {
  TrainingLoop loop(p, s, d, o);
  while (loop.step()) {
  }
  return loop.curve();
}

}  // namespace dl::parity
