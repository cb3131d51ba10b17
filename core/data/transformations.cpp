// map, filter, shuffle, batch, repeat, take, skip.
#include <algorithm>
#include <deque>
#include <future>
#include <thread>

#include "dl/core/data/dataset.h"
#include "dl/core/data/internal/dataset_impl.h"
#include "dl/core/data/internal/thread_pool.h"
#include "dl/core/data/permutation.h"

namespace dl::data {
namespace {

using detail::DatasetImpl;
using detail::IteratorImpl;

class UnaryDataset : public DatasetImpl {
 public:
  explicit UnaryDataset(Dataset input) : input_(std::move(input)) {}

 protected:
  std::unique_ptr<IteratorImpl> input_iterator(uint64_t key) const {
    return input_.impl()->make_iterator(key);
  }
  int64_t input_cardinality() const { return input_.cardinality(); }
  std::string input_describe() const { return input_.describe(); }

 private:
  Dataset input_;
};

// ---- map ----

class MapDataset final : public UnaryDataset {
 public:
  MapDataset(Dataset input, MapFn fn, int parallelism)
      : UnaryDataset(std::move(input)),
        fn_(std::make_shared<const MapFn>(std::move(fn))),
        parallelism_(parallelism) {}

  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    if (parallelism_ <= 1) {
      struct It final : IteratorImpl {
        std::unique_ptr<IteratorImpl> input;
        std::shared_ptr<const MapFn> fn;
        std::optional<Element> next() override {
          std::optional<Element> e = input->next();
          if (!e) return std::nullopt;
          return (*fn)(std::move(*e));
        }
      };
      auto it = std::make_unique<It>();
      it->input = input_iterator(key);
      it->fn = fn_;
      return it;
    }
    return std::make_unique<ParallelIt>(input_iterator(key), fn_, parallelism_);
  }
  int64_t cardinality() const override { return input_cardinality(); }
  std::string describe() const override {
    return str_cat(input_describe(), " -> Map(", parallelism_, ")");
  }

 private:
  // Pulls inputs on the caller's thread (an input iterator need not be thread-safe), runs the
  // function on the pool, and hands results back in input order: the output does not depend
  // on which worker finishes first.
  class ParallelIt final : public IteratorImpl {
   public:
    ParallelIt(std::unique_ptr<IteratorImpl> input, std::shared_ptr<const MapFn> fn, int threads)
        : input_(std::move(input)),
          fn_(std::move(fn)),
          window_(2 * static_cast<size_t>(threads)),
          pool_(threads) {}
    ~ParallelIt() override {
      // The pool's destructor drops queued calls and waits for the running ones, which use
      // fn_ (kept alive by this object) and their own copy of the element.
    }
    std::optional<Element> next() override {
      while (!input_done_ && in_flight_.size() < window_) {
        std::optional<Element> e;
        try {
          e = input_->next();
        } catch (...) {
          // The input's error takes this element's place, so it surfaces after the results
          // of the elements before it.
          std::promise<Element> failed;
          failed.set_exception(std::current_exception());
          in_flight_.push_back(failed.get_future());
          continue;
        }
        if (!e) {
          input_done_ = true;
          break;
        }
        in_flight_.push_back(pool_.submit(
            [fn = fn_, e = std::move(*e)]() mutable -> Element { return (*fn)(std::move(e)); }));
      }
      if (in_flight_.empty()) return std::nullopt;
      std::future<Element> f = std::move(in_flight_.front());
      in_flight_.pop_front();
      return f.get();  // rethrows the map function's exception here, on the consumer thread
    }

   private:
    std::unique_ptr<IteratorImpl> input_;
    std::shared_ptr<const MapFn> fn_;
    size_t window_;
    bool input_done_ = false;
    std::deque<std::future<Element>> in_flight_;
    detail::ThreadPool pool_;  // declared last: destroyed (joined) first
  };

  std::shared_ptr<const MapFn> fn_;
  int parallelism_;
};

// ---- filter ----

class FilterDataset final : public UnaryDataset {
 public:
  FilterDataset(Dataset input, Predicate pred)
      : UnaryDataset(std::move(input)), pred_(std::make_shared<const Predicate>(std::move(pred))) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    struct It final : IteratorImpl {
      std::unique_ptr<IteratorImpl> input;
      std::shared_ptr<const Predicate> pred;
      std::optional<Element> next() override {
        while (std::optional<Element> e = input->next()) {
          if ((*pred)(*e)) return e;
        }
        return std::nullopt;
      }
    };
    auto it = std::make_unique<It>();
    it->input = input_iterator(key);
    it->pred = pred_;
    return it;
  }
  int64_t cardinality() const override {
    return input_cardinality() == kInfiniteCardinality ? kInfiniteCardinality : kUnknownCardinality;
  }
  std::string describe() const override { return input_describe() + " -> Filter"; }

 private:
  std::shared_ptr<const Predicate> pred_;
};

// ---- shuffle ----

