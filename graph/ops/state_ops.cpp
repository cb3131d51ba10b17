// Graph inputs, constants, variables and grouping. Their kernels are tiny and tied to the
// Session's variable store, so they live here beside the registrations.
#include "dl/graph/ops/state_ops.h"

#include <cstring>

#include "dl/core/dtype_visit.h"
#include "dl/graph/op_registry.h"
#include "dl/graph/variable.h"
#include "dl/kernels/reference/broadcast.h"

namespace dl {
namespace {

std::vector<TensorSpec> same_as_input0(InferContext& c) { return {c.input(0)}; }

void forward_input(KernelContext& c) { c.output(0) = c.input(0).reshaped(c.output_specs[0].shape); }

void fail_no_kernel(KernelContext& c) {
  c.fail("this node has no kernel: it must be fed");  // the plan refuses unfed placeholders first
}

void const_kernel(KernelContext& c) { c.output(0) = c.node.attrs().get<Tensor>("value"); }

void fill_kernel(KernelContext& c) {
  const double v = c.node.attrs().get_float("value");
  Tensor& o = c.output(0);
  visit_dtype(o.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(o.data<T>(), o.num_elements(), static_cast<T>(v));
  });
}

void add_n_kernel(KernelContext& c) {
  Tensor& o = c.output(0);
  visit_dtype(o.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = o.data<T>();
    const int64_t n = o.num_elements();
    std::copy_n(c.input(0).data<T>(), n, dst);
    for (size_t k = 1; k < c.inputs.size(); ++k) {
      const T* src = c.inputs[k]->template data<T>();
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<T>(dst[i] + src[i]);
    }
  });
}

void sum_to_shape_kernel(KernelContext& c) {
  const Tensor& g = c.input(0);
  Tensor& o = c.output(0);
  if (g.shape() == o.shape()) {
    o.copy_from(g);
    return;
  }
  visit_dtype(o.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = o.data<T>();
    std::fill_n(dst, o.num_elements(), T{});
    const T* src = g.data<T>();
    detail::for_each_broadcast(g.shape(), o.shape(), g.shape(),
                               [&](int64_t i, int64_t io, int64_t) { dst[io] += src[i]; });
  });
}

void assign_kernel(KernelContext& c) {
  Tensor& var = c.run.variable(*c.node.input(0).node);
  const Tensor& v = c.input(1);
  if (!var.valid() || var.shape() != v.shape()) var = Tensor(v.dtype(), v.shape());
  var.copy_from(v);
  c.output(0) = var;
}

template <int Sign>
void assign_update_kernel(KernelContext& c) {
  const Node& var_node = *c.node.input(0).node;
  Tensor& var = c.run.variable(var_node);
  if (!var.valid()) {
    throw FailedPrecondition(str_cat(c.node.type(), " '", c.node.name(),
                                     "': attempting to use uninitialized value ", var_node.name()));
  }
  const Tensor& v = c.input(1);
  visit_dtype(var.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = var.data<T>();
    const T* src = v.data<T>();
    for (int64_t i = 0, n = var.num_elements(); i < n; ++i)
      dst[i] = static_cast<T>(dst[i] + Sign * src[i]);
  });
  c.output(0) = var;
}

void no_kernel_needed(KernelContext&) {}

std::vector<Grad> identity_grad(GradContext& c) { return {c.dy(0)}; }

}  // namespace

