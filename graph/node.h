#pragma once
/// Node and Output: the vertices and edges of the dataflow graph.
/// A Node is immutable after creation except for its consumer list; its output specs are
/// inferred when it is created (typed at construction).
#include <span>
#include <string>
#include <vector>

#include "dl/core/attr.h"
#include "dl/core/dtype.h"
#include "dl/core/shape.h"

namespace dl {

class Graph;
class Node;
struct OpDef;

/// The dtype and (possibly partly unknown) shape of one node output.
struct TensorSpec {
  DType dtype = DType::f32;
  Shape shape;
  std::string to_string() const;  ///< "float32[?,784]"
  bool operator==(const TensorSpec& o) const { return dtype == o.dtype && shape == o.shape; }
};

/// One output of one node: the universal handle for builders, feeds and fetches.
/// A default-constructed Output is "none" (no gradient, no tensor).
struct Output {
  Node* node = nullptr;
  int index = 0;

  explicit operator bool() const { return node != nullptr; }
  DType dtype() const;
  const Shape& shape() const;
  const TensorSpec& spec() const;
  Graph& graph() const;
  /// "name:index", as TF names tensors ("dense/MatMul:0").
  std::string name() const;
  bool operator==(const Output& o) const { return node == o.node && index == o.index; }
  bool operator<(const Output& o) const;
};

class Node {
 public:
  int id() const { return id_; }
  const std::string& name() const { return name_; }
  const OpDef& op() const { return *op_; }
  /// The op type name, as in TF ("MatMul").
  const std::string& type() const;
  std::span<const Output> inputs() const { return inputs_; }
  const Output& input(int i) const { return inputs_[static_cast<size_t>(i)]; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  std::span<Node* const> control_inputs() const { return control_inputs_; }
  const AttrMap& attrs() const { return attrs_; }
  std::span<const TensorSpec> output_specs() const { return outputs_; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Output output(int i = 0) const { return Output{const_cast<Node*>(this), i}; }
  Graph& graph() const { return *graph_; }
  /// Nodes that use an output of this node as a data input (in creation order).
  std::span<Node* const> consumers() const { return consumers_; }

 private:
  friend class Graph;
  int id_ = 0;
  std::string name_;
  const OpDef* op_ = nullptr;
  std::vector<Output> inputs_;
  std::vector<Node*> control_inputs_;
  AttrMap attrs_;
  std::vector<TensorSpec> outputs_;
  std::vector<Node*> consumers_;
  Graph* graph_ = nullptr;
};

}  // namespace dl
