// dl::train optimizers against TensorFlow's (tests/fixtures/optimizers), and the training ops.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/op_registry.h"
#include "dl/graph/ops/gather_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/optimizer_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/train/adadelta.h"
#include "dl/graph/train/adagrad.h"
#include "dl/graph/train/adam.h"
#include "dl/graph/train/gradient_descent.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/train/rmsprop.h"
#include "dl/graph/train/training_util.h"

namespace dl {
namespace {

using nlohmann::json;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const json& fixtures() {
  static const json j = [] {
    std::ifstream f(DL_FIXTURES_DIR "/optimizers/optimizer_fixtures.json");
    if (!f) throw std::runtime_error("cannot open optimizer_fixtures.json");
    return json::parse(f);
  }();
  return j;
}

std::vector<std::string> case_names() {
  std::vector<std::string> out;
  for (const json& c : fixtures()["cases"]) out.push_back(c["name"]);
  return out;
}

const json& find_case(const std::string& name) {
  for (const json& c : fixtures()["cases"]) {
    if (c["name"] == name) return c;
  }
  throw std::runtime_error("no case " + name);
}

// The optimizer of a fixture case: missing arguments take TF's defaults; an empty argument list
// uses dl's own defaults (so the cases without arguments check that they are TF's).
std::unique_ptr<train::Optimizer> make_optimizer(const std::string& kind, const json& a) {
  auto num = [&](const char* k, double def) { return a.contains(k) ? a[k].get<double>() : def; };
  auto flag = [&](const char* k) { return a.contains(k) && a[k].get<bool>(); };
  if (kind == "GradientDescent") {
    return std::make_unique<train::GradientDescentOptimizer>(num("learning_rate", 0));
  }
  if (kind == "Momentum") {
    return std::make_unique<train::MomentumOptimizer>(num("learning_rate", 0), num("momentum", 0),
                                                      flag("use_nesterov"));
  }
  if (kind == "Adam") {
    if (a.empty()) return std::make_unique<train::AdamOptimizer>();
    return std::make_unique<train::AdamOptimizer>(num("learning_rate", 0.001), num("beta1", 0.9),
                                                  num("beta2", 0.999), num("epsilon", 1e-8));
  }
  if (kind == "RMSProp") {
    return std::make_unique<train::RMSPropOptimizer>(num("learning_rate", 0), num("decay", 0.9),
                                                     num("momentum", 0.0), num("epsilon", 1e-10),
                                                     flag("centered"));
  }
  if (kind == "Adagrad") {
    if (!a.contains("initial_accumulator_value")) {
      return std::make_unique<train::AdagradOptimizer>(num("learning_rate", 0));
    }
    return std::make_unique<train::AdagradOptimizer>(num("learning_rate", 0),
                                                     num("initial_accumulator_value", 0));
  }
  if (kind == "Adadelta") {
    if (a.empty()) return std::make_unique<train::AdadeltaOptimizer>();
    return std::make_unique<train::AdadeltaOptimizer>(num("learning_rate", 0.001), num("rho", 0.95),
                                                      num("epsilon", 1e-8));
  }
  throw std::runtime_error("unknown optimizer " + kind);
}

Tensor f32(Shape s, const json& values) {
  return Tensor::from_vector<float>(std::move(s), values.get<std::vector<float>>());
}

::testing::AssertionResult near_tf(const std::string& what, const Tensor& got, const json& want) {
  const std::vector<float> w = want.get<std::vector<float>>();
  if (static_cast<int64_t>(w.size()) != got.num_elements()) {
    return ::testing::AssertionFailure()
           << what << ": " << got.num_elements() << " values, TF has " << w.size();
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const double a = got.value_at(static_cast<int64_t>(i)), b = w[i];
    if (!(std::fabs(a - b) <= 1e-7 + 1e-6 * std::fabs(b))) {
      return ::testing::AssertionFailure()
             << what << "[" << i << "]: dl " << a << ", TF " << b << " (diff " << a - b << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

class TfOptimizerParity : public ::testing::TestWithParam<std::string> {};

TEST_P(TfOptimizerParity, ThreeStepsMatchTensorFlow) {
  const json& c = find_case(GetParam());
  const bool sparse = c["sparse"];
  const Shape shape(c["var_shape"].get<std::vector<int64_t>>());
  Graph g;
  Variable w(ops::constant(g, f32(shape, c["var_init"])), {.name = "w"});
  auto opt = make_optimizer(c["optimizer"], c["args"]);
  Variable gs = train::get_or_create_global_step(g);
  const bool twice = c.value("twice", false);
  Output grad_in, ids, coeff, ids2, coeff2;
  Output loss;
  if (sparse) {
    ids = ops::placeholder(g, DType::i32, Shape({-1}), "ids");
    coeff = ops::placeholder(g, DType::f32, Shape({-1, shape.dim(1)}), "c");
    loss = nn::embedding_lookup(w, ids) * coeff;
    if (twice) {
      // TF looks up reverse(ids); the reversed ids are fed here (dl has no ReverseV2 yet).
      ids2 = ops::placeholder(g, DType::i32, Shape({-1}), "ids2");
      coeff2 = ops::placeholder(g, DType::f32, Shape({-1, shape.dim(1)}), "c2");
      loss = loss + nn::embedding_lookup(w, ids2) * coeff2;
    }
    auto gv = opt->compute_gradients(loss, {w});
    ASSERT_TRUE(gv[0].first.is_sparse());
  } else {
    grad_in = ops::placeholder(g, DType::f32, shape, "g");
    loss = w * grad_in;
  }
  Node* train_op = opt->minimize(loss, gs);
  Session s(g);
  s.run(global_variables_initializer(g));
  int k = 0;
  for (const json& step : c["steps"]) {
    SCOPED_TRACE("step " + std::to_string(++k));
    if (sparse) {
      const std::vector<int32_t> id_values = step["ids"].get<std::vector<int32_t>>();
      const int64_t n = static_cast<int64_t>(id_values.size());
      FeedDict feeds{{ids, Tensor::from_vector<int32_t>(Shape({n}), id_values)},
                     {coeff, f32(Shape({n, shape.dim(1)}), step["coeff"])}};
      if (twice) {
        const std::vector<int32_t> reversed(id_values.rbegin(), id_values.rend());
        feeds.emplace_back(ids2, Tensor::from_vector<int32_t>(Shape({n}), reversed));
        feeds.emplace_back(coeff2, f32(Shape({n, shape.dim(1)}), step["coeff2"]));
      }
      s.run(train_op, feeds);
    } else {
      s.run(train_op, {{grad_in, f32(shape, step["grad"])}});
    }
    const json& want = step["expected"];
    EXPECT_TRUE(near_tf("var", s.variable_value(w.op()), want["var"]));
    std::vector<std::string> tf_slots;
    for (const auto& [name, values] : want["slots"].items()) {
      tf_slots.push_back(name);
      EXPECT_TRUE(near_tf(name, s.variable_value(opt->get_slot(w, name).op()), values));
    }
    EXPECT_EQ(opt->get_slot_names(), tf_slots);
    if (want.contains("beta1_power")) {
      EXPECT_TRUE(near_tf("beta1_power", s.variable_value(g.node_by_name("beta1_power")),
                          json::array({want["beta1_power"]})));
      EXPECT_TRUE(near_tf("beta2_power", s.variable_value(g.node_by_name("beta2_power")),
                          json::array({want["beta2_power"]})));
    }
    EXPECT_EQ(s.variable_value(gs.op()).data<int64_t>()[0], want["global_step"].get<int64_t>());
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TfOptimizerParity, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

std::vector<float> values_of(Session& s, const Variable& v) {
  return s.variable_value(v.op()).to_vector<float>();
}

}  // namespace

TEST(Optimizer, SlotsAreLazyNamedAfterVariableAndNotTrainable) {
  Graph g;
  Variable w(ops::constant(g, {1, 2}, Shape({2})), {.name = "w"});
  train::AdamOptimizer adam;
  EXPECT_TRUE(contains(message_of([&] { adam.get_slot(w, "m"); }), "has no slot 'm'"));
  Output loss = w * 3.0;
  adam.minimize(loss);
  Variable m = adam.get_slot(w, "m"), v = adam.get_slot(w, "v");
  EXPECT_EQ(m.name(), "w/Adam");
  EXPECT_EQ(v.name(), "w/Adam_1");
  EXPECT_FALSE(m.trainable());
  EXPECT_EQ(trainable_variables(g).size(), 1u);
  EXPECT_EQ(adam.get_slot_names(), (std::vector<std::string>{"m", "v"}));
  std::vector<std::string> names;
  for (const Variable& x : adam.variables()) names.push_back(x.name());
  EXPECT_EQ(names, (std::vector<std::string>{"beta1_power", "beta2_power", "w/Adam", "w/Adam_1"}));
  EXPECT_TRUE(
      contains(message_of([&] { adam.get_slot(w, "momentum"); }),
               "Optimizer 'Adam' has no slot 'momentum' for variable 'w' (its slots: m, v)"));
  // The update ops live under the optimizer's scope.
  EXPECT_NE(g.find_node("Adam/update_w/ApplyAdam"), nullptr);
  EXPECT_EQ(g.node_by_name("Adam")->type(), "NoOp");
}

TEST(Optimizer, SlotsAreCreatedOutsideTheCallersControlDependencies) {
  // TF1 creates slots and accumulators under init_scope: a minimize() called inside
  // tf.control_dependencies([counter_update]) must not make the variables' initialisation run
  // the counter update.
  Graph g;
  Variable w(ops::constant(g, {1, 2}, Shape({2})), {.name = "w"});
  Variable counter(ops::constant(g, {0}, Shape({1})), {.trainable = false, .name = "counter"});
  Output bump = counter.assign_add(ops::constant(g, {1}, Shape({1})));
  train::AdamOptimizer adam;
  Node* train_op = nullptr;
  {
    ControlDependencies deps(g, {bump.node});
    train_op = adam.minimize(w * 3.0);
  }
  for (const Variable& v : adam.variables()) {
    EXPECT_TRUE(v.op()->control_inputs().empty()) << v.name();
    EXPECT_TRUE(v.initializer()->control_inputs().empty()) << v.name();
  }
  Session s(g);
  s.run(global_variables_initializer(g));
  EXPECT_EQ(values_of(s, counter), (std::vector<float>{0}));
  s.run({}, {}, {train_op});  // the train step itself still runs after the update
  EXPECT_EQ(values_of(s, counter), (std::vector<float>{1}));
}

TEST(Optimizer, SlotInitialValuesFollowTf1) {
  Graph g;
  Variable w(ops::constant(g, {1, 2}, Shape({2})), {.name = "w"});
  train::RMSPropOptimizer rms(0.1, 0.9, 0.0, 1e-10, true);
  train::AdagradOptimizer ada(0.1);
  rms.apply_gradients({{Grad(ops::constant(g, {0, 0}, Shape({2}))), w}});
  ada.apply_gradients({{Grad(ops::constant(g, {0, 0}, Shape({2}))), w}});
  Session s(g);
  s.run(global_variables_initializer(g));
  EXPECT_EQ(values_of(s, rms.get_slot(w, "rms")), (std::vector<float>{1, 1}));
  EXPECT_EQ(values_of(s, rms.get_slot(w, "mg")), (std::vector<float>{0, 0}));
  EXPECT_EQ(values_of(s, rms.get_slot(w, "momentum")), (std::vector<float>{0, 0}));
  EXPECT_EQ(values_of(s, ada.get_slot(w, "accumulator")), (std::vector<float>{0.1f, 0.1f}));
  EXPECT_EQ(rms.get_slot(w, "rms").name(), "w/RMSProp");
  EXPECT_EQ(rms.get_slot(w, "mg").name(), "w/RMSProp_1");
  EXPECT_EQ(rms.get_slot(w, "momentum").name(), "w/RMSProp_2");
}

TEST(Optimizer, GlobalStepIncrementsAfterTheUpdates) {
  Graph g;
  Variable gs = train::get_or_create_global_step(g);
  EXPECT_EQ(train::get_or_create_global_step(g), gs);
  EXPECT_EQ(gs.name(), "global_step");
  EXPECT_EQ(gs.dtype(), DType::i64);
  EXPECT_EQ(gs.shape(), Shape{});
  EXPECT_FALSE(gs.trainable());
  EXPECT_EQ(g.get_collection(GraphKeys::GLOBAL_STEP), std::vector<Node*>{gs.op()});
  EXPECT_TRUE(contains(message_of([&] { train::create_global_step(g); }), "has a global step"));

  Variable w(ops::constant(g, {1, 2}, Shape({2})), {.name = "w"});
  train::GradientDescentOptimizer sgd(0.5);
  Node* train_op = sgd.minimize(w * 2.0, gs);
  EXPECT_EQ(train_op->name(), "GradientDescent");
  EXPECT_EQ(train_op->type(), "AssignAdd");
  ASSERT_EQ(train_op->control_inputs().size(), 1u);
  EXPECT_EQ(train_op->control_inputs()[0]->name(), "GradientDescent/update");
  EXPECT_EQ(g.get_collection(GraphKeys::TRAIN_OP), std::vector<Node*>{train_op});
  Session s(g);
  s.run(global_variables_initializer(g));
  for (int64_t step = 1; step <= 3; ++step) {
    s.run(train_op);
    EXPECT_EQ(s.variable_value(gs.op()).data<int64_t>()[0], step);
  }
  EXPECT_EQ(values_of(s, w), (std::vector<float>{-2, -1}));
}

TEST(Optimizer, EveryGradientIsComputedBeforeAnyUpdate) {
  // d(w1*w2)/dw1 = w2 and d/dw2 = w1: both must see the values from before this step.
  Graph g;
  Variable w1(ops::constant(g, {1.0f}, Shape({1})), {.name = "w1"});
  Variable w2(ops::constant(g, {2.0f}, Shape({1})), {.name = "w2"});
  Output loss = w1 * w2;
  train::GradientDescentOptimizer sgd(0.5);
  Node* train_op = sgd.minimize(loss);
  Session s(g);
  s.run(global_variables_initializer(g));
  Tensor before = s.run({}, {loss}, {train_op})[0];
  EXPECT_EQ(before.to_vector<float>(), std::vector<float>{2});
  EXPECT_EQ(values_of(s, w1), std::vector<float>{0});     // 1 - 0.5 * 2
  EXPECT_EQ(values_of(s, w2), std::vector<float>{1.5f});  // 2 - 0.5 * 1
}

TEST(Optimizer, LearningRateMayBeATensor) {
  Graph g;
  Variable w(ops::constant(g, {1, 1}, Shape({2})), {.name = "w"});
  Output lr = ops::placeholder(g, DType::f32, Shape{}, "lr");
  train::MomentumOptimizer opt(lr, 0.5);
  Node* train_op = opt.minimize(w * 1.0);
  Session s(g);
  s.run(global_variables_initializer(g));
  s.run(train_op, {{lr, Tensor::scalar<float>(0.25f)}});
  EXPECT_EQ(values_of(s, w), (std::vector<float>{0.75f, 0.75f}));
  // Another dtype is cast, as TF1 does; a non-scalar is refused.
  Output lr64 = ops::placeholder(g, DType::f64, Shape{}, "lr64");
  train::GradientDescentOptimizer sgd(lr64);
  Node* sgd_op = sgd.minimize(w * 1.0);
  s.run(sgd_op, {{lr64, Tensor::scalar<double>(0.5)}});
  EXPECT_EQ(values_of(s, w), (std::vector<float>{0.25f, 0.25f}));
  Output lrv = ops::constant(g, {0.1f, 0.2f}, Shape({2}), "lrv");
  train::GradientDescentOptimizer bad(lrv);
  const std::string m = message_of([&] { bad.minimize(w * 1.0); });
  EXPECT_TRUE(contains(m,
                       "hyperparameter learning_rate ('lrv:0') must be a scalar, received "
                       "float32[2]"))
      << m;
}

TEST(Optimizer, Float64VariablesUseTheFloat32RoundedHyperparameter) {
  Graph g;
  Variable w(ops::constant(g, Tensor::from_vector<double>(Shape({1}), {1.0})), {.name = "w"});
  train::GradientDescentOptimizer sgd(0.1);
  Node* train_op = sgd.minimize(w * 1.0);
  Session s(g);
  s.run(global_variables_initializer(g));
  s.run(train_op);
  EXPECT_EQ(s.variable_value(w.op()).data<double>()[0], 1.0 - static_cast<double>(0.1f));
}

TEST(Optimizer, NoGradientsIsAnError) {
  Graph g;
  Variable w(ops::constant(g, {1}, Shape({1})), {.name = "w"});
  Variable u(ops::constant(g, {1}, Shape({1})), {.name = "u"});
  train::GradientDescentOptimizer sgd(0.1);
  const std::string m = message_of([&] { sgd.minimize(u * 2.0, std::nullopt, {w}); });
  EXPECT_TRUE(contains(m, "no gradients provided for any variable")) << m;
  EXPECT_TRUE(contains(m, "'w'")) << m;
  Output x = ops::placeholder(g, DType::f32, Shape({1}), "x");
  const std::string none = message_of([&] {
    Graph empty;
    Output c = ops::scalar(empty, 1.0);
    sgd.compute_gradients(c);
  });
  EXPECT_TRUE(contains(none, "no variables to optimize")) << none;
}

TEST(TrainingOps, ShapeAndDtypeErrorsNameNodeAndBothSides) {
  Graph g;
  Variable w(ops::constant(g, {1, 2, 3, 4, 5, 6}, Shape({2, 3})), {.name = "w"});
  Variable acc(ops::constant(g, {1, 2, 3}, Shape({3})), {.name = "acc"});
  Output lr = ops::scalar(g, 0.1);
  Output grad = ops::constant(g, {1, 2, 3, 4, 5, 6}, Shape({2, 3}));
  std::string m = message_of([&] { ops::apply_adagrad(w, acc, lr, grad, "upd"); });
  EXPECT_TRUE(contains(m, "ApplyAdagrad 'upd'")) << m;
  EXPECT_TRUE(contains(m, "accum has shape [3] but var is [2,3]")) << m;
  m = message_of([&] {
    ops::apply_gradient_descent(w, ops::constant(g, {1, 2}, Shape({2})), grad);
  });
  EXPECT_TRUE(contains(m, "alpha must be a scalar, received shape [2]")) << m;
  m = message_of([&] { ops::apply_gradient_descent(w, ops::scalar(g, 0.1, DType::f64), grad); });
  EXPECT_TRUE(contains(m, "alpha has dtype float64 but var is float32")) << m;
  m = message_of([&] { ops::apply_gradient_descent(grad, lr, grad, "not_var"); });
  EXPECT_TRUE(contains(m, "ApplyGradientDescent 'not_var': input 0 must be a variable")) << m;
  Output ids = ops::constant(g, Tensor::from_vector<int32_t>(Shape({2}), {0, 1}));
  Output rows = ops::constant(g, {1, 2, 3}, Shape({1, 3}));
  m = message_of([&] { ops::sparse_apply_adagrad(w, w, lr, rows, ids, "sp"); });
  EXPECT_TRUE(contains(m, "SparseApplyAdagrad 'sp'")) << m;
  EXPECT_TRUE(contains(m, "grad has shape [1,3] but indices [2] and var [2,3] need [2,3]")) << m;
}

TEST(TrainingOps, SparseIndexOutOfRangeAndUninitialisedSlot) {
  Graph g;
  Variable w(ops::constant(g, {1, 2, 3, 4, 5, 6}, Shape({2, 3})), {.name = "w"});
  Variable acc(ops::constant(g, {1, 1, 1, 1, 1, 1}, Shape({2, 3})), {.name = "acc"});
  Output ids = ops::placeholder(g, DType::i64, Shape({1}), "ids");
  Output rows = ops::constant(g, {1, 2, 3}, Shape({1, 3}));
  Output upd = ops::sparse_apply_adagrad(w, acc, ops::scalar(g, 0.1), rows, ids, "sp");
  Session s(g);
  s.run(w.initializer());
  std::string m = message_of([&] {
    s.run(upd, {{ids, Tensor::from_vector<int64_t>(Shape({1}), {0})}});
  });
  EXPECT_TRUE(contains(m, "SparseApplyAdagrad 'sp': attempting to use uninitialized value acc"))
      << m;
  s.run(acc.initializer());
  m = message_of([&] { s.run(upd, {{ids, Tensor::from_vector<int64_t>(Shape({1}), {2})}}); });
  EXPECT_TRUE(contains(m, "SparseApplyAdagrad 'sp': indices[0] = 2 is not in [0, 2)")) << m;
}

TEST(TrainingOps, ScatterDuplicatesAccumulateSparseApplySumsThemFirst) {
  Graph g;
  Variable a(ops::constant(g, {0, 0, 0, 0}, Shape({2, 2})), {.name = "a"});
  Variable b(ops::constant(g, {1, 1, 1, 1}, Shape({2, 2})), {.name = "b"});
  Variable acc(ops::constant(g, {0, 0, 0, 0}, Shape({2, 2})), {.name = "acc"});
  Output ids = ops::constant(g, Tensor::from_vector<int32_t>(Shape({3}), {1, 0, 1}));
  Output rows = ops::constant(g, {1, 2, 3, 4, 5, 6}, Shape({3, 2}));
  Output add = ops::scatter_add(a, ids, rows);
  Output sub = ops::scatter_sub(a, ids, rows, "sub");
  // Momentum 0.5, lr 1: rows summed first -> row 1 gets (1+5, 2+6) once.
  Output mom =
      ops::sparse_apply_momentum(b, acc, ops::scalar(g, 1.0), rows, ids, ops::scalar(g, 0.5));
  Session s(g);
  s.run(global_variables_initializer(g));
  EXPECT_EQ(s.run(add).to_vector<float>(), (std::vector<float>{3, 4, 6, 8}));
  EXPECT_EQ(s.run(sub).to_vector<float>(), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(s.run(mom).to_vector<float>(), (std::vector<float>{-2, -3, -5, -7}));
  EXPECT_EQ(values_of(s, acc), (std::vector<float>{3, 4, 6, 8}));
}

}  // namespace dl

namespace dl {
TEST(Optimizer, AdamKeepsFloat32BetaPowersAndCastsThemForFloat64) {
  Graph g;
  Variable w(ops::constant(g, Tensor::from_vector<double>(Shape({1}), {1.0})), {.name = "w"});
  Variable u(ops::constant(g, {1.0f}, Shape({1})), {.name = "u"});
  train::AdamOptimizer adam(0.1);
  Node* train_op = adam.minimize(w * 2.0 + ops::cast(u * 3.0f, DType::f64));
  Session s(g);
  s.run(global_variables_initializer(g));
  s.run(train_op);
  const Variable b1p = Variable::from_node(g.node_by_name("beta1_power"));
  EXPECT_EQ(b1p.dtype(), DType::f32);
  EXPECT_EQ(s.variable_value(b1p.op()).data<float>()[0], 0.9f * 0.9f);
  // The first Adam step moves every variable by about lr (the bias-corrected m / sqrt(v) is 1).
  EXPECT_NEAR(s.variable_value(w.op()).data<double>()[0], 0.9, 1e-6);
  EXPECT_NEAR(s.variable_value(u.op()).data<float>()[0], 0.9f, 1e-6);
}
}  // namespace dl

namespace dl {
// ApplyKerasMomentum (Keras's SGD in one pass) gives the bits of the same rule written with
// separate ops, as the Keras tier wrote it before: accum = accum * m - g * lr; var += accum
// (Nesterov: var += accum * m - g * lr). Three steps on odd-sized random tensors.
TEST(Optimizer, ApplyKerasMomentumEqualsTheRuleWrittenWithOps) {
  for (bool nesterov : {false, true}) {
    Graph g;
    const Shape shape({37, 5});
    const Tensor w0 = testing::random_tensor(shape, 3), g0 = testing::random_tensor(shape, 4);
    Variable fused_var(ops::constant(g, w0), {.name = "fused"});
    Variable fused_acc(ops::zeros(g, shape), {.name = "fused_acc"});
    Variable plain_var(ops::constant(g, w0), {.name = "plain"});
    Variable plain_acc(ops::zeros(g, shape), {.name = "plain_acc"});
    const Output grad = ops::constant(g, g0);
    const Output lr = ops::scalar(g, 0.05), mom = ops::scalar(g, 0.9);
    Node* fused = ops::apply_keras_momentum(fused_var, fused_acc, lr, grad, mom, nesterov).node;
    const Output m_new = plain_acc.assign(plain_acc.value() * mom - grad * lr);
    Node* plain = nesterov ? plain_var.assign_add(m_new * mom - grad * lr).node
                           : plain_var.assign_add(m_new).node;
    Session s(g);
    s.run(global_variables_initializer(g));
    for (int step = 0; step < 3; ++step) {
      s.run({}, {}, {fused});
      s.run({}, {}, {plain});
    }
    const Tensor a = s.variable_value(fused_var.op()), b = s.variable_value(plain_var.op());
    ASSERT_EQ(a.num_bytes(), b.num_bytes());
    EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.num_bytes()), 0) << "nesterov " << nesterov;
    const Tensor acc_a = s.variable_value(fused_acc.op()), acc_b = s.variable_value(plain_acc.op());
    EXPECT_EQ(std::memcmp(acc_a.raw_data(), acc_b.raw_data(), acc_a.num_bytes()), 0);
  }
}
}  // namespace dl
