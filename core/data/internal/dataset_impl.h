#pragma once
// Internal: the node types behind Dataset. A DatasetImpl is immutable and shared; it makes
// IteratorImpls, each owning its inputs' iterators (and any threads) for one pass.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "dl/core/data/dataset.h"

namespace dl::data::detail {

class IteratorImpl {
 public:
  virtual ~IteratorImpl() = default;
  virtual std::optional<Element> next() = 0;
};

class DatasetImpl {
 public:
  virtual ~DatasetImpl() = default;
  /// An iterator for one pass. `key` identifies the pass (the epoch, mixed with the repetition
  /// index of enclosing repeat()s): shuffles derive their order from it.
  virtual std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const = 0;
  virtual int64_t cardinality() const = 0;
  virtual std::string describe() const = 0;
};

/// The key of repetition `k` inside a pass with key `key`.
uint64_t repetition_key(uint64_t key, int64_t k);

}  // namespace dl::data::detail
