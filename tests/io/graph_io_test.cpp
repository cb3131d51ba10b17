#include "dl/graph/graph_io.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "../testing/test_util.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/variable.h"
#include "io_test_util.h"

namespace dl {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_of;
using testing::read_bytes;
using testing::write_bytes;

// What the round-trip tests fetch, by tensor name.
std::vector<std::string> build_model(Graph& g) {
  g.set_random_seed(42);
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3}), "x");
  Variable w(ops::random_uniform(g, Shape({3}), -1.0, 1.0), {.name = "w"});
  Variable b(ops::truncated_normal(g, Shape({3}), 0.5, 2.0, DType::f32, 7), {.name = "b"});
  Variable frozen(ops::fill(g, Shape({3}), 0.1), {.trainable = false, .name = "frozen"});
  Output c = ops::constant(g, {-0.0f, 1e-40f, 0.1f}, Shape({3}), "c");
  Output y;
  {
    NameScope scope(g, "layer");
    y = x * w + b;
    y = y / (c + 1.0f) + frozen;
  }
  Output noise = ops::random_normal(g, Shape({2, 3}), 0.0, 1.0);  // op seed from its name
  Output out = ops::identity(ops::add_n({y, noise, ops::stop_gradient(y)}), "out");
  Output r = ops::squeeze(ops::expand_dims(ops::reshape(out, Shape({3, 2})), 0), {0}, "r");
  const std::vector<Output> grads = gradients({out}, {w, b});

  Output d = ops::constant(g, Tensor::from_vector<double>(Shape({2}), {0.1, 1.0 / 3.0}), "d");
  Output i32 = ops::constant(
      g, Tensor::from_vector<int32_t>(Shape({3}), {std::numeric_limits<int32_t>::min(), -1, 7}),
      "i32");
  Output i64 =
      ops::constant(g, Tensor::scalar<int64_t>(std::numeric_limits<int64_t>::min()), "i64");
  Output u8 = ops::constant(g, Tensor::from_vector<uint8_t>(Shape({2}), {0, 255}), "u8");
  Output flags = ops::constant(g, Tensor::from_vector<bool>(Shape({2}), {true, false}), "flags");
  Output special = ops::constant(
      g,
      Tensor::from_vector<float>(
          Shape({2, 5}),
          {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
           std::nanf(""), std::numeric_limits<float>::max(),
           std::numeric_limits<float>::denorm_min(), 3.14159274f, -1.5f, 16777217.0f, 1e-7f, 0.0f}),
      "special");
  // A long tensor is wrapped over several lines.
  Output big = ops::constant(g, testing::random_tensor(Shape({5, 7}), 5, -1, 1, DType::f64), "big");
  // Every attr kind, with values that need care (quotes, newlines, extremes).
  Node* extra = g.add_node(
      "Identity", "extra", {x},
      {{"note", std::string("a \"quoted\"\nline\\ with tab\t")},
       {"ratios", std::vector<double>{0.1, -2.5e-300, std::numeric_limits<double>::infinity()}},
       {"ints", std::vector<int64_t>{}},
       {"big_int", std::numeric_limits<int64_t>::max()},
       {"flag", true},
       {"dt", DType::u8},
       {"shp", Shape({-1, 0, 5})},
       {"scalar_shape", Shape{}},
       {"alpha", 1e-300}});

  // Control edges: a scoped one, a group, and one added afterwards that points forward.
  Output early = ops::identity(x, "early");
  Node* init = global_variables_initializer(g);
  Node* after;
  {
    ControlDependencies deps(g, {init});
    after = ops::no_op(g, "after_init");
  }
  Node* train = ops::group(g, {w.assign_add(grads[0] * -0.1).node, after}, "train");
  g.add_control_input(early.node, after);
  g.add_to_collection(GraphKeys::TRAIN_OP, train);
  g.add_to_collection("my collection", extra);
  g.add_to_collection("my collection", d.node);
  return {"out:0", "r:0",     grads[0].name(), grads[1].name(), "d:0",
          "i32:0", "i64:0",   "u8:0",          "flags:0",       "special:0",
          "big:0", "extra:0", "early:0",       "layer/add_1:0"};
}

