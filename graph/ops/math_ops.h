#pragma once
/// Element-wise math, comparisons, casts and matmul (tf.add, tf.exp, tf.equal, tf.cast,
/// tf.matmul, ...), with the operators + - * / and unary - on Output.
///
/// Binary ops broadcast like NumPy; both inputs must have one dtype (no implicit promotion, as
/// in TF). Throws: InvalidArgument naming the node when shapes or dtypes do not fit.
#include <string>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.add / tf.subtract / tf.multiply / tf.truediv with NumPy broadcasting.
Output add(Output a, Output b, const std::string& name = "add");
Output subtract(Output a, Output b, const std::string& name = "sub");
Output multiply(Output a, Output b, const std::string& name = "mul");
Output divide(Output a, Output b, const std::string& name = "truediv");

// ---- unary (same dtype and shape as x) ----
/// tf.negative: -x.
Output neg(Output x, const std::string& name = "Neg");
/// tf.abs: |x|.
Output abs(Output x, const std::string& name = "Abs");
/// tf.square: x * x.
Output square(Output x, const std::string& name = "Square");
/// tf.sqrt (floating x).
Output sqrt(Output x, const std::string& name = "Sqrt");
/// tf.rsqrt: 1 / sqrt(x) (floating x).
Output rsqrt(Output x, const std::string& name = "Rsqrt");
/// tf.exp (floating x).
Output exp(Output x, const std::string& name = "Exp");
/// tf.log: natural logarithm (floating x).
Output log(Output x, const std::string& name = "Log");
/// tf.log1p: log(1 + x), accurate near 0 (floating x).
Output log1p(Output x, const std::string& name = "Log1p");
/// tf.reciprocal: 1 / x (floating x).
Output reciprocal(Output x, const std::string& name = "Reciprocal");
/// tf.sign: -1, 0 or 1. Its gradient is zero.
Output sign(Output x, const std::string& name = "Sign");
/// tf.floor (floating x). No gradient flows through it (as in TF).
Output floor(Output x, const std::string& name = "Floor");

// ---- binary with broadcasting ----
/// tf.maximum / tf.minimum. On ties the gradient goes to x (as TF's >= / <= masks).
Output maximum(Output x, Output y, const std::string& name = "Maximum");
Output minimum(Output x, Output y, const std::string& name = "Minimum");
/// tf.pow: x ** y. d/dy is 0 where x <= 0 (as TF).
Output pow(Output x, Output y, const std::string& name = "Pow");
/// tf.squared_difference: (x - y)^2.
Output squared_difference(Output x, Output y, const std::string& name = "SquaredDifference");

// ---- comparisons (bool output, broadcasting, no gradient) ----
Output equal(Output x, Output y, const std::string& name = "Equal");
Output not_equal(Output x, Output y, const std::string& name = "NotEqual");
Output less(Output x, Output y, const std::string& name = "Less");
Output less_equal(Output x, Output y, const std::string& name = "LessEqual");
Output greater(Output x, Output y, const std::string& name = "Greater");
Output greater_equal(Output x, Output y, const std::string& name = "GreaterEqual");

// ---- logical (bool inputs and output) ----
Output logical_and(Output x, Output y, const std::string& name = "LogicalAnd");
Output logical_or(Output x, Output y, const std::string& name = "LogicalOr");
Output logical_not(Output x, const std::string& name = "LogicalNot");

/// tf.cast(x, dtype): converts element-wise (float -> int truncates toward zero, x -> bool is
/// x != 0). Returns x itself when it already has `dtype` (as TF). The gradient is cast back
/// for float -> float casts; none flows otherwise.
Output cast(Output x, DType dtype, const std::string& name = "Cast");

/// tf.clip_by_value(t, clip_value_min, clip_value_max): min/max are scalars or tensors that
/// broadcast to t's shape (the output keeps t's shape). The gradient flows to t where
/// min <= t <= max, and to min / max where t was clipped.
Output clip_by_value(Output t, Output clip_value_min, Output clip_value_max,
                     const std::string& name = "clip_by_value");
/// clip_by_value with scalar bounds (constants of t's dtype).
Output clip_by_value(Output t, double clip_value_min, double clip_value_max,
                     const std::string& name = "clip_by_value");

/// tf.where(condition, x, y) with TF2's broadcasting (op "SelectV2"): x where condition is
/// true, else y. condition is bool; x and y have one dtype.
Output where(Output condition, Output x, Output y, const std::string& name = "SelectV2");

/// tf.matmul(a, b, transpose_a, transpose_b) for rank-2 a and b. Throws InvalidArgument
/// naming the node and both shapes when the inner dimensions differ.
Output matmul(Output a, Output b, bool transpose_a = false, bool transpose_b = false,
              const std::string& name = "MatMul");

}  // namespace dl::ops

namespace dl {
Output operator+(Output a, Output b);
Output operator-(Output a, Output b);
Output operator*(Output a, Output b);
Output operator/(Output a, Output b);
/// Unary minus: ops::neg.
Output operator-(Output a);
/// Scalar forms: the scalar becomes a constant of the tensor's dtype.
Output operator+(Output a, double b);
Output operator-(Output a, double b);
Output operator*(Output a, double b);
Output operator/(Output a, double b);
Output operator+(double a, Output b);
Output operator-(double a, Output b);
Output operator*(double a, Output b);
Output operator/(double a, Output b);
}  // namespace dl
