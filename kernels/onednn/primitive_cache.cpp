#include "dl/kernels/onednn/primitive_cache.h"

#include <cstring>

#include "dl/core/str_cat.h"

namespace dl::onednn {

PrimitiveKey& PrimitiveKey::add(const std::vector<int64_t>& v) {
  words_.push_back(static_cast<int64_t>(v.size()));  // keeps {1,2},{3} apart from {1},{2,3}
  words_.insert(words_.end(), v.begin(), v.end());
  return *this;
}

PrimitiveKey& PrimitiveKey::add_double(double v) {
  int64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return add(bits);
}

size_t PrimitiveKey::hash() const {
  // FNV-1a over the kind and the words.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (char c : kind_) mix(static_cast<unsigned char>(c));
  for (int64_t w : words_) mix(static_cast<uint64_t>(w));
  return static_cast<size_t>(h);
}

std::string PrimitiveKey::to_string() const {
  std::string s = kind_;
  s.push_back('{');
  for (size_t i = 0; i < words_.size(); ++i) {
    if (i) s.push_back(',');
    s.append(std::to_string(words_[i]));
  }
  s.push_back('}');
  return s;
}

PrimitiveCache& PrimitiveCache::global() {
  static PrimitiveCache* cache = new PrimitiveCache(1024);  // never destroyed: kernels may outlive
  return *cache;
}

std::shared_ptr<const void> PrimitiveCache::find(const PrimitiveKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void PrimitiveCache::insert(const PrimitiveKey& key, std::shared_ptr<const void> value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {  // another thread built it meanwhile: keep the newer one
    it->second->second = std::move(value);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(key, std::move(value));
  index_.emplace(key, lru_.begin());
  evict_locked();
}

void PrimitiveCache::evict_locked() {
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

int64_t PrimitiveCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}
int64_t PrimitiveCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}
size_t PrimitiveCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}
size_t PrimitiveCache::capacity() const {
  std::lock_guard<std::mutex> lock(mu_);
  return capacity_;
}
void PrimitiveCache::set_capacity(size_t capacity) {
  std::lock_guard<std::mutex> lock(mu_);
  capacity_ = capacity;
  evict_locked();
}
void PrimitiveCache::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  lru_.clear();
  index_.clear();
  hits_ = misses_ = 0;
}

}  // namespace dl::onednn
