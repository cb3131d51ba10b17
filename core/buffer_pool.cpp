#include "dl/core/buffer_pool.h"

#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace dl::detail {
namespace {

// Below this, malloc's own free lists already reuse memory without page faults.
constexpr size_t kPoolMin = size_t{64} << 10;
// Cached bytes beyond this are returned to the system (a model's working set is far below).
constexpr size_t kPoolCap = size_t{4} << 30;

// Size classes: four per power of two (at most 25% slack), in 4 KiB pages.
size_t size_class(size_t bytes) {
  const size_t pages = (bytes + 4095) / 4096;
  const int top = std::bit_width(pages) - 1;
  const size_t step = top >= 2 ? size_t{1} << (top - 2) : 1;
  return ((pages + step - 1) / step) * step * 4096;
}

struct Pool {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free;
  size_t cached = 0;
};

// Never destroyed: tensors held by static objects may be released after main returns.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

void* raw_allocate(size_t rounded) {
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

void* buffer_allocate(size_t bytes) {
  if (bytes < kPoolMin) return raw_allocate(((bytes + 63) / 64) * 64 + 64 * (bytes == 0));
  const size_t cls = size_class(bytes);
  Pool& p = pool();
  {
    std::lock_guard lock(p.mu);
    auto it = p.free.find(cls);
    if (it != p.free.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      p.cached -= cls;
      return block;
    }
  }
  return raw_allocate(cls);
}

void buffer_release(void* ptr, size_t bytes) {
  if (!ptr) return;
  if (bytes < kPoolMin) {
    std::free(ptr);
    return;
  }
  const size_t cls = size_class(bytes);
  Pool& p = pool();
  {
    std::lock_guard lock(p.mu);
    if (p.cached + cls <= kPoolCap) {
      p.free[cls].push_back(ptr);
      p.cached += cls;
      return;
    }
  }
  std::free(ptr);
}

size_t buffer_pool_cached_bytes() {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  return p.cached;
}

void buffer_pool_trim() {
  Pool& p = pool();
  std::lock_guard lock(p.mu);
  for (auto& [cls, blocks] : p.free) {
    for (void* b : blocks) std::free(b);
    blocks.clear();
  }
  p.cached = 0;
}

}  // namespace dl::detail
