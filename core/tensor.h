#pragma once
/// Tensor: a dtype, a fully defined shape and a shared, 64-byte-aligned buffer.
/// Always dense and row-major. Copying a Tensor shares its buffer (like TF's Tensor);
/// clone() makes a deep copy. reshaped() and slice_rows() are views into the same buffer.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dl/core/dtype.h"
#include "dl/core/error.h"
#include "dl/core/shape.h"

namespace dl {

/// 64-byte-aligned storage shared by tensors and their views.
class Buffer {
 public:
  explicit Buffer(size_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() { return data_; }
  size_t size() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

class Tensor {
 public:
  /// An empty tensor (no buffer); valid() is false.
  Tensor() = default;
  /// Allocates an uninitialised tensor. Requires: shape fully defined.
  Tensor(DType dtype, Shape shape);

  /// Tensors filled with a value.
  static Tensor zeros(DType dtype, Shape shape);
  static Tensor filled(DType dtype, Shape shape, double value);
  template <class T>
  static Tensor scalar(T v) {
    Tensor t(dtype_of<T>(), Shape{});
    *t.data<T>() = v;
    return t;
  }
  /// A tensor holding a copy of `values`; throws if the count does not match the shape.
  template <class T>
  static Tensor from_vector(Shape shape, const std::vector<T>& values) {
    Tensor t(dtype_of<T>(), std::move(shape));
    DL_CHECK(static_cast<int64_t>(values.size()) == t.num_elements(),
             "Tensor::from_vector: ", values.size(), " values given for shape ",
             t.shape().to_string());
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }

  bool valid() const { return buffer_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t num_elements() const { return shape_.num_elements(); }
  size_t num_bytes() const { return static_cast<size_t>(num_elements()) * size_of(dtype_); }

  void* raw_data() { return static_cast<char*>(buffer_->data()) + offset_; }
  const void* raw_data() const { return static_cast<const char*>(buffer_->data()) + offset_; }
  /// Typed access; DL_DEBUG_ASSERTs that T matches the dtype.
  template <class T>
  T* data() {
    DL_DEBUG_ASSERT(dtype_of<T>() == dtype_);
    return static_cast<T*>(raw_data());
  }
  template <class T>
  const T* data() const {
    DL_DEBUG_ASSERT(dtype_of<T>() == dtype_);
    return static_cast<const T*>(raw_data());
  }
  template <class T>
  std::span<const T> values() const {
    return {data<T>(), static_cast<size_t>(num_elements())};
  }
  template <class T>
  std::vector<T> to_vector() const {
    auto v = values<T>();
    return {v.begin(), v.end()};
  }
  /// Element i converted to double, whatever the dtype (for tests and printing).
  double value_at(int64_t i) const;

  /// A view with another shape of the same element count.
  Tensor reshaped(Shape shape) const;
  /// A view of rows [begin, end) along dimension 0.
  Tensor slice_rows(int64_t begin, int64_t end) const;
  /// A deep copy.
  Tensor clone() const;
  /// Copies the elements of `src` (same dtype and element count) into this tensor's buffer.
  void copy_from(const Tensor& src);
  /// True when both views share a buffer.
  bool shares_buffer_with(const Tensor& o) const { return buffer_ && buffer_ == o.buffer_; }
  /// A new tensor with the elements converted to `dtype`.
  Tensor cast(DType dtype) const;

  /// "float32[2,3]"
  std::string spec_string() const;
  /// Spec plus up to `max_values` values, for messages and debugging.
  std::string debug_string(int max_values = 8) const;

 private:
  DType dtype_ = DType::f32;
  Shape shape_;
  std::shared_ptr<Buffer> buffer_;
  size_t offset_ = 0;
};

}  // namespace dl
