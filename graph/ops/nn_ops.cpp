#include "dl/graph/ops/nn_ops.h"

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/random_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/ref_nn.h"

namespace dl {
namespace ref = kernels::ref;

namespace {

void require_float(InferContext& c, int i) {
  if (!is_floating(c.input(i).dtype)) {
    c.fail(str_cat(c.op_type, " expects float32 or float64, received ", name(c.input(i).dtype),
                   " for input ", i));
  }
}

std::vector<TensorSpec> infer_float_unary(InferContext& c) {
  require_float(c, 0);
  return {c.input(0)};
}

// Gradient ops: two inputs of one float dtype and one shape; the output has that shape with
// the dimensions either input knows.
std::vector<TensorSpec> infer_float_pair(InferContext& c) {
  require_float(c, 0);
  if (c.input(0).dtype != c.input(1).dtype) {
    c.fail(str_cat("both inputs must have one dtype, received ", name(c.input(0).dtype), " and ",
                   name(c.input(1).dtype)));
  }
  const Shape& a = c.input(0).shape;
  const Shape& b = c.input(1).shape;
  if (!a.compatible_with(b)) {
    c.fail(str_cat("both inputs must have one shape, received ", a.to_string(), " and ",
                   b.to_string()));
  }
  Shape s = a;
  for (int d = 0; d < s.rank(); ++d) {
    if (s.dim(d) < 0) s.set_dim(d, b.dim(d));
  }
  return {{c.input(0).dtype, s}};
}

std::vector<TensorSpec> infer_last_axis(InferContext& c) {
  require_float(c, 0);
  if (c.input(0).shape.rank() < 1) {
    c.fail("logits must have rank >= 1, received a scalar");
  }
  return {c.input(0)};
}

void check_data_format(InferContext& c) {
  const std::string& f = c.attrs.get<std::string>("data_format");
  if (f == "NCHW") {
    throw Unimplemented(str_cat(c.op_type, " '", c.node_name,
                                "': data_format NCHW is not supported; use NHWC (channels last)"));
  }
  if (f != "NHWC") c.fail(str_cat("data_format must be NHWC, received '", f, "'"));
}

std::vector<TensorSpec> infer_bias_add(InferContext& c) {
  check_data_format(c);
  require_float(c, 0);
  const TensorSpec& v = c.input(0);
  const TensorSpec& b = c.input(1);
  if (v.dtype != b.dtype) {
    c.fail(str_cat("value and bias must have one dtype, received ", name(v.dtype), " and ",
                   name(b.dtype)));
  }
  if (v.shape.rank() < 2) {
    c.fail(str_cat("value must have rank >= 2, received ", v.shape.to_string()));
  }
  if (b.shape.rank() != 1) c.fail(str_cat("bias must be 1-D, received ", b.shape.to_string()));
  const int64_t cv = v.shape.dim(v.shape.rank() - 1), cb = b.shape.dim(0);
  if (cv >= 0 && cb >= 0 && cv != cb) {
    c.fail(str_cat("the last dimension of value must equal the size of bias: value is ",
                   v.shape.to_string(), ", bias is ", b.shape.to_string(), " (", cv, " != ", cb,
                   ")"));
  }
  Shape s = v.shape;
  if (cv < 0) s.set_dim(s.rank() - 1, cb);
  return {{v.dtype, s}};
}

std::vector<TensorSpec> infer_bias_add_grad(InferContext& c) {
  check_data_format(c);
  require_float(c, 0);
  const Shape& g = c.input(0).shape;
  if (g.rank() < 2) c.fail(str_cat("out_backprop must have rank >= 2, received ", g.to_string()));
  return {{c.input(0).dtype, Shape({g.dim(g.rank() - 1)})}};
}

std::vector<TensorSpec> infer_dropout(InferContext& c) {
  require_float(c, 0);
  const double rate = c.attrs.get_float("rate");
  if (!(rate >= 0 && rate < 1)) c.fail(str_cat("rate must be in [0, 1), received ", rate));
  const auto& noise = c.attrs.get<std::vector<int64_t>>("noise_shape");
  const Shape& x = c.input(0).shape;
  if (!noise.empty()) {
    if (static_cast<int>(noise.size()) != x.rank()) {
      c.fail(str_cat("noise_shape must have the rank of x: noise_shape is ",
                     Shape(noise).to_string(), ", x is ", x.to_string()));
    }
    for (int d = 0; d < x.rank(); ++d) {
      const int64_t n = noise[static_cast<size_t>(d)];
      if (n == -1 || n == 1 || x.dim(d) < 0 || n == x.dim(d)) continue;
      c.fail(str_cat("each noise_shape dimension must be 1, -1 or x's: noise_shape is ",
                     Shape(noise).to_string(), ", x is ", x.to_string(), " (dimension ", d, ")"));
    }
  }
  return {c.input(0), c.input(0)};
}

Output add1(GradContext& c, const char* op, Output a, AttrMap attrs = {}) {
  return c.graph.add_node(op, op, {a}, std::move(attrs))->output(0);
}
Output add2(GradContext& c, const char* op, Output a, Output b, AttrMap attrs = {}) {
  return c.graph.add_node(op, op, {a, b}, std::move(attrs))->output(0);
}

// XGrad(gradients, features) ops whose value is gradients * (a function of features that is
// piecewise constant): the gradient to `gradients` is the same op applied to the incoming
// gradient, and to `features` zero almost everywhere (TF's _ReluGradGrad and friends).
std::vector<Grad> piecewise_constant_grad_grad(GradContext& c) {
  return {
      c.graph.add_node(c.node.type(), c.node.type(), {c.dy(), c.input(1)}, c.attrs())->output(0),
      Grad()};
}

// EluGrad / SeluGrad (gradients, outputs): the value is gradients * (outputs + k) where
// outputs < 0 (k constant), so d/d(outputs) is dz * gradients there and 0 elsewhere;
// ReluGrad(v, -outputs) selects exactly "outputs < 0".
std::vector<Grad> exp_linear_grad_grad(GradContext& c) {
  Output g = c.input(0), y = c.input(1), dz = c.dy();
  return {add2(c, c.node.type().c_str(), dz, y), add2(c, "ReluGrad", dz * g, y * -1.0)};
}

Output row_sum(Output x) { return ops::reduce_sum(x, {-1}, true); }

// SoftmaxGrad(y, dy) = (dy - <dy, y>) * y, sums over the last axis:
// d/d(dy) = SoftmaxGrad(y, dz); d/dy = dz * (dy - <dy, y>) - dy * <dz, y>.
std::vector<Grad> softmax_grad_grad(GradContext& c) {
  Output y = c.input(0), dy = c.input(1), dz = c.dy();
  return {dz * (dy - row_sum(dy * y)) - dy * row_sum(dz * y), add2(c, "SoftmaxGrad", y, dz)};
}

// LogSoftmaxGrad(ly, dy) = dy - p * sum(dy) with p = exp(ly):
// d/d(ly) = -dz * p * sum(dy); d/d(dy) = dz - sum(dz * p).
std::vector<Grad> log_softmax_grad_grad(GradContext& c) {
  Output ly = c.input(0), dy = c.input(1), dz = c.dy();
  Output p = ops::exp(ly);
  return {-(dz * p * row_sum(dy)), dz - row_sum(dz * p)};
}

// SoftsignGrad(g, x) = g / (1 + |x|)^2: d/dg = SoftsignGrad(dz, x);
// d/dx = -2 sign(x) * dz * g / (1 + |x|)^3.
std::vector<Grad> softsign_grad_grad(GradContext& c) {
  Output g = c.input(0), x = c.input(1), dz = c.dy();
  return {add2(c, "SoftsignGrad", dz, x),
          add2(c, "SoftsignGrad", dz * g, x) * ops::sign(x) * -2.0 / (ops::abs(x) + 1.0)};
}

}  // namespace

void register_nn_ops(OpRegistry& r) {
  r.add(
      OpDef("BiasAdd")
          .inputs({"value", "bias"})
          .outputs({"output"})
          .attr("data_format", std::string("NHWC"))
          .infer(infer_bias_add)
          .reference(ref::bias_add)
          .grad([](GradContext& c) -> std::vector<Grad> {
            return {c.dy(), add1(c, "BiasAddGrad", c.dy(), {{"data_format", std::string("NHWC")}})};
          }));
  r.add(OpDef("BiasAddGrad")
            .inputs({"out_backprop"})
            .outputs({"output"})
            .attr("data_format", std::string("NHWC"))
            .infer(infer_bias_add_grad)
            .reference(ref::bias_add_grad)
            // d/d(out_backprop) is the incoming [C] gradient broadcast back over the rows.
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "BiasAdd", ops::zeros_like(c.input(0)), c.dy())};
            }));

  // ---- activations: y = f(x) and XGrad ----
  r.add(OpDef("Relu")
            .inputs({"features"})
            .outputs({"activations"})
            .infer(infer_float_unary)
            .reference(ref::relu)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "ReluGrad", c.dy(), c.input(0))};
            }));
  r.add(OpDef("ReluGrad")
            .inputs({"gradients", "features"})
            .outputs({"backprops"})
            .infer(infer_float_pair)
            .reference(ref::relu_grad)
            .grad(piecewise_constant_grad_grad));
  r.add(OpDef("Relu6")
            .inputs({"features"})
            .outputs({"activations"})
            .infer(infer_float_unary)
            .reference(ref::relu6)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "Relu6Grad", c.dy(), c.input(0))};
            }));
  r.add(OpDef("Relu6Grad")
            .inputs({"gradients", "features"})
            .outputs({"backprops"})
            .infer(infer_float_pair)
            .reference(ref::relu6_grad)
            .grad(piecewise_constant_grad_grad));
  r.add(OpDef("Elu")
            .inputs({"features"})
            .outputs({"activations"})
            .infer(infer_float_unary)
            .reference(ref::elu)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "EluGrad", c.dy(), c.output())};
            }));
  r.add(OpDef("EluGrad")
            .inputs({"gradients", "outputs"})
            .outputs({"backprops"})
            .infer(infer_float_pair)
            .reference(ref::elu_grad)
            .grad(exp_linear_grad_grad));
  r.add(OpDef("Selu")
            .inputs({"features"})
            .outputs({"activations"})
            .infer(infer_float_unary)
            .reference(ref::selu)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "SeluGrad", c.dy(), c.output())};
            }));
  r.add(OpDef("SeluGrad")
            .inputs({"gradients", "outputs"})
            .outputs({"backprops"})
            .infer(infer_float_pair)
            .reference(ref::selu_grad)
            .grad(exp_linear_grad_grad));
  r.add(OpDef("Softplus")
            .inputs({"features"})
            .outputs({"activations"})
            .infer(infer_float_unary)
            .reference(ref::softplus)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "SoftplusGrad", c.dy(), c.input(0))};
            }));
  r.add(OpDef("SoftplusGrad")
            .inputs({"gradients", "features"})
            .outputs({"backprops"})
            .infer(infer_float_pair)
            .reference(ref::softplus_grad)
            // value g * sigmoid(x): d/dg = SoftplusGrad(dz, x), d/dx = dz * g * s * (1 - s).
            .grad([](GradContext& c) -> std::vector<Grad> {
              Output g = c.input(0), x = c.input(1), dz = c.dy();
              return {add2(c, "SoftplusGrad", dz, x),
                      add2(c, "SigmoidGrad", add1(c, "Sigmoid", x), dz * g)};
            }));
  r.add(OpDef("Softsign")
            .inputs({"features"})
            .outputs({"activations"})
            .infer(infer_float_unary)
            .reference(ref::softsign)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "SoftsignGrad", c.dy(), c.input(0))};
            }));
  r.add(OpDef("SoftsignGrad")
            .inputs({"gradients", "features"})
            .outputs({"backprops"})
            .infer(infer_float_pair)
            .reference(ref::softsign_grad)
            .grad(softsign_grad_grad));
  r.add(OpDef("LeakyRelu")
            .inputs({"features"})
            .outputs({"activations"})
            .attr("alpha", 0.2)
            .infer(infer_float_unary)
            .reference(ref::leaky_relu)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "LeakyReluGrad", c.dy(), c.input(0),
                           {{"alpha", c.attrs().get_float("alpha")}})};
            }));
  r.add(OpDef("LeakyReluGrad")
            .inputs({"gradients", "features"})
            .outputs({"backprops"})
            .attr("alpha", 0.2)
            .infer(infer_float_pair)
            .reference(ref::leaky_relu_grad)
            .grad(piecewise_constant_grad_grad));
  r.add(OpDef("Tanh")
            .inputs({"x"})
            .outputs({"y"})
            .infer(infer_float_unary)
            .reference(ref::tanh)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "TanhGrad", c.output(), c.dy())};
            }));
  r.add(OpDef("TanhGrad")
            .inputs({"y", "dy"})
            .outputs({"z"})
            .infer(infer_float_pair)
            .reference(ref::tanh_grad)
            // value dy * (1 - y^2): d/dy = -2 * dz * dy * y, d/d(dy) = TanhGrad(y, dz).
            .grad([](GradContext& c) -> std::vector<Grad> {
              Output y = c.input(0), dy = c.input(1), dz = c.dy();
              return {dz * dy * y * -2.0, add2(c, "TanhGrad", y, dz)};
            }));
  r.add(OpDef("Sigmoid")
            .inputs({"x"})
            .outputs({"y"})
            .infer(infer_float_unary)
            .reference(ref::sigmoid)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "SigmoidGrad", c.output(), c.dy())};
            }));
  r.add(OpDef("SigmoidGrad")
            .inputs({"y", "dy"})
            .outputs({"z"})
            .infer(infer_float_pair)
            .reference(ref::sigmoid_grad)
            // value dy * y * (1 - y): d/dy = dz * dy * (1 - 2y), d/d(dy) = SigmoidGrad(y, dz).
            .grad([](GradContext& c) -> std::vector<Grad> {
              Output y = c.input(0), dy = c.input(1), dz = c.dy();
              return {dz * dy * (1.0 - y * 2.0), add2(c, "SigmoidGrad", y, dz)};
            }));

  // ---- softmax ----
  r.add(OpDef("Softmax")
            .inputs({"logits"})
            .outputs({"softmax"})
            .infer(infer_last_axis)
            .reference(ref::softmax)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "SoftmaxGrad", c.output(), c.dy())};
            }));
  r.add(OpDef("SoftmaxGrad")
            .inputs({"softmax", "grad_softmax"})
            .outputs({"output"})
            .infer(infer_float_pair)
            .reference(ref::softmax_grad)
            .grad(softmax_grad_grad));
  r.add(OpDef("LogSoftmax")
            .inputs({"logits"})
            .outputs({"logsoftmax"})
            .infer(infer_last_axis)
            .reference(ref::log_softmax)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {add2(c, "LogSoftmaxGrad", c.output(), c.dy())};
            }));
  r.add(OpDef("LogSoftmaxGrad")
            .inputs({"logsoftmax", "grad_logsoftmax"})
            .outputs({"output"})
            .infer(infer_float_pair)
            .reference(ref::log_softmax_grad)
            .grad(log_softmax_grad_grad));

  // ---- dropout ----
  r.add(OpDef("Dropout")
            .inputs({"x"})
            .outputs({"y", "mask"})
            .attr("rate", 0.5)
            .attr("seed", int64_t{0})
            .attr("seed2", int64_t{0})
            .attr("noise_shape", std::vector<int64_t>{})
            .infer(infer_dropout)
            .reference(ref::dropout)
            .is_stateful()
            // The mask does not depend on x: a gradient reaching it adds nothing.
            .grad([](GradContext& c) -> std::vector<Grad> {
              if (!c.dys[0]) return {Grad()};
              return {ops::multiply(c.dys[0], c.output(1))};
            }));
}

