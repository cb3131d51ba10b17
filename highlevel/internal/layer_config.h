#pragma once
// Keras layer configs (get_config / from_config) as JSON, private to libdl_keras: only the
// files that read or write model configs include nlohmann/json.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "dl/highlevel/layer.h"

namespace dl::keras::config {

using Json = nlohmann::ordered_json;

/// Which Keras wrote a config: Keras 3 (dtype policies, "batch_shape", inbound nodes as
/// call-argument trees) or Keras 2 (tf.keras 2.x and Keras 2.2.4: dtype strings,
/// "batch_input_shape", inbound nodes as [layer, node, tensor, kwargs] lists).
enum class Format { keras3, keras2 };

/// The layer's config as Keras 3's get_config() writes it. Throws InvalidArgument naming the
/// layer when part of it cannot be written (a custom activation, a Value initializer).
Json layer_config(const Layer& layer);
/// Whether Keras 3 writes a build_config for layers of this class (those with their own
/// build()).
bool writes_build_config(const Layer& layer);

/// A new layer from its class name and config. Throws InvalidArgument naming the layer, the
/// key, what dl accepts and what the config holds for an unknown class, a missing key, a value
/// of the wrong type, or a setting dl does not implement (grouped convolutions, constraints,
/// masking, channels_first).
std::shared_ptr<Layer> layer_from_config(const std::string& class_name, const Json& config,
                                         Format format);

/// Keras's serialize_keras_object of an initializer: {"module", "class_name", "config",
/// "registered_name"}.
Json initializer_config(const initializers::InitializerArg& init, const std::string& where);
initializers::InitializerArg initializer_from_config(const Json& j, const std::string& where);

}  // namespace dl::keras::config
