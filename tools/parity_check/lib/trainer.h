#pragma once
/// Runs a program's training loop as its step contract describes (batches from its recipe,
/// its train fetches and targets, its extra runs and step hook) on a short schedule, and
/// measures it with one yardstick for every program: softmax cross-entropy and accuracy of its
/// logits on the shared validation rows (or mean squared error for regression), next to the
/// numbers the program itself reports.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/dataset.h"
#include "dl/tools/parity_check/lib/registry.h"

namespace dl::parity {

/// The shared yardstick plus the program's own numbers, on the validation rows.
struct Evaluation {
  double loss = 0;  ///< mean softmax (or sigmoid) cross-entropy of the logits; MSE for regression
  double accuracy = 0;       ///< argmax accuracy; for regression, fraction of rounded outputs equal
  double reported_loss = 0;  ///< the program's loss tensor, eval feed, averaged over rows
  double reported_metric = 0;  ///< its first metric (nan when it has none)
};

struct EpochPoint {
  int epoch = 0;
  int64_t steps = 0;        ///< steps done so far
  double train_loss = 0;    ///< mean reported loss of the epoch's steps
  double train_metric = 0;  ///< mean reported first metric of the epoch's steps
  Evaluation val;
};

struct Curve {
  std::vector<double> step_loss;  ///< reported loss of every train step
  std::vector<EpochPoint> epochs;
  Evaluation final_eval() const { return epochs.empty() ? Evaluation{} : epochs.back().val; }
  int64_t steps = 0;
  double seconds = 0;
};

/// Per-step timing, filled when a loop runs traced.
struct StepTiming {
  int64_t wall_ns = 0;            ///< the whole iteration
  int64_t input_ns = 0;           ///< building the batch and its feeds (outside Session::run)
  int64_t run_ns = 0;             ///< inside the train step's Session::run
  int64_t extra_ns = 0;           ///< extra runs (evaluations inside the loop)
  int64_t hook_ns = 0;            ///< the step hook
  int nodes_added = 0;            ///< graph growth during the iteration
  int plans_built = 0;            ///< plans and specialisations the session built during it
  std::vector<RunMetadata> runs;  ///< the train step's metadata first, then extra runs'
};

struct LoopOptions {
  Schedule schedule;
  bool evaluate_epochs = true;  ///< evaluate on the validation rows after every epoch
  int64_t max_steps = 0;        ///< stop after this many steps in all (0: the schedule decides)
  std::function<void(int64_t step, int64_t total)> progress;
  /// When set: every run is traced and each step's timing appended here.
  std::vector<StepTiming>* timings = nullptr;
};

/// A program's training loop, one step at a time (two loops can alternate, so that a busy
/// machine slows both alike when they are timed).
class TrainingLoop {
 public:
  /// `p` and `s` (variables initialised) must outlive the loop.
  TrainingLoop(TrainingProgram& p, Session& s, const Dataset& d, LoopOptions o);
  /// Runs the next step (closing an epoch, with its evaluation, when one ends); false when
  /// the schedule is done.
  bool step();
  const Curve& curve() const { return c_; }

 private:
  void close_epoch();
  TrainingProgram& p_;
  Session& s_;
  const Dataset& d_;
  LoopOptions o_;
  Curve c_;
  int64_t total_ = 0, t_start_ = 0, step_ = 0, k_ = 0, rows_ = 0;
  int epoch_ = 0;
  bool loaded_ = false, done_ = false;
  std::vector<std::vector<int64_t>> batches_;
  double loss_sum_ = 0, metric_sum_ = 0;
};

/// Trains `p` (variables already initialised in `s`) on the schedule.
Curve run_loop(TrainingProgram& p, Session& s, const Dataset& d, const LoopOptions& o);

/// The shared yardstick and the program's reported numbers on the validation rows.
Evaluation evaluate(TrainingProgram& p, Session& s, const Dataset& d);

/// Total steps the schedule makes under the program's recipe.
int64_t total_steps(const TrainingProgram& p, const Dataset& d, const Schedule& sch);

}  // namespace dl::parity
