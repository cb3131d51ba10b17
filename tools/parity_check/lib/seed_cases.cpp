#include "dl/tools/parity_check/lib/seed_cases.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "dl/core/data/text.h"
#include "dl/graph/initializers.h"
#include "dl/graph/layers.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/conv_ops.h"
#include "dl/graph/ops/gather_ops.h"
#include "dl/graph/ops/loss_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/train/adam.h"
#include "dl/graph/train/gradient_descent.h"
#include "dl/graph/train/momentum.h"
#include "dl/highlevel/keras.h"
#include "dl/tools/parity_check/lib/examples.h"
#include "dl/tools/parity_check/lib/keras_program.h"

namespace dl::parity {
namespace {

namespace kl = keras::layers;

// Each Keras program starts from a fresh backend (clear_session) seeded like the graph's.
void fresh_keras(const BuildOptions& o, keras::Profile profile = keras::Profile::keras3) {
  keras::backend::clear_session();
  keras::backend::set_profile(profile);
  keras::utils::set_random_seed(o.seed);
}

// The graph-tier author's loop draws its own permutation (np.random.permutation), not Keras's.
uint64_t own_order(const BuildOptions& o) { return static_cast<uint64_t>(o.seed) + 7919; }

Output categorical_accuracy(Output logits_or_probs, Output one_hot) {
  return ops::reduce_mean(
      ops::cast(ops::equal(ops::argmax(logits_or_probs, 1), ops::argmax(one_hot, 1)), DType::f32));
}

// ---- seed 001: LeNet-5, tf.layers + MomentumOptimizer against Keras Sequential + SGD ----

TrainingProgram seed001_keras(const BuildOptions& o) {
  fresh_keras(o);
  auto model = std::make_shared<keras::Sequential>();
  model->add(kl::Conv2D(20, {5, 5}, {.activation = "tanh", .input_shape = {28, 28, 1}}));
  model->add(kl::MaxPooling2D({2, 2}, {.strides = {2, 2}}));
  model->add(kl::Conv2D(50, {5, 5}, {.activation = "tanh"}));
  model->add(kl::MaxPooling2D({2, 2}, {.strides = {2, 2}}));
  model->add(kl::Flatten());
  model->add(kl::Dense(500, {.activation = "tanh"}));
  model->add(kl::Dense(10, {.activation = "softmax"}));
  model->compile({.optimizer = keras::optimizers::SGD(
                      {.learning_rate = 0.01, .momentum = 0.9, .nesterov = false, .decay = 0.0}),
                  .loss = "categorical_crossentropy",
                  .metrics = {"accuracy"}});
  return keras_program(
      "Keras: Sequential LeNet, SGD(0.01, momentum=0.9), fit(batch_size=64)", model,
      {.batch_size = 64, .scale = 1.0 / 255.0, .shuffle_seed = static_cast<uint64_t>(o.seed)});
}

TrainingProgram seed001_graph(const BuildOptions& o) {
  ProgramBuilder b("TF1: tf.layers LeNet, MomentumOptimizer(0.01, 0.9), own minibatch loop",
                   o.seed);
  Graph& g = b.graph();
  const Output x = ops::placeholder(g, DType::f32, Shape({-1, 28, 28, 1}), "X");
  const Output y = ops::placeholder(g, DType::i32, Shape({-1}), "y");
  Output h = layers::conv2d(x, 20, {5}, {.padding = "valid"});
  h = layers::max_pooling2d(nn::tanh(h), {2}, {2}, "valid");
  h = layers::conv2d(h, 50, {5}, {.padding = "valid"});
  h = layers::max_pooling2d(nn::tanh(h), {2}, {2}, "valid");
  h = ops::reshape(h, Shape({-1, 50 * 4 * 4}));
  h = layers::dense(h, 500, {.activation = nn::tanh});
  const Output logits = layers::dense(h, 10, {.name = "output"});
  const Output loss = ops::reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  auto opt = std::make_shared<train::MomentumOptimizer>(0.01, 0.9);
  Node* train = opt->minimize(loss);
  const Output acc =
      ops::reduce_mean(ops::cast(ops::equal(ops::argmax(logits, 1, DType::i32), y), DType::f32));
  b.input(x).labels(y, LabelFormat::sparse).logits(logits).loss(loss).metric("accuracy", acc);
  b.train_op(train).keep(opt).optimizer("MomentumOptimizer(learning_rate=0.01, momentum=0.9)");
  // yield_mb(X, y, 64, shuffle=True): a fresh permutation per epoch, whole batches only.
  b.batch_size(64).shuffle(true, own_order(o)).keep_partial_batch(false).scale(1.0 / 255.0);
  return b.build();
}

// ---- seed 003: the CNN with random_normal kernels, Keras against tfv1.random_normal ----

TrainingProgram seed003_keras(const BuildOptions& o) {
  fresh_keras(o);
  auto model = std::make_shared<keras::Sequential>();
  model->add(kl::Conv2D(4, {8, 8},
                        {.padding = "SAME",
                         .activation = "relu",
                         .kernel_initializer = "random_normal",
                         .input_shape = {28, 28, 1}}));
  model->add(kl::MaxPooling2D({2, 2}, {.padding = "SAME"}));
  model->add(kl::Conv2D(
      8, {8, 8}, {.padding = "SAME", .activation = "relu", .kernel_initializer = "random_normal"}));
  model->add(kl::MaxPooling2D({2, 2}, {.padding = "SAME"}));
  model->add(kl::Flatten());
  model->add(kl::Dense(16, {.activation = "relu", .kernel_initializer = "random_normal"}));
  model->add(kl::Dense(10, {.kernel_initializer = "random_normal"}));
  model->compile({.optimizer = "adam",
                  .loss = keras::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                  .metrics = {"accuracy"}});
  // The report does not show fit(); batch 128 as its tf.data pipeline, so that the initializer
  // is the component that differs.
  return keras_program(
      "Keras: Sequential CNN, kernel_initializer='random_normal', adam", model,
      {.batch_size = 128, .scale = 1.0 / 255.0, .shuffle_seed = static_cast<uint64_t>(o.seed)});
}

TrainingProgram seed003_graph(const BuildOptions& o) {
  ProgramBuilder b("TF1: tf.Variable(tfv1.random_normal(...)) weights, AdamOptimizer()", o.seed);
  Graph& g = b.graph();
  const Output x = ops::placeholder(g, DType::f32, Shape({-1, 28, 28, 1}), "x");
  const Output y = ops::placeholder(g, DType::f32, Shape({-1, 10}), "y_onehot");
  auto weight = [&](const std::string& n, Shape shape) {
    return Variable(ops::random_normal(g, std::move(shape)), {.name = n});
  };
  auto bias = [&](const std::string& n, int64_t k) {
    return Variable(ops::zeros(g, Shape({k})), {.name = n});
  };
  Variable w1 = weight("W_conv1", Shape({8, 8, 1, 4})), w2 = weight("W_conv2", Shape({8, 8, 4, 8}));
  Variable w3 = weight("W_fc", Shape({7 * 7 * 8, 16})), w4 = weight("out", Shape({16, 10}));
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
  const Output loss = ops::reduce_mean(nn::softmax_cross_entropy_with_logits_v2(y, logits));
  auto opt = std::make_shared<train::AdamOptimizer>();
  Node* train = opt->minimize(loss);
  b.input(x).labels(y, LabelFormat::one_hot).logits(logits).loss(loss);
  b.metric("accuracy", categorical_accuracy(logits, y));
  b.train_op(train).keep(opt).optimizer("AdamOptimizer()");
  // dataset.map(...).shuffle(5000).batch(128): its own order, the partial batch kept.
  b.batch_size(128).shuffle(true, own_order(o)).scale(1.0 / 255.0);
  return b.build();
}

// ---- seed 004: the sorting network, tf.zeros weights against Keras's Dense defaults ----

TrainingProgram seed004_graph(const BuildOptions& o) {
  ProgramBuilder b("TF1: W = tf.Variable(tf.zeros(...)), GradientDescentOptimizer(0.5)", o.seed);
  Graph& g = b.graph();
  const Output x = ops::placeholder(g, DType::f32, Shape({-1, 2}), "x");
  const Output y_ = ops::placeholder(g, DType::f32, Shape({-1, 2}), "y_");
  Variable w(ops::zeros(g, Shape({2, 2})), {.name = "W"});
  Variable bias(ops::zeros(g, Shape({2})), {.name = "b"});
  const Output y = ops::matmul(x, w) + bias;
  const Output error = ops::reduce_mean(ops::square(y_ - y));
  auto opt = std::make_shared<train::GradientDescentOptimizer>(0.5);
  b.input(x).labels(y_, LabelFormat::dense).predictions(y).loss(error);
  b.train_op(opt->minimize(error)).keep(opt).optimizer("GradientDescentOptimizer(0.5)");
  b.batch_size(10000).shuffle(true, own_order(o));
  return b.build();
}

TrainingProgram seed004_keras(const BuildOptions& o) {
  fresh_keras(o);
  auto model = std::make_shared<keras::Sequential>();
  model->add(kl::Dense(2, {.input_dim = 2}));
  model->compile({.optimizer = keras::optimizers::SGD({.learning_rate = 0.5}), .loss = "mse"});
  // The port most users write: model.fit(x, y) with fit's default batch size.
  return keras_program("Keras: Dense(2) with its defaults, SGD(0.5), fit(x, y)", model,
                       {.shuffle_seed = static_cast<uint64_t>(o.seed)});
}

// ---- seed 000: the Conv1D text classifier, a hand-written TF loop against Keras fit ----

constexpr int64_t kTextLength = 50, kTextWords = 2000, kTextEmbedding = 16;
const std::vector<std::string> kTextCategories = {"computers", "definitions", "food",    "law",
                                                  "medicine",  "people",      "politics"};

// The given embedding matrix of the report (here a fixed random one; trainable in both tiers).
Tensor text_embedding_matrix() {
  Tensor m(DType::f32, Shape({kTextWords, kTextEmbedding}));
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  for (int64_t i = 0; i < m.num_elements(); ++i) m.data<float>()[i] = normal(rng);
  return m;
}

// Seven fortunes categories as a labelled text set: Keras's Tokenizer (num_words 2000) fitted
// on the training texts, sequences padded/truncated to 50 ids, rows in a fixed shuffled order,
// the last fifth held out.
Dataset fortunes_text(int64_t max_train) {
  const data::Fortunes f = data::load_fortunes(kTextCategories);
  std::vector<size_t> order(f.texts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  const auto n_all = static_cast<int64_t>(order.size());
  const int64_t n_val = n_all / 5;
  const int64_t n_train = std::min(max_train, n_all - n_val);
  std::vector<std::string> train_texts, val_texts;
  Tensor y_train(DType::i32, Shape({n_train})), y_val(DType::i32, Shape({n_val}));
  for (int64_t i = 0; i < n_train + n_val; ++i) {
    const size_t k = order[static_cast<size_t>(i < n_train ? i : n_all - n_val + (i - n_train))];
    if (i < n_train) {
      train_texts.push_back(f.texts[k]);
      y_train.data<int32_t>()[i] = f.labels[k];
    } else {
      val_texts.push_back(f.texts[k]);
      y_val.data<int32_t>()[i - n_train] = f.labels[k];
    }
  }
  data::Tokenizer tok({.num_words = kTextWords});
  tok.fit_on_texts(train_texts);
  Dataset d;
  d.name = "fortunes: 7 categories";
  d.x_train = data::pad_sequences(tok.texts_to_sequences(train_texts), kTextLength, DType::f32);
  d.x_val = data::pad_sequences(tok.texts_to_sequences(val_texts), kTextLength, DType::f32);
  d.y_train = y_train;
  d.y_val = y_val;
  d.num_classes = static_cast<int64_t>(kTextCategories.size());
  return d;
}

TrainingProgram seed000_keras(const BuildOptions& o) {
  fresh_keras(o, keras::Profile::keras2);
  const int64_t classes = static_cast<int64_t>(kTextCategories.size());
  keras::KerasTensor inputs = keras::Input({kTextLength}, {.dtype = DType::i32});
  keras::KerasTensor h = kl::Embedding(
      kTextWords, kTextEmbedding,
      {.weights = text_embedding_matrix(), .input_length = kTextLength, .trainable = true})(inputs);
  h = kl::Conv1D(128, 5, {.activation = "relu"})(h);
  h = kl::Conv1D(64, 5, {.activation = "relu"})(h);
  h = kl::Conv1D(32, 5, {.activation = "relu"})(h);
  h = kl::Conv1D(16, 5, {.activation = "relu"})(h);
  h = kl::Flatten()(h);
  h = kl::Dense(128, {.activation = "relu"})(h);
  h = kl::Dropout(0.2, {.name = "dropout"})(h);
  h = kl::Dense(classes, {.activation = "softmax"})(h);
  auto model = std::make_shared<keras::Model>(inputs, h);
  model->compile({.optimizer = "adam", .loss = "binary_crossentropy", .metrics = {"acc"}});
  return keras_program("Keras 2: Model.fit, adam, binary_crossentropy, metrics=['acc']", model,
                       {.batch_size = 128, .shuffle_seed = static_cast<uint64_t>(o.seed)});
}

TrainingProgram seed000_graph(const BuildOptions& o) {
  ProgramBuilder b("TF1: sess.run loop, AdamOptimizer(1e-4), sigmoid CE on the softmax, summed",
                   o.seed);
  Graph& g = b.graph();
  const int64_t classes = static_cast<int64_t>(kTextCategories.size());
  const Output x = ops::placeholder(g, DType::i32, Shape({-1, kTextLength}), "input_tensor");
  const Output labels = ops::placeholder(g, DType::f32, Shape({-1, classes}), "labels");
  const Output phase = ops::placeholder(g, DType::boolean, Shape{}, "learning_phase");
  Variable table(ops::constant(g, text_embedding_matrix()), {.name = "embedding/embeddings"});
  Output h = nn::embedding_lookup(table, x);
  for (int64_t filters : {128, 64, 32, 16})
    h = layers::conv1d(h, filters, 5, {.activation = nn::relu});
  h = layers::flatten(h);
  h = layers::dense(h, 128, {.activation = nn::relu});
  h = layers::dropout(h, 0.2, phase, std::nullopt, "dropout");
  const Output output = ops::identity(nn::softmax(layers::dense(h, classes)), "output_tensor");
  const Output xentropy =
      ops::reduce_sum(nn::sigmoid_cross_entropy_with_logits(labels, output), {}, false, "xentropy");
  auto opt = std::make_shared<train::AdamOptimizer>(1e-4);
  Node* train = opt->minimize(xentropy);
  const Output accuracy = categorical_accuracy(output, labels);
  b.input(x).labels(labels, LabelFormat::one_hot).predictions(output).loss(xentropy);
  b.metric("accuracy", accuracy).train_op(train).keep(opt).optimizer("AdamOptimizer(1e-4)");
  b.training_flag(phase, 1.0, 0.0);
  // generate_minibatch_sequences(256); accuracy.eval(...) every 100 steps.
  b.batch_size(256).shuffle(true, own_order(o));
  b.extra_run({"training accuracy", 100, {accuracy}, RunKind::eval});
  return b.build();
}

// ---- seed 002: fine-tuning a batch-normalised CNN, fit_generator against a sess.run loop ----

TrainingProgram seed002_keras(const BuildOptions& o) {
  fresh_keras(o, keras::Profile::keras2);
  keras::KerasTensor inputs = keras::Input({28, 28, 1});
  keras::KerasTensor h = inputs;
  for (int64_t filters : {16, 32}) {
    h = kl::Conv2D(filters, {3, 3}, {.padding = "same"})(h);
    h = kl::BatchNormalization()(h);
    h = kl::Activation("relu")(h);
    h = kl::MaxPooling2D({2, 2})(h);
  }
  h = kl::GlobalAveragePooling2D()(h);
  h = kl::Dropout(0.5, {.name = "avg_pool_dropout"})(h);
  h = kl::Dense(10, {.activation = "softmax", .name = "fcout"})(h);
  auto model = std::make_shared<keras::Model>(inputs, h);
  model->compile({.optimizer = keras::optimizers::SGD({.learning_rate = 0.05, .momentum = 0.9}),
                  .loss = "categorical_crossentropy",
                  .metrics = {"accuracy"}});
  return keras_program(
      "Keras 2: fit_generator, BatchNormalization updates run by fit", model,
      {.batch_size = 32, .scale = 1.0 / 255.0, .shuffle_seed = static_cast<uint64_t>(o.seed)});
}

TrainingProgram seed002_graph(const BuildOptions& o) {
  ProgramBuilder b("TF1: training_op = MomentumOptimizer.minimize(loss), learning_phase 1/0",
                   o.seed);
  Graph& g = b.graph();
  const Output x = ops::placeholder(g, DType::f32, Shape({-1, 28, 28, 1}), "X");
  const Output target = ops::placeholder(g, DType::f32, Shape({-1, 10}), "fcout_target");
  const Output phase = ops::placeholder(g, DType::boolean, Shape{}, "keras_learning_phase");
  Output h = x;
  int k = 0;
  for (int64_t filters : {16, 32}) {
    h = layers::conv2d(h, filters, {3}, {.padding = "same"});
    h = nn::relu(batch_norm_with_flag(g, h, phase, "batch_normalization_" + std::to_string(++k)));
    h = layers::max_pooling2d(h, {2}, {2});
  }
  h = ops::reduce_mean(h, {1, 2});
  h = layers::dropout(h, 0.5, phase, std::nullopt, "avg_pool_dropout");
  const Output logits = layers::dense(h, 10, {.name = "fcout"});
  const Output predictions = nn::softmax(logits);
  const Output loss = ops::reduce_mean(nn::softmax_cross_entropy_with_logits(target, logits));
  const Output acc = categorical_accuracy(logits, target);
  auto opt = std::make_shared<train::MomentumOptimizer>(0.05, 0.9);
  Node* training_op = opt->minimize(loss);  // UPDATE_OPS are never run
  b.input(x).labels(target, LabelFormat::one_hot).logits(logits).predictions(predictions);
  b.loss(loss).metric("accuracy", acc).train_op(training_op).keep(opt);
  b.optimizer("MomentumOptimizer(learning_rate=0.05, momentum=0.9)");
  b.training_flag(phase, 1.0, 0.0);
  b.batch_size(32).shuffle(true, own_order(o)).scale(1.0 / 255.0);
  return b.build();
}

}  // namespace

void register_seed_cases() {
  register_case("seed000", [] {
    Case c;
    c.name = "seed000";
    c.description =
        "Conv1D text classifier (seed 000): Keras 2 fit with adam, binary_crossentropy and 'acc' "
        "(A) against a sess.run loop with sigmoid CE on softmax outputs, summed, Adam(1e-4) (B), "
        "7 fortunes categories";
    c.a = seed000_keras;
    c.b = seed000_graph;
    c.data = [] { return fortunes_text(4096); };
    c.schedule = {.epochs = 3};
    return c;
  });
  register_case("seed001", [] {
    Case c;
    c.name = "seed001";
    c.description =
        "LeNet-5 (seed 001): Keras Sequential + SGD(momentum) (A) against tf.layers + "
        "MomentumOptimizer in a hand-written minibatch loop (B), Fashion-MNIST";
    c.a = seed001_keras;
    c.b = seed001_graph;
    // 4000 rows: 62 whole batches of 64 and a partial one of 32.
    c.data = [] { return fashion_mnist_slice(4000, 1000); };
    c.schedule = {.epochs = 2};
    return c;
  });
  register_case("seed002", [] {
    Case c;
    c.name = "seed002";
    c.description =
        "batch-normalised CNN fine-tuning (seed 002): Keras fit with BatchNormalization (A) "
        "against a sess.run loop whose train op never runs the moving-average updates and whose "
        "validation feeds learning_phase 0 (B); a small CNN on the 10 Fashion-MNIST classes in "
        "place of ResNet50 on the report's two classes of images";
    c.a = seed002_keras;
    c.b = seed002_graph;
    c.data = [] { return fashion_mnist_slice(6000, 1000); };
    c.schedule = {.epochs = 3};
    return c;
  });
  register_case("seed003", [] {
    Case c;
    c.name = "seed003";
    c.description =
        "CNN with random_normal kernels (seed 003): Keras's random_normal (stddev 0.05) (A) "
        "against tfv1.random_normal (stddev 1.0) (B), Fashion-MNIST in place of Food-11";
    c.a = seed003_keras;
    c.b = seed003_graph;
    c.data = [] { return fashion_mnist_slice(2048, 512); };
    c.schedule = {.epochs = 3};
    return c;
  });
  register_case("seed004", [] {
    Case c;
    c.name = "seed004";
    c.description =
        "sorting network (seed 004): TF1 zeros + batch 10000 (A) against Keras Dense defaults "
        "(glorot_uniform) + fit's batch 32 (B), arrays of 2 uniform numbers";
    c.a = seed004_graph;
    c.b = seed004_keras;
    c.data = [] { return synthetic_sort(20000, 2000, 2, 4); };
    c.schedule = {.epochs = 2};
    return c;
  });
}

}  // namespace dl::parity
