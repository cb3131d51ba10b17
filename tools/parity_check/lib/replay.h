#pragma once
/// Step 2 of the method: lock-step replay. A's weights are copied into B (through the
/// alignment, converting layouts), both programs are fed the same batches, and per step the
/// forward activations of each aligned layer, the logits, the loss, each variable's gradient
/// (dl::gradients in each graph) and each variable after the train step are compared. The first
/// quantity that differs beyond the tolerance is reported; "bit-identical" when none differs
/// at all. Dropout masks are drawn by A and imposed on B, so that programs with dropout can
/// still be compared exactly.
#include <optional>
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/align.h"
#include "dl/tools/parity_check/lib/dataset.h"
#include "dl/tools/parity_check/lib/measure.h"

namespace dl::parity {

struct ReplayPoint {
  int step = 0;          ///< 1-based
  std::string stage;     ///< "forward", "loss", "gradient", "update"
  std::string quantity;  ///< "layer 1 (dense) output", "gradient of layer 2 (dense) kernel"
  Closeness closeness;
  bool within = true;  ///< within the tolerance
};

struct ReplayOptions {
  int steps = 3;
  double tolerance = kDefaultTolerance;  ///< relative to each tensor's scale
};

struct ReplayResult {
  bool ran = false;
  std::string why_not;
  int steps = 0;
  double tolerance = 0;
  std::vector<ReplayPoint> points;
  std::optional<ReplayPoint> first_divergence;
  bool bit_identical = false;            ///< every compared tensor, every step
  bool final_weights_identical = false;  ///< the weights after the last step
  std::vector<std::string> notes;
  /// "bit-identical over 3 steps", "equal within tolerance...", "diverges first at ...".
  std::string verdict() const;
};

/// Replays both programs in lock step. Changes the sessions' variables (A's are kept, B's are
/// replaced by A's and trained): call it on sessions whose state is no longer needed, or
/// restore a snapshot after.
ReplayResult replay(TrainingProgram& a, Session& sa, const Structure& sta, TrainingProgram& b,
                    Session& sb, const Structure& stb, const Alignment& al, const Dataset& d,
                    const ReplayOptions& o = {});

}  // namespace dl::parity
