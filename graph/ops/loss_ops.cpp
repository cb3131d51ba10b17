#include "dl/graph/ops/loss_ops.h"

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/ref_loss.h"

namespace dl {
namespace ref = kernels::ref;

namespace {

void require_float(InferContext& c, int i, const char* what) {
  if (!is_floating(c.input(i).dtype)) {
    c.fail(str_cat(what, " must be float32 or float64, received ", name(c.input(i).dtype)));
  }
}

void require_matrix(InferContext& c, int i, const char* what) {
  if (c.input(i).shape.rank() != 2) {
    c.fail(str_cat(what, " must be 2-D [batch, classes], received ", c.input(i).shape.to_string()));
  }
}

// Merges two compatible shapes: each dimension from whichever knows it.
Shape merged(const Shape& a, const Shape& b) {
  Shape s = a;
  for (int d = 0; d < s.rank(); ++d) {
    if (s.dim(d) < 0) s.set_dim(d, b.dim(d));
  }
  return s;
}

std::vector<TensorSpec> infer_softmax_xent(InferContext& c) {
  require_float(c, 0, "features");
  require_matrix(c, 0, "features");
  require_matrix(c, 1, "labels");
  if (c.input(1).dtype != c.input(0).dtype) {
    c.fail(str_cat("labels must have the dtype of features (", name(c.input(0).dtype),
                   "), received ", name(c.input(1).dtype)));
  }
  const Shape& f = c.input(0).shape;
  const Shape& l = c.input(1).shape;
  if (!f.compatible_with(l)) {
    c.fail(str_cat("features and labels must have one shape: features are ", f.to_string(),
                   ", labels are ", l.to_string()));
  }
  const Shape s = merged(f, l);
  return {{c.input(0).dtype, Shape({s.dim(0)})}, {c.input(0).dtype, s}};
}

std::vector<TensorSpec> infer_sparse_softmax_xent(InferContext& c) {
  require_float(c, 0, "features");
  require_matrix(c, 0, "features");
  const TensorSpec& l = c.input(1);
  if (l.dtype != DType::i32 && l.dtype != DType::i64) {
    c.fail(str_cat("labels must be int32 or int64 class indices, received ", name(l.dtype)));
  }
  if (l.shape.rank() != 1) {
    c.fail(str_cat("labels must be 1-D [batch], received ", l.shape.to_string()));
  }
  Shape f = c.input(0).shape;
  const int64_t nf = f.dim(0), nl = l.shape.dim(0);
  if (nf >= 0 && nl >= 0 && nf != nl) {
    c.fail(str_cat("logits and labels must have the same first dimension: logits are ",
                   f.to_string(), ", labels are ", l.shape.to_string(), " (", nf, " != ", nl, ")"));
  }
  if (nf < 0) f.set_dim(0, nl);
  return {{c.input(0).dtype, Shape({f.dim(0)})}, {c.input(0).dtype, f}};
}

std::vector<TensorSpec> infer_sigmoid_xent(InferContext& c) {
  require_float(c, 0, "logits");
  if (c.input(1).dtype != c.input(0).dtype) {
    c.fail(str_cat("labels must have the dtype of logits (", name(c.input(0).dtype), "), received ",
                   name(c.input(1).dtype)));
  }
  const Shape& x = c.input(0).shape;
  const Shape& z = c.input(1).shape;
  if (!x.compatible_with(z)) {
    c.fail(str_cat("logits and labels must have one shape: logits are ", x.to_string(),
                   ", labels are ", z.to_string()));
  }
  return {{c.input(0).dtype, merged(x, z)}};
}

// The loss gradient [batch] times a [batch, classes] tensor, broadcast over the classes.
Output per_row(Output dloss, Output m) { return ops::expand_dims(dloss, -1) * m; }

// d/d(logits) of sum(gg * backprop) where backprop = softmax(logits) - labels: the softmax
// Jacobian applied to gg (as TF's _SoftmaxCrossEntropyWithLogitsGrad).
Output through_backprop(GradContext& c) {
  return c.graph.add_node("SoftmaxGrad", "SoftmaxGrad", {nn::softmax(c.input(0)), c.dys[1]})
      ->output(0);
}

std::vector<Grad> softmax_xent_grad(GradContext& c) {
  Output d_logits, d_labels;
  if (c.dys[0]) {
    d_logits = per_row(c.dys[0], c.output(1));
    d_labels = per_row(c.dys[0], nn::log_softmax(c.input(0)) * -1.0);
  }
  if (c.dys[1]) {
    Output j = through_backprop(c);
    Output neg = c.dys[1] * -1.0;
    d_logits = d_logits ? d_logits + j : j;
    d_labels = d_labels ? d_labels + neg : neg;
  }
  return {d_logits, d_labels};
}

std::vector<Grad> sparse_softmax_xent_grad(GradContext& c) {
  Output d_logits;
  if (c.dys[0]) d_logits = per_row(c.dys[0], c.output(1));
  if (c.dys[1]) {
    Output j = through_backprop(c);
    d_logits = d_logits ? d_logits + j : j;
  }
  return {d_logits, Grad()};
}

}  // namespace

void register_loss_ops(OpRegistry& r) {
  r.add(OpDef("SoftmaxCrossEntropyWithLogits")
            .inputs({"features", "labels"})
            .outputs({"loss", "backprop"})
            .infer(infer_softmax_xent)
            .reference(ref::softmax_cross_entropy)
            .grad(softmax_xent_grad));
  r.add(OpDef("SparseSoftmaxCrossEntropyWithLogits")
            .inputs({"features", "labels"})
            .outputs({"loss", "backprop"})
            .infer(infer_sparse_softmax_xent)
            .reference(ref::sparse_softmax_cross_entropy)
            .grad(sparse_softmax_xent_grad));
  r.add(OpDef("SigmoidCrossEntropyWithLogits")
            .inputs({"logits", "labels"})
            .outputs({"loss"})
            .infer(infer_sigmoid_xent)
            .reference(ref::sigmoid_cross_entropy)
            .grad([](GradContext& c) -> std::vector<Grad> {
              Output x = c.input(0), z = c.input(1), dy = c.dy();
              return {dy * (ops::sigmoid(x) - z), dy * (x * -1.0)};
            }));
  r.add(OpDef("L2Loss")
            .inputs({"t"})
            .outputs({"output"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              require_float(c, 0, "t");
              return {{c.input(0).dtype, Shape{}}};
            })
            .reference(ref::l2_loss)
            .grad([](GradContext& c) -> std::vector<Grad> { return {c.input(0) * c.dy()}; }));
}

namespace nn {
namespace {
void check_last_axis(const char* what, Output logits, int64_t axis, const std::string& name) {
  const int rank = logits.shape().rank();
  if (axis == -1 || axis == rank - 1) return;
  Graph& g = logits.graph();
  throw Unimplemented(str_cat(what, " '", g.current_name_scope() + name, "': axis ", axis,
                              " of logits ", logits.shape().to_string(),
                              " is not supported; only the last axis is"));
}

// TF's wrappers accept logits [d0, ..., classes] of any rank >= 1: the 2-D op runs on
// [d0 * ..., classes] and the loss gets the leading shape back. A 2-D call adds nothing.
Output fused_cross_entropy(const char* op, Output logits, Output labels, bool sparse,
                           const std::string& name) {
  Graph& g = logits.graph();
  const Shape& s = logits.shape();
  const int r = s.rank();
  if (r == 2) return g.add_node(op, name, {logits, labels})->output(0);
  const std::string full = g.current_name_scope() + name;
  if (r == 0) {
    throw InvalidArgument(
        str_cat(op, " '", full, "': logits must have rank >= 1, received a scalar"));
  }
  const Shape& l = labels.shape();
  std::vector<int64_t> lead(s.dims().begin(), s.dims().end() - 1);
  const bool labels_fit = sparse ? l.compatible_with(Shape(lead)) : l.compatible_with(s);
  if (!labels_fit) {
    throw InvalidArgument(str_cat(op, " '", full, "': labels of shape ", l.to_string(),
                                  " do not fit logits of shape ", s.to_string(), " (expected ",
                                  sparse ? Shape(lead).to_string() : s.to_string(), ")"));
  }
  int64_t classes = s.dim(r - 1);
  if (classes < 0 && !sparse) classes = l.dim(r - 1);
  int unknown = 0;
  for (size_t i = 0; i < lead.size(); ++i) {
    if (lead[i] < 0) lead[i] = l.dim(static_cast<int>(i));  // labels share the leading dims
    unknown += lead[i] < 0;
  }
  if (classes < 0 || unknown > 1) {
    throw Unimplemented(str_cat(op, " '", full, "': logits of shape ", s.to_string(),
                                " cannot be flattened to 2-D; dl needs a known class dimension "
                                "and at most one unknown leading dimension"));
  }
  NameScope scope(g, name);
  Output x2 = ops::reshape(logits, Shape({-1, classes}));
  Output z2 = ops::reshape(labels, sparse ? Shape({-1}) : Shape({-1, classes}));
  Output loss = g.add_node(op, op, {x2, z2})->output(0);
  return ops::reshape(loss, Shape(lead));
}
}  // namespace

Output softmax_cross_entropy_with_logits(Output labels, Output logits, int64_t dim,
                                         const std::string& name) {
  check_last_axis("softmax_cross_entropy_with_logits", logits, dim, name);
  return softmax_cross_entropy_with_logits_v2(ops::stop_gradient(labels, "labels_stop_gradient"),
                                              logits, dim, name);
}

Output softmax_cross_entropy_with_logits_v2(Output labels, Output logits, int64_t axis,
                                            const std::string& name) {
  check_last_axis("softmax_cross_entropy_with_logits_v2", logits, axis, name);
  return fused_cross_entropy("SoftmaxCrossEntropyWithLogits", logits, labels, false, name);
}

Output sparse_softmax_cross_entropy_with_logits(Output labels, Output logits,
                                                const std::string& name) {
  return fused_cross_entropy("SparseSoftmaxCrossEntropyWithLogits", logits, labels, true, name);
}

Output sigmoid_cross_entropy_with_logits(Output labels, Output logits, const std::string& name) {
  return logits.graph()
      .add_node("SigmoidCrossEntropyWithLogits", name, {logits, labels})
      ->output(0);
}

Output l2_loss(Output t, const std::string& name) {
  return t.graph().add_node("L2Loss", name, {t})->output(0);
}

}  // namespace nn
}  // namespace dl
