#pragma once
/// PrimitiveCache: a process-wide LRU of built oneDNN primitives (with their primitive
/// descriptors), shared by every Session and plan. Kernels look up their primitives when they
/// are built (plan time), so a plan built twice, or two plans with the same convolution, build
/// the primitive once. Below it, oneDNN keeps its own JIT cache (ONEDNN_PRIMITIVE_CACHE_CAPACITY).
///
/// The key holds what defines a primitive: its kind and propagation ("conv_fwd"), dims,
/// strides, paddings, dilations, memory formats, flags and attributes, as integers; it is
/// hashed once and compared in full on lookup. This header does not include oneDNN.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dl::onednn {

class PrimitiveKey {
 public:
  /// `kind` names the primitive and the type the cache stores for it ("conv_fwd").
  explicit PrimitiveKey(std::string_view kind) : kind_(kind) {}
  PrimitiveKey& add(int64_t v) {
    words_.push_back(v);
    return *this;
  }
  PrimitiveKey& add(const std::vector<int64_t>& v);
  /// A float parameter (epsilon), by its bits.
  PrimitiveKey& add_double(double v);

  size_t hash() const;
  bool operator==(const PrimitiveKey& o) const { return kind_ == o.kind_ && words_ == o.words_; }
  const std::string& kind() const { return kind_; }
  /// "conv_fwd{1,2,3}" for logs and tests.
  std::string to_string() const;

 private:
  std::string kind_;
  std::vector<int64_t> words_;
};

struct PrimitiveKeyHash {
  size_t operator()(const PrimitiveKey& k) const { return k.hash(); }
};

class PrimitiveCache {
 public:
  /// The process-wide cache (capacity 1024 entries).
  static PrimitiveCache& global();

  explicit PrimitiveCache(size_t capacity) : capacity_(capacity) {}

  /// The entry for `key`, or make() (which may throw; nothing is stored then) stored under it.
  /// The key's kind must always be used with the same T.
  template <class T, class Make>
  std::shared_ptr<const T> get_or_create(const PrimitiveKey& key, Make&& make) {
    if (std::shared_ptr<const void> p = find(key)) return std::static_pointer_cast<const T>(p);
    std::shared_ptr<const T> made = make();
    insert(key, made);
    return made;
  }

  int64_t hits() const;
  int64_t misses() const;
  size_t size() const;
  size_t capacity() const;
  /// Shrinks (evicting the least recently used entries) or grows the cache.
  void set_capacity(size_t capacity);
  /// Drops every entry and zeroes the counters (kernels keep the primitives they hold).
  void clear();

 private:
  using Entry = std::pair<PrimitiveKey, std::shared_ptr<const void>>;
  std::shared_ptr<const void> find(const PrimitiveKey& key);
  void insert(const PrimitiveKey& key, std::shared_ptr<const void> value);
  void evict_locked();

  mutable std::mutex mu_;
  size_t capacity_;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<PrimitiveKey, std::list<Entry>::iterator, PrimitiveKeyHash> index_;
};

}  // namespace dl::onednn
