#pragma once
/// Session: runs parts of a Graph (tf.Session). Variables live in the Session. Each distinct
/// (feeds, fetches, targets) signature is compiled once into a plan (prune, check feeds, order,
/// check for cycles); each distinct set of fed shapes specialises the plan once (concrete
/// shapes, kernel choice, oneDNN primitives, output buffers). A steady-state run only binds the
/// feeds and executes the kernels in order.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/graph/graph.h"

namespace dl {

struct SessionOptions {
  /// Threads inside one kernel (OpenMP, oneDNN, OpenBLAS); 0 = all cores. Results are
  /// identical from run to run for a fixed thread count.
  int intra_op_threads = 0;
  /// Plan-time fusion, as TF's grappler remapper: a Conv2D whose output goes only to a BiasAdd,
  /// and that only to a Tanh, Relu or Sigmoid, runs as one kernel (a oneDNN convolution with
  /// bias and activation) in place of two or three. Nodes whose outputs are fetched, fed, or
  /// read elsewhere are never fused, nor a node with control inputs or with other inputs
  /// computed after the convolution. Results agree with the unfused kernels to float rounding
  /// (the sums and the activation are the same; the bias is added inside the convolution).
  /// A traced run lists a fused step under the first node, its kernel named with each fused op
  /// ("onednn:conv2d+BiasAdd+Tanh"). false: every node runs its own kernel.
  bool remapping = true;
};

struct RunOptions {
  /// Records per-node timings into RunMetadata (like RunOptions.FULL_TRACE).
  bool trace = false;
};

/// One node's execution in a traced run (like TF's NodeExecStats).
struct NodeStats {
  std::string node_name;
  std::string op;
  std::string kernel;    ///< the implementation that ran ("onednn:conv2d", "ref:Tanh")
  int64_t start_ns = 0;  ///< from the start of the run
  int64_t end_ns = 0;
};

struct RunMetadata {
  std::vector<NodeStats> step_stats;
  int64_t plan_ns = 0;      ///< time spent finding or building the plan in this run
  int64_t feed_ns = 0;      ///< binding and checking the feeds
  int64_t exec_ns = 0;      ///< executing the kernels
  int64_t fetch_ns = 0;     ///< copying out the fetches
  bool built_plan = false;  ///< true when this run compiled or specialised a plan
};

using FeedDict = std::vector<std::pair<Output, Tensor>>;

namespace detail {
struct Plan;
}

class Session;

/// A pre-built run signature (Session.make_callable): call it with the feed values in the
/// order of its feed list.
class Callable {
 public:
  std::vector<Tensor> operator()(const std::vector<Tensor>& feed_values,
                                 const RunOptions* options = nullptr,
                                 RunMetadata* metadata = nullptr) const;

 private:
  friend class Session;
  Session* session_ = nullptr;
  std::shared_ptr<detail::Plan> plan_;
};

class Session {
 public:
  explicit Session(Graph& graph, SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// sess.run(fetches, feed_dict) with separate targets (ops run for their effects).
  /// Throws InvalidArgument for a feed of the wrong dtype or shape or a needed placeholder that
  /// is not fed, naming the placeholder and the fetch that needs it; FailedPrecondition for an
  /// uninitialised variable; InvalidArgument for a cycle.
  std::vector<Tensor> run(const FeedDict& feeds, const std::vector<Output>& fetches,
                          const std::vector<Node*>& targets = {},
                          const RunOptions* options = nullptr, RunMetadata* metadata = nullptr);
  /// One fetch.
  Tensor run(Output fetch, const FeedDict& feeds = {});
  /// Targets only.
  void run(const std::vector<Node*>& targets, const FeedDict& feeds = {});
  void run(Node* target, const FeedDict& feeds = {});

  /// Prunes and plans once; calling the result skips the signature lookup.
  Callable make_callable(const std::vector<Output>& feeds, const std::vector<Output>& fetches,
                         const std::vector<Node*>& targets = {});

  Graph& graph() const { return graph_; }
  /// The current value of a variable (shared with the session: copy before changing it).
  /// Throws FailedPrecondition when it is not initialised.
  Tensor variable_value(const Node* var) const;
  /// Sets a variable's value directly (var.load(value, sess)); checks dtype and shape.
  void set_variable_value(const Node* var, const Tensor& value);
  bool is_initialized(const Node* var) const;
  /// Number of plans and specialisations built so far (for tests of the plan cache).
  int num_plans() const { return static_cast<int>(plans_.size()); }
  int num_specializations() const;

 private:
  friend class Callable;
  class State;
  std::shared_ptr<detail::Plan> get_plan(const std::vector<Output>& feeds,
                                         const std::vector<Output>& fetches,
                                         const std::vector<Node*>& targets);
  std::vector<Tensor> execute(detail::Plan& plan, const std::vector<const Tensor*>& feed_values,
                              const RunOptions* options, RunMetadata* metadata);

  Graph& graph_;
  SessionOptions options_;
  std::unique_ptr<State> state_;
  std::map<std::string, std::shared_ptr<detail::Plan>> plans_;
};

}  // namespace dl
