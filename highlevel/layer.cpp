#include "dl/highlevel/layer.h"

#include <algorithm>

#include "dl/graph/ops/state_ops.h"

namespace dl::keras {

std::string shape_to_string(const Shape& s) {
  std::string out = "(";
  for (int i = 0; i < s.rank(); ++i) {
    if (i) out += ", ";
    out += s[i] < 0 ? std::string("None") : std::to_string(s[i]);
  }
  if (s.rank() == 1) out += ",";
  return out + ")";
}

KerasTensor::KerasTensor(Output output, std::shared_ptr<Layer> layer, int node_index,
                         int tensor_index)
    : output_(output),
      layer_(std::move(layer)),
      node_index_(node_index),
      tensor_index_(tensor_index) {}

// ---------------------------------------------------------------------------------------------
// Layer

Layer::Layer(std::string class_name, LayerArgs args)
    : class_name_(std::move(class_name)),
      trainable_(args.trainable),
      input_shape_arg_(std::move(args.input_shape)) {
  if (!args.name.empty()) {
    name_ = std::move(args.name);
  } else {
    const Profile p = backend::profile();
    // Keras 2 names inputs "input_1"; Keras 3 "input_layer" (the snake_case of the class).
    const std::string prefix = (p == Profile::keras2 && class_name_ == "InputLayer")
                                   ? std::string("input")
                                   : backend::to_snake_case(class_name_);
    name_ = backend::current_context()->auto_name(prefix, p);
  }
  for (int64_t d : input_shape_arg_) {
    if (d == 0 || d < -1) {
      throw InvalidArgument(str_cat("Layer \"", name_, "\": input_shape must hold positive sizes ",
                                    "or -1 (None), received ",
                                    shape_to_string(Shape(input_shape_arg_))));
    }
  }
}

Layer::~Layer() = default;

Graph& Layer::graph() const {
  DL_ASSERT(ctx_ != nullptr);
  return ctx_->graph();
}

void Layer::fail(const std::string& message) const {
  throw InvalidArgument(str_cat("Layer \"", name_, "\" (", class_name_, "): ", message));
}

void Layer::check_context(const std::vector<Output>& xs) {
  if (xs.empty()) fail("expected at least one input tensor, received none");
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!xs[i]) fail(str_cat("input ", i, " is empty (no tensor)"));
  }
  Graph& g = xs[0].graph();
  for (size_t i = 1; i < xs.size(); ++i) {
    if (&xs[i].graph() != &g) fail(str_cat("input ", i, " belongs to another graph than input 0"));
  }
  if (!ctx_) {
    ctx_ = backend::context_of(g);
  } else if (&ctx_->graph() != &g) {
    fail(
        "was built in another graph (a context before keras::backend::clear_session()?); a "
        "layer lives in one graph");
  }
}

void Layer::check_inputs(const std::vector<TensorSpec>& specs) const {
  if (!takes_list() && specs.size() != 1) {
    fail(str_cat("expects 1 input(s), but it received ", specs.size(), " input tensors"));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const Shape& s = specs[i].shape;
    const int ndim = s.rank();
    auto incompatible = [&](const std::string& what) {
      throw InvalidArgument(
          str_cat("Input ", i, " of layer \"", name_, "\" is incompatible with the layer: ", what));
    };
    if (input_spec_.ndim && ndim != *input_spec_.ndim) {
      incompatible(str_cat("expected ndim=", *input_spec_.ndim, ", found ndim=", ndim,
                           ". Full shape received: ", shape_to_string(s)));
    }
    if (input_spec_.min_ndim && ndim < *input_spec_.min_ndim) {
      incompatible(str_cat("expected min_ndim=", *input_spec_.min_ndim, ", found ndim=", ndim,
                           ". Full shape received: ", shape_to_string(s)));
    }
    for (const auto& [axis, value] : input_spec_.axes) {
      const int a = axis < 0 ? ndim + axis : axis;
      if (a < 0 || a >= ndim || (s[a] >= 0 && s[a] != value)) {
        incompatible(str_cat("expected axis ", axis, " of input shape to have value ", value,
                             ", but received input with shape ", shape_to_string(s)));
      }
    }
  }
}

std::vector<Output> Layer::build_and_call(const std::vector<Output>& xs, bool training) {
  check_context(xs);
  std::vector<TensorSpec> specs;
  for (const Output& x : xs) specs.push_back(x.spec());
  Graph& g = graph();
  if (scope_.empty()) {
    // The layer's scope is fixed at its first use ("dense/", or "dense_1/" if the graph already
    // had a "dense"); later calls re-enter it, so all of a layer's ops share one prefix.
    scope_ = g.push_name_scope(name_);
    g.pop_name_scope();
  }
  NameScope scope(g, scope_);
  if (!built_) {
    check_inputs(specs);
    build(specs);
    built_ = true;
  }
  check_inputs(specs);
  return call(xs, training);
}

