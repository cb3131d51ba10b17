#include "dl/highlevel/layers/merging.h"

#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"

namespace dl::keras::layers {
namespace {

std::string shapes_string(const std::vector<TensorSpec>& inputs) {
  std::string s = "[";
  for (size_t i = 0; i < inputs.size(); ++i) {
    s += (i ? ", " : "") + shape_to_string(inputs[i].shape);
  }
  return s + "]";
}

}  // namespace

AddImpl::AddImpl(LayerOptions o) : Layer("Add", LayerArgs{o.name, o.trainable, o.input_shape}) {}

void AddImpl::build(const std::vector<TensorSpec>& inputs) {
  if (inputs.size() < 2) {
    fail(str_cat("A merge layer should be called on a list of at least 2 inputs. Got ",
                 inputs.size(), " inputs."));
  }
  Shape out = inputs[0].shape;
  for (size_t i = 1; i < inputs.size(); ++i) {
    try {
      out = broadcast_shapes(out, inputs[i].shape);
    } catch (const InvalidArgument&) {
      fail(str_cat("Inputs have incompatible shapes. Received shapes ", shapes_string(inputs)));
    }
  }
}

std::vector<Output> AddImpl::call(const std::vector<Output>& inputs, bool) {
  Output out = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) out = ops::add(out, inputs[i]);
  return {out};
}

ConcatenateImpl::ConcatenateImpl(ConcatenateOptions o)
    : Layer("Concatenate", LayerArgs{o.name, o.trainable, {}}), axis_(o.axis) {}

void ConcatenateImpl::build(const std::vector<TensorSpec>& inputs) {
  if (inputs.size() < 2) {
    fail(
        str_cat("A `Concatenate` layer should be called on a list of at least 2 inputs. "
                "Received: input_shape=",
                shapes_string(inputs)));
  }
  const int rank = inputs[0].shape.rank();
  const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
  bool ok = axis >= 0 && axis < rank;
  for (const TensorSpec& s : inputs) {
    if (s.shape.rank() != rank) ok = false;
    for (int d = 0; ok && d < rank; ++d) {
      if (d == axis || d == 0) continue;
      const int64_t a = inputs[0].shape[d], b = s.shape[d];
      if (a >= 0 && b >= 0 && a != b) ok = false;
    }
  }
  if (!ok) {
    fail(
        str_cat("A `Concatenate` layer requires inputs with matching shapes except for the "
                "concatenation axis. Received: input_shape=",
                shapes_string(inputs)));
  }
}

std::vector<Output> ConcatenateImpl::call(const std::vector<Output>& inputs, bool) {
  return {ops::concat(inputs, axis_)};
}

}  // namespace dl::keras::layers
