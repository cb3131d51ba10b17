// The Keras tier against Keras 3 itself: layers (outputs and gradients), losses, metrics, the
// resolution of 'acc', optimizers, schedules, summary() text, auto names, the progress bar and
// a whole fit() printout. Reference values: tests/fixtures/keras/make_keras_fixtures.py.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {

using testing::fixtures;
using testing::near;
using testing::tensor;
using json = nlohmann::json;

std::vector<int64_t> batchless(const json& enc) {
  auto s = enc["shape"].get<std::vector<int64_t>>();
  s[0] = -1;
  return s;
}

std::shared_ptr<Layer> make_layer(const std::string& name) {
  using namespace layers;
  if (name == "dense") return Dense(5);
  if (name == "dense_relu") return Dense(5, {.activation = "relu"});
  if (name == "dense_softmax_nobias") return Dense(3, {.activation = "softmax", .use_bias = false});
  if (name == "dense_rank3") return Dense(2, {.activation = "tanh"});
  if (name.rfind("activation_", 0) == 0) return Activation(name.substr(11));
  if (name == "relu_default") return ReLU();
  if (name == "relu_max6") return ReLU({.max_value = 6.0});
  if (name == "relu_max3") return ReLU({.max_value = 3.0});
  if (name == "relu_slope") return ReLU({.negative_slope = 0.1});
  if (name == "relu_threshold") return ReLU({.threshold = 1.5});
  if (name == "relu_all") return ReLU({.max_value = 4.0, .negative_slope = 0.2, .threshold = 0.5});
  if (name == "flatten") return Flatten();
  if (name == "reshape") return Reshape({4, -1});
  if (name == "add") return Add();
  if (name == "concatenate") return Concatenate();
  if (name == "concatenate_axis1") return Concatenate({.axis = 1});
  if (name == "conv2d") return Conv2D(4, {3});
  if (name == "conv2d_same_strides") {
    return Conv2D(2, {3, 2}, {.strides = {2}, .padding = "same", .activation = "tanh"});
  }
  if (name == "conv2d_dilation") return Conv2D(3, {2}, {.dilation_rate = {2}, .use_bias = false});
  if (name == "conv1d") return Conv1D(4, 3, {.activation = "relu"});
  if (name == "conv1d_same_strides") return Conv1D(2, 2, {.strides = {2}, .padding = "same"});
  if (name == "max_pooling2d") return MaxPooling2D();
  if (name == "max_pooling2d_same") {
    return MaxPooling2D({3, 2}, {.strides = {2, 1}, .padding = "same"});
  }
  if (name == "average_pooling2d") return AveragePooling2D({2});
  if (name == "average_pooling2d_same") {
    return AveragePooling2D({3}, {.strides = {2}, .padding = "same"});
  }
  if (name == "max_pooling1d") return MaxPooling1D();
  if (name == "average_pooling1d_same") {
    return AveragePooling1D(3, {.strides = {2}, .padding = "same"});
  }
  if (name == "global_average_pooling2d") return GlobalAveragePooling2D();
  if (name == "global_max_pooling2d") return GlobalMaxPooling2D();
  if (name == "global_average_pooling1d") return GlobalAveragePooling1D();
  if (name == "global_max_pooling1d") return GlobalMaxPooling1D();
  if (name == "zero_padding2d") return ZeroPadding2D({1, 2}, {0, 3});
  if (name == "zero_padding2d_int") return ZeroPadding2D(2);
  if (name == "batch_normalization" || name == "batch_normalization_training" ||
      name == "batch_normalization_training_3d") {
    return BatchNormalization();
  }
  if (name == "batch_normalization_training_2d") {
    return BatchNormalization({.momentum = 0.9, .epsilon = 1e-5});
  }
  if (name == "embedding") return Embedding(10, 3);
  throw NotFound("no layer for case " + name);
}