KerasTensor Layer::operator()(const KerasTensor& x) {
  if (takes_list()) {
    fail("expects a list of input tensors (for example {a, b}), but it received one tensor");
  }
  return (*this)(std::vector<KerasTensor>{x})[0];
}

KerasTensors::operator KerasTensor() const {
  if (size() != 1) {
    throw InvalidArgument(
        str_cat("expected a single tensor, but the layer returned ", size(), " tensors"));
  }
  return front();
}

KerasTensors Layer::operator()(const std::vector<KerasTensor>& xs) {
  std::vector<Output> outs;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i] && !xs[i].layer()) {
      fail(str_cat("input ", i, " ('", xs[i].name(),
                   "') is not a symbolic tensor of a Keras model (no layer produced it)"));
    }
    outs.push_back(xs[i].output());
  }
  std::vector<Output> ys = build_and_call(outs, false);
  // A call that passes a tensor through (Dropout in inference mode) still gets its own output:
  // the model's graph of calls is found by tensor identity.
  for (Output& y : ys) {
    if (std::find(outs.begin(), outs.end(), y) != outs.end()) {
      NameScope scope(graph(), scope_);
      y = ops::identity(y, "Identity");
    }
  }
  calls_.push_back(LayerCall{xs, ys});
  const int node_index = static_cast<int>(calls_.size()) - 1;
  KerasTensors result;
  for (size_t i = 0; i < ys.size(); ++i) {
    result.emplace_back(ys[i], shared_from_this(), node_index, static_cast<int>(i));
  }
  return result;
}

Output Layer::operator()(Output x, bool training) {
  std::vector<Output> ys = build_and_call({x}, training);
  if (ys.size() != 1) fail(str_cat("returns ", ys.size(), " tensors; call it with a list"));
  return ys[0];
}

std::vector<Output> Layer::operator()(const std::vector<Output>& xs, bool training) {
  return build_and_call(xs, training);
}

std::vector<Output> Layer::replay(const std::vector<Output>& xs, bool training) {
  DL_ASSERT(built_);
  return build_and_call(xs, training);
}

Variable Layer::add_weight(const std::string& name, const Shape& shape,
                           const initializers::InitializerArg& init,
                           const regularizers::RegularizerArg& regularizer, bool trainable,
                           DType dtype) {
  Graph& g = graph();
  if (!shape.is_fully_defined()) {
    fail(str_cat("the weight '", name, "' needs a fully defined shape, but it would be ",
                 shape_to_string(shape), " (is an input dimension unknown?)"));
  }
  // The initial value's ops go under "<scope><name>/Initializer/", as TF1 names them; the
  // explicit scope (trailing '/') leaves "<scope><name>" free for the variable itself.
  Output initial;
  {
    NameScope s(g, str_cat(g.current_name_scope(), name, "/Initializer/"));
    initial = (*init)(g, shape, dtype);
  }
  if (initial.shape() != shape || initial.dtype() != dtype) {
    fail(str_cat("the initializer of weight '", name, "' returned ", initial.spec().to_string(),
                 ", expected ", TensorSpec{dtype, shape}.to_string()));
  }
  Variable v(initial, {.trainable = trainable, .name = name});
  weights_.push_back(Weight{v, name, str_cat(name_, "/", name), trainable});
  if (regularizer) {
    NameScope s(g, str_cat(g.current_name_scope(), name, "/Regularizer/"));
    losses_.push_back((*regularizer)(v.value()));
  }
  return v;
}

std::vector<Node*> Layer::take_updates() {
  std::vector<Node*> out;
  out.swap(updates_);
  return out;
}

std::vector<Weight> Layer::trainable_weights() const {
  std::vector<Weight> out;
  if (!trainable_) return out;
  for (const Weight& w : weights_) {
    if (w.trainable) out.push_back(w);
  }
  return out;
}

