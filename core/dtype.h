#pragma once
/// Element types of tensors, with TF1's names available through name().
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dl {

/// The element types a Tensor can hold. `boolean` is stored as one byte per element.
enum class DType : uint8_t { f32, f64, i32, i64, u8, boolean };

/// Bytes per element.
size_t size_of(DType t);
/// TF1-style type name: "float32", "float64", "int32", "int64", "uint8", "bool".
std::string_view name(DType t);
/// True for f32 and f64.
bool is_floating(DType t);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::f64;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::u8;
}
template <>
constexpr DType dtype_of<bool>() {
  return DType::boolean;
}

}  // namespace dl
