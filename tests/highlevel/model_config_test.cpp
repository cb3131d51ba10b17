// Model configs against Keras itself: model_from_json reads what Keras 3 and Keras 2 (tf_keras)
// wrote, to_json writes what Keras 3 writes, and a model read from Keras's config with Keras's
// weights predicts what Keras predicts. Reference configs:
// tests/fixtures/keras/make_model_config_fixtures.py.
#include <gtest/gtest.h>

#include <cmath>

#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {
using json = nlohmann::json;
using testing::contains;
using testing::message_of;

const json& config_fixtures() {
  static const json j = testing::load_fixture("model_config_fixtures.json");
  return j;
}

std::vector<int64_t> shape_of(const json& s) {
  std::vector<int64_t> out;
  for (const json& d : s) out.push_back(d.is_null() ? -1 : d.get<int64_t>());
  return out;
}

/// Structural equality of two JSON values: the same keys (in any order), the same strings and
/// booleans, and numbers equal to a relative 1e-6 (Keras writes float32 values widened to
/// double, such as 0.009999999776482582 for l2(0.01)). Returns where they first differ.
std::string first_difference(const json& a, const json& b, const std::string& at = "$") {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::fabs(x - y) <= 1e-6 * std::max(1.0, std::fabs(y))
               ? ""
               : at + ": " + a.dump() + " vs Keras " + b.dump();
  }
  if (a.type() != b.type()) return at + ": " + a.dump() + " vs Keras " + b.dump();
  if (a.is_object()) {
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (!a.contains(it.key())) return at + "." + it.key() + ": missing (Keras has it)";
    }
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key())) return at + "." + it.key() + ": extra (Keras lacks it)";
      const std::string d = first_difference(it.value(), b[it.key()], at + "." + it.key());
      if (!d.empty()) return d;
    }
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size()) {
      return at + ": " + std::to_string(a.size()) + " entries vs Keras " + std::to_string(b.size());
    }
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string d = first_difference(a[i], b[i], at + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  return a == b ? "" : at + ": " + a.dump() + " vs Keras " + b.dump();
}

/// The model as Keras described it: parameter count, and each layer's class and output shape.
void expect_like_keras(const Model& m, const json& want) {
  EXPECT_EQ(m.count_params(), want["count_params"].get<int64_t>());
  for (const json& l : want["layers"]) {
    const std::string name = l["name"];
    SCOPED_TRACE(name);
    if (l["class_name"] == "InputLayer") continue;
    std::shared_ptr<Layer> layer;
    ASSERT_NO_THROW(layer = m.get_layer(name));
    EXPECT_EQ(layer->class_name(), l["class_name"].get<std::string>());
    ASSERT_FALSE(layer->inbound_nodes().empty());
    EXPECT_EQ(layer->inbound_nodes()[0].outputs[0].shape(), Shape(shape_of(l["output_shape"])));
  }
}

TEST(ModelConfig, ReadsKeras3Configs) {
  const json& models = config_fixtures()["keras3"];
  ASSERT_EQ(models.size(), 5u);
  for (auto it = models.begin(); it != models.end(); ++it) {
    SCOPED_TRACE(it.key());
    backend::clear_session();
    std::unique_ptr<Model> m;
    ASSERT_NO_THROW(m = models::model_from_json(it.value()["json"].get<std::string>()));
    EXPECT_EQ(m->name(), it.key());
    expect_like_keras(*m, it.value());
    // Keras 3's config carries compile_config: the model comes back compiled.
    EXPECT_TRUE(m->compiled());
  }
}

TEST(ModelConfig, ReadsKeras2Configs) {
  const json& models = config_fixtures()["keras2"];
  ASSERT_EQ(models.size(), 5u);
  for (auto it = models.begin(); it != models.end(); ++it) {
    SCOPED_TRACE(it.key());
    backend::clear_session();
    std::unique_ptr<Model> m;
    ASSERT_NO_THROW(m = models::model_from_json(it.value()["json"].get<std::string>()));
    expect_like_keras(*m, it.value());
  }
}

