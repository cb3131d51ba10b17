#pragma once
/// Step 1 of the method: the static diff. Both programs are canonicalised and profiled
/// (structure.h, profile.h), aligned layer by layer (align.h), and every difference becomes a
/// Finding: a component, what A has, what B has, the measured evidence and a severity guess.
/// A finding is never a claim of cause: ablation (ablation.h) measures that.
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/align.h"
#include "dl/tools/parity_check/lib/profile.h"

namespace dl::parity {

enum class Severity { info, low, medium, high };
const char* to_string(Severity s);

struct Finding {
  /// "architecture", "initializer", "loss head", "metric", "optimizer", "train variables",
  /// "update ops", "mode", "data".
  std::string component;
  std::string aspect;    ///< "learning_rate", "reduction", "batch size", "dropout at eval", ...
  std::string layer;     ///< "layer 1 (dense) kernel", or "" for the whole program
  std::string a, b;      ///< what each program has
  std::string evidence;  ///< measured figures behind it
  Severity severity = Severity::medium;
  /// The ablation that swaps this component from A into B ("initializer", "optimizer",
  /// "optimizer.learning_rate", "loss_head", "metric:accuracy", "data.batch_size", "mode.eval",
  /// "update_ops", "train_variables"); empty when it cannot be swapped.
  std::string swap;
};

/// One apply step of each program's optimizer on identical variables and an identical
/// synthetic gradient, repeated `steps` times.
struct OptimizerUpdateProbe {
  bool ran = false;
  std::string why_not;
  int steps = 0;
  double norm_ratio = 0;    ///< |update B| / |update A| at the first step (median over vars)
  double max_rel_diff = 0;  ///< max over vars and steps of |uB - uA| / |uA|
  std::string describe() const;
};

struct DiffOptions {
  double init_std_factor = 1.5;  ///< flag initial weights whose std differs by more
  double head_tolerance = 1e-4;  ///< relative difference of loss heads on identical logits
  int optimizer_probe_steps = 3;
};

struct StaticDiff {
  Profile a, b;
  Alignment alignment;
  OptimizerUpdateProbe optimizer_update;
  std::vector<Finding> findings;
  /// The findings' components, most severe first, without duplicates.
  std::vector<std::string> components(Severity at_least = Severity::low) const;
};

/// Profiles both programs (sessions with initialised variables), aligns them and lists their
/// differences. Leaves both sessions' variables as it found them.
StaticDiff static_diff(TrainingProgram& a, Session& sa, TrainingProgram& b, Session& sb,
                       const Dataset& d, const DiffOptions& opts = {});

/// Runs the optimizer update probe alone.
OptimizerUpdateProbe probe_optimizer_updates(TrainingProgram& a, Session& sa, const Profile& pa,
                                             TrainingProgram& b, Session& sb, const Profile& pb,
                                             const Alignment& al, const Dataset& d, int steps);

}  // namespace dl::parity
