#pragma once
/// keras.applications.ResNet50: the architecture of Keras 3 (layer names conv1_conv,
/// conv2_block1_1_conv, ..., avg_pool, predictions; BatchNormalization epsilon 1.001e-5) or, with
/// Keras 2 names, of Keras 2.2.4's keras_applications (conv1, bn_conv1, res2a_branch2a,
/// bn2a_branch2a, ..., avg_pool, fc1000; he_normal kernels, epsilon 1e-3).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/highlevel/model.h"

namespace dl::keras::applications {

struct ResNet50Options {
  bool include_top = true;
  /// Image shape (height, width, 3); smaller than 224 works (the seeds run at a reduced size).
  std::vector<int64_t> input_shape = {224, 224, 3};
  /// An existing symbolic tensor to build on (Keras's input_tensor); input_shape is then unused.
  std::optional<KerasTensor> input_tensor = {};
  /// Without the top: "" (the last convolution block's 4-D output), "avg" or "max".
  std::string pooling = {};
  int64_t classes = 1000;
  std::string classifier_activation = "softmax";
  /// A weights file (save_weights' format) to load; empty: random initial weights. ImageNet
  /// weights need the HDF5 reader, which is not available yet.
  std::string weights = {};
  /// The naming scheme; default: the current profile's.
  std::optional<Profile> names = {};
};

/// The model, named "resnet50". Throws InvalidArgument for a bad pooling or input shape.
std::unique_ptr<Model> ResNet50(ResNet50Options options = {});

}  // namespace dl::keras::applications
