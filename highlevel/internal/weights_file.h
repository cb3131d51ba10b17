#pragma once
// The content of a weights file, whatever its format (private to libdl_keras).
#include <string>
#include <vector>

#include "dl/core/tensor.h"

namespace dl::keras::internal {

struct SavedWeight {
  std::string name;  // the weight's name in the file ("dense_1/kernel:0", "kernel")
  Tensor value = {};
};

struct SavedLayer {
  std::string name = {};
  /// Keras 3 .weights.h5 only: the layer's group under "layers/" (its class in snake case,
  /// numbered from the second of a class: "dense", "dense_1").
  std::string key = {};
  std::vector<SavedWeight> weights = {};
};

/// True when dl was built with HDF5 (libhdf5).
bool hdf5_available();
/// Keras's legacy HDF5 weights layout (save_weights_to_hdf5_group): root attributes
/// layer_names (split into layer_names0, layer_names1, ... past 64512 bytes), backend,
/// keras_version; one group per layer with attribute weight_names and one dataset per weight at
/// "<layer>/<weight name>". Written to a temporary file, fsync'ed and renamed.
/// Throws Unimplemented without HDF5; FailedPrecondition / NotFound on I/O errors.
/// `top_level_group`: also write Keras 3's empty "top_level_model_weights" group.
void write_hdf5(const std::string& path, const std::vector<SavedLayer>& layers,
                const std::string& keras_version, bool top_level_group);
/// Keras 3's .weights.h5 layout (saving_lib's H5IOStore): "layers/<key>/vars" per layer with
/// attribute name (the layer's name) and datasets "0", "1", ... in the layer's variable order,
/// and a root "vars" group named after the model. No optimizer variables are written.
void write_keras3_hdf5(const std::string& path, const std::vector<SavedLayer>& layers,
                       const std::string& model_name);

/// The layers of an HDF5 weights file, in either layout, told apart by content.
struct Hdf5Weights {
  /// Keras 3's .weights.h5 layout (a "layers" group, no layer_names attribute): one SavedLayer
  /// per group under "layers/", key and name set; other root groups ("optimizer", "vars") are
  /// not read. Otherwise the legacy layout: the layers of layer_names in order, key empty.
  bool keras3 = false;
  std::vector<SavedLayer> layers = {};
};
/// Reads either layout (legacy: fixed- or variable-length strings, any float dtype), opening
/// the file once. Throws NotFound for a missing file, DataLoss for a file that is not HDF5 or
/// lacks a listed group or dataset.
Hdf5Weights read_hdf5(const std::string& path);

/// Every group, dataset and attribute of an HDF5 file as sorted lines ("group /dense",
/// "dataset /dense/dense/kernel:0 float32 [4, 3]", "attr /@layer_names=['dense']"), the same
/// listing as make_keras_fixtures.py's h5_layout (for tests).
std::vector<std::string> hdf5_layout(const std::string& path);

}  // namespace dl::keras::internal
