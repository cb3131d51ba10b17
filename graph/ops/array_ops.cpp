#include "dl/graph/ops/array_ops.h"

#include <algorithm>

#include "dl/graph/op_registry.h"

namespace dl {
namespace {

void forward_reshaped(KernelContext& c) {
  c.output(0) = c.input(0).reshaped(c.output_specs[0].shape);
}

// Reshape's target, with the -1 resolved when the input's element count is known.
std::vector<TensorSpec> infer_reshape(InferContext& c) {
  Shape target = c.attrs.get<Shape>("shape");
  const int64_t n = c.input(0).shape.num_elements();
  int unknown = -1;
  int64_t known = 1;
  for (int i = 0; i < target.rank(); ++i) {
    if (target.dim(i) < 0) {
      if (unknown >= 0)
        c.fail("only one dimension of the target shape may be -1, received " + target.to_string());
      unknown = i;
    } else {
      known *= target.dim(i);
    }
  }
  if (n >= 0) {
    if (unknown >= 0) {
      if (known == 0 || n % known != 0) {
        c.fail(str_cat("cannot reshape a tensor of ", n, " elements to ", target.to_string()));
      }
      target.set_dim(unknown, n / known);
    } else if (known != n) {
      c.fail(str_cat("cannot reshape a tensor of ", n, " elements to shape ", target.to_string(),
                     " (", known, " elements)"));
    }
  } else if (unknown < 0) {
    // Unknown input size: the target must still be consistent with the known part.
    int64_t in_known = 1;
    for (int64_t d : c.input(0).shape.dims()) in_known *= d < 0 ? 1 : d;
    if (known % in_known != 0) {
      c.fail(str_cat("cannot reshape ", c.input(0).shape.to_string(), " to ", target.to_string()));
    }
  }
  return {{c.input(0).dtype, target}};
}

int64_t normalize_axis(InferContext& c, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) {
    c.fail(str_cat("axis ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<TensorSpec> infer_expand_dims(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const int64_t axis = normalize_axis(c, c.attrs.get_int("axis"), in.rank() + 1);
  std::vector<int64_t> d = in.dims();
  d.insert(d.begin() + axis, 1);
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

std::vector<TensorSpec> infer_squeeze(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const auto& axes = c.attrs.get<std::vector<int64_t>>("axis");
  std::vector<bool> drop(static_cast<size_t>(in.rank()), false);
  if (axes.empty()) {
    for (int i = 0; i < in.rank(); ++i) drop[static_cast<size_t>(i)] = in.dim(i) == 1;
  } else {
    for (int64_t a : axes) {
      const int64_t k = normalize_axis(c, a, in.rank());
      if (in.dim(static_cast<int>(k)) != 1 && in.dim(static_cast<int>(k)) >= 0) {
        c.fail(str_cat("cannot squeeze dimension ", a, ": its size is ",
                       in.dim(static_cast<int>(k)), ", not 1"));
      }
      drop[static_cast<size_t>(k)] = true;
    }
  }
  std::vector<int64_t> d;
  for (int i = 0; i < in.rank(); ++i) {
    if (!drop[static_cast<size_t>(i)]) d.push_back(in.dim(i));
  }
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

// The gradient of every pure reshape is the incoming gradient reshaped back.
std::vector<Grad> reshape_back(GradContext& c) {
  const Shape& s = c.input(0).shape();
  if (s.is_fully_defined()) return {ops::reshape(c.dy(), s)};
  // Unknown dims: reshape to the input's run-time shape through a same-shape sum.
  return {c.graph.add_node("ReshapeLike", "ReshapeLike", {c.dy(), c.input(0)})->output(0)};
}

}  // namespace

void register_array_ops(OpRegistry& r) {
  r.add(OpDef("Reshape")
            .inputs({"tensor"})
            .outputs({"output"})
            .attr("shape", Shape{})
            .infer(infer_reshape)
            .reference(forward_reshaped)
            .forwards()
            .grad(reshape_back));
  r.add(OpDef("ReshapeLike")
            .inputs({"tensor", "like"})
            .outputs({"output"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const int64_t a = c.input(0).shape.num_elements(),
                            b = c.input(1).shape.num_elements();
              if (a >= 0 && b >= 0 && a != b) c.fail("element counts differ");
              return {{c.input(0).dtype, c.input(1).shape}};
            })
            .reference(forward_reshaped)
            .forwards()
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {reshape_back(c)[0], Grad()};
            }));
  r.add(OpDef("ExpandDims")
            .inputs({"input"})
            .outputs({"output"})
            .attr("axis", int64_t{0})
            .infer(infer_expand_dims)
            .reference(forward_reshaped)
            .forwards()
            .grad(reshape_back));
  r.add(OpDef("Squeeze")
            .inputs({"input"})
            .outputs({"output"})
            .attr("axis", std::vector<int64_t>{})
            .infer(infer_squeeze)
            .reference(forward_reshaped)
            .forwards()
            .grad(reshape_back));
}

namespace ops {
Output reshape(Output x, Shape shape, const std::string& name) {
  return x.graph().add_node("Reshape", name, {x}, {{"shape", std::move(shape)}})->output(0);
}
Output expand_dims(Output x, int64_t axis, const std::string& name) {
  return x.graph().add_node("ExpandDims", name, {x}, {{"axis", axis}})->output(0);
}
Output squeeze(Output x, std::vector<int64_t> axis, const std::string& name) {
  return x.graph().add_node("Squeeze", name, {x}, {{"axis", std::move(axis)}})->output(0);
}
}  // namespace ops
}  // namespace dl
