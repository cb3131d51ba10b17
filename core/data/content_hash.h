#pragma once
/// Content hashes of tensors and pipeline elements, so that a training run can record which
/// samples it saw (log one hash per batch, compare two runs). The hash covers the dtype, the
/// shape and the bytes; it is XXH64 (Collet, xxHash), fast enough to hash every batch
/// (several GB/s).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dl/core/tensor.h"

namespace dl::data {

/// XXH64 of `n` bytes with `seed` (the reference algorithm; xxh64("", 0) = 0xEF46DB3751D8E999).
uint64_t xxh64(const void* data, size_t n, uint64_t seed = 0);

/// Hash of one tensor: XXH64 of its bytes, seeded by the XXH64 of (dtype code, rank, dims).
/// Two tensors hash alike only when dtype, shape and every byte match.
uint64_t content_hash(const Tensor& t);

/// Hash of an element or batch (a list of tensors): XXH64 over the components' hashes, in
/// order, seeded by the component count.
uint64_t content_hash(const std::vector<Tensor>& element);

/// The hash as 16 lower-case hex digits, for logs.
std::string hash_hex(uint64_t h);

}  // namespace dl::data
