#pragma once
/// Kernel interface: how the Session runs one node. Kernels are created once per plan
/// specialisation (concrete shapes known), so a fast kernel builds its oneDNN primitives in its
/// constructor and compute() only executes. compute() must not throw from inside an OpenMP
/// region; it may throw dl::Error for data-dependent errors (an index out of range), naming
/// the node through KernelContext::fail.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dl/core/random.h"
#include "dl/core/tensor.h"
#include "dl/graph/node.h"

namespace dl {

/// Session-side state a kernel may touch: variables and random-number counters.
class RunContext {
 public:
  virtual ~RunContext() = default;
  /// The storage of a variable node (empty Tensor when uninitialised). Assigning to it
  /// (re)initialises the variable.
  virtual Tensor& variable(const Node& var_node) = 0;
  /// The random stream of a random node for this run (advances the node's run counter).
  virtual RandomStream random_stream(const Node& node) = 0;
};

/// What a kernel sees: its node, its input and output tensors (outputs are preallocated with
/// the concrete shape unless the op forwards its input), and the run context.
struct KernelContext {
  const Node& node;
  std::span<Tensor* const> inputs;
  std::span<Tensor* const> outputs;
  RunContext& run;
  /// Concrete output specs (the shape a forwarding kernel must give its view).
  std::span<const TensorSpec> output_specs;

  const Tensor& input(int i) const { return *inputs[static_cast<size_t>(i)]; }
  Tensor& output(int i) const { return *outputs[static_cast<size_t>(i)]; }
  /// Throws InvalidArgument prefixed with the node's op and name.
  [[noreturn]] void fail(const std::string& msg) const;
};

/// The concrete signature a kernel is chosen and built for.
struct KernelKey {
  const Node& node;
  std::vector<TensorSpec> inputs;   ///< concrete specs
  std::vector<TensorSpec> outputs;  ///< concrete specs
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void compute(KernelContext& ctx) = 0;
  /// Plan-time fusion (TF's remapper), asked by the Session when `next` reads this kernel's
  /// output 0 as its input 0 and nothing else reads or fetches that output. A kernel that can
  /// apply `next` to its output as it writes it rebuilds itself to do so and returns true; from
  /// then on its step reads `next`'s other inputs after its own and writes `next`'s output 0.
  /// Returns false (the default) to leave both as they are.
  virtual bool fuse(const KernelKey& /*next*/) { return false; }
};

/// A stateless reference kernel.
using ComputeFn = void (*)(KernelContext&);
/// Builds a kernel for a concrete signature (may precompute anything).
using KernelFactory = std::function<std::unique_ptr<Kernel>(const KernelKey&)>;

/// Wraps a ComputeFn into a Kernel.
std::unique_ptr<Kernel> make_function_kernel(ComputeFn fn);

/// One implementation of an op: a name ("onednn:conv2d"), a test that returns why it declines
/// a signature (nullopt = accepts), and a factory.
struct KernelImpl {
  std::string name;
  std::function<std::optional<std::string>(const KernelKey&)> unsupported_reason;
  KernelFactory create;
};

}  // namespace dl
