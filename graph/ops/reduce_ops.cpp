#include "dl/graph/ops/reduce_ops.h"

#include <algorithm>

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/ref_array.h"
#include "dl/kernels/reference/ref_reduce.h"

namespace dl {
namespace {

using kernels::ref::ReduceKind;

std::vector<int> axes_or_fail(InferContext& c, int rank) {
  try {
    return kernels::ref::normalize_axes(c.attrs.get<std::vector<int64_t>>("axis"), rank);
  } catch (const InvalidArgument& e) {
    c.fail(e.what());
  }
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::vector<TensorSpec> infer_reduce(InferContext& c) {
  const TensorSpec& x = c.input(0);
  if (x.dtype == DType::boolean) c.fail("input must be numeric, received bool");
  const std::vector<int> axes = axes_or_fail(c, x.shape.rank());
  const bool keep = c.attrs.get_bool("keep_dims");
  std::vector<int64_t> d;
  for (int i = 0; i < x.shape.rank(); ++i) {
    if (!contains(axes, i)) {
      d.push_back(x.shape.dim(i));
    } else if (keep) {
      d.push_back(1);
    }
  }
  return {{x.dtype, Shape(std::move(d))}};
}

std::vector<TensorSpec> infer_arg_reduce(InferContext& c) {
  const TensorSpec& x = c.input(0);
  if (x.dtype == DType::boolean) c.fail("input must be numeric, received bool");
  const DType ot = c.attrs.get<DType>("output_type");
  if (ot != DType::i32 && ot != DType::i64) {
    c.fail(str_cat("output_type must be int32 or int64, received ", name(ot)));
  }
  int axis;
  try {
    axis = kernels::ref::normalize_axes({c.attrs.get_int("axis")}, x.shape.rank())[0];
  } catch (const InvalidArgument& e) {
    c.fail(e.what());
  }
  if (x.shape.dim(axis) == 0) {
    c.fail(str_cat("cannot take the ", c.op_type, " of an empty dimension: axis ", axis,
                   " of shape ", x.shape.to_string()));
  }
  std::vector<int64_t> d = x.shape.dims();
  d.erase(d.begin() + axis);
  return {{ot, Shape(std::move(d))}};
}

// The reduced axes of a reduction node, normalised against its input's rank.
std::vector<int> grad_axes(const GradContext& c) {
  return kernels::ref::normalize_axes(c.attrs().get<std::vector<int64_t>>("axis"),
                                      c.input(0).shape().rank());
}

// Gives a reduction's output (or its gradient) back the reduced dimensions as size 1.
Output restore_dims(Output g, const GradContext& c, const std::vector<int>& axes) {
  if (c.attrs().get_bool("keep_dims")) return g;
  const Shape& in = c.input(0).shape();
  std::vector<int64_t> kd;
  int unknown = 0;
  for (int i = 0; i < in.rank(); ++i) {
    kd.push_back(contains(axes, i) ? 1 : in.dim(i));
    unknown += kd.back() < 0;
  }
  if (unknown <= 1) return ops::reshape(g, Shape(std::move(kd)));
  for (int a : axes) g = ops::expand_dims(g, a);
  return g;
}

// Broadcasts g to the run-time shape of `like` (shapes may hold -1 at graph time).
Output broadcast_to_shape_of(Output g, Output like) {
  if (g.shape() == like.shape() && like.shape().is_fully_defined()) return g;
  return g.graph().add_node("BroadcastToShapeOf", "BroadcastToShapeOf", {g, like})->output(0);
}

// The number of elements each output of a reduction folds: a constant when the reduced
// dimensions are known, else read from the input's run-time shape.
Output reduced_count(const GradContext& c, const std::vector<int>& axes) {
  Output x = c.input(0);
  int64_t n = 1;
  for (int a : axes) n = (n < 0 || x.shape().dim(a) < 0) ? -1 : n * x.shape().dim(a);
  if (n >= 0) return ops::scalar(x.graph(), static_cast<double>(n), x.dtype());
  return x.graph()
      .add_node("ReducedSize", "ReducedSize", {x},
                {{"axis", c.attrs().get<std::vector<int64_t>>("axis")}, {"dtype", x.dtype()}})
      ->output(0);
}

std::vector<Grad> sum_grad(GradContext& c) {
  const std::vector<int> axes = grad_axes(c);
  return {broadcast_to_shape_of(restore_dims(c.dy(), c, axes), c.input(0))};
}

std::vector<Grad> mean_grad(GradContext& c) {
  const std::vector<int> axes = grad_axes(c);
  Output g = restore_dims(c.dy(), c, axes) / reduced_count(c, axes);
  return {broadcast_to_shape_of(g, c.input(0))};
}

// TF's _MinOrMaxGrad: to the elements equal to the extreme, split evenly among ties.
std::vector<Grad> max_min_grad(GradContext& c) {
  const std::vector<int> axes = grad_axes(c);
  Output x = c.input(0);
  Output y = restore_dims(c.output(), c, axes);
  Output g = restore_dims(c.dy(), c, axes);
  Output ind = ops::cast(ops::equal(x, y), x.dtype());
  Output count = ops::reduce_sum(ind, c.attrs().get<std::vector<int64_t>>("axis"), true);
  return {(ind / count) * g};
}

std::vector<Grad> prod_grad(GradContext& c) {
  const std::vector<int> axes = grad_axes(c);
  Output x = c.input(0);
  Output others = x.graph()
                      .add_node("ProdGrad", "ProdGrad", {x},
                                {{"axis", c.attrs().get<std::vector<int64_t>>("axis")}})
                      ->output(0);
  return {others * restore_dims(c.dy(), c, axes)};
}

OpDef reduce_op(const char* name, ComputeFn kernel, GradFn grad) {
  OpDef d(name);
  d.inputs({"input"})
      .outputs({"output"})
      .attr("axis", std::vector<int64_t>{})
      .attr("keep_dims", false)
      .infer(infer_reduce)
      .reference(kernel)
      .grad(std::move(grad));
  return d;
}

OpDef arg_reduce_op(const char* name, ComputeFn kernel) {
  OpDef d(name);
  d.inputs({"input"})
      .outputs({"output"})
      .attr("axis", int64_t{0})
      .attr("output_type", DType::i64)
      .infer(infer_arg_reduce)
      .reference(kernel)
      .not_differentiable();
  return d;
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  using kernels::ref::reduce;
  r.add(reduce_op("Sum", reduce<ReduceKind::sum>, sum_grad));
  r.add(reduce_op("Mean", reduce<ReduceKind::mean>, mean_grad));
  r.add(reduce_op("Max", reduce<ReduceKind::max>, max_min_grad));
  r.add(reduce_op("Min", reduce<ReduceKind::min>, max_min_grad));
  r.add(reduce_op("Prod", reduce<ReduceKind::prod>, prod_grad));
  r.add(arg_reduce_op("ArgMax", kernels::ref::arg_reduce<true>));
  r.add(arg_reduce_op("ArgMin", kernels::ref::arg_reduce<false>));

  // ---- internal ops of the reduction gradients ----
  // BroadcastToShapeOf(input, like): input broadcast to like's run-time shape.
  r.add(OpDef("BroadcastToShapeOf")
            .inputs({"input", "like"})
            .outputs({"output"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const Shape& in = c.input(0).shape;
              const Shape& like = c.input(1).shape;
              bool ok = in.rank() <= like.rank();
              for (int i = 0; ok && i < in.rank(); ++i) {
                const int64_t d = in.dim(i), t = like.dim(like.rank() - in.rank() + i);
                ok = d == 1 || d < 0 || t < 0 || d == t;
              }
              if (!ok) {
                c.fail(str_cat("cannot broadcast ", in.to_string(), " to ", like.to_string()));
              }
              return {{c.input(0).dtype, like}};
            })
            .reference(kernels::ref::broadcast)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {ops::unbroadcast(c.dy(), c.input(0)), Grad()};
            }));
  // ReducedSize(input): how many elements a reduction over `axis` folds into each output.
  r.add(OpDef("ReducedSize")
            .inputs({"input"})
            .outputs({"output"})
            .attr("axis", std::vector<int64_t>{})
            .attr("dtype", DType::f32)
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              axes_or_fail(c, c.input(0).shape.rank());
              return {{c.attrs.get<DType>("dtype"), Shape{}}};
            })
            .reference(kernels::ref::reduced_size)
            .not_differentiable());
  // ProdGrad(input): each element replaced by the product of the others of its group.
  r.add(OpDef("ProdGrad")
            .inputs({"input"})
            .outputs({"output"})
            .attr("axis", std::vector<int64_t>{})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              axes_or_fail(c, c.input(0).shape.rank());
              return {c.input(0)};
            })
            .reference(kernels::ref::prod_others)
            .grad([](GradContext& c) -> std::vector<Grad> {
              throw Unimplemented(str_cat("gradients: the second derivative of reduce_prod ('",
                                          c.node.name(), "') is not implemented"));
            }));
}

