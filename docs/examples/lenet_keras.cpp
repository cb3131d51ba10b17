// Seed 001 in the Keras tier: the Keras LeNet of the report, line for line, trained on
// Fashion-MNIST with SGD(lr=0.01, momentum=0.9), categorical cross-entropy, batch 64.
//
//   lenet_keras [--epochs 2] [--batch 64] [--seed 0] [--steps N] [--test-limit N] [--keras2 0|1]
//               [--verbose 1] [--save-weights FILE]
//
// --steps limits each epoch to N batches (CI runs a short schedule and checks that the loss
// falls); --test-limit evaluates on the first N test images; --keras2 1 selects the keras2
// profile (the report's Keras 2: names from _1, 'acc' keys, "[=====>...]" progress bar);
// --save-weights writes the trained weights (FILE.weights.h5: Keras 3's layout, which
// bench/peers/check_lenet_weights_in_keras3.py loads into Keras 3 itself).
// Prints Keras's progress bar, the test accuracy, and a final JSON line.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dl/core/io/fashion_mnist.h"
#include "dl/highlevel/keras.h"

namespace {

struct Args {
  int epochs = 2, batch = 64, steps = 0, test_limit = 0, keras2 = 0, verbose = 1;
  int64_t seed = 0;
  std::string save_weights;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--save-weights") {
      a.save_weights = argv[i + 1];
    } else if (k == "--epochs") {
      a.epochs = v;
    } else if (k == "--batch") {
      a.batch = v;
    } else if (k == "--steps") {
      a.steps = v;
    } else if (k == "--test-limit") {
      a.test_limit = v;
    } else if (k == "--seed") {
      a.seed = v;
    } else if (k == "--keras2") {
      a.keras2 = v;
    } else if (k == "--verbose") {
      a.verbose = v;
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

/// uint8 images [n, 28, 28] -> float32 [n, 28, 28, 1] in [0, 1].
dl::Tensor images(const dl::Tensor& u8, int64_t n) {
  dl::Tensor x = u8.slice_rows(0, n).cast(dl::DType::f32).reshaped(dl::Shape({n, 28, 28, 1}));
  float* p = x.data<float>();
  for (int64_t i = 0; i < x.num_elements(); ++i) p[i] /= 255.0f;
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  namespace keras = dl::keras;
  using namespace dl::keras::layers;
  const Args args = parse(argc, argv);
  if (args.keras2) keras::backend::set_profile(keras::Profile::keras2);
  keras::utils::set_random_seed(args.seed);

  const dl::io::FashionMnist data = dl::io::load_fashion_mnist();
  const int64_t n_train = data.x_train.shape()[0];
  const int64_t n_test = args.test_limit
                             ? std::min<int64_t>(args.test_limit, data.x_test.shape()[0])
                             : data.x_test.shape()[0];
  const dl::Tensor x_train = images(data.x_train, n_train);
  const dl::Tensor y_train = keras::utils::to_categorical(data.y_train, 10);
  const dl::Tensor x_test = images(data.x_test, n_test);
  const dl::Tensor y_test = keras::utils::to_categorical(data.y_test.slice_rows(0, n_test), 10);

  // create_lenet()
  keras::Sequential model;
  model.add(Conv2D(20, {5, 5}, {.activation = "tanh", .input_shape = {28, 28, 1}}));
  model.add(MaxPooling2D({2, 2}, {.strides = {2, 2}}));
  model.add(Conv2D(50, {5, 5}, {.activation = "tanh"}));
  model.add(MaxPooling2D({2, 2}, {.strides = {2, 2}}));
  model.add(Flatten());
  model.add(Dense(500, {.activation = "tanh"}));
  model.add(Dense(10, {.activation = "softmax"}));

  // init_model()
  model.compile({.optimizer = keras::optimizers::SGD(
                     {.learning_rate = 0.01, .momentum = 0.9, .nesterov = false, .decay = 0.0}),
                 .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});
  model.print_summary();

  const auto t0 = std::chrono::steady_clock::now();
  auto history = model.fit(x_train, y_train,
                           {.batch_size = args.batch,
                            .epochs = args.epochs,
                            .verbose = args.verbose,
                            .steps_per_epoch = args.steps > 0 ? args.steps : -1});
  const double train_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::vector<double> test =
      model.evaluate(x_test, y_test, {.batch_size = 1000, .verbose = 0});

  if (!args.save_weights.empty()) model.save_weights(args.save_weights);
  const auto& loss = history.history.at("loss");
  std::printf("test accuracy %.4f on %lld images\n", test[1], static_cast<long long>(n_test));
  std::printf(
      "{\"framework\": \"dl-keras\", \"test_accuracy\": %.4f, \"train_seconds\": %.3f, "
      "\"first_epoch_loss\": %.4f, \"last_epoch_loss\": %.4f}\n",
      test[1], train_s, loss.front(), loss.back());
  // A run that did not learn is a failure (CI runs a short schedule): the loss must fall below
  // the 2.30 of a uniform guess over 10 classes.
  return loss.back() < 2.2 ? 0 : 1;
}
