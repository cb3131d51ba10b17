#include "dl/graph/ops/gather_ops.h"

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/ref_gather.h"

namespace dl {
namespace {

bool is_index_dtype(DType t) { return t == DType::i32 || t == DType::i64; }

std::vector<TensorSpec> infer_gather(InferContext& c) {
  const TensorSpec& params = c.input(0);
  const TensorSpec& indices = c.input(1);
  if (!is_index_dtype(indices.dtype)) {
    c.fail(str_cat("indices must be int32 or int64, received ", name(indices.dtype)));
  }
  if (c.attrs.get_int("batch_dims") != 0) {
    c.fail(str_cat("only batch_dims 0 is supported, received ", c.attrs.get_int("batch_dims")));
  }
  const int rank = params.shape.rank();
  if (rank < 1) c.fail("params must have rank >= 1, received a scalar");
  int64_t axis = c.attrs.get_int("axis");
  if (axis < -rank || axis >= rank) {
    c.fail(str_cat("axis ", axis, " is out of range for params of rank ", rank));
  }
  if (axis < 0) axis += rank;
  std::vector<int64_t> d(params.shape.dims().begin(), params.shape.dims().begin() + axis);
  for (int64_t k : indices.shape.dims()) d.push_back(k);
  for (int i = static_cast<int>(axis) + 1; i < rank; ++i) d.push_back(params.shape.dim(i));
  return {{params.dtype, Shape(std::move(d))}};
}

// TF's _GatherV2Grad for axis 0: the rows of dy, one per (flattened) index, as IndexedSlices
// over params' shape.
std::vector<Grad> grad_gather(GradContext& c) {
  Output params = c.input(0), indices = c.input(1);
  int64_t axis = c.attrs().get_int("axis");
  if (axis < 0) axis += params.shape().rank();
  if (axis != 0) {
    throw Unimplemented(str_cat("GatherV2 '", c.node.name(),
                                "': the gradient of a gather along axis ", axis,
                                " is not implemented (only axis 0)"));
  }
  const Shape& ps = params.shape();
  std::vector<int64_t> vdims{-1};
  for (int i = 1; i < ps.rank(); ++i) {
    if (ps.dim(i) < 0) {
      throw Unimplemented(str_cat("GatherV2 '", c.node.name(),
                                  "': the gradient needs params' row shape, received ",
                                  ps.to_string()));
    }
    vdims.push_back(ps.dim(i));
  }
  const Shape vshape(vdims);
  Output dy = c.dy();
  Output values = dy;
  if (!(dy.shape().rank() == vshape.rank() && dy.shape().compatible_with(vshape))) {
    values = ops::reshape(dy, vshape);
  }
  Output flat = indices.shape().rank() == 1 ? indices : ops::reshape(indices, Shape({-1}));
  return {IndexedSlices{values, flat, ps}, Grad()};
}

std::vector<TensorSpec> infer_segment_sum(InferContext& c) {
  const TensorSpec& data = c.input(0);
  const TensorSpec& ids = c.input(1);
  if (!is_index_dtype(ids.dtype)) {
    c.fail(str_cat("segment_ids must be int32 or int64, received ", name(ids.dtype)));
  }
  if (data.dtype == DType::boolean) c.fail("data must be numeric, received bool");
  const int64_t num = c.attrs.get_int("num_segments");
  if (num < 0) c.fail(str_cat("num_segments must be >= 0, received ", num));
  const int k = ids.shape.rank();
  bool prefix = k <= data.shape.rank();
  for (int i = 0; prefix && i < k; ++i) {
    const int64_t a = ids.shape.dim(i), b = data.shape.dim(i);
    prefix = a < 0 || b < 0 || a == b;
  }
  if (!prefix) {
    c.fail(str_cat("segment_ids shape ", ids.shape.to_string(), " must be a prefix of data shape ",
                   data.shape.to_string()));
  }
  std::vector<int64_t> d{num};
  for (int i = k; i < data.shape.rank(); ++i) d.push_back(data.shape.dim(i));
  return {{data.dtype, Shape(std::move(d))}};
}

}  // namespace

void register_gather_ops(OpRegistry& r) {
  r.add(OpDef("GatherV2")
            .inputs({"params", "indices"})
            .outputs({"output"})
            .attr("axis", int64_t{0})
            .attr("batch_dims", int64_t{0})
            .infer(infer_gather)
            .grad(grad_gather)
            .reference(kernels::ref::gather_v2));
  r.add(OpDef("UnsortedSegmentSum")
            .inputs({"data", "segment_ids"})
            .outputs({"output"})
            .attr("num_segments", int64_t{0})
            .infer(infer_segment_sum)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {ops::gather(c.dy(), c.input(1)), Grad()};
            })
            .reference(kernels::ref::unsorted_segment_sum));
}

namespace ops {

Output gather(Output params, Output indices, int64_t axis, const std::string& name) {
  return params.graph().add_node("GatherV2", name, {params, indices}, {{"axis", axis}})->output(0);
}

Output unsorted_segment_sum(Output data, Output segment_ids, int64_t num_segments,
                            const std::string& name) {
  return data.graph()
      .add_node("UnsortedSegmentSum", name, {data, segment_ids}, {{"num_segments", num_segments}})
      ->output(0);
}

}  // namespace ops

namespace nn {

Output embedding_lookup(Output params, Output ids, const std::string& name) {
  Graph& g = params.graph();
  // TF: the gather takes the scope's name and an Identity inside the scope ends it.
  const std::string scope = g.push_name_scope(name);
  g.pop_name_scope();
  Output looked_up = ops::gather(params, ids, 0, scope);
  NameScope inner(g, scope);
  return ops::identity(looked_up, "Identity");
}

}  // namespace nn
}  // namespace dl
