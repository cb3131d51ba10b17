#pragma once
/// Element-wise math, matmul and friends (tf.add, tf.multiply, tf.matmul, ...), with the
/// operators + - * / and unary - on Output.
#include <string>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.add / tf.subtract / tf.multiply / tf.truediv with NumPy broadcasting.
Output add(Output a, Output b, const std::string& name = "add");
Output subtract(Output a, Output b, const std::string& name = "sub");
Output multiply(Output a, Output b, const std::string& name = "mul");
Output divide(Output a, Output b, const std::string& name = "truediv");

}  // namespace dl::ops

namespace dl {
Output operator+(Output a, Output b);
Output operator-(Output a, Output b);
Output operator*(Output a, Output b);
Output operator/(Output a, Output b);
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
