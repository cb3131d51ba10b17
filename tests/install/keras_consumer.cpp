// Links the installed libdl_keras and trains a one-layer model for a step.
#include <dl/highlevel/keras.h>

int main() {
  namespace keras = dl::keras;
  keras::Sequential m({keras::layers::Dense(1, {.input_shape = {2}})});
  m.compile({.optimizer = "sgd", .loss = "mse"});
  auto r = m.train_on_batch(dl::Tensor::filled(dl::DType::f32, dl::Shape({4, 2}), 1.0),
                            dl::Tensor::zeros(dl::DType::f32, dl::Shape({4, 1})));
  return r.size() == 1 ? 0 : 1;
}
