#pragma once
/// Shape and indexing ops (tf.reshape, tf.transpose, tf.concat, tf.slice, tf.pad, tf.one_hot,
/// tf.tile, tf.shape, tf.stack, tf.broadcast_to, tf.layers.flatten, ...).
///
/// Throws: InvalidArgument naming the node, what was expected and what was received, when the
/// inputs or attributes do not fit (checked when the node is created, and again with the
/// run-time shapes).
#include <string>
#include <utility>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::ops {

/// tf.reshape(x, shape): one dimension may be -1 (inferred). A view: no copy.
Output reshape(Output x, Shape shape, const std::string& name = "Reshape");
/// tf.expand_dims(x, axis): inserts a dimension of 1 at `axis` (negative counts from the end,
/// -1 appends).
Output expand_dims(Output x, int64_t axis, const std::string& name = "ExpandDims");
/// tf.squeeze(x, axis): removes the listed dimensions of size 1 (all of them when empty).
Output squeeze(Output x, std::vector<int64_t> axis = {}, const std::string& name = "Squeeze");
/// tf.concat(values, axis) (op ConcatV2). Negative axis counts from the end. All values have
/// one dtype and rank and agree on every dimension but `axis`. A single value is returned
/// as is.
Output concat(const std::vector<Output>& values, int64_t axis, const std::string& name = "concat");

/// tf.transpose(x, perm): output dimension i is input dimension perm[i]; an empty perm
/// reverses the dimensions (TF's default).
Output transpose(Output x, std::vector<int64_t> perm = {}, const std::string& name = "transpose");
/// tf.slice(x, begin, size): size[i] = -1 takes everything from begin[i] to the end.
Output slice(Output x, std::vector<int64_t> begin, std::vector<int64_t> size,
             const std::string& name = "Slice");
/// tf.pad(x, paddings, constant_values) in CONSTANT mode: paddings[i] = {before, after} for
/// dimension i.
Output pad(Output x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
           double constant_values = 0.0, const std::string& name = "Pad");
/// tf.one_hot(indices, depth, on_value, off_value, axis, dtype): indices are int32 or int64;
/// a new dimension of size depth goes at `axis` (-1 = last). Indices outside [0, depth) give
/// rows of off_value (as TF). No gradient.
Output one_hot(Output indices, int64_t depth, double on_value = 1.0, double off_value = 0.0,
               int64_t axis = -1, DType dtype = DType::f32, const std::string& name = "one_hot");
/// tf.tile(x, multiples): dimension i repeated multiples[i] times.
Output tile(Output x, std::vector<int64_t> multiples, const std::string& name = "Tile");
/// tf.shape(x, out_type): x's run-time shape as a vector (int32 by default). No gradient.
Output shape(Output x, DType out_type = DType::i32, const std::string& name = "Shape");
/// tf.stack(values, axis) (op Pack): values of one dtype and shape stacked along a new
/// dimension at `axis`.
Output stack(const std::vector<Output>& values, int64_t axis = 0,
             const std::string& name = "stack");
/// tf.unstack(value, num, axis) (op Unpack): the slices along `axis`, which must be known.
std::vector<Output> unstack(Output value, int64_t axis = 0, const std::string& name = "unstack");
/// tf.broadcast_to(x, shape): x broadcast (NumPy rules) to a fully defined shape.
Output broadcast_to(Output x, Shape shape, const std::string& name = "BroadcastTo");
/// tf.layers.flatten(x): reshape to [-1, product of the other dimensions], which must be
/// known. Throws InvalidArgument naming x otherwise.
Output flatten(Output x, const std::string& name = "flatten");

}  // namespace dl::ops
