#pragma once
/// Keras model configs: keras.models.model_from_json and Model::to_json's counterpart.
///
/// model_from_json reads what Keras 3's model.to_json() writes (Sequential and Functional
/// models, each layer's config, and compile_config when the model was compiled) and what
/// Keras 2 wrote (tf.keras 2.x, and Keras 2.2.4's list-of-layers Sequential), for the layers
/// dl implements. The weights are not part of a config: load them with load_weights().
#include <memory>
#include <string>

#include "dl/highlevel/model.h"

namespace dl::keras::models {

struct ModelFromJsonOptions {
  /// Compile with the config's compile_config when it has one (Keras 3 does).
  bool compile = true;
};

/// A new, built model (and compiled, see ModelFromJsonOptions) from a Keras JSON config.
/// Throws InvalidArgument naming the layer, the key, what dl accepts and what the config
/// holds: for malformed JSON, an unknown layer class, a layer setting dl does not implement,
/// or inbound nodes that name a missing layer.
std::unique_ptr<Model> model_from_json(const std::string& json, ModelFromJsonOptions options = {});

/// Compiles `model` from a Keras compile_config given as JSON text (what Keras 3 stores under
/// "compile_config": {"optimizer": ..., "loss": ..., "loss_weights": ..., "metrics": ...}), as
/// model_from_json does with a config's own. Throws InvalidArgument as model_from_json.
void compile_from_config(Model& model, const std::string& compile_config_json);

}  // namespace dl::keras::models
