// Seed 002 in the Keras tier: fine-tune ResNet50 for a binary task with a new head on the
// "avg_pool" layer, trained by fit_generator with a validation generator, as in the report:
//
//   model = ResNet50(include_top=True, weights='imagenet')
//   x = Flatten()(model.get_layer("avg_pool").output)
//   x = Dropout(0.5, name='avg_pool_dropout')(x)
//   predictions = Dense(1, activation='sigmoid', name='fcout')(x)
//   finetuned_model = Model(outputs=predictions, inputs=model.input)
//   finetuned_model.compile(loss='binary_crossentropy', optimizer=<momentum 1e-4, 0.9>,
//                           metrics=['accuracy'])
//   finetuned_model.fit_generator(train_generator, ..., validation_data=validation_generator)
//
// Substitutions, because this machine has neither the seed's images nor the ImageNet weights:
// the data are Fashion-MNIST shirts (class 6) against T-shirts (class 0), padded to 32 x 32 and
// repeated over 3 channels; the weights start random; the input is 32 x 32 (reduced size); the
// optimizer is Keras's SGD(1e-3, momentum=0.9) (the report passes a tf.train optimizer).
//
//   resnet_finetune_keras [--epochs 1] [--steps 20] [--val-steps 4] [--batch 16] [--keras2 1]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dl/core/io/fashion_mnist.h"
#include "dl/highlevel/keras.h"

namespace {

/// Batches of (image, label) for two Fashion-MNIST classes, cycling through the data (a Keras
/// generator: flow_from_directory's role in the report).
class TwoClassGenerator : public dl::keras::BatchSource {
 public:
  TwoClassGenerator(const dl::Tensor& images, const dl::Tensor& labels, int64_t batch)
      : images_(images), batch_(batch) {
    for (int64_t i = 0; i < labels.num_elements(); ++i) {
      const int64_t c = static_cast<int64_t>(labels.value_at(i));
      if (c == 0 || c == 6) picks_.push_back(i);
    }
    labels_ = labels;
  }
  int64_t samples() const { return static_cast<int64_t>(picks_.size()); }
  dl::keras::Batch next() override {
    dl::Tensor x = dl::Tensor::zeros(dl::DType::f32, dl::Shape({batch_, 32, 32, 3}));
    dl::Tensor y(dl::DType::f32, dl::Shape({batch_, 1}));
    const uint8_t* src = images_.data<uint8_t>();
    for (int64_t b = 0; b < batch_; ++b) {
      const int64_t i = picks_[static_cast<size_t>(pos_)];
      pos_ = (pos_ + 1) % samples();
      for (int64_t r = 0; r < 28; ++r) {
        for (int64_t c = 0; c < 28; ++c) {
          const float v = src[i * 784 + r * 28 + c] / 255.0f;
          for (int64_t ch = 0; ch < 3; ++ch) {
            x.data<float>()[((b * 32 + r + 2) * 32 + c + 2) * 3 + ch] = v;
          }
        }
      }
      y.data<float>()[b] = labels_.value_at(i) == 6 ? 1.0f : 0.0f;
    }
    return {x, y, {}};
  }

 private:
  dl::Tensor images_, labels_;
  int64_t batch_;
  std::vector<int64_t> picks_;
  int64_t pos_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  namespace keras = dl::keras;
  using namespace keras::layers;
  int epochs = 1, steps = 20, val_steps = 4, batch = 16, keras2 = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--epochs") epochs = v;
    if (k == "--steps") steps = v;
    if (k == "--val-steps") val_steps = v;
    if (k == "--batch") batch = v;
    if (k == "--keras2") keras2 = v;
  }
  // The report's Keras is Keras 2: "acc"/"val_acc" keys, its progress bar and layer names.
  if (keras2) keras::backend::set_profile(keras::Profile::keras2);
  keras::utils::set_random_seed(1);
  const dl::io::FashionMnist data = dl::io::load_fashion_mnist();
  TwoClassGenerator train_generator(data.x_train, data.y_train, batch);
  TwoClassGenerator validation_generator(data.x_test, data.y_test, batch);

  auto model = keras::applications::ResNet50({.include_top = true, .input_shape = {32, 32, 3}});
  keras::KerasTensor x = Flatten()(model->get_layer("avg_pool")->output());
  x = Dropout(0.5, {.name = "avg_pool_dropout"})(x);
  keras::KerasTensor predictions = Dense(1, {.activation = "sigmoid", .name = "fcout"})(x);
  keras::Model finetuned_model(model->input(), predictions);
  finetuned_model.compile(
      {.optimizer = keras::optimizers::SGD({.learning_rate = 1e-3, .momentum = 0.9}),
       .loss = "binary_crossentropy",
       .metrics = {"accuracy"}});
  auto history =
      finetuned_model.fit_generator(train_generator, {.steps_per_epoch = steps,
                                                      .epochs = epochs,
                                                      .verbose = 2,
                                                      .validation_source = &validation_generator,
                                                      .validation_steps = val_steps});
  finetuned_model.save_weights("resnet50_finetuned.weights");
  const std::string acc = keras2 ? "acc" : "accuracy";
  std::printf("train loss %.4f, %s %.4f; val_loss %.4f, val_%s %.4f\n",
              history.history.at("loss").back(), acc.c_str(), history.history.at(acc).back(),
              history.history.at("val_loss").back(), acc.c_str(),
              history.history.at("val_" + acc).back());
  // The run must at least train (finite losses); accuracy needs the full schedule.
  const double l = history.history.at("loss").back();
  return l == l && l < 10 ? 0 : 1;
}
