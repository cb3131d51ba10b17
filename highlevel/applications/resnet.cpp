#include "dl/highlevel/applications/resnet.h"

#include "dl/highlevel/layers/convolutional.h"
#include "dl/highlevel/layers/core.h"
#include "dl/highlevel/layers/merging.h"
#include "dl/highlevel/layers/normalization.h"

namespace dl::keras::applications {
namespace {

using namespace layers;

// ---- Keras 3 (keras/src/applications/resnet.py) ----

KerasTensor bn3(KerasTensor x, const std::string& name) {
  return BatchNormalization({.epsilon = 1.001e-5, .name = name})(x);
}

KerasTensor residual_block_v1(KerasTensor x, int64_t filters, int64_t stride, bool conv_shortcut,
                              const std::string& name) {
  KerasTensor shortcut = x;
  if (conv_shortcut) {
    shortcut = Conv2D(4 * filters, {1}, {.strides = {stride}, .name = name + "_0_conv"})(x);
    shortcut = bn3(shortcut, name + "_0_bn");
  }
  x = Conv2D(filters, {1}, {.strides = {stride}, .name = name + "_1_conv"})(x);
  x = bn3(x, name + "_1_bn");
  x = Activation("relu", {.name = name + "_1_relu"})(x);
  x = Conv2D(filters, {3}, {.padding = "same", .name = name + "_2_conv"})(x);
  x = bn3(x, name + "_2_bn");
  x = Activation("relu", {.name = name + "_2_relu"})(x);
  x = Conv2D(4 * filters, {1}, {.name = name + "_3_conv"})(x);
  x = bn3(x, name + "_3_bn");
  x = Add({.name = name + "_add"})({shortcut, x});
  return Activation("relu", {.name = name + "_out"})(x);
}

KerasTensor stack_v1(KerasTensor x, int64_t filters, int blocks, int64_t stride1,
                     const std::string& name) {
  x = residual_block_v1(x, filters, stride1, true, name + "_block1");
  for (int i = 2; i <= blocks; ++i) {
    x = residual_block_v1(x, filters, 1, false, name + "_block" + std::to_string(i));
  }
  return x;
}

KerasTensor keras3_body(KerasTensor x) {
  x = ZeroPadding2D({3, 3}, {3, 3}, {.name = "conv1_pad"})(x);
  x = Conv2D(64, {7}, {.strides = {2}, .name = "conv1_conv"})(x);
  x = bn3(x, "conv1_bn");
  x = Activation("relu", {.name = "conv1_relu"})(x);
  x = ZeroPadding2D({1, 1}, {1, 1}, {.name = "pool1_pad"})(x);
  x = MaxPooling2D({3}, {.strides = {2}, .name = "pool1_pool"})(x);
  x = stack_v1(x, 64, 3, 1, "conv2");
  x = stack_v1(x, 128, 4, 2, "conv3");
  x = stack_v1(x, 256, 6, 2, "conv4");
  return stack_v1(x, 512, 3, 2, "conv5");
}

// ---- Keras 2.2.4 (keras_applications resnet50.py) ----

KerasTensor block2(KerasTensor input, int64_t kernel, std::vector<int64_t> filters, int stage,
                   const std::string& block, int64_t strides, bool conv) {
  const std::string conv_base = "res" + std::to_string(stage) + block + "_branch";
  const std::string bn_base = "bn" + std::to_string(stage) + block + "_branch";
  auto conv2d = [&](int64_t f, int64_t k, int64_t s, const std::string& padding,
                    const std::string& name) {
    return Conv2D(
        f, {k},
        {.strides = {s}, .padding = padding, .kernel_initializer = "he_normal", .name = name});
  };
  KerasTensor x = conv2d(filters[0], 1, conv ? strides : 1, "valid", conv_base + "2a")(input);
  x = BatchNormalization({.name = bn_base + "2a"})(x);
  x = Activation("relu")(x);
  x = conv2d(filters[1], kernel, 1, "same", conv_base + "2b")(x);
  x = BatchNormalization({.name = bn_base + "2b"})(x);
  x = Activation("relu")(x);
  x = conv2d(filters[2], 1, 1, "valid", conv_base + "2c")(x);
  x = BatchNormalization({.name = bn_base + "2c"})(x);
  KerasTensor shortcut = input;
  if (conv) {
    shortcut = conv2d(filters[2], 1, strides, "valid", conv_base + "1")(input);
    shortcut = BatchNormalization({.name = bn_base + "1"})(shortcut);
  }
  x = Add()({x, shortcut});
  return Activation("relu")(x);
}

KerasTensor keras2_body(KerasTensor x) {
  x = ZeroPadding2D(3, {.name = "conv1_pad"})(x);
  x = Conv2D(64, {7}, {.strides = {2}, .kernel_initializer = "he_normal", .name = "conv1"})(x);
  x = BatchNormalization({.name = "bn_conv1"})(x);
  x = Activation("relu")(x);
  x = ZeroPadding2D(1, {.name = "pool1_pad"})(x);
  x = MaxPooling2D({3}, {.strides = {2}})(x);
  const char* blocks = "abcdef";
  const int counts[] = {3, 4, 6, 3};
  const int64_t widths[] = {64, 128, 256, 512};
  for (int s = 0; s < 4; ++s) {
    const int64_t f = widths[s];
    for (int b = 0; b < counts[s]; ++b) {
      x = block2(x, 3, {f, f, 4 * f}, s + 2, std::string(1, blocks[b]), s == 0 ? 1 : 2, b == 0);
    }
  }
  return x;
}

}  // namespace

std::unique_ptr<Model> ResNet50(ResNet50Options o) {
  const Profile names = o.names ? *o.names : backend::profile();
  if (!o.pooling.empty() && o.pooling != "avg" && o.pooling != "max") {
    throw InvalidArgument(str_cat(
        "ResNet50: `pooling` must be \"\", \"avg\" or \"max\", received \"", o.pooling, "\""));
  }
  KerasTensor input;
  if (o.input_tensor) {
    input = *o.input_tensor;
  } else {
    if (o.input_shape.size() != 3 || o.input_shape[2] != 3 || o.input_shape[0] < 32 ||
        o.input_shape[1] < 32) {
      throw InvalidArgument(
          str_cat("ResNet50: `input_shape` must be (height, width, 3) with height and width >= 32, "
                  "received ",
                  shape_to_string(Shape(o.input_shape))));
    }
    input = Input(o.input_shape);
  }
  KerasTensor x = names == Profile::keras2 ? keras2_body(input) : keras3_body(input);
  if (o.include_top) {
    x = GlobalAveragePooling2D({.name = "avg_pool"})(x);
    x = Dense(o.classes, {.activation = o.classifier_activation,
                          .name = names == Profile::keras2 ? "fc1000" : "predictions"})(x);
  } else if (o.pooling == "avg") {
    x = GlobalAveragePooling2D({.name = "avg_pool"})(x);
  } else if (o.pooling == "max") {
    x = GlobalMaxPooling2D({.name = "max_pool"})(x);
  }
  auto model = std::make_unique<Model>(input, x, "resnet50");
  if (!o.weights.empty()) model->load_weights(o.weights);
  return model;
}

}  // namespace dl::keras::applications