std::vector<Weight> Layer::non_trainable_weights() const {
  if (!trainable_) return weights_;
  std::vector<Weight> out;
  for (const Weight& w : weights_) {
    if (!w.trainable) out.push_back(w);
  }
  return out;
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  if (weights_.empty()) return out;
  Session& s = ctx_->session();
  for (const Weight& w : weights_) out.push_back(s.variable_value(w.variable.op()).clone());
  return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  if (values.size() != weights_.size()) {
    fail(str_cat("You called `set_weights(weights)` on layer \"", name_,
                 "\" with a weight list of length ", values.size(),
                 ", but the layer was expecting ", weights_.size(), " weights."));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const Weight& w = weights_[i];
    if (!values[i].valid() || values[i].shape() != w.shape()) {
      fail(str_cat("weight '", w.path, "' has shape ", shape_to_string(w.shape()),
                   ", but the value given has shape ",
                   values[i].valid() ? shape_to_string(values[i].shape()) : "(empty)"));
    }
  }
  if (weights_.empty()) return;
  Session& s = ctx_->session();
  for (size_t i = 0; i < values.size(); ++i) {
    const Weight& w = weights_[i];
    s.set_variable_value(w.variable.op(), values[i].dtype() == w.variable.dtype()
                                              ? values[i]
                                              : values[i].cast(w.variable.dtype()));
  }
}

int64_t Layer::count_params() const {
  int64_t n = 0;
  for (const Weight& w : weights_) n += w.shape().num_elements();
  return n;
}

KerasTensor Layer::output() const {
  std::vector<KerasTensor> outs = outputs();
  if (outs.size() != 1) {
    throw InvalidArgument(str_cat("Layer \"", name_, "\" has ", outs.size(),
                                  " outputs; use outputs() instead of output()"));
  }
  return outs[0];
}

std::vector<KerasTensor> Layer::outputs() const {
  if (calls_.empty()) {
    throw InvalidArgument(
        str_cat("The layer \"", name_, "\" has never been called and thus has no defined output."));
  }
  if (calls_.size() > 1) {
    throw InvalidArgument(str_cat("The layer \"", name_, "\" has multiple inbound nodes (",
                                  calls_.size(), " calls); its output is ambiguous"));
  }
  std::vector<KerasTensor> out;
  auto self = std::const_pointer_cast<Layer>(shared_from_this());
  for (size_t i = 0; i < calls_[0].outputs.size(); ++i) {
    out.emplace_back(calls_[0].outputs[i], self, 0, static_cast<int>(i));
  }
  return out;
}

KerasTensor Layer::input() const {
  if (calls_.empty()) {
    throw InvalidArgument(
        str_cat("The layer \"", name_, "\" has never been called and thus has no defined input."));
  }
  if (calls_[0].inputs.size() != 1) {
    throw InvalidArgument(str_cat("Layer \"", name_, "\" has ", calls_[0].inputs.size(),
                                  " inputs; input() needs exactly one"));
  }
  return calls_[0].inputs[0];
}

std::string Layer::output_shape_string() const {
  if (calls_.empty()) return "?";
  const auto& outs = calls_[0].outputs;
  if (outs.size() == 1) return shape_to_string(outs[0].shape());
  std::string s = "[";
  for (size_t i = 0; i < outs.size(); ++i) {
    if (i) s += ", ";
    s += shape_to_string(outs[i].shape());
  }
  return s + "]";
}

// ---------------------------------------------------------------------------------------------
// Input

InputLayerImpl::InputLayerImpl(std::vector<int64_t> shape, InputOptions options)
    : Layer("InputLayer", LayerArgs{.name = options.name, .trainable = true, .input_shape = {}}) {
  for (int64_t d : shape) {
    if (d == 0 || d < -1) {
      throw InvalidArgument(str_cat("Input \"", name(), "\": shape must hold positive sizes or ",
                                    "-1 (None), received ", shape_to_string(Shape(shape))));
    }
  }
  std::vector<int64_t> dims{options.batch_size};
  dims.insert(dims.end(), shape.begin(), shape.end());
  ctx_ = backend::current_context();
  Graph& g = ctx_->graph();
  placeholder_ = ops::placeholder(g, options.dtype, Shape(dims), name());
  scope_ = placeholder_.node->name() + "/";
  built_ = true;
}

KerasTensor InputLayerImpl::make_tensor() {
  DL_ASSERT(calls_.empty());
  calls_.push_back(LayerCall{{}, {placeholder_}});
  return KerasTensor(placeholder_, shared_from_this(), 0, 0);
}

std::vector<Output> InputLayerImpl::call(const std::vector<Output>& inputs, bool training) {
  fail("an InputLayer is not called; use keras::Input(shape) to make a model input");
}

KerasTensor Input(std::vector<int64_t> shape, InputOptions options) {
  auto layer = std::make_shared<InputLayerImpl>(std::move(shape), std::move(options));
  return layer->make_tensor();
}

}  // namespace dl::keras