TEST(KerasGolden, LayersOutputsAndGradients) {
  ASSERT_GE(fixtures()["layers"].size(), 50u);
  for (const json& c : fixtures()["layers"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    backend::clear_session();
    Graph& g = backend::graph();
    auto layer = make_layer(name);
    const bool training = c["training"].get<bool>();
    std::vector<Output> xs;
    FeedDict feeds;
    for (size_t i = 0; i < c["inputs"].size(); ++i) {
      const json& in = c["inputs"][i];
      // Integer inputs (Embedding's ids) have no gradient in the fixture.
      const DType dt = c["input_grads"][i].is_null() ? DType::i32 : DType::f32;
      Output p = ops::placeholder(g, dt, Shape(batchless(in)));
      xs.push_back(p);
      feeds.emplace_back(p, tensor(in, dt));
    }
    std::vector<Output> ys = (*layer)(xs, training);
    ASSERT_EQ(ys.size(), 1u);
    std::vector<Tensor> weights;
    for (const json& w : c["weights"]) weights.push_back(tensor(w));
    layer->set_weights(weights);
    Output s = ops::reduce_sum(ys[0] * ops::constant(g, tensor(c["upstream"])));
    std::vector<Output> wrt;
    for (const Output& x : xs) {
      if (x.dtype() == DType::f32) wrt.push_back(x);
    }
    const size_t n_inputs = wrt.size();
    for (const Weight& w : layer->weights()) wrt.push_back(w.variable.value());
    std::vector<Output> grads = gradients({s}, wrt);
    std::vector<Output> fetches{ys[0]};
    for (size_t i = 0; i < grads.size(); ++i) {
      // A weight the output does not depend on (moving statistics) has no gradient: zeros.
      fetches.push_back(grads[i] ? grads[i] : ops::zeros_like(wrt[i]));
    }
    auto out = backend::session().run(feeds, fetches, layer->take_updates());
    EXPECT_TRUE(near(out[0], c["output"], 1e-5, 1e-5)) << "output";
    size_t k = 1;
    for (size_t i = 0; i < c["input_grads"].size(); ++i) {
      if (c["input_grads"][i].is_null()) continue;
      EXPECT_TRUE(near(out[k++], c["input_grads"][i], 1e-5, 1e-5)) << "input grad " << i;
    }
    ASSERT_EQ(k, 1 + n_inputs);
    for (size_t i = 0; i < c["weight_grads"].size(); ++i) {
      EXPECT_TRUE(near(out[k + i], c["weight_grads"][i], 1e-5, 1e-5)) << "weight grad " << i;
    }
    // Training calls update state (BatchNormalization's moving statistics) as Keras does.
    auto after = layer->get_weights();
    for (size_t i = 0; i < after.size(); ++i) {
      EXPECT_TRUE(near(after[i], c["weights_after"][i], 1e-6, 1e-5)) << "weight after " << i;
    }
  }
}

std::shared_ptr<const losses::Loss> make_loss(const std::string& name) {
  using namespace losses;
  auto base = [&](const std::string& prefix) { return name.rfind(prefix, 0) == 0; };
  const bool logits = name.find("_logits") != std::string::npos;
  if (base("categorical_crossentropy")) {
    CrossentropyOptions o{.from_logits = logits};
    if (name.find("smoothing") != std::string::npos) o.label_smoothing = 0.1;
    if (name.find("_sum") != std::string::npos) o.reduction = "sum";
    if (name.find("_none") != std::string::npos) o.reduction = "none";
    return std::make_shared<CategoricalCrossentropy>(o);
  }
  if (base("sparse_categorical_crossentropy")) {
    return std::make_shared<SparseCategoricalCrossentropy>(
        CrossentropyOptions{.from_logits = logits});
  }
  if (base("binary_crossentropy")) {
    CrossentropyOptions o{.from_logits = logits};
    if (name.find("smoothing") != std::string::npos) o.label_smoothing = 0.2;
    return std::make_shared<BinaryCrossentropy>(o);
  }
  if (base("mean_squared_error")) return std::make_shared<MeanSquaredError>();
  if (base("mean_absolute_error")) return std::make_shared<MeanAbsoluteError>();
  if (name == "huber") return std::make_shared<Huber>();
  if (name == "huber_delta") return std::make_shared<Huber>(HuberOptions{.delta = 0.5});
  if (base("kl_divergence")) return std::make_shared<KLDivergence>();
  throw NotFound("no loss for case " + name);
}

TEST(KerasGolden, Losses) {
  ASSERT_GE(fixtures()["losses"].size(), 30u);
  for (const json& c : fixtures()["losses"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    backend::clear_session();
    Graph& g = backend::graph();
    Output y_true = ops::constant(g, tensor(c["y_true"]));
    Output pred_in = ops::placeholder(g, DType::f32, Shape(batchless(c["y_pred"])));
    const std::string kind = c["kind"];
    Output y_pred = pred_in;
    if (kind == "softmax") y_pred = activations::softmax(pred_in);
    if (kind == "sigmoid") y_pred = activations::sigmoid(pred_in);
    Output sw =
        c["sample_weight"].is_null() ? Output{} : ops::constant(g, tensor(c["sample_weight"]));
    Output value = (*make_loss(name))(y_true, y_pred, sw);
    Tensor out = backend::session().run(value, {{pred_in, tensor(c["y_pred"])}});
    EXPECT_TRUE(near(out, c["value"], 1e-6, 1e-6));
  }
}

std::shared_ptr<const metrics::Metric> make_metric(const std::string& name) {
  using namespace metrics;
  if (name == "binary_accuracy" || name == "binary_accuracy_flat_labels") {
    return std::make_shared<BinaryAccuracy>();
  }
  if (name == "binary_accuracy_threshold") {
    return std::make_shared<BinaryAccuracy>(BinaryAccuracy::Options{.threshold = 0.7});
  }
  if (name == "categorical_accuracy") return std::make_shared<CategoricalAccuracy>();
  if (name.rfind("sparse_categorical_accuracy", 0) == 0) {
    return std::make_shared<SparseCategoricalAccuracy>();
  }
  if (name == "top_k_categorical_accuracy") {
    return std::make_shared<TopKCategoricalAccuracy>(TopKCategoricalAccuracy::Options{.k = 2});
  }
  if (name == "top_k_categorical_accuracy_k5") return std::make_shared<TopKCategoricalAccuracy>();
  if (name == "sparse_top_k_categorical_accuracy") {
    return std::make_shared<SparseTopKCategoricalAccuracy>(
        SparseTopKCategoricalAccuracy::Options{.k = 2});
  }
  if (name == "mean_squared_error") return std::make_shared<MeanSquaredError>();
  if (name == "mean_absolute_error") return std::make_shared<MeanAbsoluteError>();
  throw NotFound("no metric for case " + name);
}

TEST(KerasGolden, Metrics) {
  ASSERT_GE(fixtures()["metrics"].size(), 11u);
  for (const json& c : fixtures()["metrics"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    backend::clear_session();
    Graph& g = backend::graph();
    Output y_true = ops::constant(g, tensor(c["y_true"]));
    Output y_pred = ops::constant(g, tensor(c["y_pred"]));
    Output values = make_metric(name)->call(y_true, y_pred);
    // The epoch result: the total of the per-sample values over the number of samples.
    Tensor out = backend::session().run(ops::reduce_mean(values));
    EXPECT_NEAR(out.value_at(0), c["value"].get<double>(), 1e-6);
  }
}

TEST(KerasGolden, AccuracyResolvesByShapesAsKeras3) {
  ASSERT_GE(fixtures()["accuracy"].size(), 16u);
  for (const json& c : fixtures()["accuracy"]) {
    const auto t = c["y_true_shape"].get<std::vector<int64_t>>();
    const auto p = c["y_pred_shape"].get<std::vector<int64_t>>();
    metrics::MetricArg arg(c["identifier"].get<std::string>());
    auto m = arg.resolve(static_cast<int>(t.size()), t.back(), static_cast<int>(p.size()), p.back(),
                         nullptr, Profile::keras3);
    const std::string cls = c["class"];
    std::string got = "?";
    if (dynamic_cast<const metrics::BinaryAccuracy*>(m.get())) got = "BinaryAccuracy";
    if (dynamic_cast<const metrics::CategoricalAccuracy*>(m.get())) got = "CategoricalAccuracy";
    if (dynamic_cast<const metrics::SparseCategoricalAccuracy*>(m.get())) {
      got = "SparseCategoricalAccuracy";
    }
    EXPECT_EQ(got, cls) << c.dump();
    EXPECT_EQ(m->name(), c["name"].get<std::string>());
  }
}

std::shared_ptr<optimizers::Optimizer> make_optimizer(const std::string& name) {
  using namespace optimizers;
  namespace S = optimizers::schedules;
  if (name == "sgd") return std::make_shared<SGD>();
  if (name == "sgd_lr") return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1});
  if (name == "sgd_momentum") {
    return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .momentum = 0.9});
  }
  if (name == "sgd_nesterov") {
    return std::make_shared<SGD>(
        SGDOptions{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  }
  if (name == "adam") return std::make_shared<Adam>();
  if (name == "adam_lr") {
    return std::make_shared<Adam>(
        AdamOptions{.learning_rate = 0.01, .beta_1 = 0.8, .beta_2 = 0.99, .epsilon = 1e-3});
  }
  if (name == "adam_amsgrad") {
    return std::make_shared<Adam>(AdamOptions{.learning_rate = 0.01, .amsgrad = true});
  }
  if (name == "adamw") return std::make_shared<AdamW>(AdamWOptions{.learning_rate = 0.01});
  if (name == "rmsprop") return std::make_shared<RMSprop>();
  if (name == "rmsprop_momentum") {
    return std::make_shared<RMSprop>(RMSpropOptions{.learning_rate = 0.01, .momentum = 0.5});
  }
  if (name == "rmsprop_centered") {
    return std::make_shared<RMSprop>(RMSpropOptions{.learning_rate = 0.01, .centered = true});
  }
  if (name == "adagrad") return std::make_shared<Adagrad>(AdagradOptions{.learning_rate = 0.1});
  if (name == "adadelta") return std::make_shared<Adadelta>(AdadeltaOptions{.learning_rate = 1.0});
  if (name == "adamax") return std::make_shared<Adamax>(AdamaxOptions{.learning_rate = 0.01});
  if (name == "nadam") return std::make_shared<Nadam>(NadamOptions{.learning_rate = 0.01});
  if (name == "sgd_clipnorm") {
    return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .clipnorm = 1.0});
  }
  if (name == "sgd_clipvalue") {
    return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .clipvalue = 0.5});
  }
  if (name == "sgd_global_clipnorm") {
    return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .global_clipnorm = 1.5});
  }
  if (name == "sgd_weight_decay") {
    return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .weight_decay = 0.05});
  }
  if (name == "adam_schedule") {
    return std::make_shared<Adam>(
        AdamOptions{.learning_rate = S::ExponentialDecay(
                        {.initial_learning_rate = 0.01, .decay_steps = 1, .decay_rate = 0.5})});
  }
  if (name == "sgd_piecewise") {
    return std::make_shared<SGD>(
        SGDOptions{.learning_rate = S::PiecewiseConstantDecay({0, 1}, {0.1, 0.05, 0.01})});
  }
  throw NotFound("no optimizer for case " + name);
}

