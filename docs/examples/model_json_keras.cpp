// Model configs: the LeNet of seed 001 written as Keras 3 JSON (model.to_json()), read back with
// keras.models.model_from_json, given the same weights, and checked to predict the same
// values. The JSON file is what Keras 3 itself reads (keras.models.model_from_json).
//
//   model_json_keras [--out lenet.json]
#include <cstdio>
#include <cstring>
#include <string>

#include "dl/core/io/file_util.h"
#include "dl/highlevel/keras.h"

int main(int argc, char** argv) {
  std::string out = "lenet.json";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--out") == 0) out = argv[++i];
  }
  namespace L = dl::keras::layers;
  dl::keras::utils::set_random_seed(1);
  dl::keras::Sequential model({.name = "lenet"});
  model.add(dl::keras::Input({28, 28, 1}));
  model.add(L::Conv2D(6, {5}, {.activation = "relu"}));
  model.add(L::MaxPooling2D());
  model.add(L::Conv2D(16, {5}, {.activation = "relu"}));
  model.add(L::MaxPooling2D());
  model.add(L::Flatten());
  model.add(L::Dense(120, {.activation = "relu"}));
  model.add(L::Dense(84, {.activation = "relu"}));
  model.add(L::Dense(10, {.activation = "softmax"}));

  // model.to_json(), written to a temporary file and renamed: never a half-written file.
  const std::string json = model.to_json(2);
  dl::io::write_file_atomically(out, json);
  std::printf("wrote %s (%zu bytes)\n", out.c_str(), json.size());

  // keras.models.model_from_json(open(out).read()), then the weights.
  std::unique_ptr<dl::keras::Model> back =
      dl::keras::models::model_from_json(dl::io::read_file(out));
  back->set_weights(model.get_weights());
  back->print_summary();

  dl::Tensor x(dl::DType::f32, dl::Shape({4, 28, 28, 1}));
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data<float>()[i] = float(i % 97) / 97.0F;
  const dl::Tensor a = model.predict(x, {.verbose = 0});
  const dl::Tensor b = back->predict(x, {.verbose = 0});
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    if (a.data<float>()[i] != b.data<float>()[i]) {
      std::fprintf(stderr, "prediction %lld differs: %g vs %g\n", static_cast<long long>(i),
                   a.data<float>()[i], b.data<float>()[i]);
      return 1;
    }
  }
  std::printf("the model read back predicts the same %lld values\n",
              static_cast<long long>(a.num_elements()));
  return back->to_json(2) == json ? 0 : 1;
}