class ShuffleDataset final : public UnaryDataset {
 public:
  ShuffleDataset(Dataset input, int64_t buffer_size, uint64_t seed, bool reshuffle)
      : UnaryDataset(std::move(input)),
        buffer_size_(buffer_size),
        seed_(seed),
        reshuffle_(reshuffle) {}

  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    auto it = std::make_unique<It>();
    it->input = input_iterator(key);
    it->capacity = static_cast<size_t>(buffer_size_);
    it->seed = seed_;
    it->stream = mix_seed(reshuffle_ ? key : 0, 0x73687566ull);  // "shuf"
    return it;
  }
  int64_t cardinality() const override { return input_cardinality(); }
  std::string describe() const override {
    return str_cat(input_describe(), " -> Shuffle(", buffer_size_, ")");
  }

 private:
  struct It final : IteratorImpl {
    std::unique_ptr<IteratorImpl> input;
    size_t capacity = 0;
    uint64_t seed = 0, stream = 0, draws = 0;
    std::vector<Element> buffer;
    bool input_done = false;

    std::optional<Element> next() override {
      while (!input_done && buffer.size() < capacity) {
        std::optional<Element> e = input->next();
        if (!e) {
          input_done = true;
          break;
        }
        buffer.push_back(std::move(*e));
      }
      if (buffer.empty()) return std::nullopt;
      const size_t i = static_cast<size_t>(random_below(seed, stream, draws++, buffer.size()));
      Element out = std::move(buffer[i]);
      if (!input_done) {
        std::optional<Element> e;
        try {
          e = input->next();
        } catch (...) {
          buffer[i] = std::move(out);  // keep the drawn element; the error goes to the caller
          throw;
        }
        if (e) {
          buffer[i] = std::move(*e);
          return out;
        }
        input_done = true;
      }
      buffer[i] = std::move(buffer.back());
      buffer.pop_back();
      return out;
    }
  };

  int64_t buffer_size_;
  uint64_t seed_;
  bool reshuffle_;
};

// ---- batch ----

class BatchDataset final : public UnaryDataset {
 public:
  BatchDataset(Dataset input, int64_t batch_size, bool drop_remainder)
      : UnaryDataset(std::move(input)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}

  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    auto it = std::make_unique<It>();
    it->input = input_iterator(key);
    it->batch_size = static_cast<size_t>(batch_size_);
    it->drop_remainder = drop_remainder_;
    return it;
  }
  int64_t cardinality() const override {
    const int64_t n = input_cardinality();
    if (n < 0) return n;
    return drop_remainder_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
  }
  std::string describe() const override {
    return str_cat(input_describe(), " -> Batch(", batch_size_, drop_remainder_ ? ", drop" : "",
                   ")");
  }

 private:
  struct It final : IteratorImpl {
    std::unique_ptr<IteratorImpl> input;
    size_t batch_size = 0;
    bool drop_remainder = false;
    std::vector<Element> pending;  // survives an exception from the input
    int64_t batches = 0;
    int64_t consumed = 0;  // input elements taken so far

    std::optional<Element> next() override {
      bool done = false;
      while (pending.size() < batch_size) {
        std::optional<Element> e = input->next();
        if (!e) {
          done = true;
          break;
        }
        pending.push_back(std::move(*e));
      }
      std::vector<Element> items;
      items.swap(pending);
      const int64_t first = consumed;
      consumed += static_cast<int64_t>(items.size());
      if (items.empty() || (done && drop_remainder && items.size() < batch_size)) {
        return std::nullopt;
      }
      const int64_t index = batches++;
      return stack_batch(items, index, first);
    }

    static Element stack_batch(const std::vector<Element>& items, int64_t batch, int64_t first) {
      const Element& e0 = items[0];
      for (size_t i = 1; i < items.size(); ++i) {
        const Element& e = items[i];
        DL_CHECK(e.size() == e0.size(), "batch: element ", i, " of batch ", batch,
                 " (input element ", first + static_cast<int64_t>(i), ") has ", e.size(),
                 " components but element 0 of the batch has ", e0.size());
        for (size_t c = 0; c < e.size(); ++c) {
          DL_CHECK(e[c].dtype() == e0[c].dtype() && e[c].shape() == e0[c].shape(),
                   "batch: element ", i, " of batch ", batch, " (input element ",
                   first + static_cast<int64_t>(i), ") has component ", c, " of ",
                   e[c].spec_string(), " but element 0 of the batch has ", e0[c].spec_string(),
                   "; elements must have one dtype and shape to be batched (resize them in map())");
        }
      }
      Element out;
      out.reserve(e0.size());
      std::vector<Tensor> parts(items.size());
      for (size_t c = 0; c < e0.size(); ++c) {
        for (size_t i = 0; i < items.size(); ++i) parts[i] = items[i][c];
        out.push_back(stack(parts));
      }
      return out;
    }
  };

  int64_t batch_size_;
  bool drop_remainder_;
};

// ---- repeat, take, skip ----