TEST(KerasGolden, OptimizersFirstThreeUpdates) {
  const json& f = fixtures()["optimizers"];
  ASSERT_GE(f["cases"].size(), 21u);
  for (const json& c : f["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    backend::clear_session();
    Graph& g = backend::graph();
    Variable v(ops::constant(g, tensor(f["var0"])), {.name = "v"});
    Output grad = ops::placeholder(g, DType::f32, Shape({3, 4}), "grad");
    auto opt = make_optimizer(name);
    Node* train = opt->apply_gradients({grad}, {v}, Profile::keras3);
    Session& s = backend::session();
    for (size_t step = 0; step < 3; ++step) {
      s.run(train, {{grad, tensor(f["grads"][step])}});
      EXPECT_TRUE(near(s.variable_value(v.op()), c["steps"][step], 1e-6, 1e-5)) << "step " << step;
    }
    EXPECT_EQ(opt->iteration_count(), 3);
  }
}

TEST(KerasGolden, Schedules) {
  namespace S = optimizers::schedules;
  const json& f = fixtures()["schedules"];
  const auto steps = f["steps"].get<std::vector<int64_t>>();
  auto make = [](const std::string& n) -> std::shared_ptr<S::LearningRateSchedule> {
    if (n == "exponential") {
      return std::make_shared<S::ExponentialDecay>(S::ExponentialDecayOptions{
          .initial_learning_rate = 0.1, .decay_steps = 4, .decay_rate = 0.5});
    }
    if (n == "exponential_staircase") {
      return std::make_shared<S::ExponentialDecay>(S::ExponentialDecayOptions{
          .initial_learning_rate = 0.1, .decay_steps = 4, .decay_rate = 0.5, .staircase = true});
    }
    if (n == "piecewise") {
      return std::make_shared<S::PiecewiseConstantDecay>(std::vector<int64_t>{3, 10},
                                                         std::vector<double>{1.0, 0.5, 0.1});
    }
    if (n == "polynomial") {
      return std::make_shared<S::PolynomialDecay>(
          S::PolynomialDecayOptions{.initial_learning_rate = 0.1,
                                    .decay_steps = 10,
                                    .end_learning_rate = 0.01,
                                    .power = 2.0});
    }
    if (n == "polynomial_cycle") {
      return std::make_shared<S::PolynomialDecay>(
          S::PolynomialDecayOptions{.initial_learning_rate = 0.1,
                                    .decay_steps = 10,
                                    .end_learning_rate = 0.01,
                                    .cycle = true});
    }
    if (n == "inverse_time") {
      return std::make_shared<S::InverseTimeDecay>(S::ExponentialDecayOptions{
          .initial_learning_rate = 0.1, .decay_steps = 5, .decay_rate = 0.5});
    }
    if (n == "cosine") {
      return std::make_shared<S::CosineDecay>(
          S::CosineDecayOptions{.initial_learning_rate = 0.1, .decay_steps = 20});
    }
    if (n == "cosine_alpha") {
      return std::make_shared<S::CosineDecay>(
          S::CosineDecayOptions{.initial_learning_rate = 0.1, .decay_steps = 20, .alpha = 0.1});
    }
    if (n == "cosine_warmup") {
      return std::make_shared<S::CosineDecay>(S::CosineDecayOptions{.initial_learning_rate = 0.0,
                                                                    .decay_steps = 20,
                                                                    .warmup_target = 0.1,
                                                                    .warmup_steps = 5});
    }
    throw NotFound("no schedule " + n);
  };
  for (const json& c : f["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    backend::clear_session();
    Graph& g = backend::graph();
    Output step = ops::placeholder(g, DType::f32, Shape{}, "step");
    Output lr = (*make(name))(step);
    for (size_t i = 0; i < steps.size(); ++i) {
      Tensor out = backend::session().run(lr, {{step, Tensor::scalar<float>(float(steps[i]))}});
      EXPECT_NEAR(out.value_at(0), c["values"][i].get<double>(),
                  1e-7 + 1e-6 * std::fabs(c["values"][i].get<double>()))
          << "step " << steps[i];
    }
  }
}

std::string summary_text(const std::string& name) {
  for (const json& s : fixtures()["summary"]) {
    if (s["name"] == name) return s["text"].get<std::string>();
  }
  throw NotFound("no summary " + name);
}

TEST(KerasGolden, SummaryText) {
  ::setenv("COLUMNS", "200", 1);  // as the fixture script: Keras's default widths apply
  using namespace layers;
  {
    backend::clear_session();
    Sequential m({Input({784}).layer(), Dense(32, {.activation = "relu"}), Dropout(0.2),
                  Dense(10, {.activation = "softmax"})});
    EXPECT_EQ(m.summary(), summary_text("sequential"));
    EXPECT_EQ(m.summary({.show_trainable = true}), summary_text("sequential_trainable"));
    EXPECT_EQ(m.summary({.line_length = 60}), summary_text("sequential_60"));
    m.layers()[0]->set_trainable(false);
    EXPECT_EQ(m.summary(), summary_text("sequential_frozen"));
  }
  {
    backend::clear_session();
    KerasTensor inp = Input({4});
    KerasTensor a = Dense(5)(inp);
    KerasTensor b = Dense(5)(inp);
    KerasTensor c = Add()({a, b});
    KerasTensor d = Concatenate()({a, c});
    KerasTensor o = Dense(2, {.name = "a_very_long_layer_name_for_wrapping_tests_here"})(d);
    Model fm({inp}, {o, c});
    EXPECT_EQ(fm.summary(), summary_text("functional"));
  }
  {
    backend::clear_session();
    KerasTensor inp = Input({6}, {.name = "features"});
    KerasTensor h = Dense(1000000 / 6 / 4, {.name = "wide"})(inp);
    KerasTensor o = Dense(3, {.name = "head"})(h);
    Model fm(inp, o);
    EXPECT_EQ(fm.summary(), summary_text("functional_chain"));
  }
  {
    backend::clear_session();
    Sequential m({Input({3}).layer(), Dense(2)});
    m.compile({.optimizer = "adam", .loss = "mse"});
    m.train_on_batch(Tensor::zeros(DType::f32, Shape({2, 3})),
                     Tensor::zeros(DType::f32, Shape({2, 2})));
    EXPECT_EQ(m.summary(), summary_text("sequential_trained_adam"));
  }
  ::unsetenv("COLUMNS");
}

TEST(KerasGolden, AutoNamesFollowKeras3) {
  using namespace layers;
  backend::clear_session();
  std::vector<std::pair<std::string, std::string>> got;
  Sequential s({Dense(4, {.input_shape = {3}}), Dense(2)});
  got.emplace_back("sequential", s.name());
  for (const auto& l : s.layers()) got.emplace_back("layer", l->name());
  Sequential s2;
  s2.add(Input({3}));
  s2.add(Dense(4));
  s2.add(Dropout(0.5));
  s2.add(Dense(1));
  got.emplace_back("sequential", s2.name());
  for (const auto& l : s2.layers()) got.emplace_back("layer", l->name());
  KerasTensor inp = Input({3});
  KerasTensor out = ReLU()(Dense(2)(inp));
  Model fm(inp, out);
  got.emplace_back("functional", fm.name());
  for (const auto& l : fm.layers()) got.emplace_back("layer", l->name());
  Model fm2(inp, out);
  got.emplace_back("functional", fm2.name());
  const json& want = fixtures()["naming"];
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i]["kind"].get<std::string>()) << i;
    EXPECT_EQ(got[i].second, want[i]["name"].get<std::string>()) << i;
  }
}

