#pragma once
/// Reader of the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
/// a 4-byte magic (two zero bytes, a type byte, a rank byte), the dimensions as big-endian
/// uint32, then the elements in row-major order, big-endian.
#include <string>

#include "dl/core/tensor.h"

namespace dl::io {

/// Reads an IDX file, plain or gzip-compressed (detected from the content, not the name).
/// Element types: 0x08 uint8 -> u8; 0x09 int8, 0x0B int16, 0x0C int32 -> i32; 0x0D float32 ->
/// f32; 0x0E float64 -> f64. The shape is the file's dimensions (rank 0 is a scalar).
/// The whole file must be exactly header + data: trailing bytes are an error.
/// Throws: NotFound naming the file when it does not exist; DataLoss naming the file for a
/// bad magic, an unsupported type, dimensions whose byte count overflows or exceeds 2^40,
/// truncated or trailing data (with the expected and received byte counts) or corrupt gzip data.
/// Never reads out of bounds and allocates only as much as the file really holds.
Tensor read_idx(const std::string& path);

/// Writes `t` as an IDX file (atomically: temporary file, fsync, rename), gzip-compressed when
/// `gzip` is true. u8 is written as type 0x08, i32 as 0x0C, f32 as 0x0D, f64 as 0x0E.
/// Throws: InvalidArgument for another dtype, a rank above 255 or a dimension above 2^32-1;
/// NotFound / FailedPrecondition (from AtomicFileWriter) when the file cannot be written.
void write_idx(const std::string& path, const Tensor& t, bool gzip = false);

}  // namespace dl::io
