#pragma once
/// The global step (tf.train.get_global_step, tf.train.get_or_create_global_step).
#include <optional>

#include "dl/graph/variable.h"

namespace dl::train {

/// The variable in the GLOBAL_STEP collection, or the variable named "global_step" when the
/// collection is empty; nullopt when there is none. Throws InvalidArgument when the collection
/// holds more than one, or the one found is not an integer scalar variable.
std::optional<Variable> get_global_step(const Graph& g);

/// tf.train.create_global_step: an int64 scalar variable "global_step" (at the top level of the
/// names, whatever the current scope), initialised to 0, not trainable, in GLOBAL_VARIABLES and
/// GLOBAL_STEP. Throws InvalidArgument when the graph already has a global step.
Variable create_global_step(Graph& g);

/// get_global_step, or create_global_step when there is none.
Variable get_or_create_global_step(Graph& g);

}  // namespace dl::train
