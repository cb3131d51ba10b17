#include "dl/graph/ops/array_ops.h"

#include <algorithm>

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/ref_array.h"

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

std::string dims_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += str_cat(i ? "," : "", v[i]);
  return s + "]";
}

// ---- Transpose ----
std::vector<TensorSpec> infer_transpose(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const auto& perm = c.attrs.get<std::vector<int64_t>>("perm");
  std::vector<bool> seen(static_cast<size_t>(in.rank()), false);
  bool ok = static_cast<int>(perm.size()) == in.rank();
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < in.rank() && !seen[static_cast<size_t>(perm[i])];
    if (ok) seen[static_cast<size_t>(perm[i])] = true;
  }
  if (!ok) {
    c.fail(str_cat("perm must be a permutation of the ", in.rank(), " dimensions of the input (0..",
                   in.rank() - 1, "), received ", dims_str(perm)));
  }
  std::vector<int64_t> d;
  for (int64_t p : perm) d.push_back(in.dim(static_cast<int>(p)));
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

// ---- ConcatV2 / Pack ----
// Checks that input i agrees with `merged` on every dimension except `skip` (-1: none) and
// fills unknown dimensions of `merged` from it.
void merge_dims(InferContext& c, int i, std::vector<int64_t>& merged, int skip, const char* op) {
  const TensorSpec& s = c.input(i);
  if (s.dtype != c.input(0).dtype) {
    c.fail(str_cat("input ", i, " has dtype ", name(s.dtype), ", expected ", name(c.input(0).dtype),
                   " as input 0"));
  }
  if (s.shape.rank() != static_cast<int>(merged.size())) {
    c.fail(str_cat("input ", i, " has rank ", s.shape.rank(), " (shape ", s.shape.to_string(),
                   "), expected rank ", merged.size(), " as input 0 (shape ",
                   c.input(0).shape.to_string(), ")"));
  }
  for (int d = 0; d < s.shape.rank(); ++d) {
    if (d == skip) continue;
    int64_t& m = merged[static_cast<size_t>(d)];
    const int64_t v = s.shape.dim(d);
    if (m >= 0 && v >= 0 && m != v) {
      c.fail(str_cat("dimension ", d, " of input ", i, " is ", v, " (shape ", s.shape.to_string(),
                     "), expected ", m, " as the inputs before it; ", op));
    }
    if (m < 0) m = v;
  }
}