std::function<double()> scripted_clock(const std::vector<double>& times) {
  auto i = std::make_shared<size_t>(0);
  return [times, i] {
    const size_t k = std::min((*i)++, times.size() - 1);
    return times[k];
  };
}

TEST(KerasGolden, ProgbarBytes) {
  ASSERT_GE(fixtures()["progbar"].size(), 5u);
  for (const json& c : fixtures()["progbar"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::ostringstream out;
    utils::Progbar bar(c["target"].get<int64_t>(), out,
                       {.verbose = c["verbose"].get<int>(),
                        .dynamic_display = true,
                        .clock = scripted_clock(c["times"].get<std::vector<double>>())});
    for (const json& u : c["updates"]) {
      std::vector<std::pair<std::string, double>> values;
      for (const json& v : u["values"])
        values.emplace_back(v[0].get<std::string>(), v[1].get<double>());
      bar.update(u["current"].get<int64_t>(), values,
                 u["finalize"].is_null() ? -1 : u["finalize"].get<bool>());
    }
    EXPECT_EQ(out.str(), c["output"].get<std::string>());
  }
}

TEST(KerasGolden, FitPrintoutHistoryAndWeights) {
  const json& f = fixtures()["fit"];
  backend::clear_session();
  using namespace layers;
  Sequential model(
      {Input({3}).layer(), Dense(4, {.activation = "tanh"}), Dense(3, {.activation = "softmax"})});
  std::vector<Tensor> w;
  for (const json& t : f["weights"]) w.push_back(tensor(t));
  model.set_weights(w);
  model.compile({.optimizer = optimizers::SGD({.learning_rate = 0.5}),
                 .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});
  std::ostringstream out;
  auto progbar = std::make_shared<callbacks::ProgbarLogger>(callbacks::ProgbarLoggerOptions{
      .out = &out,
      .dynamic_display = 1,
      .clock = scripted_clock(f["times"].get<std::vector<double>>())});
  auto h = model.fit(tensor(f["x"]), tensor(f["y"]),
                     {.batch_size = 16,
                      .epochs = 2,
                      .verbose = 1,
                      .callbacks = {progbar},
                      .validation_split = 0.2,
                      .shuffle = false});
  EXPECT_EQ(out.str(), f["output"].get<std::string>());
  for (const auto& [k, v] : f["history"].items()) {
    ASSERT_TRUE(h.history.count(k)) << k;
    for (size_t e = 0; e < v.size(); ++e)
      EXPECT_NEAR(h.history[k][e], v[e].get<double>(), 1e-6) << k;
  }
  EXPECT_EQ(h.keys, (std::vector<std::string>{"accuracy", "loss", "val_accuracy", "val_loss"}));
  auto final_w = model.get_weights();
  for (size_t i = 0; i < final_w.size(); ++i) {
    EXPECT_TRUE(near(final_w[i], f["final_weights"][i], 1e-6, 1e-5)) << i;
  }
}

}  // namespace
}  // namespace dl::keras

