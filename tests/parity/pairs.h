#pragma once
// Pairs of example programs that differ in exactly one component, and the component
// parity_check must name for each.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/examples.h"

namespace dl::parity::testing {

struct Pair {
  std::string name;
  ExampleSpec a, b;
  std::string component;  ///< the one component the static diff must name ("" = none)
  std::string aspect;     ///< and, when given, the aspect
};

// gtest prints a parameter with this (test names and failures show the pair's name).
inline void PrintTo(const Pair& p, std::ostream* os) { *os << p.name; }

inline std::vector<Pair> one_difference_pairs() {
  std::vector<Pair> v;
  using Edit = std::function<void(ExampleSpec&)>;
  auto add = [&](
                 std::string name, Edit edit_b, std::string comp, std::string aspect = "",
                 Edit edit_both = [](ExampleSpec&) {}) {
    Pair p;
    p.name = std::move(name);
    edit_both(p.a);
    edit_both(p.b);
    edit_b(p.b);
    p.component = std::move(comp);
    p.aspect = std::move(aspect);
    v.push_back(std::move(p));
  };
  add(
      "init_stddev", [](ExampleSpec& s) { s.kernel_init = "normal"; }, "initializer", "spread");
  add(
      "learning_rate", [](ExampleSpec& s) { s.learning_rate = 1e-4; }, "optimizer",
      "learning_rate");
  add(
      "optimizer_type",
      [](ExampleSpec& s) {
        s.optimizer = "momentum";
        s.learning_rate = 0.01;
      },
      "optimizer", "type");
  add(
      "loss_sum_vs_mean", [](ExampleSpec& s) { s.head = "softmax_ce_sum"; }, "loss head",
      "reduction");
  add(
      "softmax_then_sigmoid_ce", [](ExampleSpec& s) { s.head = "sigmoid_ce_on_softmax_sum"; },
      "loss head", "input");
  add(
      "metric_binary", [](ExampleSpec& s) { s.metric = "binary"; }, "metric", "accuracy");
  add(
      "batch_size", [](ExampleSpec& s) { s.batch_size = 64; }, "data", "batch size");
  add(
      "shuffle", [](ExampleSpec& s) { s.shuffle = false; }, "data", "shuffle");
  add(
      "partial_batch", [](ExampleSpec& s) { s.keep_partial_batch = false; }, "data",
      "partial last batch", [](ExampleSpec& s) { s.batch_size = 50; });
  add(
      "dropout_at_eval", [](ExampleSpec& s) { s.dropout_flag_at_eval = true; }, "mode",
      "dropout at eval", [](ExampleSpec& s) { s.dropout = 0.3; });
  add(
      "missing_update_ops", [](ExampleSpec& s) { s.run_update_ops = false; }, "update ops", "",
      [](ExampleSpec& s) { s.batch_norm = true; });
  add(
      "input_scale", [](ExampleSpec& s) { s.scale = 0.1; }, "data", "input scale");
  add(
      "frozen_hidden_layer", [](ExampleSpec& s) { s.train_hidden = false; }, "train variables",
      "not updated");
  add(
      "flatten_order", [](ExampleSpec& s) { s.flatten_nchw = true; }, "architecture",
      "flatten order", [](ExampleSpec& s) { s.conv = true; });
  return v;
}

inline Pair equivalent_pair() {
  Pair p;
  p.name = "layers_vs_raw";
  p.a.name = "tf.layers";
  p.b.name = "raw";
  p.b.use_layers = false;
  return p;
}

}  // namespace dl::parity::testing
