// The same network in both tiers: a LeNet-shaped Keras model and the graph a person would write
// for it with the graph tier's builders (conv2d, bias_add, tanh, max_pool, matmul, the fused
// softmax cross-entropy on the logits, and Keras's SGD momentum rule v = m v - lr g; w += v),
// given the same weights and batches, give bit-identical outputs, losses and updated weights.
#include <gtest/gtest.h>

#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/variable.h"
#include "dl/highlevel/keras.h"

namespace dl::keras {
namespace {

using dl::testing::random_tensor;
using dl::testing::tensors_equal;
using namespace layers;

TEST(TierParity, LeNetOutputsLossAndUpdatesAreBitIdentical) {
  constexpr double kLr = 0.01, kMomentum = 0.9;
  // ---- Keras tier ----
  backend::clear_session();
  Sequential model({Conv2D(4, {5, 5}, {.activation = "tanh", .input_shape = {12, 12, 1}}),
                    MaxPooling2D({2, 2}, {.strides = {2, 2}}), Flatten(),
                    Dense(16, {.activation = "tanh"}), Dense(3, {.activation = "softmax"})});
  model.compile({.optimizer = optimizers::SGD({.learning_rate = kLr, .momentum = kMomentum}),
                 .loss = "categorical_crossentropy"});
  std::vector<Tensor> weights;
  uint64_t seed = 10;
  for (const Weight& w : model.weights()) {
    weights.push_back(random_tensor(w.shape(), seed++, -0.3, 0.3));
  }
  model.set_weights(weights);

  // ---- graph tier, by hand ----
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 12, 12, 1}), "x");
  Output y = ops::placeholder(g, DType::f32, Shape({-1, 3}), "y");
  std::vector<Variable> vars;
  for (size_t i = 0; i < weights.size(); ++i) {
    vars.emplace_back(ops::constant(g, weights[i]), VariableOptions{.name = str_cat("w", i)});
  }
  Output h = ops::tanh(nn::bias_add(nn::conv2d(x, vars[0], {1, 1, 1, 1}, "VALID"), vars[1]));
  h = nn::max_pool(h, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  h = ops::reshape(h, Shape({-1, 4 * 4 * 4}));
  h = ops::tanh(nn::bias_add(ops::matmul(h, vars[2]), vars[3]));
  Output logits = nn::bias_add(ops::matmul(h, vars[4]), vars[5]);
  Output probs = nn::softmax(logits);
  Output loss = ops::reduce_mean(nn::softmax_cross_entropy_with_logits_v2(y, logits));
  std::vector<Output> var_outs;
  for (const Variable& v : vars) var_outs.push_back(v.value());
  std::vector<Output> grads = gradients({loss}, var_outs);
  std::vector<Node*> updates;
  for (size_t i = 0; i < vars.size(); ++i) {
    Variable m(ops::zeros(g, vars[i].shape()), {.trainable = false, .name = str_cat("m", i)});
    Output m_new = m.assign(m.value() * kMomentum - grads[i] * kLr);
    updates.push_back(vars[i].assign_add(m_new).node);
  }
  Node* train = ops::group(g, updates);
  Session sess(g);
  sess.run(global_variables_initializer(g));

  const TrainingGraph& tg = model.training_graph();
  for (int step = 0; step < 3; ++step) {
    SCOPED_TRACE(step);
    Tensor xb = random_tensor(Shape({8, 12, 12, 1}), 100 + step, 0.0, 1.0);
    Tensor yb = Tensor::zeros(DType::f32, Shape({8, 3}));
    for (int i = 0; i < 8; ++i) yb.data<float>()[i * 3 + (i + step) % 3] = 1;
    // Outputs before the step.
    Tensor keras_out = model.predict(xb, {.verbose = 0});
    Tensor graph_out = sess.run(probs, {{x, xb}});
    EXPECT_TRUE(tensors_equal(keras_out, graph_out));
    // One step each; the losses fetched by the step.
    Tensor keras_loss =
        model.session().run({{tg.inputs[0], xb}, {tg.targets[0], yb}}, {tg.loss}, {tg.train_op})[0];
    Tensor graph_loss = sess.run({{x, xb}, {y, yb}}, {loss}, {train})[0];
    EXPECT_TRUE(tensors_equal(keras_loss, graph_loss));
    const auto kw = model.get_weights();
    for (size_t i = 0; i < vars.size(); ++i) {
      EXPECT_TRUE(tensors_equal(kw[i], sess.variable_value(vars[i].op()))) << "weight " << i;
    }
  }
}

}  // namespace
}  // namespace dl::keras