namespace ops {
Output tanh(Output x, const std::string& name) {
  return x.graph().add_node("Tanh", name, {x})->output(0);
}
Output sigmoid(Output x, const std::string& name) {
  return x.graph().add_node("Sigmoid", name, {x})->output(0);
}
}  // namespace ops

namespace nn {
namespace {
Output unary(const char* op, Output x, const std::string& name, AttrMap attrs = {}) {
  return x.graph().add_node(op, name, {x}, std::move(attrs))->output(0);
}

Output last_axis_op(const char* op, Output logits, int64_t axis, const std::string& name) {
  const int rank = logits.shape().rank();
  if (rank == 0 || axis == -1 || axis == rank - 1) return unary(op, logits, name);
  Graph& g = logits.graph();
  const std::string full = g.current_name_scope() + name;
  if (axis < -rank || axis >= rank) {
    throw InvalidArgument(str_cat(op, " '", full, "': axis ", axis,
                                  " is out of range for logits of rank ", rank, " (",
                                  logits.shape().to_string(), ")"));
  }
  throw Unimplemented(str_cat(op, " '", full, "': axis ", axis, " of logits ",
                              logits.shape().to_string(), " is not supported; only the last axis (",
                              -1, " or ", rank - 1, ") is"));
}
}  // namespace

Output bias_add(Output value, Output bias, const std::string& data_format,
                const std::string& name) {
  return value.graph()
      .add_node("BiasAdd", name, {value, bias}, {{"data_format", data_format}})
      ->output(0);
}
Output relu(Output features, const std::string& name) { return unary("Relu", features, name); }
Output relu6(Output features, const std::string& name) { return unary("Relu6", features, name); }
Output elu(Output features, const std::string& name) { return unary("Elu", features, name); }
Output selu(Output features, const std::string& name) { return unary("Selu", features, name); }
Output softplus(Output features, const std::string& name) {
  return unary("Softplus", features, name);
}
Output softsign(Output features, const std::string& name) {
  return unary("Softsign", features, name);
}
Output leaky_relu(Output features, double alpha, const std::string& name) {
  return unary("LeakyRelu", features, name, {{"alpha", alpha}});
}
Output tanh(Output x, const std::string& name) { return ops::tanh(x, name); }
Output sigmoid(Output x, const std::string& name) { return ops::sigmoid(x, name); }

Output softmax(Output logits, int64_t axis, const std::string& name) {
  return last_axis_op("Softmax", logits, axis, name);
}
Output log_softmax(Output logits, int64_t axis, const std::string& name) {
  return last_axis_op("LogSoftmax", logits, axis, name);
}

Output dropout(Output x, double rate, std::optional<Shape> noise_shape, std::optional<int64_t> seed,
               const std::string& name) {
  Graph& g = x.graph();
  const std::string full = g.unique_name(g.current_name_scope() + name, false);
  DL_CHECK(rate >= 0 && rate < 1, "Dropout '", full, "': rate must be in [0, 1), received ", rate);
  if (rate == 0) return x;
  auto [s1, s2] = ops::get_seed(g, seed, full);
  return g
      .add_node("Dropout", name, {x},
                {{"rate", rate},
                 {"seed", s1},
                 {"seed2", s2},
                 {"noise_shape", noise_shape ? noise_shape->dims() : std::vector<int64_t>{}}})
      ->output(0);
}

Output dropout_keep_prob(Output x, double keep_prob, std::optional<Shape> noise_shape,
                         std::optional<int64_t> seed, const std::string& name) {
  Graph& g = x.graph();
  DL_CHECK(keep_prob > 0 && keep_prob <= 1, "Dropout '",
           g.unique_name(g.current_name_scope() + name, false),
           "': keep_prob must be in (0, 1], received ", keep_prob);
  if (keep_prob == 1) return x;
  return dropout(x, 1.0 - keep_prob, std::move(noise_shape), seed, name);
}

}  // namespace nn
}  // namespace dl
