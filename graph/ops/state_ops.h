#pragma once
/// Graph inputs, constants, identity and grouping ops (tf.placeholder, tf.constant, tf.identity,
/// tf.stop_gradient, tf.no_op, tf.group, tf.zeros, tf.ones, tf.zeros_like, tf.add_n).
#include <string>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.placeholder(dtype, shape, name). Unknown dimensions are -1. Must be fed when a run needs it.
Output placeholder(Graph& g, DType dtype, Shape shape, const std::string& name = "Placeholder");
/// tf.placeholder_with_default(input, shape, name): `input` unless fed.
Output placeholder_with_default(Output input, Shape shape,
                                const std::string& name = "PlaceholderWithDefault");
/// tf.constant(value, name).
Output constant(Graph& g, Tensor value, const std::string& name = "Const");
/// A scalar constant of the given dtype.
Output scalar(Graph& g, double value, DType dtype = DType::f32, const std::string& name = "Const");
/// A float32 constant from values and a shape.
Output constant(Graph& g, const std::vector<float>& values, Shape shape,
                const std::string& name = "Const");
/// tf.zeros / tf.ones / tf.fill for a fully defined shape.
Output zeros(Graph& g, Shape shape, DType dtype = DType::f32, const std::string& name = "zeros");
Output ones(Graph& g, Shape shape, DType dtype = DType::f32, const std::string& name = "ones");
Output fill(Graph& g, Shape shape, double value, DType dtype = DType::f32,
            const std::string& name = "Fill");
/// tf.zeros_like / tf.ones_like (shape taken at run time).
Output zeros_like(Output x, const std::string& name = "zeros_like");
Output ones_like(Output x, const std::string& name = "ones_like");
/// tf.identity / tf.stop_gradient.
Output identity(Output x, const std::string& name = "Identity");
Output stop_gradient(Output x, const std::string& name = "StopGradient");
/// tf.add_n: element-wise sum of tensors of one shape.
Output add_n(const std::vector<Output>& xs, const std::string& name = "AddN");
/// tf.no_op.
Node* no_op(Graph& g, const std::string& name = "NoOp");
/// tf.group: a NoOp that runs after all `deps`.
Node* group(Graph& g, const std::vector<Node*>& deps, const std::string& name = "group_deps");
/// Reduces `grad` (a broadcast result) by summation to the run-time shape of `like`: the
/// central un-broadcast step of every broadcasting op's gradient.
Output sum_to_shape_of(Output grad, Output like, const std::string& name = "SumToShape");
/// sum_to_shape_of, but returns `grad` unchanged when both static shapes are equal and known.
Output unbroadcast(Output grad, Output like);

}  // namespace dl::ops
