#pragma once
/// Shape: a list of dimensions in which -1 means "unknown until run time" (printed as "?").
/// The rank is always known: dl, unlike TF1, has no unknown-rank shapes (docs/architecture.md).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace dl {

class Shape {
 public:
  static constexpr int64_t kUnknown = -1;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t operator[](int i) const { return dim(i); }
  void set_dim(int i, int64_t d) { dims_[static_cast<size_t>(i)] = d; }
  const std::vector<int64_t>& dims() const { return dims_; }

  /// True when no dimension is unknown.
  bool is_fully_defined() const;
  /// Product of the dimensions; -1 if any is unknown. A scalar has 1 element.
  int64_t num_elements() const;
  /// True when the two shapes could describe the same tensor (same rank, and equal wherever
  /// both dimensions are known).
  bool compatible_with(const Shape& other) const;
  /// "[?,784]"; a scalar is "[]".
  std::string to_string() const;

  bool operator==(const Shape& o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return dims_ != o.dims_; }

 private:
  std::vector<int64_t> dims_;
};

/// NumPy broadcasting of two shapes; throws InvalidArgument (naming both) when incompatible.
/// An unknown dimension broadcast against 1 stays unknown; against n it becomes n.
Shape broadcast_shapes(const Shape& a, const Shape& b);

std::ostream& operator<<(std::ostream& os, const Shape& s);

}  // namespace dl