std::vector<Tensor> run_model(Graph& g, const std::vector<std::string>& fetch_names,
                              const std::string& prefix = "") {
  Session s(g);
  s.run(g.node_by_name(prefix + "init"));
  std::vector<Output> fetches;
  for (const std::string& n : fetch_names) fetches.push_back(g.tensor_by_name(prefix + n));
  const FeedDict feed = {{g.tensor_by_name(prefix + "x:0"),
                          Tensor::from_vector<float>(Shape({2, 3}), {1, 2, 3, -4, 5, -6})}};
  std::vector<Tensor> out = s.run(feed, fetches);
  // A second run draws new random numbers; they must match too.
  s.run(feed, {}, {g.node_by_name(prefix + "train")});
  for (Tensor& t : s.run(feed, fetches)) out.push_back(t);
  return out;
}

class GraphIo : public testing::TempDirTest {};

TEST_F(GraphIo, RoundTripRunsBitExactlyAndReExportsIdentically) {
  Graph g;
  const std::vector<std::string> fetches = build_model(g);
  io::write_graph(g, path("model.pbtxt"));
  EXPECT_FALSE(fs::exists(path("model.pbtxt.tmp-" + std::to_string(::getpid()))));

  Graph g2;
  const std::vector<Node*> created = io::import_graph(g2, path("model.pbtxt"));
  ASSERT_EQ(created.size(), static_cast<size_t>(g.num_nodes()));
  ASSERT_EQ(g2.num_nodes(), g.num_nodes());
  for (int i = 0; i < g.num_nodes(); ++i) {
    EXPECT_EQ(g2.node(i)->name(), g.node(i)->name());
    EXPECT_EQ(g2.node(i)->type(), g.node(i)->type());
    EXPECT_TRUE(std::equal(g2.node(i)->output_specs().begin(), g2.node(i)->output_specs().end(),
                           g.node(i)->output_specs().begin(), g.node(i)->output_specs().end()));
  }
  EXPECT_EQ(g2.random_seed(), std::optional<int64_t>(42));
  EXPECT_EQ(g2.collection_keys(), g.collection_keys());
  ASSERT_EQ(trainable_variables(g2).size(), 2u);
  EXPECT_EQ(global_variables(g2)[2].name(), "frozen");
  EXPECT_FALSE(global_variables(g2)[2].trainable());
  EXPECT_EQ(Variable::from_node(g2.node_by_name("w")).initializer()->name(), "w/Assign");
  EXPECT_EQ(g2.get_collection("my collection")[0]->attrs().get<std::string>("note"),
            "a \"quoted\"\nline\\ with tab\t");

  const std::vector<Tensor> a = run_model(g, fetches);
  const std::vector<Tensor> b = run_model(g2, fetches);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(testing::tensors_equal(a[i], b[i])) << fetches[i % fetches.size()];
  }

  EXPECT_EQ(io::graph_to_text(g2), io::graph_to_text(g));
  io::write_graph(g2, path("again.pbtxt"));
  EXPECT_EQ(read_bytes(path("again.pbtxt")), read_bytes(path("model.pbtxt")));
}

TEST_F(GraphIo, ImportWithPrefixAndIntoAGraphThatHasNodes) {
  Graph g;
  const std::vector<std::string> fetches = build_model(g);
  const std::string text = io::graph_to_text(g);

  Graph g2;
  ops::placeholder(g2, DType::f32, Shape({1}), "x");  // not in the way of "imported/x"
  io::import_graph_text(g2, text, "model", "imported");
  EXPECT_EQ(g2.num_nodes(), g.num_nodes() + 1);
  EXPECT_EQ(global_variables(g2)[0].name(), "imported/w");
  EXPECT_EQ(g2.get_collection(GraphKeys::TRAIN_OP)[0]->name(), "imported/train");
  const std::vector<Tensor> a = run_model(g, fetches);
  const std::vector<Tensor> b = run_model(g2, fetches, "imported/");
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(testing::tensors_equal(a[i], b[i]));

  // Names made later in the graph do not collide with imported ones.
  EXPECT_EQ(ops::identity(g2.tensor_by_name("x:0"), "imported").node->name(), "imported_1");

  // Importing twice under one prefix is refused, naming the node.
  const std::string m = error_of([&] { io::import_graph_text(g2, text, "model", "imported"); },
                                 ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(m, "model:5:") && contains(m, "'imported/x' already exists")) << m;
}

