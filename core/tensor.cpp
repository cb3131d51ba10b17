#include "dl/core/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "dl/core/buffer_pool.h"
#include "dl/core/dtype_visit.h"

namespace dl {

Buffer::Buffer(size_t bytes) : data_(detail::buffer_allocate(bytes)), bytes_(bytes) {}

Buffer::~Buffer() { detail::buffer_release(data_, bytes_); }

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  DL_CHECK(shape_.is_fully_defined(), "Tensor: cannot allocate a tensor of shape ",
           shape_.to_string(), ": every dimension must be known");
  buffer_ = std::make_shared<Buffer>(num_bytes());
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  std::memset(t.raw_data(), 0, t.num_bytes());
  return t;
}

Tensor Tensor::filled(DType dtype, Shape shape, double value) {
  Tensor t(dtype, std::move(shape));
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(t.data<T>(), t.num_elements(), static_cast<T>(value));
  });
  return t;
}

double Tensor::value_at(int64_t i) const {
  return visit_dtype(dtype_, [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(data<T>()[i]);
  });
}

Tensor Tensor::reshaped(Shape shape) const {
  DL_CHECK(shape.num_elements() == num_elements(), "Tensor::reshaped: cannot view ", spec_string(),
           " as ", shape.to_string(), ": element counts differ");
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  DL_CHECK(shape_.rank() >= 1 && begin >= 0 && begin <= end && end <= shape_.dim(0),
           "Tensor::slice_rows: rows [", begin, ", ", end, ") out of range for ", spec_string());
  std::vector<int64_t> d = shape_.dims();
  const int64_t row = d[0] == 0 ? 0 : num_elements() / d[0];
  d[0] = end - begin;
  Tensor t = *this;
  t.shape_ = Shape(std::move(d));
  t.offset_ += static_cast<size_t>(begin * row) * size_of(dtype_);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (num_bytes()) std::memcpy(t.raw_data(), raw_data(), num_bytes());
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  DL_CHECK(src.dtype() == dtype_ && src.num_elements() == num_elements(),
           "Tensor::copy_from: cannot copy ", src.spec_string(), " into ", spec_string());
  if (num_bytes() && raw_data() != src.raw_data())
    std::memcpy(raw_data(), src.raw_data(), num_bytes());
}

Tensor Tensor::cast(DType dtype) const {
  Tensor t(dtype, shape_);
  const int64_t n = num_elements();
  visit_dtype(dtype, [&](auto to) {
    using To = decltype(to);
    To* o = t.data<To>();
    visit_dtype(dtype_, [&](auto from) {
      using From = decltype(from);
      const From* p = data<From>();
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<To>(p[i]);
    });
  });
  return t;
}

std::string Tensor::spec_string() const { return str_cat(name(dtype_), shape_.to_string()); }

std::string Tensor::debug_string(int max_values) const {
  std::string s = spec_string();
  if (!valid()) return s + " (empty)";
  s += " {";
  const int64_t n = num_elements();
  for (int64_t i = 0; i < n && i < max_values; ++i) s += str_cat(i ? ", " : "", value_at(i));
  if (n > max_values) s += ", ...";
  return s + "}";
}

}  // namespace dl
