#pragma once
/// Step 4 of the method: where each program's step time goes, from traced runs of its own
/// training loop (RunOptions{.trace = true}): kernel time per op type, executor overhead (exec
/// time minus kernel time), feed and fetch copies, planning, session bookkeeping, the input
/// pipeline (time outside Session::run spent building the batch), extra runs inside the loop,
/// other work of the loop (the step hook), and work one side does that the other does not
/// (extra runs, more ops per step, a graph that grows, plans rebuilt in steady state). Ranked
/// by measured time.
#include <map>
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/registry.h"

namespace dl::parity {

struct OpTime {
  std::string op;
  double ms = 0;     ///< kernel time per step
  double count = 0;  ///< nodes of this type per step
};

struct SpeedProfile {
  std::string program;
  int steps = 0;       ///< measured steps (after warm-up)
  double step_ms = 0;  ///< median wall time of one loop iteration
  double mean_step_ms = 0;
  double p10_step_ms = 0, p90_step_ms = 0;  ///< spread of the step times
  // Per step, means over the measured steps without the slowest tenth:
  double kernel_ms = 0, executor_ms = 0, feed_ms = 0, fetch_ms = 0, plan_ms = 0;
  double session_other_ms = 0;      ///< inside Session::run but outside plan/feed/exec/fetch
  double input_ms = 0;              ///< building the batch and feeds
  double extra_runs_ms = 0;         ///< runs besides the train step
  double hook_ms = 0;               ///< the step hook
  double runs_per_step = 0;         ///< traced runs (train step and extra runs; not the hook's)
  double nodes_per_step = 0;        ///< nodes the train step executes
  double nodes_added_per_step = 0;  ///< graph growth
  double plans_built_per_step = 0;  ///< plans and specialisations the session built
  std::vector<OpTime> per_op;       ///< the train step's kernels, slowest first
};

struct SpeedItem {
  std::string what;
  double a_ms = 0, b_ms = 0;
  std::string note;
  double delta() const { return b_ms - a_ms; }
};

struct SpeedComparison {
  bool ran = false;
  SpeedProfile a, b;
  std::vector<SpeedItem> items;  ///< ranked by |b - a|
  /// Differences below this (ms per step) are within the step-to-step spread:
  /// max over A and B of (p90 - p10) / sqrt(steps).
  double noise_ms = 0;
  std::vector<std::string> extra_work;  ///< work one side does and the other does not
};

struct SpeedOptions {
  int warmup = 5;
  int steps = 30;
  int threads = 0;
};

/// Traces `steps` steps of each program's loop after `warmup` steps (seed 0).
SpeedComparison compare_speed(const Case& c, const Dataset& d, const SpeedOptions& o);

/// Profiles one program.
SpeedProfile profile_speed(const ProgramFactory& f, const Dataset& d, const SpeedOptions& o);

}  // namespace dl::parity
