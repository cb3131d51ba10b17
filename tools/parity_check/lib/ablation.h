#pragma once
/// Step 3 of the method: ablation. For each swappable finding, program B is rebuilt with that
/// one component taken from A (its initial weights, optimizer or one hyperparameter, loss head,
/// metric definition, data recipe field, training-flag feed, update ops), the short schedule
/// runs again on several seeds, and the change is measured against the gap between A and B.
/// The run-to-run noise floor (same program, several seeds) is measured first; an effect inside
/// it is never claimed as a cause.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/diff.h"
#include "dl/tools/parity_check/lib/trainer.h"

namespace dl::parity {

/// A built program with its own initialised session.
struct Instance {
  TrainingProgram program;
  std::unique_ptr<Session> session;
  std::vector<std::string> notes;  ///< what a swap did, or why it could not
};

/// Builds `f` at `seed`, opens a session (`threads` intra-op threads) and initialises it.
Instance make_instance(const ProgramFactory& f, int64_t seed, int threads);

/// What the swaps need from the static diff.
struct VariantContext {
  OptimizerFacts a_optimizer, b_optimizer;
  std::optional<double> eval_flag;   ///< B's flag value that behaves as A at eval
  std::optional<double> train_flag;  ///< and in training
};

/// Program B of the case at `seed` with the components `swaps` (Finding::swap keys) taken from
/// program A at the same seed. Swaps it cannot make are listed in the instance's notes.
Instance build_variant(const Case& c, int64_t seed, const std::vector<std::string>& swaps,
                       const VariantContext& ctx, int threads);

struct AblationOptions {
  int seeds = 3;      ///< runs per program and per variant (seeds 1..n)
  Schedule schedule;  ///< the short schedule
  int threads = 1;
  double noise_k = 2.0;  ///< noise floor = noise_k x the larger seed-to-seed std of A and B
  bool combined = true;  ///< also run B with every swappable component from A at once
  std::function<void(const std::string& what, int done, int total)> progress;
};

/// A figure every run is measured by.
struct Measure {
  std::string name;  ///< "val accuracy", "val loss", "reported metric"
  bool higher_is_better = true;
  double a_mean = 0, a_std = 0, b_mean = 0, b_std = 0;
  double gap = 0;    ///< a_mean - b_mean
  double noise = 0;  ///< the noise floor of one run
  bool gap_significant() const { return std::abs(gap) > noise; }
};

struct RunResult {
  int64_t seed = 0;
  Curve curve;
  Evaluation final;
};

struct VariantResult {
  std::string swap;                   ///< the swap key ("+"-joined for the combined variant)
  std::vector<std::string> findings;  ///< "component / aspect" of the findings it swaps
  std::vector<std::string> notes;
  bool built = true;
  std::vector<RunResult> runs;
  std::vector<double> effect;  ///< per measure: mean over seeds of (variant - B), paired by seed
  std::vector<double> share;   ///< per measure: effect / gap (nan when the gap is noise)
  std::vector<bool> significant;
  bool claimed = false;  ///< its effect is outside the noise floor on a measure with a real gap
};

struct Ablation {
  bool ran = false;
  std::vector<Measure> measures;
  int primary = 0;  ///< the measure causes are ranked by
  std::vector<RunResult> a_runs, b_runs;
  std::vector<VariantResult> variants;  ///< ranked: claimed causes first, by |effect|
  std::optional<VariantResult> combined;
  /// Share of the primary gap that remains with every swap applied (nan without a real gap).
  double unexplained = 0;
  std::vector<std::string> not_swappable;  ///< findings no swap covers
};

/// Runs the noise floor, every swap and the combined variant.
Ablation run_ablation(const Case& c, const Dataset& d, const StaticDiff& diff,
                      const AblationOptions& o);

}  // namespace dl::parity
