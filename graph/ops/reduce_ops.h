#pragma once
/// Reductions (tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_min, tf.reduce_prod,
/// tf.argmax, tf.argmin).
///
/// `axis` lists the dimensions to reduce; empty means all of them (TF's axis=None); negative
/// values count from the end. With keep_dims the reduced dimensions stay as size 1.
///
/// Determinism: every output element is folded over its input elements in one fixed order
/// (ascending row-major index of the reduced dimensions), whatever the thread count. Floating
/// sums, means and products accumulate in double (so float32 results are the float32
/// rounding of a double-precision sum); integer ones in int64. An integer mean truncates, as
/// in TF.
///
/// Throws InvalidArgument naming the node when an axis is out of range or repeated.
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::ops {

/// Sum over `axis`. Gradient: the incoming gradient broadcast back to x's run-time shape.
Output reduce_sum(Output x, std::vector<int64_t> axis = {}, bool keep_dims = false,
                  const std::string& name = "Sum");
/// Mean over `axis`. Gradient: broadcast back and divided by the number of reduced elements,
/// taken from x's run-time shape when it is not known statically.
Output reduce_mean(Output x, std::vector<int64_t> axis = {}, bool keep_dims = false,
                   const std::string& name = "Mean");
/// Maximum / minimum over `axis`. The gradient goes to the elements equal to the extreme,
/// split evenly among ties (as TF). A reduction over zero elements gives -inf / +inf (the
/// lowest / highest value for integers).
Output reduce_max(Output x, std::vector<int64_t> axis = {}, bool keep_dims = false,
                  const std::string& name = "Max");
Output reduce_min(Output x, std::vector<int64_t> axis = {}, bool keep_dims = false,
                  const std::string& name = "Min");
/// Product over `axis`. The gradient is the product of the other elements of each group,
/// exact also where x holds zeros.
Output reduce_prod(Output x, std::vector<int64_t> axis = {}, bool keep_dims = false,
                   const std::string& name = "Prod");
/// Index of the largest / smallest element along `axis` (the first one on ties), as int64 or
/// int32 (`output_type`). No gradient.
Output argmax(Output x, int64_t axis, DType output_type = DType::i64,
              const std::string& name = "ArgMax");
Output argmin(Output x, int64_t axis, DType output_type = DType::i64,
              const std::string& name = "ArgMin");

}  // namespace dl::ops
