#pragma once
/// Gradient values as they flow through gradients(): dense, or IndexedSlices (the sparse
/// gradient of a gather / embedding_lookup, as in TF1).
#include <optional>

#include "dl/graph/node.h"

namespace dl {

/// Rows `indices` of a tensor of shape `dense_shape` hold `values` (repeated indices add up).
struct IndexedSlices {
  Output values;   ///< [n, ...row shape]
  Output indices;  ///< int32 or int64 [n]
  Shape dense_shape;
};

/// A gradient: none, dense, or sparse.
struct Grad {
  Output dense;
  std::optional<IndexedSlices> sparse;

  Grad() = default;
  Grad(Output d) : dense(d) {}  // NOLINT(google-explicit-constructor): most grads are dense
  Grad(IndexedSlices s) : sparse(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  explicit operator bool() const { return dense || sparse.has_value(); }
  bool is_sparse() const { return sparse.has_value(); }
};

}  // namespace dl
