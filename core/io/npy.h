#pragma once
/// NumPy's .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a version, a header
/// length, a Python-literal header {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
/// padded to 64 bytes, then the elements in C (row-major) order.
#include <string>
#include <string_view>

#include "dl/core/tensor.h"

namespace dl::io {

/// Parses the bytes of a .npy file; `name` (a file name) is used in error messages.
/// Element types: '<f4' float32, '<f8' float64, '<i4' int32, '<i8' int64, '|u1' uint8, '|b1'
/// bool, their big-endian forms ('>f4', ...) byte-swapped, and, widened without loss,
/// '|i1' / '<i2' / '<u2' -> int32 and '<u4' -> int64. Versions 1.0, 2.0 and 3.0.
/// Throws: DataLoss naming the file for a bad magic, a malformed header, truncated data or
/// trailing bytes (with expected and received byte counts); Unimplemented naming the file for
/// Fortran-order arrays ("save with np.ascontiguousarray") and for other dtypes (objects,
/// strings, float16, complex, records), naming the descr.
Tensor parse_npy(std::string_view bytes, const std::string& name = "<memory>");

/// Reads a .npy file. Throws: NotFound naming a missing file; as parse_npy.
Tensor read_npy(const std::string& path);

/// The bytes of a .npy file holding `t`, identical to what np.save writes for the same array
/// (version 1.0 unless the header needs 2.0; header padded to 64 bytes, with numpy's spare
/// room for the first dimension to grow). Every dl dtype is supported.
std::string serialize_npy(const Tensor& t);

/// Writes `t` as a .npy file, atomically (temporary file, fsync, rename).
void write_npy(const std::string& path, const Tensor& t);

}  // namespace dl::io
