#include "dl/tools/parity_check/lib/examples.h"

#include "dl/graph/initializers.h"
#include "dl/graph/layers.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/train/adam.h"
#include "dl/graph/train/gradient_descent.h"
#include "dl/graph/train/momentum.h"
#include "dl/graph/train/rmsprop.h"
#include "dl/tools/parity_check/lib/seed_cases.h"

namespace dl::parity {
namespace {

Initializer kernel_initializer(const std::string& kind) {
  if (kind == "glorot_uniform") return init::glorot_uniform_initializer();
  if (kind == "normal") return init::random_normal_initializer(0.0, 1.0);
  if (kind == "normal0.05") return init::random_normal_initializer(0.0, 0.05);
  if (kind == "zeros") return init::zeros_initializer();
  throw InvalidArgument("example: unknown kernel_init '" + kind + "'");
}

std::shared_ptr<train::Optimizer> optimizer(const ExampleSpec& s) {
  if (s.optimizer == "adam") return std::make_shared<train::AdamOptimizer>(s.learning_rate);
  if (s.optimizer == "momentum")
    return std::make_shared<train::MomentumOptimizer>(s.learning_rate, 0.9);
  if (s.optimizer == "sgd")
    return std::make_shared<train::GradientDescentOptimizer>(s.learning_rate);
  if (s.optimizer == "rmsprop") return std::make_shared<train::RMSPropOptimizer>(s.learning_rate);
  throw InvalidArgument("example: unknown optimizer '" + s.optimizer + "'");
}

}  // namespace

Output batch_norm_with_flag(Graph& g, Output h, Output flag, const std::string& name) {
  NameScope scope(g, name);
  const int64_t c = h.shape().dim(h.shape().rank() - 1);
  Variable gamma(ops::ones(g, Shape({c})), {.name = "gamma"});
  Variable beta(ops::zeros(g, Shape({c})), {.name = "beta"});
  Variable mean(ops::zeros(g, Shape({c})), {.trainable = false, .name = "moving_mean"});
  Variable var(ops::ones(g, Shape({c})), {.trainable = false, .name = "moving_variance"});
  auto t = nn::fused_batch_norm(h, gamma, beta, {}, {}, 1e-3, true, "train");
  auto i = nn::fused_batch_norm(h, gamma, beta, mean, var, 1e-3, false, "inference");
  const double decay = 1.0 - 0.99;
  g.add_to_collection(GraphKeys::UPDATE_OPS,
                      mean.assign_sub((mean.value() - t.batch_mean) * decay).node);
  g.add_to_collection(GraphKeys::UPDATE_OPS,
                      var.assign_sub((var.value() - t.batch_variance) * decay).node);
  return ops::where(flag, t.y, i.y);
}

TrainingProgram build_example(const ExampleSpec& s, const BuildOptions& opts) {
  ProgramBuilder b(s.name, opts.seed);
  Graph& g = b.graph();
  const Output x = s.conv ? ops::placeholder(g, DType::f32, Shape({-1, 6, 6, 2}), "x")
                          : ops::placeholder(g, DType::f32, Shape({-1, s.features}), "x");
  const Output y = ops::placeholder(g, DType::f32, Shape({-1, s.classes}), "y");
  Output flag;
  if (s.dropout > 0 || s.batch_norm)
    flag = ops::placeholder(g, DType::boolean, Shape{}, "training");
  const Initializer kinit = kernel_initializer(s.kernel_init);

  auto dense = [&](Output in, int64_t units, layers::Activation act, const std::string& name) {
    if (s.use_layers) {
      return layers::dense(in, units,
                           {.activation = act, .kernel_initializer = kinit, .name = name});
    }
    NameScope scope(g, name);
    Variable w(kinit(g, Shape({in.shape().dim(1), units})), {.name = "W"});
    Variable bias(ops::zeros(g, Shape({units})), {.name = "b"});
    return act(nn::bias_add(ops::matmul(in, w), bias));
  };

  Output h;
  if (s.conv) {
    if (s.use_layers) {
      h = layers::conv2d(x, 4, {3}, {.activation = nn::relu, .kernel_initializer = kinit});
    } else {
      NameScope scope(g, "conv");
      Variable k(kinit(g, Shape({3, 3, 2, 4})), {.name = "K"});
      Variable kb(ops::zeros(g, Shape({4})), {.name = "b"});
      h = nn::relu(nn::bias_add(nn::conv2d(x, k, {1, 1, 1, 1}, "VALID"), kb));
    }
    if (s.flatten_nchw) h = ops::transpose(h, {0, 3, 1, 2});
    h = ops::reshape(h, Shape({-1, 4 * 4 * 4}));
  } else {
    h = dense(x, s.hidden, nn::relu, "hidden");
  }
  if (s.batch_norm) h = batch_norm_with_flag(g, h, flag);
  if (s.dropout > 0) h = layers::dropout(h, s.dropout, flag);
  const Output logits = dense(h, s.classes, nullptr, "logits");
  const Output probs = nn::softmax(logits);

  Output loss;
  if (s.head == "softmax_ce_mean") {
    loss = ops::reduce_mean(nn::softmax_cross_entropy_with_logits(y, logits));
  } else if (s.head == "softmax_ce_sum") {
    loss = ops::reduce_sum(nn::softmax_cross_entropy_with_logits(y, logits));
  } else if (s.head == "sigmoid_ce_on_softmax_sum") {
    loss = ops::reduce_sum(nn::sigmoid_cross_entropy_with_logits(y, probs));
  } else {
    throw InvalidArgument("example: unknown head '" + s.head + "'");
  }
  Output acc;
  if (s.metric == "categorical") {
    acc = ops::reduce_mean(
        ops::cast(ops::equal(ops::argmax(logits, 1), ops::argmax(y, 1)), DType::f32));
  } else if (s.metric == "binary") {
    const Output pred = ops::cast(ops::greater(probs, ops::scalar(g, 0.5)), DType::f32);
    acc = ops::reduce_mean(ops::cast(ops::equal(pred, y), DType::f32));
  } else {
    throw InvalidArgument("example: unknown metric '" + s.metric + "'");
  }

  auto opt = optimizer(s);
  std::vector<Variable> var_list;
  if (!s.train_hidden) {
    for (const Variable& v : trainable_variables(g)) {
      if (v.name().rfind("logits/", 0) == 0) var_list.push_back(v);
    }
  }
  Node* train = opt->minimize(loss, std::nullopt, var_list);
  if (s.batch_norm && s.run_update_ops) {
    // TF1 writes `with tf.control_dependencies(update_ops): minimize(loss)`. dl's Optimizer
    // creates its slots inside the current control dependencies (TF1 escapes them with
    // init_scope), which would make the slots' initializers need a batch; grouping after
    // minimize runs the same ops in the train step.
    ControlDependencies deps(g, g.get_collection(GraphKeys::UPDATE_OPS));
    train = ops::group(g, {train}, "train_with_updates");
  }

  b.input(x).labels(y, LabelFormat::one_hot).logits(logits).predictions(probs).loss(loss);
  b.metric("accuracy", acc).train_op(train).keep(opt);
  if (flag) b.training_flag(flag, 1.0, s.dropout_flag_at_eval ? 1.0 : 0.0);
  b.batch_size(s.batch_size).shuffle(s.shuffle, static_cast<uint64_t>(opts.seed));
  b.keep_partial_batch(s.keep_partial_batch).scale(s.scale);
  b.optimizer(s.optimizer + "(" + std::to_string(s.learning_rate) + ")");
  if (s.extra_eval_every > 0) b.extra_run({"accuracy", s.extra_eval_every, {acc}, RunKind::eval});
  if (s.grow_graph) {
    b.step_hook([](TrainingProgram& p, Session& sess, int64_t step) {
      // As a user who writes sess.run(tf.constant(step) * 2) inside the loop.
      Output c = ops::scalar(*p.graph, static_cast<double>(step)) * 2.0;
      sess.run(c);
    });
  }
  return b.build();
}

TrainingProgram build_cnn_example(const std::string& name, double kernel_stddev,
                                  const BuildOptions& opts) {
  ProgramBuilder b(name, opts.seed);
  Graph& g = b.graph();
  const Output x = ops::placeholder(g, DType::f32, Shape({-1, 28, 28, 1}), "x");
  const Output y = ops::placeholder(g, DType::i32, Shape({-1}), "y");
  auto weight = [&](const std::string& n, Shape shape) {
    return Variable(ops::random_normal(g, std::move(shape), 0.0, kernel_stddev), {.name = n});
  };
  auto bias = [&](const std::string& n, int64_t k) {
    return Variable(ops::zeros(g, Shape({k})), {.name = n});
  };
  Variable w1 = weight("W_conv1", Shape({8, 8, 1, 4})), w2 = weight("W_conv2", Shape({8, 8, 4, 8}));
  Variable w3 = weight("W_fc", Shape({7 * 7 * 8, 16})), w4 = weight("W_out", Shape({16, 10}));
  Variable b1 = bias("b_conv1", 4), b2 = bias("b_conv2", 8), b3 = bias("b_fc", 16),
           b4 = bias("b_out", 10);
  auto conv = [&](Output in, const Variable& w, const Variable& bb) {
    Output h = nn::relu(nn::conv2d(in, w, {1, 1, 1, 1}, "SAME") + bb);
    return nn::max_pool(h, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  };
  Output h = conv(conv(x, w1, b1), w2, b2);
  h = ops::reshape(h, Shape({-1, 7 * 7 * 8}));
  h = nn::relu(ops::matmul(h, w3) + b3);
  const Output logits = ops::matmul(h, w4) + b4;
  const Output loss = ops::reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto opt = std::make_shared<train::AdamOptimizer>();
  Node* train = opt->minimize(loss);
  const Output acc =
      ops::reduce_mean(ops::cast(ops::equal(ops::argmax(logits, 1, DType::i32), y), DType::f32));
  b.input(x).labels(y, LabelFormat::sparse).logits(logits).loss(loss).metric("accuracy", acc);
  b.train_op(train).keep(opt).batch_size(128).shuffle(true, static_cast<uint64_t>(opts.seed));
  b.scale(1.0 / 255.0);
  b.optimizer("AdamOptimizer()");
  return b.build();
}

Dataset example_data(const ExampleSpec& spec, int64_t n_train, int64_t n_val) {
  if (spec.conv) return synthetic_images(n_train, n_val, 6, 6, 2, spec.classes, 7);
  return synthetic_classification(n_train, n_val, spec.features, spec.classes, 7);
}

Case example_case(const std::string& name, const std::string& description, ExampleSpec a,
                  ExampleSpec b, Schedule schedule) {
  Case c;
  c.name = name;
  c.description = description;
  c.a = [a](const BuildOptions& o) { return build_example(a, o); };
  c.b = [b](const BuildOptions& o) { return build_example(b, o); };
  c.data = [a] { return example_data(a); };
  c.schedule = schedule;
  return c;
}

void register_builtin_cases() {
  static bool done = false;
  if (done) return;
  done = true;
  register_seed_cases();
  auto reg = [](const std::string& name, const std::string& desc, ExampleSpec a, ExampleSpec b) {
    register_case(name, [=] { return example_case(name, desc, a, b); });
  };
  ExampleSpec base;
  {
    ExampleSpec a = base, b = base;
    a.name = "tf.layers MLP";
    b.name = "raw-variable MLP";
    b.use_layers = false;
    reg("example.equivalent", "the same MLP written with tf.layers and with raw variables", a, b);
  }
  {
    ExampleSpec a = base, b = base;
    b.kernel_init = "normal";
    b.name = "MLP, random_normal(stddev=1) kernels";
    reg("example.init", "glorot_uniform against TF1's random_normal default (seed 003)", a, b);
  }
  {
    ExampleSpec a = base, b = base;
    b.learning_rate = 1e-4;
    b.name = "MLP, Adam(1e-4)";
    reg("example.lr", "Adam's default learning rate against 1e-4 (seed 000)", a, b);
  }
  {
    ExampleSpec a = base, b = base;
    b.head = "sigmoid_ce_on_softmax_sum";
    b.metric = "binary";
    b.name = "MLP, sigmoid CE on softmax summed, binary accuracy";
    reg("example.head", "the loss head and metric of seed 000's TF program", a, b);
  }
  {
    ExampleSpec a = base, b = base;
    a.batch_norm = b.batch_norm = true;
    b.run_update_ops = false;
    b.name = "MLP + batch norm, UPDATE_OPS not run";
    reg("example.update_ops", "batch-norm moving statistics never updated (seed 002)", a, b);
  }
  register_case("example.fmnist_cnn_init", [] {
    Case c;
    c.name = "example.fmnist_cnn_init";
    c.description =
        "seed 003's CNN in the graph tier on Fashion-MNIST: random_normal kernels with Keras' "
        "stddev 0.05 (A) against TF1's 1.0 (B)";
    c.a = [](const BuildOptions& o) {
      return build_cnn_example("CNN, kernels N(0, 0.05)", 0.05, o);
    };
    c.b = [](const BuildOptions& o) { return build_cnn_example("CNN, kernels N(0, 1)", 1.0, o); };
    c.data = [] { return fashion_mnist_slice(2048, 512); };
    c.schedule = {.epochs = 3};
    return c;
  });
  {
    ExampleSpec a = base, b = base;
    b.grow_graph = true;
    b.extra_eval_every = 1;
    b.name = "MLP, a new op and an extra eval run every step";
    reg("example.speed", "work one loop does on every step and the other does not (seed 001)", a,
        b);
  }
}

}  // namespace dl::parity
