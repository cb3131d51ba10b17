#include "dl/graph/graph.h"

#include <algorithm>
#include <utility>

#include "dl/graph/op_registry.h"

namespace dl {

Graph::Graph() = default;
Graph::~Graph() = default;

std::string Graph::unique_name(const std::string& name, bool mark_used) {
  // TF's unique_name: the first use keeps the name, later ones get _1, _2...; a generated
  // name also must not collide with a name the user chose explicitly.
  auto it = name_counts_.find(name);
  int count = it == name_counts_.end() ? 0 : it->second;
  std::string candidate = name;
  if (count > 0) {
    do {
      candidate = str_cat(name, "_", count++);
    } while (name_counts_.count(candidate));
  } else {
    count = 1;
  }
  if (mark_used) {
    name_counts_[name] = count;
    if (candidate != name) name_counts_[candidate] = std::max(name_counts_[candidate], 1);
  }
  return candidate;
}

std::string Graph::push_name_scope(const std::string& name) {
  scope_stack_.push_back(scope_);
  if (name.empty()) {
    scope_.clear();
  } else if (name.back() == '/') {
    scope_ = name;
  } else {
    scope_ = unique_name(scope_ + name) + "/";
  }
  return scope_;
}

void Graph::pop_name_scope() {
  DL_ASSERT(!scope_stack_.empty());
  scope_ = scope_stack_.back();
  scope_stack_.pop_back();
}

void Graph::push_control_dependencies(std::vector<Node*> deps) {
  control_stack_.push_back(std::move(deps));
}
std::vector<std::vector<Node*>> Graph::take_control_dependencies() {
  return std::exchange(control_stack_, {});
}
void Graph::restore_control_dependencies(std::vector<std::vector<Node*>> saved) {
  DL_ASSERT(control_stack_.empty());
  control_stack_ = std::move(saved);
}
void Graph::pop_control_dependencies() {
  DL_ASSERT(!control_stack_.empty());
  control_stack_.pop_back();
}

Node* Graph::add_node(const std::string& op_type, const std::string& name,
                      std::vector<Output> inputs, AttrMap attrs,
                      std::vector<Node*> control_inputs) {
  const OpDef& op = OpRegistry::global().lookup(op_type);
  std::string full;
  if (!name.empty() && name.back() == '/') {
    // A name from a name scope ("mul/"): used as is, as TF does for `with name_scope(...) as n`.
    full = name.substr(0, name.size() - 1);
    DL_CHECK(!by_name_.count(full), op_type, ": a node named '", full, "' already exists");
    name_counts_[full] = std::max(name_counts_[full], 1);
  } else {
    full = unique_name(scope_ + (name.empty() ? op_type : name));
  }

  if (!op.variadic && inputs.size() != op.input_names.size()) {
    throw InvalidArgument(str_cat(op_type, " '", full, "': expected ", op.input_names.size(),
                                  " inputs, received ", inputs.size()));
  }
  std::vector<TensorSpec> in_specs;
  in_specs.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Output& in = inputs[i];
    if (!in.node) {
      throw InvalidArgument(str_cat(op_type, " '", full, "': input ", i, " is empty (no tensor)"));
    }
    if (&in.node->graph() != this) {
      throw InvalidArgument(str_cat(op_type, " '", full, "': input ", i, " ('", in.name(),
                                    "') belongs to another graph"));
    }
    in_specs.push_back(in.spec());
  }
  for (int r : op.ref_inputs) {
    const Output& in = inputs[static_cast<size_t>(r)];
    if (in.node->type() != "VariableV2") {
      throw InvalidArgument(str_cat(op_type, " '", full, "': input ", r,
                                    " must be a variable, received '", in.name(), "' (",
                                    in.node->type(), ")"));
    }
  }
  for (const auto& [k, v] : op.attr_defaults.items()) {
    if (!attrs.has(k)) attrs.set(k, v);
  }

  InferContext ictx{full, op.name, attrs, in_specs};
  std::vector<TensorSpec> out_specs = op.infer_fn(ictx);

  auto node = std::unique_ptr<Node>(new Node());
  node->id_ = static_cast<int>(nodes_.size());
  node->name_ = full;
  node->op_ = &op;
  node->inputs_ = std::move(inputs);
  node->attrs_ = std::move(attrs);
  node->outputs_ = std::move(out_specs);
  node->graph_ = this;
  for (auto& deps : control_stack_) {
    for (Node* d : deps) control_inputs.push_back(d);
  }
  std::sort(control_inputs.begin(), control_inputs.end(),
            [](Node* a, Node* b) { return a->id() < b->id(); });
  control_inputs.erase(std::unique(control_inputs.begin(), control_inputs.end()),
                       control_inputs.end());
  node->control_inputs_ = std::move(control_inputs);
  Node* raw = node.get();
  for (const Output& in : raw->inputs_) {
    auto& c = in.node->consumers_;
    if (c.empty() || c.back() != raw) c.push_back(raw);
  }
  nodes_.push_back(std::move(node));
  by_name_[full] = raw;
  return raw;
}

void Graph::add_control_input(Node* node, Node* dep) {
  DL_CHECK(node && dep && &node->graph() == this && &dep->graph() == this,
           "add_control_input: both nodes must belong to this graph");
  node->control_inputs_.push_back(dep);
}

Node* Graph::find_node(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Node* Graph::node_by_name(const std::string& name) const {
  Node* n = find_node(name);
  if (!n) throw NotFound(str_cat("no node named '", name, "' in the graph"));
  return n;
}

Output Graph::tensor_by_name(const std::string& name) const {
  const auto colon = name.rfind(':');
  std::string node_name = name;
  int index = 0;
  if (colon != std::string::npos) {
    node_name = name.substr(0, colon);
    try {
      index = std::stoi(name.substr(colon + 1));
    } catch (const std::exception&) {
      throw NotFound(str_cat("'", name, "' is not a tensor name (expected 'node:index')"));
    }
  }
  Node* n = node_by_name(node_name);
  if (index < 0 || index >= n->num_outputs()) {
    throw NotFound(
        str_cat("tensor '", name, "': node '", node_name, "' has ", n->num_outputs(), " outputs"));
  }
  return n->output(index);
}

void Graph::add_to_collection(const std::string& key, Node* node) {
  auto [it, fresh] = collections_.try_emplace(key);
  if (fresh) collection_order_.push_back(key);
  it->second.push_back(node);
}

std::vector<Node*> Graph::get_collection(const std::string& key, const std::string& scope) const {
  auto it = collections_.find(key);
  if (it == collections_.end()) return {};
  if (scope.empty()) return it->second;
  std::vector<Node*> out;
  for (Node* n : it->second) {
    if (n->name().rfind(scope, 0) == 0) out.push_back(n);
  }
  return out;
}

std::vector<std::string> Graph::collection_keys() const { return collection_order_; }

void Graph::set_variable_info(Node* var, VariableInfo info) { variables_[var->id()] = info; }

const VariableInfo* Graph::variable_info(const Node* var) const {
  auto it = variables_.find(var->id());
  return it == variables_.end() ? nullptr : &it->second;
}

}  // namespace dl
