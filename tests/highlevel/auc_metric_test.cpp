// keras.metrics.AUC against Keras 3 itself: the value and the confusion variables after one or
// three batches for every curve, summation method and option, and the epoch value through
// evaluate(). Reference values: tests/fixtures/keras/make_auc_fixtures.py.
#include <gtest/gtest.h>

#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/keras.h"
#include "keras_test_util.h"

namespace dl::keras {
namespace {
using json = nlohmann::json;
using testing::contains;
using testing::message_of;

const json& auc_fixtures() {
  static const json j = testing::load_fixture("auc_fixtures.json");
  return j;
}

metrics::AUC::Options options_of(const json& c) {
  metrics::AUC::Options o;
  if (c.contains("num_thresholds")) o.num_thresholds = c["num_thresholds"];
  if (c.contains("curve")) o.curve = c["curve"];
  if (c.contains("summation_method")) o.summation_method = c["summation_method"];
  if (c.contains("name")) o.name = c["name"];
  if (c.contains("thresholds")) o.thresholds = c["thresholds"].get<std::vector<double>>();
  if (c.contains("multi_label")) o.multi_label = c["multi_label"];
  if (c.contains("num_labels")) o.num_labels = c["num_labels"];
  if (c.contains("label_weights")) o.label_weights = c["label_weights"].get<std::vector<double>>();
  if (c.contains("from_logits")) o.from_logits = c["from_logits"];
  return o;
}

/// The element-wise sum of the metric's batch states over the case's batches.
std::vector<double> summed_state(const metrics::AUC& m, const json& batches) {
  std::vector<double> state;
  for (const json& b : batches) {
    backend::clear_session();
    Graph& g = backend::graph();
    const Output s = m.batch_state(ops::constant(g, testing::tensor(b["y_true"])),
                                   ops::constant(g, testing::tensor(b["y_pred"])));
    const Tensor t = backend::session().run(FeedDict{}, std::vector<Output>{s})[0];
    if (state.empty()) state.assign(static_cast<size_t>(t.num_elements()), 0.0);
    EXPECT_EQ(static_cast<int64_t>(state.size()), t.num_elements());
    for (int64_t k = 0; k < t.num_elements(); ++k) state[static_cast<size_t>(k)] += t.value_at(k);
  }
  return state;
}

void expect_counts(const std::vector<double>& got, const json& want, const char* what) {
  const auto w = want["data"].get<std::vector<double>>();
  ASSERT_EQ(got.size(), w.size()) << what;
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(got[i], w[i], 1e-4) << what << " at " << i;
}

TEST(AUC, MatchesKerasOnEveryCase) {
  const json& cases = auc_fixtures()["metrics"];
  ASSERT_GE(cases.size(), 30u);
  for (const json& c : cases) {
    SCOPED_TRACE(c["case"].get<std::string>());
    const metrics::AUC m(options_of(c["config"]));
    const auto want_thr = c["thresholds"].get<std::vector<double>>();
    ASSERT_EQ(m.thresholds().size(), want_thr.size());
    for (size_t i = 0; i < want_thr.size(); ++i) {
      EXPECT_NEAR(m.thresholds()[i], want_thr[i], 1e-7) << "threshold " << i;
    }
    const std::vector<double> state = summed_state(m, c["batches"]);
    const metrics::AUC::ConfusionMatrix cm = m.confusion_matrix(state);
    expect_counts(cm.true_positives, c["state"]["true_positives"], "true_positives");
    expect_counts(cm.false_positives, c["state"]["false_positives"], "false_positives");
    expect_counts(cm.true_negatives, c["state"]["true_negatives"], "true_negatives");
    expect_counts(cm.false_negatives, c["state"]["false_negatives"], "false_negatives");
    // Keras computes the area in float32; ours is in double.
    EXPECT_NEAR(m.result(state), c["value"].get<double>(), 2e-6);
  }
}

// Through compile/evaluate: three batches (4, 4, 2); the epoch value is the AUC of the state
// summed over all of them, not a mean of batch AUCs.
TEST(AUC, EpochValueThroughEvaluate) {
  for (const json& c : auc_fixtures()["evaluate"]) {
    const int64_t units = c["units"];
    SCOPED_TRACE(units);
    backend::clear_session();
    Sequential model;
    model.add(layers::Dense(units, {.activation = "sigmoid", .input_shape = {4}}));
    model.set_weights({testing::tensor(c["kernel"]), testing::tensor(c["bias"])});
    std::vector<metrics::MetricArg> ms;
    std::vector<std::string> names;
    for (const json& d : c["metrics"]) {
      if (d.contains("identifier")) {
        ms.emplace_back(d["identifier"].get<std::string>());
        names.push_back(d["identifier"]);
      } else {
        ms.emplace_back(std::make_shared<metrics::AUC>(options_of(d)));
        names.push_back(d["name"]);
      }
    }
    model.compile({.optimizer = "sgd", .loss = "binary_crossentropy", .metrics = ms});
    const Logs logs = model.evaluate_logs(testing::tensor(c["x"]), testing::tensor(c["y"]),
                                          {.batch_size = 4, .verbose = 0});
    EXPECT_NEAR(logs.at("loss"), c["results"]["loss"].get<double>(), 1e-5);
    for (const std::string& n : names) {
      EXPECT_NEAR(logs.at(n), c["results"][n].get<double>(), 2e-6) << n;
    }
  }
}

// The state over two batches equals the state of their concatenation (the counts add up), and
// a fit epoch reports the summed-state value too.
TEST(AUC, FitLogsTheEpochValue) {
  backend::clear_session();
  Sequential model;
  model.add(layers::Dense(1, {.activation = "sigmoid", .input_shape = {2}}));
  model.compile({.optimizer = optimizers::SGD({.learning_rate = 0.0}),
                 .loss = "binary_crossentropy",
                 .metrics = {"auc"}});
  const Tensor x = Tensor::from_vector<float>(
      Shape({6, 2}), {0.1F, 0.9F, -1.F, 0.3F, 0.5F, 0.5F, 2.F, -1.F, -0.2F, 0.4F, 1.F, 1.F});
  const Tensor y = Tensor::from_vector<float>(Shape({6, 1}), {1, 0, 1, 0, 0, 1});
  const auto hist = model.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0, .shuffle = false});
  const double whole = model.evaluate_logs(x, y, {.batch_size = 6, .verbose = 0}).at("auc");
  // lr 0: the weights do not move, so the epoch's value is the AUC of all six rows.
  EXPECT_NEAR(hist.history.at("auc").back(), whole, 1e-9);
  const double split = model.evaluate_logs(x, y, {.batch_size = 2, .verbose = 0}).at("auc");
  EXPECT_NEAR(split, whole, 1e-9);
}