void register_state_ops(OpRegistry& r) {
  r.add(OpDef("Placeholder")
            .outputs({"output"})
            .attr("dtype", DType::f32)
            .attr("shape", Shape{})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              return {{c.attrs.get<DType>("dtype"), c.attrs.get<Shape>("shape")}};
            })
            .reference(fail_no_kernel)
            .not_differentiable());
  r.add(
      OpDef("PlaceholderWithDefault")
          .inputs({"input"})
          .outputs({"output"})
          .attr("shape", Shape{})
          .infer([](InferContext& c) -> std::vector<TensorSpec> {
            const Shape& s = c.attrs.get<Shape>("shape");
            if (!s.compatible_with(c.input(0).shape)) {
              c.fail(str_cat("default value shape ", c.input(0).shape.to_string(),
                             " is not compatible with the declared shape ", s.to_string()));
            }
            // At specialisation the default's concrete shape is the answer.
            return {{c.input(0).dtype, c.input(0).shape.is_fully_defined() ? c.input(0).shape : s}};
          })
          .reference(forward_input)
          .forwards()
          .not_differentiable());
  r.add(OpDef("Const")
            .outputs({"output"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const Tensor& v = c.attrs.get<Tensor>("value");
              return {{v.dtype(), v.shape()}};
            })
            .reference(const_kernel)
            .forwards()
            .not_differentiable());
  r.add(OpDef("Fill")
            .outputs({"output"})
            .attr("dtype", DType::f32)
            .attr("shape", Shape{})
            .attr("value", 0.0)
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const Shape& s = c.attrs.get<Shape>("shape");
              if (!s.is_fully_defined())
                c.fail("the shape must be fully defined, received " + s.to_string());
              return {{c.attrs.get<DType>("dtype"), s}};
            })
            .reference(fill_kernel)
            .not_differentiable());
  r.add(OpDef("ZerosLike")
            .inputs({"x"})
            .outputs({"y"})
            .attr("value", 0.0)
            .infer(same_as_input0)
            .reference(fill_kernel)
            .not_differentiable());
  r.add(OpDef("OnesLike")
            .inputs({"x"})
            .outputs({"y"})
            .attr("value", 1.0)
            .infer(same_as_input0)
            .reference(fill_kernel)
            .not_differentiable());
  r.add(OpDef("Identity")
            .inputs({"input"})
            .outputs({"output"})
            .infer(same_as_input0)
            .reference(forward_input)
            .forwards()
            .grad(identity_grad));
  r.add(OpDef("StopGradient")
            .inputs({"input"})
            .outputs({"output"})
            .infer(same_as_input0)
            .reference(forward_input)
            .forwards()
            .not_differentiable());
  r.add(OpDef("AddN")
            .any_inputs()
            .outputs({"sum"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              if (c.inputs.empty()) c.fail("needs at least one input");
              TensorSpec s = c.input(0);
              for (const TensorSpec& in : c.inputs) {
                if (in.dtype != s.dtype || !in.shape.compatible_with(s.shape)) {
                  c.fail("all inputs must have one dtype and shape");
                }
                for (int d = 0; d < s.shape.rank(); ++d) {
                  if (s.shape.dim(d) < 0) s.shape.set_dim(d, in.shape.dim(d));
                }
              }
              return {s};
            })
            .reference(add_n_kernel)
            .grad([](GradContext& c) {
              return std::vector<Grad>(static_cast<size_t>(c.node.num_inputs()), Grad(c.dy(0)));
            }));
  r.add(OpDef("SumToShape")
            .inputs({"grad", "like"})
            .outputs({"output"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              if (c.input(0).dtype != c.input(1).dtype) c.fail("dtypes differ");
              if (c.input(0).shape.is_fully_defined() && c.input(1).shape.is_fully_defined()) {
                const Shape b = broadcast_shapes(c.input(0).shape, c.input(1).shape);
                if (b != c.input(0).shape) {
                  c.fail(str_cat("cannot sum ", c.input(0).shape.to_string(), " down to ",
                                 c.input(1).shape.to_string()));
                }
              }
              return {c.input(1)};
            })
            .reference(sum_to_shape_kernel)
            .not_differentiable());
  r.add(OpDef("NoOp")
            .any_inputs()
            .infer([](InferContext&) { return std::vector<TensorSpec>{}; })
            .reference(no_kernel_needed)
            .not_differentiable());
  r.add(OpDef("VariableV2")
            .outputs({"ref"})
            .attr("dtype", DType::f32)
            .attr("shape", Shape{})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const Shape& s = c.attrs.get<Shape>("shape");
              if (!s.is_fully_defined()) {
                c.fail("a variable needs a fully defined shape, received " + s.to_string());
              }
              return {{c.attrs.get<DType>("dtype"), s}};
            })
            // The Session binds a variable's output to its storage; nothing runs.
            .reference(no_kernel_needed)
            .is_stateful()
            .not_differentiable());
  const auto assign_infer = [](InferContext& c) -> std::vector<TensorSpec> {
    if (c.input(0).dtype != c.input(1).dtype) {
      c.fail(str_cat("value has dtype ", name(c.input(1).dtype), " but the variable is ",
                     name(c.input(0).dtype)));
    }
    if (!c.input(0).shape.compatible_with(c.input(1).shape)) {
      c.fail(str_cat("value has shape ", c.input(1).shape.to_string(), " but the variable is ",
                     c.input(0).shape.to_string()));
    }
    return {c.input(0)};
  };
  r.add(OpDef("Assign")
            .inputs({"ref", "value"})
            .outputs({"output_ref"})
            .refs({0})
            .infer(assign_infer)
            .reference(assign_kernel)
            .is_stateful()
            .forwards()
            .not_differentiable());
  r.add(OpDef("AssignAdd")
            .inputs({"ref", "value"})
            .outputs({"output_ref"})
            .refs({0})
            .infer(assign_infer)
            .reference(assign_update_kernel<1>)
            .is_stateful()
            .forwards()
            .not_differentiable());
  r.add(OpDef("AssignSub")
            .inputs({"ref", "value"})
            .outputs({"output_ref"})
            .refs({0})
            .infer(assign_infer)
            .reference(assign_update_kernel<-1>)
            .is_stateful()
            .forwards()
            .not_differentiable());
}