// Keras 2.2.4 wrote a Sequential's config as the bare list of its layers, the input shape as
// the first layer's batch_input_shape (this text follows Sequential.get_config and
// Layer.get_config of Keras 2.2.4's source; that Keras cannot run here).
TEST(ModelConfig, ReadsKeras224SequentialLists) {
  backend::clear_session();
  const std::string text =
      R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "batch_input_shape": [null, 4], "dtype": "float32", "units": 3, "activation": "relu", "use_bias": true, "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}, {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": true, "rate": 0.5, "noise_shape": null, "seed": null}}, {"class_name": "Dense", "config": {"name": "dense_2", "trainable": true, "units": 2, "activation": "softmax", "use_bias": true, "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}], "keras_version": "2.2.4", "backend": "tensorflow"})";
  auto m = models::model_from_json(text);
  EXPECT_EQ(m->count_params(), 4 * 3 + 3 + 3 * 2 + 2);
  EXPECT_EQ(m->get_layer("dense_2")->inbound_nodes()[0].outputs[0].shape(), Shape({-1, 2}));
  EXPECT_EQ(m->get_layer(1)->class_name(), "Dropout");
  EXPECT_FALSE(m->compiled());
}

// dl's to_json of a model read from Keras's config is Keras's config, less compile_config
// (dl writes the architecture only; see docs/keras_tier.md).
TEST(ModelConfig, WritesWhatKeras3Writes) {
  const json& models = config_fixtures()["keras3"];
  for (auto it = models.begin(); it != models.end(); ++it) {
    SCOPED_TRACE(it.key());
    backend::clear_session();
    json want = json::parse(it.value()["json"].get<std::string>());
    want.erase("compile_config");
    auto m = models::model_from_json(want.dump());
    const json got = json::parse(m->to_json());
    EXPECT_EQ(first_difference(got, want), "");
  }
}

// A model written in C++ survives to_json / model_from_json: the same config, and the same
// predictions once the weights are copied over.
TEST(ModelConfig, RoundTripOfAModelBuiltInCode) {
  backend::clear_session();
  utils::set_random_seed(1);
  const KerasTensor x = Input({6, 6, 2}, {.name = "pixels"});
  KerasTensor h = layers::Conv2D(3, {3}, {.padding = "same", .activation = "relu"})(x);
  h = layers::BatchNormalization()(h);
  KerasTensor p = layers::MaxPooling2D()(h);
  KerasTensor q = layers::AveragePooling2D({2})(h);
  KerasTensor s = layers::Add()({p, q});
  KerasTensor y =
      layers::Dense(4, {.activation = "softmax", .kernel_regularizer = regularizers::l2(0.02)})(
          layers::Flatten()(s));
  Model m({x}, {y}, "round_trip");
  const std::string text = m.to_json(2);
  backend::clear_session();
  auto back = models::model_from_json(text);
  EXPECT_EQ(back->to_json(2), text);
  EXPECT_EQ(back->count_params(), m.count_params());
  EXPECT_FALSE(back->compiled());  // dl writes no compile_config
  back->set_weights(m.get_weights());
  const Tensor in = Tensor::from_vector<float>(Shape({1, 6, 6, 2}), std::vector<float>(72, 0.25F));
  const Tensor a = m.predict(in, {.verbose = 0});
  const Tensor b = back->predict(in, {.verbose = 0});
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.num_elements(); ++i) EXPECT_EQ(a.value_at(i), b.value_at(i));
}

// Keras's config plus Keras's weights file: dl predicts what Keras predicted.
TEST(ModelConfig, KerasConfigAndWeightsPredictAsKeras) {
  const json& p = config_fixtures()["predict"];
  backend::clear_session();
  auto m = models::model_from_json(
      config_fixtures()["keras3"][p["model"].get<std::string>()]["json"].get<std::string>());
  m->load_weights(std::string(DL_FIXTURES_DIR "/keras/") + p["weights"].get<std::string>());
  const Tensor y = m->predict(testing::tensor(p["x"]), {.verbose = 0});
  EXPECT_TRUE(testing::near(y, p["y"], 1e-6, 1e-5));
}

