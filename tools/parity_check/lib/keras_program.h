#pragma once
/// The Keras tier as a TrainingProgram: a compiled keras::Model, and how model.fit trains it,
/// described with the same roles as a hand-written graph, so that parity_check puts the two
/// side by side on one engine.
#include <cstdint>
#include <memory>
#include <string>

#include "dl/highlevel/model.h"
#include "dl/tools/parity_check/lib/program.h"

namespace dl::parity {

/// model.fit's arguments that shape the input pipeline (Keras's defaults).
struct KerasFit {
  int64_t batch_size = 32;
  bool shuffle = true;            ///< a full permutation of the rows every epoch
  double validation_split = 0.0;  ///< the last rows, taken before shuffling
  double scale = 1.0;             ///< the preprocessing the user applies before fit (1/255)
  int64_t eval_batch_size = 32;   ///< evaluate()'s default batch size
  uint64_t shuffle_seed = 0;      ///< the order of epoch e is drawn from (shuffle_seed, e)
};

/// The program model.fit runs for `model` (compiled): inputs and targets as fit feeds them,
/// the training loss and metrics (batch means of Keras's per-sample values, batch ratios of
/// ratio metrics; state metrics such as AUC, computed from counts summed over the epoch, are
/// left out) as the train step fetches them, the inference-mode loss and metrics as evaluate()
/// computes them, the train op with the layers' update ops, and the optimizer's hyperparameter
/// variables. Where a layer behaves differently in training (Dropout, BatchNormalization), the
/// program's predictions select between the training and inference outputs with a boolean
/// learning-phase placeholder (Keras 2's K.learning_phase()), fed 1 in train steps and 0 in
/// evaluation. Keeps the model and its backend context alive. Throws InvalidArgument for a model
/// with several inputs or outputs, or a loss the trainer cannot feed.
TrainingProgram keras_program(const std::string& name, std::shared_ptr<keras::Model> model,
                              const KerasFit& fit = {});

}  // namespace dl::parity