namespace ops {

Output placeholder(Graph& g, DType dtype, Shape shape, const std::string& name) {
  return g.add_node("Placeholder", name, {}, {{"dtype", dtype}, {"shape", std::move(shape)}})
      ->output(0);
}

Output placeholder_with_default(Output input, Shape shape, const std::string& name) {
  return input.graph()
      .add_node("PlaceholderWithDefault", name, {input}, {{"shape", std::move(shape)}})
      ->output(0);
}

Output constant(Graph& g, Tensor value, const std::string& name) {
  return g.add_node("Const", name, {}, {{"value", std::move(value)}})->output(0);
}

Output scalar(Graph& g, double value, DType dtype, const std::string& name) {
  return constant(g, Tensor::filled(dtype, Shape{}, value), name);
}

Output constant(Graph& g, const std::vector<float>& values, Shape shape, const std::string& name) {
  return constant(g, Tensor::from_vector<float>(std::move(shape), values), name);
}

Output fill(Graph& g, Shape shape, double value, DType dtype, const std::string& name) {
  return g
      .add_node("Fill", name, {}, {{"shape", std::move(shape)}, {"dtype", dtype}, {"value", value}})
      ->output(0);
}
Output zeros(Graph& g, Shape shape, DType dtype, const std::string& name) {
  return fill(g, std::move(shape), 0.0, dtype, name);
}
Output ones(Graph& g, Shape shape, DType dtype, const std::string& name) {
  return fill(g, std::move(shape), 1.0, dtype, name);
}
Output zeros_like(Output x, const std::string& name) {
  return x.graph().add_node("ZerosLike", name, {x})->output(0);
}
Output ones_like(Output x, const std::string& name) {
  return x.graph().add_node("OnesLike", name, {x})->output(0);
}
Output identity(Output x, const std::string& name) {
  return x.graph().add_node("Identity", name, {x})->output(0);
}
Output stop_gradient(Output x, const std::string& name) {
  return x.graph().add_node("StopGradient", name, {x})->output(0);
}
Output add_n(const std::vector<Output>& xs, const std::string& name) {
  DL_CHECK(!xs.empty(), "add_n: needs at least one tensor");
  if (xs.size() == 1) return xs[0];
  return xs[0].graph().add_node("AddN", name, xs)->output(0);
}
Node* no_op(Graph& g, const std::string& name) { return g.add_node("NoOp", name, {}); }
Node* group(Graph& g, const std::vector<Node*>& deps, const std::string& name) {
  return g.add_node("NoOp", name, {}, {}, deps);
}
Output sum_to_shape_of(Output grad, Output like, const std::string& name) {
  return grad.graph().add_node("SumToShape", name, {grad, like})->output(0);
}
Output unbroadcast(Output grad, Output like) {
  if (grad.shape() == like.shape() && like.shape().is_fully_defined()) return grad;
  return sum_to_shape_of(grad, like);
}

}  // namespace ops

