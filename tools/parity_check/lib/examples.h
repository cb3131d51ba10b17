#pragma once
/// Small graph-tier training programs with one knob per component, to build pairs that differ
/// in exactly one thing (the tests and the built-in example cases use them).
#include <cstdint>
#include <string>

#include "dl/tools/parity_check/lib/registry.h"

namespace dl::parity {

/// A 2-layer MLP (or, with `conv`, a small convolutional net) on one-hot labels.
struct ExampleSpec {
  std::string name = "mlp";
  int64_t features = 20;  ///< MLP input width
  int64_t hidden = 32;
  int64_t classes = 10;
  /// true: tf.layers (get_variable, MatMul+BiasAdd); false: raw Variables and matmul.
  bool use_layers = true;
  /// Kernel initializer: "glorot_uniform", "normal" (TF1's random_normal, stddev 1),
  /// "normal0.05" (Keras' RandomNormal), "zeros".
  std::string kernel_init = "glorot_uniform";
  /// "adam", "momentum" (0.9), "sgd", "rmsprop".
  std::string optimizer = "adam";
  double learning_rate = 1e-3;
  /// "softmax_ce_mean", "softmax_ce_sum", "sigmoid_ce_on_softmax_sum".
  std::string head = "softmax_ce_mean";
  /// false: the optimizer's var_list leaves the hidden layer out (it never trains).
  bool train_hidden = true;
  /// "categorical" or "binary" (Keras 2's 'acc' after a binary_crossentropy loss).
  std::string metric = "categorical";
  int64_t batch_size = 32;
  bool shuffle = true;
  bool keep_partial_batch = true;
  double scale = 1.0;
  /// Dropout after the hidden layer, switched by a bool training flag.
  double dropout = 0.0;
  bool dropout_flag_at_eval = false;  ///< the eval run feeds training = true (a mistake)
  /// Batch normalization after the hidden layer (train/eval switched by the flag), its
  /// moving-average updates in UPDATE_OPS.
  bool batch_norm = false;
  bool run_update_ops = true;  ///< false: the train op does not depend on UPDATE_OPS
  /// Convolutional variant: input [N, 6, 6, 2], conv 3x3x4 VALID relu, flatten, dense.
  bool conv = false;
  bool flatten_nchw = false;  ///< transpose to NCHW before flattening (a channels-first port)
  /// Builds and runs a new op after every step (the graph grows).
  bool grow_graph = false;
  /// An extra evaluation run every `extra_eval_every` steps (0: none).
  int64_t extra_eval_every = 0;
};

/// Seed 003's convolutional network in the graph tier, on Fashion-MNIST images [N, 28, 28, 1]
/// scaled by 1/255: conv 8x8x4 SAME relu, max-pool 2 SAME, conv 8x8x8 SAME relu, max-pool 2
/// SAME, flatten, dense 16 relu, dense 10; sparse softmax cross-entropy (mean), Adam(0.001),
/// batch 128. `kernel_stddev` is the stddev of every kernel's random_normal initializer: 0.05
/// as Keras' 'random_normal', 1.0 as TF1's tf.random_normal.
/// Batch normalization over the last axis whose train/eval behaviour a boolean flag selects
/// (Keras 2's in_train_phase, tf.layers.batch_normalization(training=flag)); the moving
/// averages' updates (momentum 0.99) go to UPDATE_OPS, which only a train step that asks for
/// them runs.
Output batch_norm_with_flag(Graph& g, Output h, Output flag,
                            const std::string& name = "batch_norm");

TrainingProgram build_cnn_example(const std::string& name, double kernel_stddev,
                                  const BuildOptions& opts);

/// Builds the program an ExampleSpec describes, seeded by `opts`.
TrainingProgram build_example(const ExampleSpec& spec, const BuildOptions& opts);

/// A case of two example programs on a synthetic data set matching their input.
Case example_case(const std::string& name, const std::string& description, ExampleSpec a,
                  ExampleSpec b, Schedule schedule = {.epochs = 8});

/// The synthetic data set the example specs train on (clusters, or images when `conv`).
Dataset example_data(const ExampleSpec& spec, int64_t n_train = 960, int64_t n_val = 480);

}  // namespace dl::parity