TEST(AUC, BadArgumentsNameTheMetric) {
  using O = metrics::AUC::Options;
  EXPECT_TRUE(contains(message_of([] { metrics::AUC(O{.num_thresholds = 1}); }),
                       "`num_thresholds` must be an integer > 1"));
  EXPECT_TRUE(contains(message_of([] { metrics::AUC(O{.curve = "area"}); }),
                       "Invalid AUC curve value: \"area\""));
  EXPECT_TRUE(contains(message_of([] { metrics::AUC(O{.summation_method = "trapezoid"}); }),
                       "Invalid AUC summation method value"));
  EXPECT_TRUE(contains(message_of([] { metrics::AUC(O{.num_labels = 3}); }),
                       "only when `multi_label` is True"));
  EXPECT_TRUE(contains(
      message_of([] { metrics::AUC(O{.name = "my_auc", .thresholds = std::vector<double>{1.5}}); }),
      "AUC \"my_auc\": `thresholds` must lie in [0, 1]"));
  // A prediction of rank 1 with multi_label, and labels that do not match the predictions.
  backend::clear_session();
  Graph& g = backend::graph();
  const metrics::AUC ml(O{.multi_label = true});
  const Output p1 = ops::constant(g, Tensor::from_vector<float>(Shape({3}), {0.1F, 0.2F, 0.3F}));
  EXPECT_TRUE(contains(message_of([&] { ml.batch_state(p1, p1); }), "must have rank 2"));
  const metrics::AUC plain;
  const Output p = ops::constant(g, Tensor::zeros(DType::f32, Shape({4, 3})));
  const Output t = ops::constant(g, Tensor::zeros(DType::f32, Shape({4, 2})));
  EXPECT_TRUE(contains(message_of([&] { plain.batch_state(t, p); }), "do not match predictions"));
  // A state of the wrong length.
  EXPECT_TRUE(contains(message_of([&] { (void)plain.result(std::vector<double>(7, 0.0)); }),
                       "received 7 values"));
}

}  // namespace
}  // namespace dl::keras
