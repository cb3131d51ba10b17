#pragma once
/// OpDef: everything about one op in one place: its inputs, outputs and attribute defaults,
/// its shape function, its gradient and its reference kernel (docs/adding_an_op.md).
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "dl/core/attr.h"
#include "dl/graph/grad.h"
#include "dl/graph/node.h"
#include "dl/kernels/kernel.h"

namespace dl {

class Graph;

/// What a shape function sees. It is called when a node is created (shapes may hold unknown
/// dimensions) and again when the Session specialises a plan (shapes fully known).
struct InferContext {
  const std::string& node_name;
  const std::string& op_type;
  const AttrMap& attrs;
  std::span<const TensorSpec> inputs;

  const TensorSpec& input(int i) const { return inputs[static_cast<size_t>(i)]; }
  /// Throws InvalidArgument: "<Op> '<node>': <msg>; inputs: <specs>".
  [[noreturn]] void fail(const std::string& msg) const;
};
using InferFn = std::function<std::vector<TensorSpec>(InferContext&)>;

/// What a gradient function sees: the forward node and the gradient of each of its outputs
/// (none where no gradient flows). It adds nodes to the graph and returns one Grad per input.
struct GradContext {
  Graph& graph;
  const Node& node;
  std::vector<Output> dys;

  Output input(int i) const { return node.input(i); }
  Output output(int i = 0) const { return node.output(i); }
  const AttrMap& attrs() const { return node.attrs(); }
  /// The gradient of output i, or zeros of its shape when none flows.
  Output dy(int i = 0) const;
};
using GradFn = std::function<std::vector<Grad>(GradContext&)>;

struct OpDef {
  std::string name;
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;
  AttrMap attr_defaults;
  InferFn infer_fn;
  GradFn grad_fn;
  KernelFactory reference_factory;
  bool differentiable = true;   ///< false: gradients() passes no gradient through it
  bool stateful = false;        ///< has side effects or random output
  bool forwards_input = false;  ///< output 0 is a view of input 0: the plan allocates nothing
  bool variadic = false;        ///< takes any number of inputs (AddN, ConcatV2, group)
  std::vector<int> ref_inputs;  ///< inputs that must be variables, updated in place

  explicit OpDef(std::string n) : name(std::move(n)) {}
  OpDef& inputs(std::vector<std::string> names) {
    input_names = std::move(names);
    return *this;
  }
  OpDef& outputs(std::vector<std::string> names) {
    output_names = std::move(names);
    return *this;
  }
  OpDef& attr(const std::string& n, AttrValue def) {
    attr_defaults.set(n, std::move(def));
    return *this;
  }
  OpDef& infer(InferFn f) {
    infer_fn = std::move(f);
    return *this;
  }
  OpDef& grad(GradFn f) {
    grad_fn = std::move(f);
    return *this;
  }
  OpDef& reference(ComputeFn f);
  OpDef& reference(KernelFactory f) {
    reference_factory = std::move(f);
    return *this;
  }
  OpDef& not_differentiable() {
    differentiable = false;
    return *this;
  }
  OpDef& is_stateful() {
    stateful = true;
    return *this;
  }
  OpDef& forwards() {
    forwards_input = true;
    return *this;
  }
  OpDef& any_inputs() {
    variadic = true;
    return *this;
  }
  OpDef& refs(std::vector<int> idx) {
    ref_inputs = std::move(idx);
    return *this;
  }
};

}  // namespace dl
