// prefetch: a producer thread per iterator fills a bounded queue from the input.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "dl/core/data/dataset.h"
#include "dl/core/data/internal/dataset_impl.h"

namespace dl::data {
namespace {

using detail::DatasetImpl;
using detail::IteratorImpl;

class PrefetchIterator final : public IteratorImpl {
 public:
  PrefetchIterator(std::unique_ptr<IteratorImpl> input, size_t capacity)
      : input_(std::move(input)), capacity_(capacity) {
    thread_ = std::thread([this] { produce(); });
  }

  ~PrefetchIterator() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    // The producer notices stop_ once its current input_->next() returns; input_ outlives it.
    thread_.join();
  }

  std::optional<Element> next() override {
    Slot s;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (ended_ && queue_.empty()) return std::nullopt;
      cv_.wait(lock, [this] { return !queue_.empty(); });
      s = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    if (s.error) std::rethrow_exception(s.error);
    if (!s.value) {
      ended_ = true;
      return std::nullopt;
    }
    return std::move(s.value);
  }

 private:
  struct Slot {
    std::optional<Element> value;  // nullopt with no error: the end of the input
    std::exception_ptr error;
  };

  void produce() {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || queue_.size() < capacity_; });
        if (stop_) return;
      }
      Slot s;
      try {
        s.value = input_->next();
      } catch (...) {
        s.error = std::current_exception();
      }
      const bool end = !s.value && !s.error;
      {
        std::lock_guard<std::mutex> lock(mu_);
        queue_.push_back(std::move(s));
      }
      cv_.notify_all();
      if (end) return;
    }
  }

  std::unique_ptr<IteratorImpl> input_;
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Slot> queue_;
  bool stop_ = false;
  bool ended_ = false;  // consumer side only
  std::thread thread_;
};

class PrefetchDataset final : public DatasetImpl {
 public:
  PrefetchDataset(Dataset input, int64_t buffer_size)
      : input_(std::move(input)), buffer_size_(buffer_size) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    return std::make_unique<PrefetchIterator>(input_.impl()->make_iterator(key),
                                              static_cast<size_t>(buffer_size_));
  }
  int64_t cardinality() const override { return input_.cardinality(); }
  std::string describe() const override {
    return str_cat(input_.describe(), " -> Prefetch(", buffer_size_, ")");
  }

 private:
  Dataset input_;
  int64_t buffer_size_;
};

}  // namespace

Dataset Dataset::prefetch(int64_t buffer_size) const {
  checked();
  DL_CHECK(buffer_size >= 1 || buffer_size == kAutotune,
           "prefetch: buffer_size must be >= 1 or kAutotune (-1), received ", buffer_size);
  return Dataset(
      std::make_shared<PrefetchDataset>(*this, buffer_size == kAutotune ? 2 : buffer_size));
}

}  // namespace dl::data
