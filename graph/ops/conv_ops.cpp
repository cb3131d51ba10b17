#include "dl/graph/ops/conv_ops.h"

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/variable.h"
#include "dl/kernels/reference/ref_conv.h"

namespace dl {
namespace {

using detail::Padding;
using detail::WindowDim;

struct Hw {
  int64_t h, w;
};

// A 4-vector attribute [1, h, w, 1] (strides, dilations, ksize).
Hw read_hw(InferContext& c, const char* attr) {
  const auto& v = c.attrs.get<std::vector<int64_t>>(attr);
  if (v.size() != 4) {
    c.fail(str_cat(attr, " must have 4 elements [1, h, w, 1], received ", attr_to_string(v)));
  }
  if (v[0] != 1 || v[3] != 1) {
    c.fail(str_cat(attr, " must be 1 in the batch and depth dimensions, received ",
                   attr_to_string(v)));
  }
  if (v[1] < 1 || v[2] < 1)
    c.fail(str_cat(attr, " must be positive, received ", attr_to_string(v)));
  return {v[1], v[2]};
}

Padding read_padding(InferContext& c) {
  const auto& p = c.attrs.get<std::string>("padding");
  if (p != "SAME" && p != "VALID") {
    c.fail(str_cat("padding must be \"SAME\" or \"VALID\", received \"", p, "\""));
  }
  return detail::parse_padding(p);
}

void check_data_format(InferContext& c) {
  const auto& f = c.attrs.get<std::string>("data_format");
  if (f != "NHWC") c.fail(str_cat("only data_format \"NHWC\" is supported, received \"", f, "\""));
}

void check_float(InferContext& c, const TensorSpec& s, const char* what) {
  if (s.dtype != DType::f32 && s.dtype != DType::f64) {
    c.fail(str_cat(what, " must be float32 or float64, received ", name(s.dtype)));
  }
}

void check_same_dtype(InferContext& c, const TensorSpec& a, const char* an, const TensorSpec& b,
                      const char* bn) {
  if (a.dtype != b.dtype) {
    c.fail(str_cat(an, " and ", bn, " must have one dtype, received ", name(a.dtype), " and ",
                   name(b.dtype)));
  }
}

void check_rank(InferContext& c, const Shape& s, int rank, const char* what, const char* layout) {
  if (s.rank() != rank) {
    c.fail(str_cat(what, " must be rank ", rank, " ", layout, ", received rank ", s.rank(), " ",
                   s.to_string()));
  }
}

// The output of a window op over `in` (spatial dims 1 and 2) with kernel sizes k, strides s,
// dilations d; fails when the window does not fit a VALID input.
std::pair<int64_t, int64_t> window_out(InferContext& c, const Shape& in, Hw k, Hw s, Hw d,
                                       Padding p, const char* what) {
  int64_t out[2];
  const char* dim_names[2] = {"height", "width"};
  const int64_t ks[2] = {k.h, k.w}, ss[2] = {s.h, s.w}, ds[2] = {d.h, d.w};
  for (int i = 0; i < 2; ++i) {
    const WindowDim wd = detail::window_dim(in.dim(1 + i), ks[i], ss[i], ds[i], p);
    if (in.dim(1 + i) >= 0 && ks[i] >= 0 && wd.out <= 0) {
      c.fail(str_cat("the ", what, " is larger than the input with VALID padding: ", what, " ",
                     dim_names[i], " ", (ks[i] - 1) * ds[i] + 1, " (size ", ks[i], ", dilation ",
                     ds[i], ") > input ", dim_names[i], " ", in.dim(1 + i)));
    }
    out[i] = wd.out;
  }
  return {out[0], out[1]};
}

// The Conv2D output shape for input `in` and filter `f` (rank 4, possibly partly unknown).
Shape conv_output_shape(InferContext& c, const Shape& in, const Shape& f) {
  check_data_format(c);
  const Hw s = read_hw(c, "strides"), d = read_hw(c, "dilations");
  const Padding p = read_padding(c);
  if (in.dim(3) >= 0 && f.dim(2) >= 0 && in.dim(3) != f.dim(2)) {
    c.fail(str_cat("input depth differs from the filter's in_channels: input is ", in.to_string(),
                   ", filter is ", f.to_string(), " (", in.dim(3), " != ", f.dim(2), ")"));
  }
  const auto [oh, ow] = window_out(c, in, {f.dim(0), f.dim(1)}, s, d, p, "filter");
  return Shape{in.dim(0), oh, ow, f.dim(3)};
}

// A shape attribute `attr` (when the op has `n_fixed` inputs) or the shape of input 0.
Shape sizes_from(InferContext& c, size_t n_fixed, const char* attr, const char* what) {
  const Shape& a = c.attrs.get<Shape>(attr);
  if (c.inputs.size() == n_fixed + 1) {
    if (a.rank() != 0) {
      c.fail(str_cat("give ", attr, " either as an attribute or as a like input, not both"));
    }
    return c.input(0).shape;
  }
  if (c.inputs.size() != n_fixed) {
    c.fail(
        str_cat("expected ", n_fixed, " or ", n_fixed + 1, " inputs, received ", c.inputs.size()));
  }
  if (a.rank() != 4)
    c.fail(str_cat(what, " ", attr, " must have 4 dimensions, received ", a.to_string()));
  return a;
}

void check_matches(InferContext& c, const Shape& got, const Shape& want, const char* what,
                   const std::string& because) {
  if (!got.compatible_with(want)) {
    c.fail(str_cat(what, " is ", got.to_string(), " but ", because, " gives ", want.to_string()));
  }
}

std::vector<TensorSpec> infer_conv2d(InferContext& c) {
  const TensorSpec &x = c.input(0), &f = c.input(1);
  check_rank(c, x.shape, 4, "input", "[batch, height, width, channels]");
  check_rank(c, f.shape, 4, "filter", "[height, width, in_channels, out_channels]");
  check_float(c, x, "input");
  check_same_dtype(c, x, "input", f, "filter");
  return {{x.dtype, conv_output_shape(c, x.shape, f.shape)}};
}

// Inputs ([input_like], filter, out_backprop); input_sizes attribute without input_like.
std::vector<TensorSpec> infer_conv2d_backprop_input(InferContext& c) {
  Shape in = sizes_from(c, 2, "input_sizes", "input");
  const size_t n = c.inputs.size();
  const TensorSpec &f = c.inputs[n - 2], &dy = c.inputs[n - 1];
  check_rank(c, in, 4, "input", "[batch, height, width, channels]");
  check_rank(c, f.shape, 4, "filter", "[height, width, in_channels, out_channels]");
  check_rank(c, dy.shape, 4, "out_backprop", "[batch, height, width, out_channels]");
  check_float(c, dy, "out_backprop");
  check_same_dtype(c, f, "filter", dy, "out_backprop");
  const Shape want = conv_output_shape(c, in, f.shape);
  check_matches(
      c, dy.shape, want, "out_backprop",
      str_cat("a Conv2D of input ", in.to_string(), " with filter ", f.shape.to_string()));
  if (in.dim(0) < 0) in.set_dim(0, dy.shape.dim(0));
  return {{dy.dtype, in}};
}

// Inputs (input, [filter_like], out_backprop); filter_sizes attribute without filter_like.
std::vector<TensorSpec> infer_conv2d_backprop_filter(InferContext& c) {
  const size_t n = c.inputs.size();
  Shape f;
  if (n == 3) {
    if (c.attrs.get<Shape>("filter_sizes").rank() != 0) {
      c.fail("give filter_sizes either as an attribute or as a like input, not both");
    }
    f = c.input(1).shape;
  } else if (n == 2) {
    f = c.attrs.get<Shape>("filter_sizes");
    if (f.rank() != 4) c.fail("filter_sizes must have 4 dimensions, received " + f.to_string());
  } else {
    c.fail(str_cat("expected 2 or 3 inputs, received ", n));
  }
  const TensorSpec &x = c.input(0), &dy = c.inputs[n - 1];
  check_rank(c, x.shape, 4, "input", "[batch, height, width, channels]");
  check_rank(c, f, 4, "filter", "[height, width, in_channels, out_channels]");
  check_rank(c, dy.shape, 4, "out_backprop", "[batch, height, width, out_channels]");
  check_float(c, x, "input");
  check_same_dtype(c, x, "input", dy, "out_backprop");
  const Shape want = conv_output_shape(c, x.shape, f);
  check_matches(c, dy.shape, want, "out_backprop",
                str_cat("a Conv2D of input ", x.shape.to_string(), " with filter ", f.to_string()));
  return {{x.dtype, f}};
}

Shape pool_output_shape(InferContext& c, const Shape& in) {
  check_data_format(c);
  const Hw k = read_hw(c, "ksize"), s = read_hw(c, "strides");
  const auto [oh, ow] = window_out(c, in, k, s, {1, 1}, read_padding(c), "window");
  return Shape{in.dim(0), oh, ow, in.dim(3)};
}

std::vector<TensorSpec> infer_pool(InferContext& c) {
  const TensorSpec& x = c.input(0);
  check_rank(c, x.shape, 4, "input", "[batch, height, width, channels]");
  check_float(c, x, "input");
  return {{x.dtype, pool_output_shape(c, x.shape)}};
}

// Inputs (orig_input, orig_output, grad).
std::vector<TensorSpec> infer_max_pool_grad(InferContext& c) {
  const TensorSpec &x = c.input(0), &y = c.input(1), &dy = c.input(2);
  check_rank(c, x.shape, 4, "orig_input", "[batch, height, width, channels]");
  check_float(c, x, "orig_input");
  check_same_dtype(c, x, "orig_input", dy, "grad");
  check_same_dtype(c, x, "orig_input", y, "orig_output");
  const Shape want = pool_output_shape(c, x.shape);
  const std::string because = "pooling orig_input " + x.shape.to_string();
  check_matches(c, y.shape, want, "orig_output", because);
  check_matches(c, dy.shape, want, "grad", because);
  return {x};
}

// Inputs ([orig_input_like], grad); orig_input_shape attribute without the like input.
std::vector<TensorSpec> infer_avg_pool_grad(InferContext& c) {
  Shape in = sizes_from(c, 1, "orig_input_shape", "orig_input");
  const TensorSpec& dy = c.inputs[c.inputs.size() - 1];
  check_rank(c, in, 4, "orig_input", "[batch, height, width, channels]");
  check_float(c, dy, "grad");
  check_matches(c, dy.shape, pool_output_shape(c, in), "grad",
                "pooling orig_input " + in.to_string());
  if (in.dim(0) < 0 && dy.shape.rank() == 4) in.set_dim(0, dy.shape.dim(0));
  return {{dy.dtype, in}};
}

// x [N, H, W, C] or [N, C]: the channel count, checked against a per-channel vector.
void check_channels(InferContext& c, int64_t& ch, const TensorSpec& v, const char* what,
                    bool may_be_empty) {
  check_rank(c, v.shape, 1, what, "[channels]");
  const int64_t k = v.shape.dim(0);
  if (may_be_empty && k == 0) return;
  if (k >= 0 && ch >= 0 && k != ch) {
    c.fail(str_cat(what, " must have one element per channel: x has ", ch, " channels, ", what,
                   " is ", v.shape.to_string(), may_be_empty ? " (or [0] in training)" : ""));
  }
  if (ch < 0) ch = k;
}

void check_bn_input(InferContext& c, const TensorSpec& x, const char* what) {
  if (x.shape.rank() != 4 && x.shape.rank() != 2) {
    c.fail(str_cat(what,
                   " must be rank 4 [batch, height, width, channels] or rank 2 [batch, "
                   "channels], received rank ",
                   x.shape.rank(), " ", x.shape.to_string()));
  }
  check_float(c, x, what);
}

std::vector<TensorSpec> infer_fused_batch_norm(InferContext& c) {
  check_data_format(c);
  const TensorSpec& x = c.input(0);
  check_bn_input(c, x, "x");
  static const char* names[] = {"x", "scale", "offset", "mean", "variance"};
  for (int i = 1; i < 5; ++i) check_same_dtype(c, x, "x", c.input(i), names[i]);
  int64_t ch = x.shape.dim(x.shape.rank() - 1);
  const bool training = c.attrs.get_bool("is_training");
  const bool empty_ok = training && c.attrs.get_float("exponential_avg_factor") == 1.0;
  for (int i = 1; i < 5; ++i) check_channels(c, ch, c.input(i), names[i], i >= 3 && empty_ok);
  if (c.attrs.get_float("epsilon") < 0) c.fail("epsilon must be >= 0");
  const TensorSpec vec{x.dtype, Shape{ch}};
  TensorSpec y = x;
  if (y.shape.dim(y.shape.rank() - 1) < 0) y.shape.set_dim(y.shape.rank() - 1, ch);
  return {y, vec, vec, vec, vec, {x.dtype, Shape{0}}};
}

// Inputs (y_backprop, x, scale, reserve_space_1, reserve_space_2, reserve_space_3).
std::vector<TensorSpec> infer_fused_batch_norm_grad(InferContext& c) {
  check_data_format(c);
  const TensorSpec &dy = c.input(0), &x = c.input(1);
  check_bn_input(c, x, "x");
  static const char* names[] = {
      "y_backprop", "x", "scale", "reserve_space_1", "reserve_space_2", "reserve_space_3"};
  for (int i = 0; i < 6; ++i) check_same_dtype(c, x, "x", c.input(i), names[i]);
  check_matches(c, dy.shape, x.shape, "y_backprop", "x");
  int64_t ch = x.shape.dim(x.shape.rank() - 1);
  for (int i = 2; i < 5; ++i) check_channels(c, ch, c.input(i), names[i], false);
  const TensorSpec vec{x.dtype, Shape{ch}}, empty{x.dtype, Shape{0}};
  return {x, vec, vec, empty, empty};
}

// ---- gradients ----

AttrMap conv_attrs(const AttrMap& a) {
  return {{"strides", a.get<std::vector<int64_t>>("strides")},
          {"padding", a.get<std::string>("padding")},
          {"dilations", a.get<std::vector<int64_t>>("dilations")},
          {"data_format", a.get<std::string>("data_format")}};
}
AttrMap pool_attrs(const AttrMap& a) {
  return {{"ksize", a.get<std::vector<int64_t>>("ksize")},
          {"strides", a.get<std::vector<int64_t>>("strides")},
          {"padding", a.get<std::string>("padding")},
          {"data_format", a.get<std::string>("data_format")}};
}

// The gradient ops take a size as an attribute when it is known when the graph is built, else
// from a like input at run time.
Output backprop_input(Output x_like, Output w, Output dy, const AttrMap& conv) {
  Graph& g = dy.graph();
  AttrMap a = conv_attrs(conv);
  if (x_like.shape().is_fully_defined()) {
    a.set("input_sizes", x_like.shape());
    return g.add_node("Conv2DBackpropInput", "Conv2DBackpropInput", {w, dy}, a)->output(0);
  }
  return g.add_node("Conv2DBackpropInput", "Conv2DBackpropInput", {x_like, w, dy}, a)->output(0);
}
Output backprop_filter(Output x, Output w_like, Output dy, const AttrMap& conv) {
  Graph& g = dy.graph();
  AttrMap a = conv_attrs(conv);
  if (w_like.shape().is_fully_defined()) {
    a.set("filter_sizes", w_like.shape());
    return g.add_node("Conv2DBackpropFilter", "Conv2DBackpropFilter", {x, dy}, a)->output(0);
  }
  return g.add_node("Conv2DBackpropFilter", "Conv2DBackpropFilter", {x, w_like, dy}, a)->output(0);
}
Output conv_node(Output x, Output w, const AttrMap& conv) {
  return x.graph().add_node("Conv2D", "Conv2D", {x, w}, conv_attrs(conv))->output(0);
}

std::vector<Grad> conv2d_grad(GradContext& c) {
  const Output x = c.input(0), w = c.input(1), dy = c.dy();
  return {backprop_input(x, w, dy, c.attrs()), backprop_filter(x, w, dy, c.attrs())};
}

// Conv2DBackpropInput is linear in (filter, out_backprop): as TF's _Conv2DBackpropInputGrad.
std::vector<Grad> conv2d_backprop_input_grad(GradContext& c) {
  const int n = c.node.num_inputs();
  const Output w = c.input(n - 2), dy = c.input(n - 1), g = c.dy();
  std::vector<Grad> out(static_cast<size_t>(n));
  out[static_cast<size_t>(n - 2)] = backprop_filter(g, w, dy, c.attrs());
  out[static_cast<size_t>(n - 1)] = conv_node(g, w, c.attrs());
  return out;
}

// As TF's _Conv2DBackpropFilterGrad.
std::vector<Grad> conv2d_backprop_filter_grad(GradContext& c) {
  const int n = c.node.num_inputs();
  const Output x = c.input(0), dy = c.input(n - 1), g = c.dy();
  std::vector<Grad> out(static_cast<size_t>(n));
  out[0] = backprop_input(x, g, dy, c.attrs());
  out[static_cast<size_t>(n - 1)] = conv_node(x, g, c.attrs());
  return out;
}

std::vector<Grad> max_pool_grad_fn(GradContext& c) {
  return {c.graph
              .add_node("MaxPoolGrad", "MaxPoolGrad", {c.input(0), c.output(0), c.dy()},
                        pool_attrs(c.attrs()))
              ->output(0)};
}

Output avg_pool_backprop(Output x_like, Output dy, const AttrMap& pool) {
  AttrMap a = pool_attrs(pool);
  Graph& g = dy.graph();
  if (x_like.shape().is_fully_defined()) {
    a.set("orig_input_shape", x_like.shape());
    return g.add_node("AvgPoolGrad", "AvgPoolGrad", {dy}, a)->output(0);
  }
  return g.add_node("AvgPoolGrad", "AvgPoolGrad", {x_like, dy}, a)->output(0);
}

std::vector<Grad> avg_pool_grad_fn(GradContext& c) {
  return {avg_pool_backprop(c.input(0), c.dy(), c.attrs())};
}

// AvgPoolGrad is linear in grad: its gradient is AvgPool (TF's _AvgPoolGradGrad).
std::vector<Grad> avg_pool_grad_grad(GradContext& c) {
  std::vector<Grad> out(static_cast<size_t>(c.node.num_inputs()));
  out.back() = c.graph.add_node("AvgPool", "AvgPool", {c.dy()}, pool_attrs(c.attrs()))->output(0);
  return out;
}

// As TF's _BaseFusedBatchNormGrad: the reserve spaces carry the batch statistics in training;
// inference passes the population statistics instead.
std::vector<Grad> fused_batch_norm_grad_fn(GradContext& c) {
  const AttrMap& a = c.attrs();
  const bool training = a.get_bool("is_training");
  const Output rs1 = training ? c.output(3) : c.input(3);
  const Output rs2 = training ? c.output(4) : c.input(4);
  Node* n = c.graph.add_node("FusedBatchNormGradV3", "FusedBatchNormGradV3",
                             {c.dy(0), c.input(0), c.input(1), rs1, rs2, c.output(5)},
                             {{"epsilon", a.get_float("epsilon")},
                              {"is_training", training},
                              {"data_format", a.get<std::string>("data_format")}});
  return {n->output(0), n->output(1), n->output(2), Grad(), Grad()};
}

std::vector<Grad> no_second_derivative(GradContext& c) {
  throw Unimplemented(str_cat("gradients: the gradient of ", c.node.type(), " ('", c.node.name(),
                              "'), a second derivative, is not implemented"));
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  const AttrValue ones4 = std::vector<int64_t>{1, 1, 1, 1};
  r.add(OpDef("Conv2D")
            .inputs({"input", "filter"})
            .outputs({"output"})
            .attr("strides", ones4)
            .attr("padding", std::string("VALID"))
            .attr("dilations", ones4)
            .attr("data_format", std::string("NHWC"))
            .infer(infer_conv2d)
            .reference(kernels::ref::conv2d)
            .grad(conv2d_grad));
  r.add(OpDef("Conv2DBackpropInput")
            .inputs({"input_sizes", "filter", "out_backprop"})
            .any_inputs()
            .outputs({"output"})
            .attr("input_sizes", Shape{})
            .attr("strides", ones4)
            .attr("padding", std::string("VALID"))
            .attr("dilations", ones4)
            .attr("data_format", std::string("NHWC"))
            .infer(infer_conv2d_backprop_input)
            .reference(kernels::ref::conv2d_backprop_input)
            .grad(conv2d_backprop_input_grad));
  r.add(OpDef("Conv2DBackpropFilter")
            .inputs({"input", "filter_sizes", "out_backprop"})
            .any_inputs()
            .outputs({"output"})
            .attr("filter_sizes", Shape{})
            .attr("strides", ones4)
            .attr("padding", std::string("VALID"))
            .attr("dilations", ones4)
            .attr("data_format", std::string("NHWC"))
            .infer(infer_conv2d_backprop_filter)
            .reference(kernels::ref::conv2d_backprop_filter)
            .grad(conv2d_backprop_filter_grad));
  const auto pool = [&](const char* op) {
    return OpDef(op)
        .attr("ksize", ones4)
        .attr("strides", ones4)
        .attr("padding", std::string("VALID"))
        .attr("data_format", std::string("NHWC"));
  };
  r.add(pool("MaxPool")
            .inputs({"input"})
            .outputs({"output"})
            .infer(infer_pool)
            .reference(kernels::ref::max_pool)
            .grad(max_pool_grad_fn));
  r.add(pool("MaxPoolGrad")
            .inputs({"orig_input", "orig_output", "grad"})
            .outputs({"output"})
            .infer(infer_max_pool_grad)
            .reference(kernels::ref::max_pool_grad)
            .grad(no_second_derivative));
  r.add(pool("AvgPool")
            .inputs({"value"})
            .outputs({"output"})
            .infer(infer_pool)
            .reference(kernels::ref::avg_pool)
            .grad(avg_pool_grad_fn));
  r.add(pool("AvgPoolGrad")
            .inputs({"orig_input_shape", "grad"})
            .any_inputs()
            .outputs({"output"})
            .attr("orig_input_shape", Shape{})
            .infer(infer_avg_pool_grad)
            .reference(kernels::ref::avg_pool_grad)
            .grad(avg_pool_grad_grad));
  r.add(OpDef("FusedBatchNormV3")
            .inputs({"x", "scale", "offset", "mean", "variance"})
            .outputs({"y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2",
                      "reserve_space_3"})
            .attr("epsilon", 0.001)
            .attr("exponential_avg_factor", 1.0)
            .attr("data_format", std::string("NHWC"))
            .attr("is_training", true)
            .infer(infer_fused_batch_norm)
            .reference(kernels::ref::fused_batch_norm)
            .grad(fused_batch_norm_grad_fn));
  r.add(OpDef("FusedBatchNormGradV3")
            .inputs({"y_backprop", "x", "scale", "reserve_space_1", "reserve_space_2",
                     "reserve_space_3"})
            .outputs({"x_backprop", "scale_backprop", "offset_backprop", "reserve_space_4",
                      "reserve_space_5"})
            .attr("epsilon", 0.001)
            .attr("data_format", std::string("NHWC"))
            .attr("is_training", true)
            .infer(infer_fused_batch_norm_grad)
            .reference(kernels::ref::fused_batch_norm_grad)
            .grad(no_second_derivative));
}

// ---- builders ----

namespace nn {
namespace {

AttrMap conv_attr_map(std::vector<int64_t> strides, const std::string& padding,
                      const std::string& data_format, std::vector<int64_t> dilations) {
  return {{"strides", std::move(strides)},
          {"padding", padding},
          {"data_format", data_format},
          {"dilations", std::move(dilations)}};
}

AttrMap pool_attr_map(std::vector<int64_t> ksize, std::vector<int64_t> strides,
                      const std::string& padding, const std::string& data_format) {
  return {{"ksize", std::move(ksize)},
          {"strides", std::move(strides)},
          {"padding", padding},
          {"data_format", data_format}};
}

void check_rank3(Output x, const char* fn, const char* what) {
  DL_CHECK(x.shape().rank() == 3, fn, " '", x.graph().current_name_scope(), "': ", what,
           " must be rank 3 [batch, width, channels], received ", x.spec().to_string());
}

// pool_size / strides of max_pool2d: one value for both dimensions, or [h, w].
std::vector<int64_t> hw4(const std::vector<int64_t>& v, const char* fn, const char* what) {
  DL_CHECK(v.size() == 1 || v.size() == 2, fn, ": ", what, " must hold 1 or 2 values, received ",
           v.size());
  return {1, v[0], v.size() == 1 ? v[0] : v[1], 1};
}

}  // namespace

Output conv2d(Output input, Output filter, std::vector<int64_t> strides, const std::string& padding,
              const std::string& data_format, std::vector<int64_t> dilations,
              const std::string& name) {
  return input.graph()
      .add_node("Conv2D", name, {input, filter},
                conv_attr_map(std::move(strides), padding, data_format, std::move(dilations)))
      ->output(0);
}

Output conv2d_backprop_input(Shape input_sizes, Output filter, Output out_backprop,
                             std::vector<int64_t> strides, const std::string& padding,
                             const std::string& data_format, std::vector<int64_t> dilations,
                             const std::string& name) {
  AttrMap a = conv_attr_map(std::move(strides), padding, data_format, std::move(dilations));
  a.set("input_sizes", std::move(input_sizes));
  return filter.graph().add_node("Conv2DBackpropInput", name, {filter, out_backprop}, a)->output(0);
}

Output conv2d_backprop_input_like(Output input_like, Output filter, Output out_backprop,
                                  std::vector<int64_t> strides, const std::string& padding,
                                  const std::string& data_format, std::vector<int64_t> dilations,
                                  const std::string& name) {
  return filter.graph()
      .add_node("Conv2DBackpropInput", name, {input_like, filter, out_backprop},
                conv_attr_map(std::move(strides), padding, data_format, std::move(dilations)))
      ->output(0);
}

Output conv2d_backprop_filter(Output input, Shape filter_sizes, Output out_backprop,
                              std::vector<int64_t> strides, const std::string& padding,
                              const std::string& data_format, std::vector<int64_t> dilations,
                              const std::string& name) {
  AttrMap a = conv_attr_map(std::move(strides), padding, data_format, std::move(dilations));
  a.set("filter_sizes", std::move(filter_sizes));
  return input.graph().add_node("Conv2DBackpropFilter", name, {input, out_backprop}, a)->output(0);
}

Output conv2d_backprop_filter_like(Output input, Output filter_like, Output out_backprop,
                                   std::vector<int64_t> strides, const std::string& padding,
                                   const std::string& data_format, std::vector<int64_t> dilations,
                                   const std::string& name) {
  return input.graph()
      .add_node("Conv2DBackpropFilter", name, {input, filter_like, out_backprop},
                conv_attr_map(std::move(strides), padding, data_format, std::move(dilations)))
      ->output(0);
}

Output conv1d(Output value, Output filters, int64_t stride, const std::string& padding,
              int64_t dilation, const std::string& name) {
  Graph& g = value.graph();
  NameScope scope(g, name);
  check_rank3(value, "conv1d", "value");
  DL_CHECK(filters.shape().rank() == 3, "conv1d '", g.current_name_scope(),
           "': filters must be rank 3 [width, in_channels, out_channels], received ",
           filters.spec().to_string());
  Output v = ops::expand_dims(value, 1, "ExpandDims");
  Output f = ops::expand_dims(filters, 0, "ExpandDims_1");
  Output y = conv2d(v, f, {1, 1, stride, 1}, padding, "NHWC", {1, 1, dilation, 1}, "Conv2D");
  return ops::squeeze(y, {1}, "Squeeze");
}

Output max_pool(Output value, std::vector<int64_t> ksize, std::vector<int64_t> strides,
                const std::string& padding, const std::string& data_format,
                const std::string& name) {
  return value.graph()
      .add_node("MaxPool", name, {value},
                pool_attr_map(std::move(ksize), std::move(strides), padding, data_format))
      ->output(0);
}

Output avg_pool(Output value, std::vector<int64_t> ksize, std::vector<int64_t> strides,
                const std::string& padding, const std::string& data_format,
                const std::string& name) {
  return value.graph()
      .add_node("AvgPool", name, {value},
                pool_attr_map(std::move(ksize), std::move(strides), padding, data_format))
      ->output(0);
}

namespace {
Output pool1d(const char* op, Output input, int64_t ksize, int64_t strides,
              const std::string& padding, const std::string& name) {
  Graph& g = input.graph();
  NameScope scope(g, name);
  check_rank3(input, op, "input");
  Output x = ops::expand_dims(input, 1, "ExpandDims");
  Output y =
      g.add_node(op, op, {x}, pool_attr_map({1, 1, ksize, 1}, {1, 1, strides, 1}, padding, "NHWC"))
          ->output(0);
  return ops::squeeze(y, {1}, "Squeeze");
}
}  // namespace

Output max_pool1d(Output input, int64_t ksize, int64_t strides, const std::string& padding,
                  const std::string& name) {
  return pool1d("MaxPool", input, ksize, strides, padding, name);
}
Output avg_pool1d(Output input, int64_t ksize, int64_t strides, const std::string& padding,
                  const std::string& name) {
  return pool1d("AvgPool", input, ksize, strides, padding, name);
}

Output max_pool2d(Output x, std::vector<int64_t> pool_size, std::vector<int64_t> strides,
                  const std::string& padding, const std::string& name) {
  std::vector<int64_t> k = hw4(pool_size, "max_pool2d", "pool_size");
  std::vector<int64_t> st = strides.empty() ? k : hw4(strides, "max_pool2d", "strides");
  return max_pool(x, std::move(k), std::move(st), padding, "NHWC", name);
}
Output avg_pool2d(Output x, std::vector<int64_t> pool_size, std::vector<int64_t> strides,
                  const std::string& padding, const std::string& name) {
  std::vector<int64_t> k = hw4(pool_size, "avg_pool2d", "pool_size");
  std::vector<int64_t> st = strides.empty() ? k : hw4(strides, "avg_pool2d", "strides");
  return avg_pool(x, std::move(k), std::move(st), padding, "NHWC", name);
}

FusedBatchNormOutputs fused_batch_norm(Output x, Output scale, Output offset, Output mean,
                                       Output variance, double epsilon, bool is_training,
                                       const std::string& name) {
  Graph& g = x.graph();
  if (!mean || !variance) {
    DL_CHECK(is_training, "fused_batch_norm '", g.current_name_scope(), name,
             "': mean and variance must be given when is_training is false");
    // As TF: empty tensors stand for the statistics that training does not read.
    if (!mean) mean = ops::constant(g, Tensor(x.dtype(), Shape{0}), "Const");
    if (!variance) variance = ops::constant(g, Tensor(x.dtype(), Shape{0}), "Const");
  }
  Node* n = g.add_node("FusedBatchNormV3", name, {x, scale, offset, mean, variance},
                       {{"epsilon", epsilon}, {"is_training", is_training}});
  return {n->output(0), n->output(1), n->output(2)};
}

namespace {
// TF's _assign_moving_average: var -= (var - value) * (1 - momentum), named AssignMovingAvg.
Node* moving_average_update(const Variable& var, Output value, double momentum) {
  Graph& g = value.graph();
  std::string scope;
  Output delta;
  {
    NameScope s(g, "AssignMovingAvg");
    scope = g.current_name_scope();
    Output decay = ops::scalar(g, 1.0 - momentum, var.dtype(), "decay");
    delta = ops::multiply(ops::subtract(var, value, "sub"), decay, "mul");
  }
  return g.add_node("AssignSub", scope, {var.value(), delta});
}
}  // namespace

Output batch_normalization_layer(Output x, bool training, double momentum, double epsilon,
                                 const std::string& name) {
  Graph& g = x.graph();
  const int rank = x.shape().rank();
  DL_CHECK(rank >= 2 && rank <= 4, "batch_normalization '", g.current_name_scope(), name,
           "': input must be rank 2, 3 or 4, received ", x.spec().to_string());
  const int64_t ch = x.shape().dim(rank - 1);
  DL_CHECK(ch >= 0, "batch_normalization '", g.current_name_scope(), name,
           "': the channel dimension (last) of the input must be known, received ",
           x.spec().to_string());
  NameScope scope(g, name);
  const DType dt = x.dtype();
  const Shape s{ch};
  Variable gamma(ops::ones(g, s, dt, "gamma/Initializer/ones"),
                 {.trainable = true, .name = "gamma"});
  Variable beta(ops::zeros(g, s, dt, "beta/Initializer/zeros"),
                {.trainable = true, .name = "beta"});
  Variable moving_mean(ops::zeros(g, s, dt, "moving_mean/Initializer/zeros"),
                       {.trainable = false, .name = "moving_mean"});
  Variable moving_variance(ops::ones(g, s, dt, "moving_variance/Initializer/ones"),
                           {.trainable = false, .name = "moving_variance"});
  // Rank 3 [N, W, C] runs as [N, 1, W, C].
  Output in = rank == 3 ? ops::expand_dims(x, 1, "ExpandDims") : x;
  FusedBatchNormOutputs o =
      training ? fused_batch_norm(in, gamma, beta, {}, {}, epsilon, true, "FusedBatchNormV3")
               : fused_batch_norm(in, gamma, beta, moving_mean, moving_variance, epsilon, false,
                                  "FusedBatchNormV3");
  if (training) {
    // rank 4: TF's fused path updates with the unbiased variance; otherwise tf.nn.moments'
    // biased variance, which FusedBatchNormV3 returns as reserve_space_2.
    const Output var_value = rank == 4 ? o.batch_variance : o.y.node->output(4);
    g.add_to_collection(GraphKeys::UPDATE_OPS,
                        moving_average_update(moving_mean, o.batch_mean, momentum));
    g.add_to_collection(GraphKeys::UPDATE_OPS,
                        moving_average_update(moving_variance, var_value, momentum));
  }
  return rank == 3 ? ops::squeeze(o.y, {1}, "Squeeze") : o.y;
}

}  // namespace nn
}  // namespace dl