// The compile settings of Keras's compile_config: optimizer, its schedule, loss and metrics.
TEST(ModelConfig, CompileConfigIsApplied) {
  backend::clear_session();
  auto lenet = models::model_from_json(config_fixtures()["keras3"]["lenet"]["json"]);
  const Tensor x = Tensor::zeros(DType::f32, Shape({2, 28, 28, 1}));
  Tensor y = Tensor::zeros(DType::f32, Shape({2, 10}));
  const Logs logs = lenet->evaluate_logs(x, y, {.verbose = 0});
  EXPECT_TRUE(logs.contains("loss"));
  EXPECT_TRUE(logs.contains("accuracy"));  // metrics=["accuracy"]
  const std::string text = config_fixtures()["keras3"]["text_conv1d"]["json"].get<std::string>();
  backend::clear_session();
  auto t = models::model_from_json(text);
  EXPECT_TRUE(t->evaluate_logs(Tensor::zeros(DType::i32, Shape({2, 40})),
                               Tensor::zeros(DType::f32, Shape({2, 7})), {.verbose = 0})
                  .contains("acc"));
  EXPECT_FALSE(t->get_layer(1 - 1)->trainable());  // Embedding(trainable=False)
  backend::clear_session();
  auto no_compile = models::model_from_json(text, {.compile = false});
  EXPECT_FALSE(no_compile->compiled());
}

TEST(ModelConfig, BadConfigsNameTheLayerAndTheKey) {
  auto err = [](const std::string& text) {
    backend::clear_session();
    return message_of([&] { (void)models::model_from_json(text); });
  };
  EXPECT_TRUE(contains(err("{not json"), "the text is not JSON"));
  EXPECT_TRUE(contains(err(R"({"class_name": "Graph", "config": {"layers": []}})"),
                       "unknown model class \"Graph\""));
  json lenet = json::parse(config_fixtures()["keras3"]["lenet"]["json"].get<std::string>());
  {
    json j = lenet;
    j["config"]["layers"][1]["class_name"] = "LSTM";
    EXPECT_TRUE(contains(err(j.dump()), "LSTM")) << err(j.dump());
  }
  {
    json j = lenet;
    j["config"]["layers"][1]["config"]["groups"] = 2;
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "groups")) << e;
    EXPECT_TRUE(contains(e, "conv2d")) << e;
  }
  {
    json j = lenet;
    j["config"]["layers"][1]["config"].erase("filters");
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "filters")) << e;
  }
  {
    json j = lenet;
    j["config"]["layers"][1]["config"]["kernel_size"] = "five";
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "kernel_size")) << e;
  }
  {
    json j = lenet;
    j["config"]["layers"][6]["config"]["activation"] = "swishy";
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "swishy")) << e;
  }
  {
    json j = lenet;
    j["config"]["layers"][2] = lenet;  // a nested model
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "nested model")) << e;
  }
  json two = json::parse(config_fixtures()["keras3"]["two_heads"]["json"].get<std::string>());
  {
    json j = two;
    for (json& l : j["config"]["layers"]) {
      if (l["name"] == "add") {
        l["inbound_nodes"][0]["args"][0][1]["config"]["keras_history"][0] = "dense_z";
      }
    }
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "layer \"add\" is called on layer \"dense_z\"")) << e;
  }
  {
    json j = two;
    j["config"]["output_layers"][0][0] = "nowhere";
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "output_layers")) << e;
  }
  {
    json j = lenet;
    j["compile_config"]["optimizer"]["class_name"] = "Lion";
    const std::string e = err(j.dump());
    EXPECT_TRUE(contains(e, "unknown optimizer")) << e;
  }
}

TEST(ModelConfig, ToJsonRefusesWhatKerasCannotRead) {
  backend::clear_session();
  Sequential m;
  m.add(layers::Dense(
      2, {.activation = activations::ActivationArg([](Output x) { return x; }, "my_act"),
          .input_shape = {3}}));
  const std::string e = message_of([&] { (void)m.to_json(); });
  EXPECT_TRUE(contains(e, "my_act")) << e;
  EXPECT_TRUE(contains(e, "dense")) << e;
}

}  // namespace
}  // namespace dl::keras
