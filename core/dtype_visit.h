#pragma once
/// visit_dtype(t, f): calls f(T{}) with the C++ type T that `t` names, so that type-generic
/// code is written once as a generic lambda instead of a switch per call site.
#include "dl/core/dtype.h"
#include "dl/core/error.h"

namespace dl {

template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::f32:
      return f(float{});
    case DType::f64:
      return f(double{});
    case DType::i32:
      return f(int32_t{});
    case DType::i64:
      return f(int64_t{});
    case DType::u8:
      return f(uint8_t{});
    case DType::boolean:
      return f(bool{});
  }
  throw InternalError("visit_dtype: invalid dtype");
}

/// Same, for the floating types only; throws InvalidArgument naming `what` for the others.
template <class F>
decltype(auto) visit_float_dtype(DType t, const char* what, F&& f) {
  switch (t) {
    case DType::f32:
      return f(float{});
    case DType::f64:
      return f(double{});
    default:
      break;
  }
  throw InvalidArgument(
      str_cat(what, ": expected a float32 or float64 tensor, received ", name(t)));
}

}  // namespace dl