TEST_F(GraphIo, TextIsReadable) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3}), "x");
  Output y = ops::identity(x * 2.0, "y");
  g.add_control_input(y.node, x.node);
  const std::string t = io::graph_to_text(g);
  EXPECT_TRUE(contains(t,
                       "node {\n  name: \"x\"\n  op: \"Placeholder\"\n"
                       "  attr { key: \"dtype\" type: float32 }\n"
                       "  attr { key: \"shape\" shape: [-1, 3] }\n"
                       "  output: \"float32[?,3]\"\n}\n"))
      << t;
  EXPECT_TRUE(contains(t, "  input: \"mul:0\"\n  input: \"^x\"\n")) << t;
  EXPECT_TRUE(
      contains(t, "attr { key: \"value\" tensor { dtype: float32 shape: [] values: [2] } }"))
      << t;
}

// Line numbers count from 1 at "version: 1".
std::string import_error(const std::string& body, ErrorCode code = ErrorCode::invalid_argument) {
  Graph g;
  return error_of([&] { io::import_graph_text(g, "version: 1\n" + body, "bad.pbtxt"); }, code);
}

TEST_F(GraphIo, ImportErrorsNameTheFileAndLine) {
  const std::string ph =
      "node {\n name: \"x\"\n op: \"Placeholder\"\n attr { key: \"shape\" shape: [2] }\n}\n";
  std::string m = import_error("node {\n  name: \"a\"\n  op: \"Bogus\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:4:") && contains(m, "unknown op 'Bogus'")) << m;

  m = import_error(ph + "node {\n name: \"y\"\n op: \"Identity\"\n input: \"nope:0\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:10:") && contains(m, "unknown input node 'nope'")) << m;

  m = import_error(ph + "node {\n name: \"y\"\n op: \"Identity\"\n input: \"x:3\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:10:") && contains(m, "has 1 outputs")) << m;

  m = import_error(
      "node {\n name: \"x\"\n op: \"Placeholder\"\n attr { key: \"dtype\" type: float33 }\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:5:") && contains(m, "unknown dtype 'float33'")) << m;

  m = import_error(
      "node {\n name: \"x\"\n op: \"Placeholder\"\n attr { key: \"s\" i: 12abc }\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:5:") && contains(m, "'12abc' is not an integer")) << m;

  m = import_error("node {\n name: \"x\"\n op: \"Placeholder\"\n attr { key: \"s\" q: 1 }\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:5:") && contains(m, "unknown attr value kind 'q'")) << m;

  // An attribute of the wrong type is caught by the op's shape function, located.
  m = import_error(
      "node {\n name: \"x\"\n op: \"Placeholder\"\n attr { key: \"shape\" i: 3 }\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:2: node 'x'") && contains(m, "'shape'")) << m;

  m = import_error(
      "node {\n name: \"c\"\n op: \"Const\"\n"
      " attr { key: \"value\" tensor { dtype: uint8 shape: [2, 2] values: [1, 2, 3] } }\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:5:") && contains(m, "needs 4 values, found 3")) << m;

  m = import_error(
      "node {\n name: \"c\"\n op: \"Const\"\n"
      " attr { key: \"value\" tensor { dtype: uint8 shape: [1] values: [256] } }\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:5:") && contains(m, "256 is outside [0, 255]")) << m;

  // Shape inference runs again: an inconsistent graph is refused where the node starts.
  m = import_error(
      ph +
      "node {\n name: \"z\"\n op: \"Placeholder\"\n attr { key: \"shape\" shape: [3] }\n}\n"
      "node {\n name: \"s\"\n op: \"AddV2\"\n input: \"x:0\"\n input: \"z:0\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:12: node 's': AddV2 's'") && contains(m, "[2]") &&
              contains(m, "[3]"))
      << m;

  m = import_error(ph.substr(0, ph.size() - 2) + " output: \"float32[3]\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:6:") && contains(m, "records outputs [float32[3]]") &&
              contains(m, "gives [float32[2]]"))
      << m;

  m = import_error(ph + "node {\n name: \"x\"\n op: \"Identity\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:8:") && contains(m, "'x' is defined twice")) << m;

  m = import_error("node {\n name: \"a/\"\n op: \"NoOp\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:3:") && contains(m, "invalid node name \"a/\"")) << m;

  m = import_error(ph + "collection {\n key: \"k\"\n node: \"missing\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:9:") && contains(m, "unknown collection node 'missing'")) << m;

  m = import_error(ph + "variable {\n name: \"x\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:8:") && contains(m, "not a VariableV2")) << m;

  m = import_error("node {\n name: \"x\"\n op: \"NoOp\"\n input: \"^later\"\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:5:") && contains(m, "unknown control input node 'later'"))
      << m;

  m = import_error("node {\n name: \"x\"\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:3:") && contains(m, "the end of the file")) << m;

  m = import_error("node {\n name: \"x\n}\n");
  EXPECT_TRUE(contains(m, "bad.pbtxt:3:") && contains(m, "unterminated string")) << m;

  Graph g;
  m = error_of([&] { io::import_graph_text(g, "version: 2\n", "v2"); },
               ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(m, "v2:1:") && contains(m, "unsupported graph format version 2")) << m;

  m = error_of([&] { io::import_graph(g, path("absent.pbtxt")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(m, path("absent.pbtxt"))) << m;
}

TEST_F(GraphIo, MangledFilesNeverCrash) {
  Graph g;
  build_model(g);
  const std::string text = io::graph_to_text(g);
  std::vector<std::string> lines;
  for (size_t p = 0, nl; p < text.size(); p = nl + 1) {
    nl = text.find('\n', p);
    lines.push_back(text.substr(p, nl - p));
  }
  std::mt19937 rng(3);
  int accepted = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::string> l = lines;
    for (int k = 0; k < 1 + trial % 3; ++k) {
      const size_t i = rng() % l.size();
      switch (rng() % 4) {
        case 0:
          l.erase(l.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        case 1:
          l.insert(l.begin() + static_cast<std::ptrdiff_t>(i), l[rng() % l.size()]);
          break;
        case 2:
          if (!l[i].empty()) l[i][rng() % l[i].size()] = static_cast<char>(32 + rng() % 95);
          break;
        default:
          std::swap(l[i], l[rng() % l.size()]);
          break;
      }
    }
    std::string mangled;
    for (const std::string& s : l) mangled += s + "\n";
    Graph g2;
    try {
      io::import_graph_text(g2, mangled, "mangled");
      ++accepted;
    } catch (const Error&) {
    }
  }
  EXPECT_LT(accepted, 200);
}

TEST_F(GraphIo, DotShowsNodesShapesAndControlEdges) {
  Graph g;
  Output x = ops::placeholder(g, DType::f32, Shape({-1, 3}), "x");
  Output y = ops::identity(x * 2.0, "y");
  Node* n = ops::group(g, {y.node}, "done");
  const std::string dot = io::to_dot(g);
  EXPECT_TRUE(contains(dot, "digraph")) << dot;
  EXPECT_TRUE(contains(dot, "\"x\" [label=\"x\\nPlaceholder\"")) << dot;
  EXPECT_TRUE(contains(dot, "\"y\" [label=\"y\\nIdentity\"")) << dot;
  EXPECT_TRUE(contains(dot, "\"x\" -> \"mul\" [label=\"float32[?,3]\"]")) << dot;
  EXPECT_TRUE(contains(dot, "\"y\" -> \"" + n->name() + "\" [style=dashed]")) << dot;
  io::write_dot(g, path("g.dot"));
  EXPECT_EQ(read_bytes(path("g.dot")), dot);
}

}  // namespace
}  // namespace dl