std::vector<TensorSpec> infer_concat(InferContext& c) {
  if (c.inputs.empty()) c.fail("needs at least one input");
  const int rank = c.input(0).shape.rank();
  if (rank == 0) c.fail("cannot concatenate scalars (rank 0)");
  const int axis = static_cast<int>(normalize_axis(c, c.attrs.get_int("axis"), rank));
  std::vector<int64_t> d = c.input(0).shape.dims();
  for (int i = 1; i < static_cast<int>(c.inputs.size()); ++i) {
    merge_dims(c, i, d, axis, str_cat("only dimension ", axis, " (the axis) may differ").c_str());
    const int64_t v = c.input(i).shape.dim(axis);
    int64_t& a = d[static_cast<size_t>(axis)];
    a = (a < 0 || v < 0) ? -1 : a + v;
  }
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

std::vector<Grad> concat_grad(GradContext& c) {
  const int n = c.node.num_inputs();
  const int rank = c.input(0).shape().rank();
  const int64_t a = c.attrs().get_int("axis");
  const int axis = static_cast<int>(a < 0 ? a + rank : a);
  bool known = true;
  for (int i = 0; i < n; ++i) known = known && c.input(i).shape().dim(axis) >= 0;
  std::vector<Grad> out;
  int64_t at = 0;
  for (int i = 0; i < n; ++i) {
    if (known) {
      std::vector<int64_t> begin(static_cast<size_t>(rank), 0), size(static_cast<size_t>(rank), -1);
      begin[static_cast<size_t>(axis)] = at;
      size[static_cast<size_t>(axis)] = c.input(i).shape().dim(axis);
      at += size[static_cast<size_t>(axis)];
      out.push_back(ops::slice(c.dy(), begin, size));
    } else {
      // Offsets along the axis are only known at run time.
      std::vector<Output> ins{c.dy()};
      for (int k = 0; k < n; ++k) ins.push_back(c.input(k));
      out.push_back(c.graph
                        .add_node("ConcatSlice", "ConcatSlice", ins,
                                  {{"axis", int64_t{axis}}, {"index", int64_t{i}}})
                        ->output(0));
    }
  }
  return out;
}

std::vector<TensorSpec> infer_pack(InferContext& c) {
  if (c.inputs.empty()) c.fail("needs at least one input");
  const int rank = c.input(0).shape.rank();
  const int axis = static_cast<int>(normalize_axis(c, c.attrs.get_int("axis"), rank + 1));
  std::vector<int64_t> d = c.input(0).shape.dims();
  for (int i = 1; i < static_cast<int>(c.inputs.size()); ++i) {
    merge_dims(c, i, d, -1, "all values must have one shape");
  }
  d.insert(d.begin() + axis, static_cast<int64_t>(c.inputs.size()));
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

std::vector<TensorSpec> infer_unpack(InferContext& c) {
  const Shape& in = c.input(0).shape;
  if (in.rank() == 0) c.fail("cannot unstack a scalar");
  const int axis = static_cast<int>(normalize_axis(c, c.attrs.get_int("axis"), in.rank()));
  const int64_t num = c.attrs.get_int("num");
  if (in.dim(axis) >= 0 && in.dim(axis) != num) {
    c.fail(str_cat("num is ", num, " but dimension ", axis, " has size ", in.dim(axis)));
  }
  std::vector<int64_t> d = in.dims();
  d.erase(d.begin() + axis);
  return std::vector<TensorSpec>(static_cast<size_t>(num), {c.input(0).dtype, Shape(d)});
}

// ---- Slice / Pad ----
std::vector<TensorSpec> infer_slice(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const auto& begin = c.attrs.get<std::vector<int64_t>>("begin");
  const auto& size = c.attrs.get<std::vector<int64_t>>("size");
  if (static_cast<int>(begin.size()) != in.rank() || static_cast<int>(size.size()) != in.rank()) {
    c.fail(str_cat("begin and size must have one entry per dimension (", in.rank(),
                   "), received begin ", dims_str(begin), " and size ", dims_str(size)));
  }
  std::vector<int64_t> d;
  for (int i = 0; i < in.rank(); ++i) {
    const size_t k = static_cast<size_t>(i);
    const int64_t dim = in.dim(i);
    if (begin[k] < 0 || size[k] < -1) {
      c.fail(str_cat("begin must be >= 0 and size >= -1, received begin ", dims_str(begin),
                     " and size ", dims_str(size)));
    }
    if (dim >= 0 && (begin[k] > dim || (size[k] >= 0 && begin[k] + size[k] > dim))) {
      c.fail(str_cat("slice [", begin[k], ", ",
                     size[k] < 0 ? std::string("end") : std::to_string(begin[k] + size[k]),
                     ") of dimension ", i, " is out of range for shape ", in.to_string(),
                     " (begin ", dims_str(begin), ", size ", dims_str(size), ")"));
    }
    d.push_back(size[k] >= 0 ? size[k] : (dim >= 0 ? dim - begin[k] : -1));
  }
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

std::vector<Grad> slice_grad(GradContext& c) {
  Output x = c.input(0);
  const Shape& xs = x.shape();
  const auto& begin = c.attrs().get<std::vector<int64_t>>("begin");
  const auto& size = c.attrs().get<std::vector<int64_t>>("size");
  std::vector<std::pair<int64_t, int64_t>> pads;
  for (int i = 0; i < xs.rank(); ++i) {
    const size_t k = static_cast<size_t>(i);
    if (size[k] < 0) {
      pads.emplace_back(begin[k], 0);
    } else if (xs.dim(i) >= 0) {
      pads.emplace_back(begin[k], xs.dim(i) - begin[k] - size[k]);
    } else {
      // The padding after depends on x's run-time size.
      return {c.graph.add_node("PadToShapeOf", "PadToShapeOf", {c.dy(), x}, {{"begin", begin}})
                  ->output(0)};
    }
  }
  return {ops::pad(c.dy(), pads)};
}

std::vector<int64_t> paddings_attr(const std::vector<std::pair<int64_t, int64_t>>& p) {
  std::vector<int64_t> flat;
  for (const auto& [a, b] : p) {
    flat.push_back(a);
    flat.push_back(b);
  }
  return flat;
}

std::vector<TensorSpec> infer_pad(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const auto& p = c.attrs.get<std::vector<int64_t>>("paddings");
  if (static_cast<int>(p.size()) != 2 * in.rank()) {
    c.fail(str_cat("paddings must be [", in.rank(), ", 2] (one {before, after} per dimension), ",
                   "received ", p.size() / 2, p.size() % 2 ? ".5" : "", " pairs"));
  }
  std::vector<int64_t> d;
  for (int i = 0; i < in.rank(); ++i) {
    const int64_t a = p[static_cast<size_t>(2 * i)], b = p[static_cast<size_t>(2 * i + 1)];
    if (a < 0 || b < 0) {
      c.fail(
          str_cat("paddings must be non-negative, received {", a, ", ", b, "} for dimension ", i));
    }
    d.push_back(in.dim(i) < 0 ? -1 : in.dim(i) + a + b);
  }
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

std::vector<Grad> pad_grad(GradContext& c) {
  Output x = c.input(0);
  const Shape& xs = x.shape();
  const auto& p = c.attrs().get<std::vector<int64_t>>("paddings");
  std::vector<int64_t> begin, size;
  bool known = true;
  for (int i = 0; i < xs.rank(); ++i) {
    const int64_t a = p[static_cast<size_t>(2 * i)], b = p[static_cast<size_t>(2 * i + 1)];
    begin.push_back(a);
    // An unknown size with padding after it can only be cut at run time.
    known = known && (xs.dim(i) >= 0 || b == 0);
    size.push_back(xs.dim(i) >= 0 ? xs.dim(i) : -1);
  }
  if (!known) {
    return {c.graph.add_node("SliceToShapeOf", "SliceToShapeOf", {c.dy(), x}, {{"begin", begin}})
                ->output(0)};
  }
  return {ops::slice(c.dy(), begin, size)};
}

// Internal ops: input placed into / taken from a block at `begin` of like's run-time shape.
std::vector<TensorSpec> infer_like_block(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const Shape& like = c.input(1).shape;
  const auto& begin = c.attrs.get<std::vector<int64_t>>("begin");
  if (in.rank() != like.rank() || static_cast<int>(begin.size()) != in.rank()) {
    c.fail(str_cat("input, like and begin must have one rank, received ", in.to_string(), ", ",
                   like.to_string(), " and ", dims_str(begin)));
  }
  return {{c.input(0).dtype, like}};
}

// ---- Tile ----
std::vector<TensorSpec> infer_tile(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const auto& m = c.attrs.get<std::vector<int64_t>>("multiples");
  if (static_cast<int>(m.size()) != in.rank()) {
    c.fail(str_cat("multiples must have one entry per dimension (", in.rank(), "), received ",
                   dims_str(m)));
  }
  std::vector<int64_t> d;
  for (int i = 0; i < in.rank(); ++i) {
    const int64_t k = m[static_cast<size_t>(i)];
    if (k < 0) c.fail(str_cat("multiples must be non-negative, received ", dims_str(m)));
    d.push_back(k == 0 ? 0 : (in.dim(i) < 0 ? -1 : in.dim(i) * k));
  }
  return {{c.input(0).dtype, Shape(std::move(d))}};
}

// ---- OneHot ----
std::vector<TensorSpec> infer_one_hot(InferContext& c) {
  const TensorSpec& idx = c.input(0);
  if (idx.dtype != DType::i32 && idx.dtype != DType::i64 && idx.dtype != DType::u8) {
    c.fail(str_cat("indices must be int32, int64 or uint8, received ", name(idx.dtype)));
  }
  const int64_t depth = c.attrs.get_int("depth");
  if (depth < 0) c.fail(str_cat("depth must be non-negative, received ", depth));
  const int64_t axis = c.attrs.get_int("axis");
  const int rank = idx.shape.rank();
  if (axis < -1 || axis > rank) {
    c.fail(str_cat("axis must be -1 or in [0, ", rank, "], received ", axis));
  }
  std::vector<int64_t> d = idx.shape.dims();
  d.insert(axis < 0 ? d.end() : d.begin() + axis, depth);
  return {{c.attrs.get<DType>("T"), Shape(std::move(d))}};
}

// ---- BroadcastTo ----
std::vector<TensorSpec> infer_broadcast_to(InferContext& c) {
  const Shape& in = c.input(0).shape;
  const Shape& target = c.attrs.get<Shape>("shape");
  if (!target.is_fully_defined()) {
    c.fail("the target shape must be fully defined, received " + target.to_string());
  }
  bool ok = in.rank() <= target.rank();
  for (int i = 0; ok && i < in.rank(); ++i) {
    const int64_t d = in.dim(i), t = target.dim(target.rank() - in.rank() + i);
    ok = d == 1 || d < 0 || d == t;
  }
  if (!ok) c.fail(str_cat("cannot broadcast ", in.to_string(), " to ", target.to_string()));
  return {{c.input(0).dtype, target}};
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
  r.add(OpDef("Transpose")
            .inputs({"x"})
            .outputs({"y"})
            .attr("perm", std::vector<int64_t>{})
            .infer(infer_transpose)
            .reference(kernels::ref::transpose)
            .grad([](GradContext& c) -> std::vector<Grad> {
              const auto& perm = c.attrs().get<std::vector<int64_t>>("perm");
              std::vector<int64_t> inv(perm.size());
              for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = i;
              return {ops::transpose(c.dy(), inv)};
            }));
  r.add(OpDef("ConcatV2")
            .any_inputs()
            .outputs({"output"})
            .attr("axis", int64_t{0})
            .infer(infer_concat)
            .reference(kernels::ref::concat)
            .grad(concat_grad));
  // ConcatSlice(dy, x_0, ..., x_n-1): the part of ConcatV2's gradient dy that belongs to
  // x_index, located with the run-time sizes of the x's.
  r.add(OpDef("ConcatSlice")
            .any_inputs()
            .outputs({"output"})
            .attr("axis", int64_t{0})
            .attr("index", int64_t{0})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const int64_t i = c.attrs.get_int("index");
              if (i < 0 || i + 1 >= static_cast<int64_t>(c.inputs.size())) {
                c.fail(str_cat("index ", i, " is out of range"));
              }
              return {{c.input(0).dtype, c.input(static_cast<int>(i) + 1).shape}};
            })
            .reference(kernels::ref::concat_slice)
            .grad([](GradContext& c) -> std::vector<Grad> {
              throw Unimplemented(str_cat("gradients: the second derivative of concat ('",
                                          c.node.name(),
                                          "') with unknown sizes along its axis "
                                          "is not implemented"));
            }));
  r.add(OpDef("Pack")
            .any_inputs()
            .outputs({"output"})
            .attr("axis", int64_t{0})
            .infer(infer_pack)
            .reference(kernels::ref::pack)
            .grad([](GradContext& c) -> std::vector<Grad> {
              std::vector<Output> parts = ops::unstack(c.dy(), c.attrs().get_int("axis"));
              return {parts.begin(), parts.end()};
            }));
  r.add(OpDef("Unpack")
            .inputs({"value"})
            .outputs({"output"})
            .attr("num", int64_t{0})
            .attr("axis", int64_t{0})
            .infer(infer_unpack)
            .reference(kernels::ref::unpack)
            .grad([](GradContext& c) -> std::vector<Grad> {
              std::vector<Output> dys;
              for (int i = 0; i < c.node.num_outputs(); ++i) dys.push_back(c.dy(i));
              return {ops::stack(dys, c.attrs().get_int("axis"))};
            }));
  r.add(OpDef("Slice")
            .inputs({"input"})
            .outputs({"output"})
            .attr("begin", std::vector<int64_t>{})
            .attr("size", std::vector<int64_t>{})
            .infer(infer_slice)
            .reference(kernels::ref::slice)
            .grad(slice_grad));
  r.add(OpDef("Pad")
            .inputs({"input"})
            .outputs({"output"})
            .attr("paddings", std::vector<int64_t>{})
            .attr("constant_values", 0.0)
            .infer(infer_pad)
            .reference(kernels::ref::pad)
            .grad(pad_grad));
  // SliceToShapeOf / PadToShapeOf (input, like; attr begin): Pad's and Slice's gradients when
  // the amounts depend on run-time sizes.
  r.add(OpDef("SliceToShapeOf")
            .inputs({"input", "like"})
            .outputs({"output"})
            .attr("begin", std::vector<int64_t>{})
            .infer(infer_like_block)
            .reference(kernels::ref::slice)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {c.graph
                          .add_node("PadToShapeOf", "PadToShapeOf", {c.dy(), c.input(0)},
                                    {{"begin", c.attrs().get<std::vector<int64_t>>("begin")}})
                          ->output(0),
                      Grad()};
            }));
  r.add(OpDef("PadToShapeOf")
            .inputs({"input", "like"})
            .outputs({"output"})
            .attr("begin", std::vector<int64_t>{})
            .infer(infer_like_block)
            .reference(kernels::ref::pad_to_shape_of)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {c.graph
                          .add_node("SliceToShapeOf", "SliceToShapeOf", {c.dy(), c.input(0)},
                                    {{"begin", c.attrs().get<std::vector<int64_t>>("begin")}})
                          ->output(0),
                      Grad()};
            }));
  r.add(OpDef("Tile")
            .inputs({"input"})
            .outputs({"output"})
            .attr("multiples", std::vector<int64_t>{})
            .infer(infer_tile)
            .reference(kernels::ref::tile)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {
                  c.graph
                      .add_node("TileGrad", "TileGrad", {c.dy(), c.input(0)},
                                {{"multiples", c.attrs().get<std::vector<int64_t>>("multiples")}})
                      ->output(0)};
            }));
  // TileGrad(dy, like): sums the tiles of dy back to like's shape.
  r.add(OpDef("TileGrad")
            .inputs({"grad", "like"})
            .outputs({"output"})
            .attr("multiples", std::vector<int64_t>{})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              return {{c.input(0).dtype, c.input(1).shape}};
            })
            .reference(kernels::ref::tile_grad)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {ops::tile(c.dy(), c.attrs().get<std::vector<int64_t>>("multiples")), Grad()};
            }));
  r.add(OpDef("OneHot")
            .inputs({"indices"})
            .outputs({"output"})
            .attr("depth", int64_t{0})
            .attr("on_value", 1.0)
            .attr("off_value", 0.0)
            .attr("axis", int64_t{-1})
            .attr("T", DType::f32)
            .infer(infer_one_hot)
            .reference(kernels::ref::one_hot)
            .not_differentiable());
  r.add(OpDef("Shape")
            .inputs({"input"})
            .outputs({"output"})
            .attr("out_type", DType::i32)
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const DType t = c.attrs.get<DType>("out_type");
              if (t != DType::i32 && t != DType::i64) {
                c.fail(str_cat("out_type must be int32 or int64, received ", name(t)));
              }
              return {{t, Shape{c.input(0).shape.rank()}}};
            })
            .reference(kernels::ref::shape)
            .not_differentiable());
  r.add(OpDef("BroadcastTo")
            .inputs({"input"})
            .outputs({"output"})
            .attr("shape", Shape{})
            .infer(infer_broadcast_to)
            .reference(kernels::ref::broadcast)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {ops::unbroadcast(c.dy(), c.input(0))};
            }));
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
Output concat(const std::vector<Output>& values, int64_t axis, const std::string& name) {
  DL_CHECK(!values.empty(), "concat: needs at least one value");
  if (values.size() == 1) return values[0];
  return values[0].graph().add_node("ConcatV2", name, values, {{"axis", axis}})->output(0);
}
Output transpose(Output x, std::vector<int64_t> perm, const std::string& name) {
  if (perm.empty()) {
    for (int i = x.shape().rank() - 1; i >= 0; --i) perm.push_back(i);
  }
  return x.graph().add_node("Transpose", name, {x}, {{"perm", std::move(perm)}})->output(0);
}
Output slice(Output x, std::vector<int64_t> begin, std::vector<int64_t> size,
             const std::string& name) {
  return x.graph()
      .add_node("Slice", name, {x}, {{"begin", std::move(begin)}, {"size", std::move(size)}})
      ->output(0);
}
Output pad(Output x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
           double constant_values, const std::string& name) {
  return x.graph()
      .add_node("Pad", name, {x},
                {{"paddings", paddings_attr(paddings)}, {"constant_values", constant_values}})
      ->output(0);
}
Output one_hot(Output indices, int64_t depth, double on_value, double off_value, int64_t axis,
               DType dtype, const std::string& name) {
  return indices.graph()
      .add_node("OneHot", name, {indices},
                {{"depth", depth},
                 {"on_value", on_value},
                 {"off_value", off_value},
                 {"axis", axis},
                 {"T", dtype}})
      ->output(0);
}
Output tile(Output x, std::vector<int64_t> multiples, const std::string& name) {
  return x.graph().add_node("Tile", name, {x}, {{"multiples", std::move(multiples)}})->output(0);
}
Output shape(Output x, DType out_type, const std::string& name) {
  return x.graph().add_node("Shape", name, {x}, {{"out_type", out_type}})->output(0);
}
Output stack(const std::vector<Output>& values, int64_t axis, const std::string& name) {
  DL_CHECK(!values.empty(), "stack: needs at least one value");
  return values[0].graph().add_node("Pack", name, values, {{"axis", axis}})->output(0);
}
std::vector<Output> unstack(Output value, int64_t axis, const std::string& name) {
  const Shape& s = value.shape();
  DL_CHECK(axis >= -s.rank() && axis < s.rank(), "unstack: axis ", axis, " is out of range for '",
           value.name(), "' of shape ", s.to_string());
  const int64_t num = s.dim(static_cast<int>(axis < 0 ? axis + s.rank() : axis));
  DL_CHECK(num >= 0, "unstack: dimension ", axis, " of '", value.name(), "' (shape ", s.to_string(),
           ") must be known");
  Node* n = value.graph().add_node("Unpack", name, {value}, {{"num", num}, {"axis", axis}});
  std::vector<Output> out;
  for (int i = 0; i < n->num_outputs(); ++i) out.push_back(n->output(i));
  return out;
}
Output broadcast_to(Output x, Shape shape, const std::string& name) {
  return x.graph().add_node("BroadcastTo", name, {x}, {{"shape", std::move(shape)}})->output(0);
}
Output flatten(Output x, const std::string& name) {
  const Shape& s = x.shape();
  DL_CHECK(s.rank() >= 1, "flatten: '", x.name(), "' must have rank >= 1, received shape ",
           s.to_string());
  int64_t p = 1;
  for (int d = 1; d < s.rank(); ++d) {
    DL_CHECK(s.dim(d) >= 0, "flatten: the dimensions of '", x.name(),
             "' after the first must be known, received shape ", s.to_string());
    p *= s.dim(d);
  }
  Graph& g = x.graph();
  NameScope scope(g, name);
  return reshape(x, Shape{-1, p}, "Reshape");
}
}  // namespace ops
}  // namespace dl