namespace ops {
namespace {
Output reduce(const char* op, Output x, std::vector<int64_t> axis, bool keep_dims,
              const std::string& name) {
  return x.graph()
      .add_node(op, name, {x}, {{"axis", std::move(axis)}, {"keep_dims", keep_dims}})
      ->output(0);
}
}  // namespace

Output reduce_sum(Output x, std::vector<int64_t> axis, bool keep_dims, const std::string& name) {
  return reduce("Sum", x, std::move(axis), keep_dims, name);
}
Output reduce_mean(Output x, std::vector<int64_t> axis, bool keep_dims, const std::string& name) {
  return reduce("Mean", x, std::move(axis), keep_dims, name);
}
Output reduce_max(Output x, std::vector<int64_t> axis, bool keep_dims, const std::string& name) {
  return reduce("Max", x, std::move(axis), keep_dims, name);
}
Output reduce_min(Output x, std::vector<int64_t> axis, bool keep_dims, const std::string& name) {
  return reduce("Min", x, std::move(axis), keep_dims, name);
}
Output reduce_prod(Output x, std::vector<int64_t> axis, bool keep_dims, const std::string& name) {
  return reduce("Prod", x, std::move(axis), keep_dims, name);
}
Output argmax(Output x, int64_t axis, DType output_type, const std::string& name) {
  return x.graph()
      .add_node("ArgMax", name, {x}, {{"axis", axis}, {"output_type", output_type}})
      ->output(0);
}
Output argmin(Output x, int64_t axis, DType output_type, const std::string& name) {
  return x.graph()
      .add_node("ArgMin", name, {x}, {{"axis", axis}, {"output_type", output_type}})
      ->output(0);
}
}  // namespace ops

}  // namespace dl