// ---- Variable ----

Variable::Variable(Output initial_value, VariableOptions opts) {
  Graph& g = initial_value.graph();
  DL_CHECK(initial_value.shape().is_fully_defined(), "Variable '", opts.name,
           "': the initial value must have a fully defined shape, received ",
           initial_value.shape().to_string());
  node_ = g.add_node("VariableV2", opts.name, {},
                     {{"dtype", initial_value.dtype()}, {"shape", initial_value.shape()}});
  Node* init;
  {
    NameScope scope(g, node_->name() + "/");
    init = g.add_node("Assign", "Assign", {node_->output(0), initial_value});
  }
  g.set_variable_info(node_, {init, initial_value, opts.trainable});
  g.add_to_collection(GraphKeys::GLOBAL_VARIABLES, node_);
  if (opts.trainable) g.add_to_collection(GraphKeys::TRAINABLE_VARIABLES, node_);
  for (const std::string& c : opts.collections) g.add_to_collection(c, node_);
}

Variable Variable::from_node(Node* var) {
  DL_CHECK(var && var->type() == "VariableV2", "Variable::from_node: '",
           var ? var->name() : "<null>", "' is not a variable");
  Variable v;
  v.node_ = var;
  return v;
}

Node* Variable::initializer() const {
  const VariableInfo* info = node_->graph().variable_info(node_);
  return info ? info->initializer : nullptr;
}
Output Variable::initial_value() const {
  const VariableInfo* info = node_->graph().variable_info(node_);
  return info ? info->initial_value : Output{};
}
bool Variable::trainable() const {
  const VariableInfo* info = node_->graph().variable_info(node_);
  return info ? info->trainable : false;
}

Output Variable::assign(Output v, const std::string& name) const {
  return node_->graph().add_node("Assign", name, {value(), v})->output(0);
}
Output Variable::assign_add(Output v, const std::string& name) const {
  return node_->graph().add_node("AssignAdd", name, {value(), v})->output(0);
}
Output Variable::assign_sub(Output v, const std::string& name) const {
  return node_->graph().add_node("AssignSub", name, {value(), v})->output(0);
}

namespace {
std::vector<Variable> vars_in(const Graph& g, const char* key) {
  std::vector<Variable> out;
  for (Node* n : g.get_collection(key)) out.push_back(Variable::from_node(n));
  return out;
}
}  // namespace

std::vector<Variable> global_variables(const Graph& g) {
  return vars_in(g, GraphKeys::GLOBAL_VARIABLES);
}
std::vector<Variable> trainable_variables(const Graph& g) {
  return vars_in(g, GraphKeys::TRAINABLE_VARIABLES);
}

Node* variables_initializer(Graph& g, const std::vector<Variable>& vars, const std::string& name) {
  std::vector<Node*> inits;
  for (const Variable& v : vars) {
    Node* i = v.initializer();
    DL_CHECK(i != nullptr, "variables_initializer: variable '", v.name(), "' has no initializer");
    inits.push_back(i);
  }
  return ops::group(g, inits, name);
}

Node* global_variables_initializer(Graph& g) {
  return variables_initializer(g, global_variables(g), "init");
}

}  // namespace dl
