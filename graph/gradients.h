#pragma once
/// tf.gradients: adds the nodes that compute d(sum of ys)/d(xs) to the graph.
#include <vector>

#include "dl/graph/grad.h"
#include "dl/graph/graph.h"

namespace dl {

/// Symbolic gradients of sum(ys) with respect to each x, weighted by grad_ys (ones when
/// empty). New nodes go under the "gradients/" name scope. An x that no y depends on gets an
/// empty Output (TF's None). Sparse gradients (from gather) are densified.
/// Throws InvalidArgument naming the op when a path crosses an op without a gradient.
std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys = {});

/// Same, but a gradient that is IndexedSlices stays sparse (for optimizers' sparse updates).
std::vector<Grad> gradients_sparse(const std::vector<Output>& ys, const std::vector<Output>& xs,
                                   const std::vector<Output>& grad_ys = {});

/// Densifies IndexedSlices into a tensor of their dense shape (tf.convert_to_tensor).
Output to_dense(const IndexedSlices& s);

}  // namespace dl