namespace dl::keras {
namespace {
using json = nlohmann::json;

const json& ratio_fixtures() {
  static const json j = testing::load_fixture("ratio_metric_fixtures.json");
  return j;
}

// Precision and Recall: ratios of sums (true positives over predicted / actual positives).
TEST(KerasGolden, PrecisionAndRecall) {
  ASSERT_EQ(ratio_fixtures()["metrics"].size(), 8u);
  for (const json& c : ratio_fixtures()["metrics"]) {
    SCOPED_TRACE(c["metric"].get<std::string>() + " " + c["case"].get<std::string>());
    backend::clear_session();
    Graph& g = backend::graph();
    const Output y_true = ops::constant(g, testing::tensor(c["y_true"]));
    const Output y_pred = ops::constant(g, testing::tensor(c["y_pred"]));
    const double thr = c["threshold"];
    std::shared_ptr<const metrics::Metric> m;
    if (c["metric"] == "precision") {
      m = std::make_shared<metrics::Precision>(metrics::Precision::Options{.threshold = thr});
    } else {
      m = std::make_shared<metrics::Recall>(metrics::Recall::Options{.threshold = thr});
    }
    const Output num = ops::reduce_sum(m->call(y_true, y_pred));
    const Output den = ops::reduce_sum(m->denominator(y_true, y_pred));
    const auto r = backend::session().run(FeedDict{}, std::vector<Output>{num, den});
    EXPECT_NEAR(r[0].value_at(0) / r[1].value_at(0), c["value"].get<double>(), 1e-6);
  }
}

// Through compile/evaluate: three batches (4, 4, 2) give the epoch's ratio of sums, as Keras.
TEST(KerasGolden, PrecisionAndRecallOverAnEpoch) {
  const json& c = ratio_fixtures()["evaluate"];
  backend::clear_session();
  Sequential model;
  model.add(layers::Dense(3, {.activation = "sigmoid", .input_shape = {4}}));
  model.set_weights({testing::tensor(c["kernel"]), testing::tensor(c["bias"])});
  model.compile(
      {.optimizer = "sgd", .loss = "binary_crossentropy", .metrics = {"precision", "recall"}});
  const std::vector<double> r = model.evaluate(testing::tensor(c["x"]), testing::tensor(c["y"]),
                                               {.batch_size = 4, .verbose = 0});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_NEAR(r[0], c["results"]["loss"].get<double>(), 1e-5);
  EXPECT_NEAR(r[1], c["results"]["precision"].get<double>(), 1e-6);
  EXPECT_NEAR(r[2], c["results"]["recall"].get<double>(), 1e-6);
}
}  // namespace
}  // namespace dl::keras