class RepeatDataset final : public UnaryDataset {
 public:
  RepeatDataset(Dataset input, int64_t count) : UnaryDataset(std::move(input)), count_(count) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    struct It final : IteratorImpl {
      const RepeatDataset* ds;
      uint64_t key;
      int64_t k = 0;
      bool produced = false;  // did the current repetition produce anything?
      std::unique_ptr<IteratorImpl> current;
      std::optional<Element> next() override {
        for (;;) {
          if (!current) {
            if (ds->count_ >= 0 && k >= ds->count_) return std::nullopt;
            current = ds->input_iterator(detail::repetition_key(key, k));
            produced = false;
          }
          if (std::optional<Element> e = current->next()) {
            produced = true;
            return e;
          }
          current.reset();
          ++k;
          if (!produced) return std::nullopt;  // an empty input would repeat forever
        }
      }
    };
    auto it = std::make_unique<It>();
    it->ds = this;
    it->key = key;
    return it;
  }
  int64_t cardinality() const override {
    const int64_t n = input_cardinality();
    if (count_ == 0 || n == 0) return 0;
    if (n == kUnknownCardinality) return n;
    if (count_ < 0 || n == kInfiniteCardinality) return kInfiniteCardinality;
    return n * count_;
  }
  std::string describe() const override {
    return str_cat(input_describe(), " -> Repeat(", count_, ")");
  }

 private:
  int64_t count_;
};

class TakeSkipDataset final : public UnaryDataset {
 public:
  TakeSkipDataset(Dataset input, int64_t count, bool take)
      : UnaryDataset(std::move(input)), count_(count), take_(take) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    struct It final : IteratorImpl {
      std::unique_ptr<IteratorImpl> input;
      int64_t count;
      bool take;
      int64_t seen = 0;
      std::optional<Element> next() override {
        if (take) {
          if (count >= 0 && seen >= count) return std::nullopt;
          std::optional<Element> e = input->next();
          if (e) ++seen;
          return e;
        }
        while (count < 0 || seen < count) {
          if (!input->next()) return std::nullopt;
          ++seen;
        }
        return input->next();
      }
    };
    auto it = std::make_unique<It>();
    it->input = input_iterator(key);
    it->count = count_;
    it->take = take_;
    return it;
  }
  int64_t cardinality() const override {
    const int64_t n = input_cardinality();
    if (take_) {
      if (count_ < 0) return n;
      if (n == kInfiniteCardinality) return count_;
      if (n == kUnknownCardinality) return n;
      return std::min(n, count_);
    }
    if (n < 0) return n;
    return count_ < 0 ? 0 : std::max<int64_t>(0, n - count_);
  }
  std::string describe() const override {
    return str_cat(input_describe(), take_ ? " -> Take(" : " -> Skip(", count_, ")");
  }

 private:
  int64_t count_;
  bool take_;
};

}  // namespace

Dataset Dataset::map(MapFn fn, int num_parallel_calls) const {
  checked();
  DL_CHECK(static_cast<bool>(fn), "map: the function is empty");
  DL_CHECK(num_parallel_calls >= 1 || num_parallel_calls == kAutotune,
           "map: num_parallel_calls must be >= 1 or kAutotune (-1), received ", num_parallel_calls);
  int threads = num_parallel_calls;
  if (threads == kAutotune) threads = std::max(1u, std::thread::hardware_concurrency());
  return Dataset(std::make_shared<MapDataset>(*this, std::move(fn), threads));
}

Dataset Dataset::filter(Predicate pred) const {
  checked();
  DL_CHECK(static_cast<bool>(pred), "filter: the predicate is empty");
  return Dataset(std::make_shared<FilterDataset>(*this, std::move(pred)));
}

Dataset Dataset::shuffle(int64_t buffer_size, std::optional<uint64_t> seed,
                         bool reshuffle_each_iteration) const {
  checked();
  DL_CHECK(buffer_size >= 1, "shuffle: buffer_size must be >= 1, received ", buffer_size);
  return Dataset(std::make_shared<ShuffleDataset>(
      *this, buffer_size, seed ? *seed : nondeterministic_seed(), reshuffle_each_iteration));
}

Dataset Dataset::batch(int64_t batch_size, bool drop_remainder) const {
  checked();
  DL_CHECK(batch_size >= 1, "batch: batch_size must be >= 1, received ", batch_size);
  return Dataset(std::make_shared<BatchDataset>(*this, batch_size, drop_remainder));
}

Dataset Dataset::repeat(int64_t count) const {
  checked();
  DL_CHECK(count >= -1, "repeat: count must be >= 0, or -1 for forever, received ", count);
  return Dataset(std::make_shared<RepeatDataset>(*this, count));
}

Dataset Dataset::take(int64_t count) const {
  checked();
  DL_CHECK(count >= -1, "take: count must be >= 0, or -1 for all, received ", count);
  return Dataset(std::make_shared<TakeSkipDataset>(*this, count, true));
}

Dataset Dataset::skip(int64_t count) const {
  checked();
  DL_CHECK(count >= -1, "skip: count must be >= 0, or -1 for all, received ", count);
  return Dataset(std::make_shared<TakeSkipDataset>(*this, count, false));
}

}  // namespace dl::data
