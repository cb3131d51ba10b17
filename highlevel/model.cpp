// Model structure: the functional graph of layer calls (Keras's map_graph), its replay, weights,
// and Sequential's incremental building. Training lives in training.cpp, summary() in
// summary.cpp, saving in saving.cpp.
#include "dl/highlevel/model.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "dl/highlevel/internal/training_state.h"

namespace dl::keras {

Data::operator Tensor() const {
  if (tensors_.size() != 1) {
    throw InvalidArgument(str_cat("expected a single tensor, but this data holds ", tensors_.size(),
                                  " (use .tensors())"));
  }
  return tensors_[0];
}

// ---------------------------------------------------------------------------------------------
// Construction

Model::Model(const std::vector<KerasTensor>& inputs, const std::vector<KerasTensor>& outputs,
             const std::string& name)
    : profile_(backend::profile()) {
  name_ = name.empty() ? backend::current_context()->auto_name(
                             profile_ == Profile::keras2 ? "model" : "functional", profile_)
                       : name;
  init_graph_network(inputs, outputs);
}

Model::Model(const KerasTensor& input, const KerasTensor& output, const std::string& name)
    : Model(std::vector<KerasTensor>{input}, std::vector<KerasTensor>{output}, name) {}

Model::Model(const std::string& class_prefix, const std::string& name)
    : profile_(backend::profile()) {
  name_ = name.empty() ? backend::current_context()->auto_name(class_prefix, profile_) : name;
  ctx_ = backend::current_context();
}

Model::~Model() = default;

void Model::init_graph_network(const std::vector<KerasTensor>& inputs,
                               const std::vector<KerasTensor>& outputs) {
  if (inputs.empty()) throw InvalidArgument(str_cat("Model \"", name_, "\": no inputs given"));
  if (outputs.empty()) throw InvalidArgument(str_cat("Model \"", name_, "\": no outputs given"));
  auto check_tensor = [&](const KerasTensor& t, const char* what, size_t i) {
    if (!t || !t.layer()) {
      throw InvalidArgument(str_cat("Model \"", name_, "\": ", what, " ", i,
                                    " is not a symbolic tensor of a Keras layer (use "
                                    "keras::Input() and call layers on it)"));
    }
  };
  for (size_t i = 0; i < inputs.size(); ++i) check_tensor(inputs[i], "input", i);
  for (size_t i = 0; i < outputs.size(); ++i) check_tensor(outputs[i], "output", i);
  ctx_ = backend::context_of(inputs[0].output().graph());

  // Keras's _build_map: a depth-first walk from each output; operations are indexed in the order
  // they are first reached, nodes appended after their inputs (a topological order).
  std::set<std::pair<const Layer*, int>> finished, in_progress;
  std::vector<std::pair<std::shared_ptr<Layer>, int>> post_order;
  std::map<const Layer*, int> op_index;
  std::set<Output> input_outputs;
  for (const KerasTensor& t : inputs) input_outputs.insert(t.output());

  std::function<void(const KerasTensor&)> visit = [&](const KerasTensor& t) {
    const std::shared_ptr<Layer>& layer = t.layer();
    const auto key = std::make_pair(layer.get(), t.node_index());
    if (finished.count(key)) return;
    const LayerCall& call = layer->inbound_nodes()[static_cast<size_t>(t.node_index())];
    const bool is_input = call.inputs.empty();
    if (!is_input && input_outputs.count(t.output())) {
      finished.insert(key);
      return;
    }
    if (in_progress.count(key)) {
      throw InvalidArgument(
          str_cat("Tensor ", t.name(), " from layer '", layer->name(), "' is part of a cycle."));
    }
    if (!op_index.count(layer.get())) op_index[layer.get()] = static_cast<int>(op_index.size());
    in_progress.insert(key);
    if (!is_input) {
      for (const KerasTensor& in : call.inputs) visit(in);
    }
    finished.insert(key);
    in_progress.erase(key);
    post_order.emplace_back(layer, t.node_index());
  };
  for (const KerasTensor& t : outputs) visit(t);

  // Depths: outputs 0, each node's inputs at least one deeper (Keras's map_graph).
  std::map<std::pair<const Layer*, int>, int> node_depth;
  std::map<const Layer*, int> layer_depth;
  std::set<std::pair<const Layer*, int>> in_graph;
  for (const auto& [l, n] : post_order) in_graph.insert({l.get(), n});
  for (auto it = post_order.rbegin(); it != post_order.rend(); ++it) {
    const auto key = std::make_pair(it->first.get(), it->second);
    int depth = node_depth.count(key) ? node_depth[key] : 0;
    depth = std::max(depth, layer_depth.count(key.first) ? layer_depth[key.first] : 0);
    layer_depth[key.first] = depth;
    node_depth[key] = depth;
    const LayerCall& call = it->first->inbound_nodes()[static_cast<size_t>(it->second)];
    for (const KerasTensor& in : call.inputs) {
      const auto pk = std::make_pair(in.layer().get(), in.node_index());
      if (!in_graph.count(pk)) continue;
      node_depth[pk] = std::max(depth + 1, node_depth.count(pk) ? node_depth[pk] : 0);
    }
  }
  // Inputs not connected to any output still belong to the model (Keras adds them at depth 0).
  std::map<const Layer*, std::shared_ptr<Layer>> layer_of;
  for (const auto& [l, n] : post_order) layer_of[l.get()] = l;
  for (const KerasTensor& t : inputs) {
    const Layer* l = t.layer().get();
    if (!layer_depth.count(l) && t.layer()->inbound_nodes()[t.node_index()].inputs.empty()) {
      layer_depth[l] = 0;
      op_index[l] = -1;
      layer_of[l] = t.layer();
      post_order.insert(post_order.begin(), {t.layer(), t.node_index()});
      node_depth[{l, t.node_index()}] = 0;
    }
  }

  // Layers by decreasing depth, ties in traversal order.
  std::vector<std::shared_ptr<Layer>> layers;
  for (const auto& [l, p] : layer_of) layers.push_back(p);
  std::stable_sort(layers.begin(), layers.end(), [&](const auto& a, const auto& b) {
    const int da = layer_depth[a.get()], db = layer_depth[b.get()];
    if (da != db) return da > db;
    return op_index[a.get()] < op_index[b.get()];
  });

  // Every node input must be computable from the model inputs ("Graph disconnected").
  std::set<Output> computable = input_outputs;
  std::vector<std::string> ok_layers;
  std::vector<NodeRef> nodes;
  for (const auto& [l, n] : post_order) {
    const LayerCall& call = l->inbound_nodes()[static_cast<size_t>(n)];
    if (call.inputs.empty() && !input_outputs.count(call.outputs[0])) {
      throw InvalidArgument(str_cat("Graph disconnected: the outputs depend on the input \"",
                                    l->name(), "\" (", call.outputs[0].name(),
                                    "), which is not among the model's inputs"));
    }
    for (const KerasTensor& in : call.inputs) {
      if (!computable.count(in.output())) {
        std::string prev;
        for (const auto& s : ok_layers) prev += (prev.empty() ? "" : ", ") + ("'" + s + "'");
        throw InvalidArgument(str_cat("Graph disconnected: cannot find parent for tensor ",
                                      in.name(), " at layer '", l->name(),
                                      "'. The following previous layers were accessed without "
                                      "issue: [",
                                      prev, "]"));
      }
    }
    ok_layers.push_back(l->name());
    for (const Output& o : call.outputs) computable.insert(o);
    nodes.push_back(NodeRef{l, n, node_depth[{l.get(), n}]});
  }
  for (const KerasTensor& t : outputs) {
    if (!computable.count(t.output())) {
      throw InvalidArgument(str_cat("Graph disconnected: output ", t.name(),
                                    " cannot be computed from the model inputs"));
    }
  }
  std::map<std::string, int> counts;
  for (const auto& l : layers) ++counts[l->name()];
  for (const auto& [n, c] : counts) {
    if (c != 1) {
      throw InvalidArgument(str_cat("The name \"", n, "\" is used ", c,
                                    " times in the model. All layer names should be unique."));
    }
  }
  inputs_ = inputs;
  outputs_ = outputs;
  layers_ = std::move(layers);
  nodes_ = std::move(nodes);
  // A changed structure needs a new training graph. compile()'s choices survive while the
  // optimizer has no variables yet (a Sequential built by its first fit); after training, the
  // model must be compiled again, as in Keras.
  if (compiled_) {
    if (compiled_->optimizer->built()) {
      compiled_.reset();
    } else {
      auto c = std::make_unique<Compiled>();
      c->options = compiled_->options;
      c->optimizer = compiled_->optimizer;
      compiled_ = std::move(c);
    }
  }
}

void Model::build_from_data(const std::vector<Shape>&) {
  throw FailedPrecondition(str_cat("Model \"", name_, "\" has no inputs"));
}

// ---------------------------------------------------------------------------------------------
// Structure

std::vector<std::shared_ptr<Layer>> Model::layers() const { return layers_; }

std::shared_ptr<Layer> Model::get_layer(const std::string& name) const {
  for (const auto& l : layers_) {
    if (l->name() == name) return l;
  }
  for (const auto& l : layers()) {
    if (l->name() == name) return l;
  }
  std::string names;
  for (const auto& l : layers()) names += (names.empty() ? "" : ", ") + l->name();
  throw InvalidArgument(str_cat("No such layer: ", name, ". Existing layers are: [", names, "]."));
}

std::shared_ptr<Layer> Model::get_layer(int index) const {
  const auto ls = layers();
  if (index < 0 || index >= static_cast<int>(ls.size())) {
    throw InvalidArgument(str_cat("Was asked to retrieve layer at index ", index,
                                  " but model only has ", ls.size(), " layers."));
  }
  return ls[static_cast<size_t>(index)];
}

const std::vector<KerasTensor>& Model::inputs() const {
  if (!built()) {
    throw FailedPrecondition(
        str_cat("Model \"", name_, "\" has no defined inputs yet (it is not built)"));
  }
  return inputs_;
}

const std::vector<KerasTensor>& Model::outputs() const {
  if (!built()) {
    throw FailedPrecondition(
        str_cat("Model \"", name_, "\" has no defined outputs yet (it is not built)"));
  }
  return outputs_;
}

KerasTensor Model::input() const {
  const auto& ins = inputs();
  if (ins.size() != 1) {
    throw InvalidArgument(
        str_cat("Model \"", name_, "\" has ", ins.size(), " inputs; use inputs()"));
  }
  return ins[0];
}

KerasTensor Model::output() const {
  const auto& outs = outputs();
  if (outs.size() != 1) {
    throw InvalidArgument(
        str_cat("Model \"", name_, "\" has ", outs.size(), " outputs; use outputs()"));
  }
  return outs[0];
}

std::vector<std::string> Model::output_names() const {
  std::vector<std::string> names;
  for (const KerasTensor& t : outputs()) names.push_back(t.layer()->name());
  return names;
}

std::vector<Weight> Model::weights() const {
  std::vector<Weight> out;
  std::set<const Node*> seen;
  for (const auto& l : layers()) {
    for (const Weight& w : l->weights()) {
      if (seen.insert(w.variable.op()).second) out.push_back(w);
    }
  }
  return out;
}

std::vector<Weight> Model::trainable_weights() const {
  std::vector<Weight> out;
  std::set<const Node*> seen;
  for (const auto& l : layers()) {
    for (const Weight& w : l->trainable_weights()) {
      if (seen.insert(w.variable.op()).second) out.push_back(w);
    }
  }
  return out;
}

std::vector<Weight> Model::non_trainable_weights() const {
  std::set<const Node*> trainable;
  for (const Weight& w : trainable_weights()) trainable.insert(w.variable.op());
  std::vector<Weight> out;
  for (const Weight& w : weights()) {
    if (!trainable.count(w.variable.op())) out.push_back(w);
  }
  return out;
}

std::vector<Tensor> Model::get_weights() const {
  std::vector<Tensor> out;
  const auto ws = weights();
  if (ws.empty()) return out;
  Session& s = session();
  for (const Weight& w : ws) out.push_back(s.variable_value(w.variable.op()).clone());
  return out;
}

void Model::set_weights(const std::vector<Tensor>& values) {
  const auto ws = weights();
  if (values.size() != ws.size()) {
    throw InvalidArgument(str_cat("You called `set_weights(weights)` on model \"", name_,
                                  "\" with a weight list of length ", values.size(),
                                  ", but the model was expecting ", ws.size(), " weights."));
  }
  for (size_t i = 0; i < ws.size(); ++i) {
    if (!values[i].valid() || values[i].shape() != ws[i].shape()) {
      throw InvalidArgument(
          str_cat("Model \"", name_, "\": weight '", ws[i].path, "' has shape ",
                  shape_to_string(ws[i].shape()), ", but the value given has shape ",
                  values[i].valid() ? shape_to_string(values[i].shape()) : "(empty)"));
    }
  }
  if (ws.empty()) return;
  Session& s = session();
  for (size_t i = 0; i < ws.size(); ++i) {
    const DType t = ws[i].variable.dtype();
    s.set_variable_value(ws[i].variable.op(),
                         values[i].dtype() == t ? values[i].clone() : values[i].cast(t));
  }
}

int64_t Model::count_params() const {
  int64_t n = 0;
  for (const Weight& w : weights()) n += w.shape().num_elements();
  return n;
}

std::vector<Output> Model::losses() const {
  std::vector<Output> out;
  for (const auto& l : layers()) {
    for (const Output& o : l->losses()) out.push_back(o);
  }
  return out;
}

Session& Model::session() const {
  DL_ASSERT(ctx_ != nullptr);
  return ctx_->session();
}

void Model::print_summary(SummaryOptions options) const { std::cout << summary(options); }

std::vector<Output> Model::call(const std::vector<Output>& ins, bool training) const {
  if (ins.size() != inputs().size()) {
    throw InvalidArgument(str_cat("Model \"", name_, "\" expects ", inputs_.size(),
                                  " input(s), but it received ", ins.size(), " input tensors"));
  }
  std::map<Output, Output> mapped;
  for (size_t i = 0; i < ins.size(); ++i) mapped[inputs_[i].output()] = ins[i];
  for (const NodeRef& n : nodes_) {
    const LayerCall& call = n.layer->inbound_nodes()[static_cast<size_t>(n.node_index)];
    if (call.inputs.empty()) continue;  // an InputLayer
    bool same = true;
    std::vector<Output> args;
    for (const KerasTensor& in : call.inputs) {
      auto it = mapped.find(in.output());
      DL_ASSERT(it != mapped.end());
      args.push_back(it->second);
      same = same && it->second == in.output();
    }
    // The recorded call ran in inference mode: it stands for this one when nothing differs.
    const bool reuse = same && !(training && n.layer->uses_training());
    std::vector<Output> outs = reuse ? call.outputs : n.layer->replay(args, training);
    for (size_t i = 0; i < outs.size(); ++i) mapped[call.outputs[i]] = outs[i];
  }
  std::vector<Output> result;
  for (const KerasTensor& t : outputs_) result.push_back(mapped.at(t.output()));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Sequential

Sequential::Sequential(SequentialOptions options) : Model("sequential", options.name) {}

Sequential::Sequential(std::initializer_list<std::shared_ptr<Layer>> layers,
                       SequentialOptions options)
    : Sequential(std::vector<std::shared_ptr<Layer>>(layers), std::move(options)) {}

Sequential::Sequential(const std::vector<std::shared_ptr<Layer>>& layers, SequentialOptions options)
    : Model("sequential", options.name) {
  for (const auto& l : layers) {
    DL_CHECK(l != nullptr, "Sequential \"", name_, "\": a layer in the list is null");
    if (stack_.empty() && !l->input_shape_arg().empty() &&
        !std::dynamic_pointer_cast<InputLayerImpl>(l)) {
      InputOptions io;
      if (profile_ == Profile::keras2) io.name = l->name() + "_input";
      stack_.push_back(std::make_shared<InputLayerImpl>(l->input_shape_arg(), io));
      std::static_pointer_cast<InputLayerImpl>(stack_.back())->make_tensor();
    }
    for (const auto& s : stack_) {
      if (s->name() == l->name()) {
        throw InvalidArgument(str_cat(
            "All layers added to a Sequential model should have unique names. Name '", l->name(),
            "' is already the name of a layer in this model. Update the `name` argument to "
            "pass a unique name."));
      }
    }
    stack_.push_back(l);
  }
  rebuild();
}

std::vector<std::shared_ptr<Layer>> Sequential::layers() const {
  std::vector<std::shared_ptr<Layer>> out;
  for (const auto& l : stack_) {
    if (!std::dynamic_pointer_cast<InputLayerImpl>(l)) out.push_back(l);
  }
  return out;
}

void Sequential::add(std::shared_ptr<Layer> layer) {
  DL_CHECK(layer != nullptr, "Sequential \"", name_, "\": add() received a null layer");
  const bool is_input = std::dynamic_pointer_cast<InputLayerImpl>(layer) != nullptr;
  if (is_input && !stack_.empty() && std::dynamic_pointer_cast<InputLayerImpl>(stack_[0])) {
    throw InvalidArgument(str_cat("Sequential model '", name_,
                                  "' has already been configured to use input shape ",
                                  shape_to_string(stack_[0]->output().shape()),
                                  ". You cannot add a different Input layer to it."));
  }
  if (is_input && !stack_.empty()) {
    throw InvalidArgument(
        str_cat("Sequential model '", name_, "': an Input can only be added first"));
  }
  if (stack_.empty() && !is_input && !layer->input_shape_arg().empty()) {
    InputOptions io;
    if (profile_ == Profile::keras2) io.name = layer->name() + "_input";
    auto input = std::make_shared<InputLayerImpl>(layer->input_shape_arg(), io);
    input->make_tensor();
    stack_.push_back(input);
  }
  for (const auto& s : stack_) {
    if (s->name() == layer->name()) {
      throw InvalidArgument(str_cat(
          "All layers added to a Sequential model should have unique names. Name '", layer->name(),
          "' is already the name of a layer in this model. Update the `name` argument to pass "
          "a unique name."));
    }
  }
  if (is_input && layer->inbound_nodes().empty()) {
    std::static_pointer_cast<InputLayerImpl>(layer)->make_tensor();
  }
  stack_.push_back(layer);
  // Extend the built graph by this one layer (Keras rebuilds the whole stack; calling only the
  // new layer gives the same model without re-emitting the others' ops).
  if (built() && !is_input) {
    KerasTensor x;
    try {
      x = (*layer)(outputs_[0]);
    } catch (...) {
      stack_.pop_back();
      throw;
    }
    if (profile_ == Profile::keras3) ctx_->next_uid("functional");  // Keras 3's inner Functional
    init_graph_network(inputs_, {x});
  } else {
    rebuild();
  }
}

void Sequential::add(const KerasTensor& input) {
  auto layer = std::dynamic_pointer_cast<InputLayerImpl>(input.layer());
  if (!layer) {
    throw InvalidArgument(str_cat("Sequential \"", name_,
                                  "\": add() takes layers or the tensor of keras::Input(); ",
                                  input.name(), " is the output of a layer"));
  }
  add(std::shared_ptr<Layer>(layer));
}

void Sequential::rebuild() {
  if (stack_.size() < 2 || !std::dynamic_pointer_cast<InputLayerImpl>(stack_[0])) return;
  KerasTensor x = stack_[0]->output();
  std::vector<KerasTensor> ins{x};
  for (size_t i = 1; i < stack_.size(); ++i) x = (*stack_[i])(x);
  if (profile_ == Profile::keras3) ctx_->next_uid("functional");
  init_graph_network(ins, {x});
}

void Sequential::build(const std::vector<int64_t>& input_shape) {
  if (stack_.empty()) {
    throw InvalidArgument(str_cat("Sequential model ", name_,
                                  " cannot be built because it has no layers. Call "
                                  "`model.add(layer)`."));
  }
  if (std::dynamic_pointer_cast<InputLayerImpl>(stack_[0])) {
    const Shape& have = stack_[0]->output().shape();
    std::vector<int64_t> want{-1};
    want.insert(want.end(), input_shape.begin(), input_shape.end());
    if (have != Shape(want)) {
      throw InvalidArgument(str_cat("Sequential model '", name_,
                                    "' has already been configured to use input shape ",
                                    shape_to_string(have),
                                    ". You cannot build it with "
                                    "input_shape ",
                                    shape_to_string(Shape(want))));
    }
    if (!built()) rebuild();
    return;
  }
  InputOptions io;
  if (profile_ == Profile::keras2) io.name = stack_[0]->name() + "_input";
  auto input = std::make_shared<InputLayerImpl>(input_shape, io);
  input->make_tensor();
  stack_.insert(stack_.begin(), input);
  try {
    rebuild();
  } catch (...) {
    stack_.erase(stack_.begin());
    throw;
  }
}

void Sequential::build_from_data(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() != 1) {
    throw InvalidArgument(
        str_cat("Sequential model '", name_, "' takes one input, received ", input_shapes.size()));
  }
  std::vector<int64_t> dims(input_shapes[0].dims().begin() + 1, input_shapes[0].dims().end());
  build(dims);
}

}  // namespace dl::keras
