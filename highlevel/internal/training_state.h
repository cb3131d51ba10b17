#pragma once
// The compiled state of a Model (private to libdl_keras).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/highlevel/model.h"

namespace dl::keras {

struct Model::Compiled {
  CompileOptions options;
  std::shared_ptr<optimizers::Optimizer> optimizer;
  /// Per output: the loss argument (resolved into `losses` when the graph is built).
  std::vector<losses::LossArg> loss_args;
  std::vector<std::shared_ptr<const losses::Loss>> losses;
  std::vector<double> loss_weights;
  /// Per output: its metric arguments.
  std::vector<std::vector<metrics::MetricArg>> metric_args;

  /// One build of the training graph: without sample weights, and (built when first needed)
  /// with them.
  struct Variant {
    bool built = false;
    TrainingGraph graph = {};
    Callable train = {};
    Callable eval = {};
  };
  Variant plain;
  Variant weighted;
  /// The log names: "loss", per-output losses (several outputs), metrics.
  std::vector<std::string> names;
  std::vector<std::string> directions;
  size_t num_output_losses = 0;  // per-output loss entries after "loss"
  /// Per log column: the fetch position of its ratio metric's denominator, or -1 (the batch
  /// size counts). The fetches hold the log columns first, then these denominators.
  std::vector<int> count_of;
  /// Per log column: the state metric (AUC) whose batch state the column's fetch holds (a
  /// vector, summed over the batches; the value is its result()), or null.
  std::vector<std::shared_ptr<const metrics::Metric>> state_metrics;
};

struct Model::Feeds {
  std::vector<Tensor> x;  // one per model input, in the placeholder's dtype
  std::vector<Tensor> y;  // one per output with a loss, in the target's shape and dtype
  Tensor sample_weight;   // [n] float32, or invalid
  int64_t n = 0;
};

/// Where the batches of a loop come from: arrays (sliced, maybe shuffled) or a BatchSource.
struct Model::Feeder {
  int64_t steps = -1;    // batches per epoch, -1 unknown (until next() returns false)
  int64_t samples = -1;  // samples per epoch, -1 unknown
  std::function<void()> begin_epoch = [] {};
  std::function<void()> end_epoch = [] {};
  // The next batch: feeds (inputs, targets, and sample weights when `weighted`) and its size.
  // Returns false when the data ran out.
  std::function<bool(std::vector<Tensor>& feeds, int64_t& size, bool& weighted)> next;
};

}  // namespace dl::keras
