#pragma once
/// Internal: the allocator behind Buffer. Large blocks are kept after release and handed out
/// again for a request of the same size class, so that a training loop, which allocates the same
/// activation and gradient sizes on every step, stops asking the kernel for fresh zeroed pages.
#include <cstddef>

namespace dl::detail {

/// A 64-byte-aligned block of at least `bytes` bytes (at least one byte, so that an empty tensor
/// still has a unique pointer). Throws std::bad_alloc.
void* buffer_allocate(size_t bytes);
/// Returns a block from buffer_allocate; `bytes` is the size it was requested with.
void buffer_release(void* p, size_t bytes);

/// Bytes held in the cache now (for tests and diagnostics).
size_t buffer_pool_cached_bytes();
/// Frees every cached block.
void buffer_pool_trim();

}  // namespace dl::detail
