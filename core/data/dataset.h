#pragma once
/// The input pipeline (tf.data in the spirit of TF1): a Dataset describes a stream of
/// elements, an Iterator walks it one epoch at a time.
///
///   auto ds = data::Dataset::from_tensor_slices({x, y})   // x [n,28,28], y [n]
///                 .shuffle(10000, /*seed=*/42)
///                 .map(augment, /*num_parallel_calls=*/4)
///                 .batch(128)
///                 .prefetch(2);
///   data::Iterator it = ds.make_iterator();
///   while (auto batch = it.next()) train_step((*batch)[0], (*batch)[1]);
///   it.reset();  // next epoch, reshuffled
///
/// An element is a std::vector<Tensor> ({image, label}); batch() stacks each component.
/// Strings (file names) travel as uint8 tensors of their bytes (string_tensor / tensor_string).
///
/// Determinism: every random order comes from Philox (dl/core/random.h) keyed by the seed and
/// the epoch, and map() returns its results in input order, so for a given seed the elements
/// and their order are the same whatever the number of threads. A shuffle with no seed draws
/// one from std::random_device when the dataset is built (tf.data's seed=None).
///
/// Threads: map(num_parallel_calls > 1) and prefetch() start threads owned by the iterator.
/// Destroying or resetting the iterator stops them (after the map calls already running
/// finish). An exception thrown by a map function or a generator is rethrown by the next()
/// that would have returned that element, on the caller's thread; the iterator stays usable
/// and continues with the following element.
///
/// A Dataset is an immutable, cheap-to-copy handle; transformations return new Datasets and
/// several iterators can walk one Dataset at the same time. The functions given to map(),
/// filter() and from_generator() are shared by those iterators; a map function used with
/// num_parallel_calls > 1 is called from several threads at once and must allow it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dl/core/tensor.h"

namespace dl::data {

/// One element of a dataset: its components ({image, label}, {features}).
using Element = std::vector<Tensor>;
/// Returns the next element, or std::nullopt at the end of the data.
using Generator = std::function<std::optional<Element>()>;
using MapFn = std::function<Element(Element)>;
using Predicate = std::function<bool(const Element&)>;

/// num_parallel_calls / buffer_size meaning "choose for me" (tf.data.AUTOTUNE): map uses one
/// thread per core, prefetch keeps 2 elements.
inline constexpr int kAutotune = -1;
/// cardinality() of an endless dataset and of one whose length is not known in advance.
inline constexpr int64_t kInfiniteCardinality = -1;
inline constexpr int64_t kUnknownCardinality = -2;

namespace detail {
class DatasetImpl;
class IteratorImpl;
}  // namespace detail

class Iterator;

class Dataset {
 public:
  /// An empty handle; using it throws FailedPrecondition.
  Dataset() = default;

  // ---- Sources ----

  /// Slices each tensor along dimension 0: element i is {t0[i], t1[i], ...} (views, no copy).
  /// Throws: InvalidArgument for no tensors, a scalar, or row counts that differ (naming both
  /// tensors and their counts).
  static Dataset from_tensor_slices(std::vector<Tensor> tensors);
  /// One element: the tensors themselves (tf.data.Dataset.from_tensors).
  static Dataset from_tensors(Element element);
  /// The int64 scalars start, start+step, ... below stop (tf.data.Dataset.range).
  static Dataset range(int64_t start, int64_t stop, int64_t step = 1);
  static Dataset range(int64_t stop) { return range(0, stop, 1); }
  /// One element per string: {uint8[len] bytes} (see tensor_string()).
  static Dataset from_strings(std::vector<std::string> strings);
  /// Elements from `gen`, called until it returns std::nullopt. Each iterator (each epoch)
  /// calls the same function again, so it must start over after returning nullopt to give a
  /// second epoch (an endless generator, as Keras's fit_generator expects, also works).
  static Dataset from_generator(Generator gen);
  /// As from_generator, but `make` is called at the start of each epoch (each iterator) to
  /// create a fresh generator, as tf.data calls a Python generator function.
  static Dataset from_generator_factory(std::function<Generator()> make);
  /// File names matching `pattern` (a glob such as "data/*/*.jpg", or a directory, whose
  /// regular files are listed), as string elements, sorted; shuffled each epoch when `shuffle`
  /// (tf.data.Dataset.list_files, whose shuffle defaults to true).
  /// Throws: NotFound naming the pattern when nothing matches.
  static Dataset list_files(const std::string& pattern, bool shuffle = true,
                            std::optional<uint64_t> seed = std::nullopt);
  /// Elements whose components are those of the datasets' elements, concatenated in order;
  /// ends with the shortest (tf.data.Dataset.zip).
  static Dataset zip(std::vector<Dataset> datasets);

  // ---- Transformations ----

  /// Applies `fn` to every element. With num_parallel_calls > 1 (or kAutotune) the calls run
  /// on a pool of that many threads owned by the iterator, up to 2 * num_parallel_calls
  /// elements ahead; results come out in input order either way.
  Dataset map(MapFn fn, int num_parallel_calls = 1) const;
  /// Keeps the elements for which `pred` is true.
  Dataset filter(Predicate pred) const;
  /// tf.data's shuffle: a buffer of `buffer_size` elements is filled from the input; each
  /// output is drawn uniformly from the buffer and its slot refilled by the next input. A
  /// buffer at least as large as the data gives a uniform permutation. With
  /// reshuffle_each_iteration, each epoch (Iterator::reset) and each repetition of an enclosing
  /// repeat() draws a new order; without it every epoch repeats the first order.
  /// Throws: InvalidArgument when buffer_size < 1.
  Dataset shuffle(int64_t buffer_size, std::optional<uint64_t> seed = std::nullopt,
                  bool reshuffle_each_iteration = true) const;
  /// Stacks `batch_size` consecutive elements component-wise: a component of shape [d...]
  /// becomes [batch_size, d...]. The last batch is smaller unless drop_remainder.
  /// Throws (from next()): InvalidArgument when elements of one batch differ in component
  /// count, dtype or shape, naming the element's index in the batch and in the input, the
  /// component, and both shapes.
  Dataset batch(int64_t batch_size, bool drop_remainder = false) const;
  /// Repeats the data `count` times; count = -1 repeats forever.
  Dataset repeat(int64_t count = -1) const;
  /// The first `count` elements (all of them when count = -1).
  Dataset take(int64_t count) const;
  /// All but the first `count` elements (none when count = -1).
  Dataset skip(int64_t count) const;
  /// Runs the input on a background thread that keeps up to `buffer_size` elements ready, so
  /// that the next batch is waiting when a training step ends. kAutotune = 2.
  Dataset prefetch(int64_t buffer_size = kAutotune) const;

  // ---- Inspection and iteration ----

  /// The number of elements, kInfiniteCardinality or kUnknownCardinality (generators,
  /// filter).
  int64_t cardinality() const;
  /// A one-line description of the pipeline, e.g.
  /// "TensorSlices(60000) -> Shuffle(10000) -> Map(4) -> Batch(128) -> Prefetch(2)".
  std::string describe() const;
  /// An iterator at the start of epoch `epoch` (make_one_shot_iterator; an Iterator's
  /// reset() is make_initializable_iterator's initializer).
  Iterator make_iterator(int64_t epoch = 0) const;

  bool valid() const { return impl_ != nullptr; }
  const std::shared_ptr<const detail::DatasetImpl>& impl() const { return impl_; }
  explicit Dataset(std::shared_ptr<const detail::DatasetImpl> impl) : impl_(std::move(impl)) {}

 private:
  const detail::DatasetImpl& checked() const;
  std::shared_ptr<const detail::DatasetImpl> impl_;
};

/// Walks a Dataset one epoch at a time. Not thread-safe: use it from one thread (the
/// pipeline's own threads are internal). Movable, not copyable.
class Iterator {
 public:
  Iterator();
  Iterator(Dataset dataset, int64_t epoch = 0);
  ~Iterator();
  Iterator(Iterator&&) noexcept;
  Iterator& operator=(Iterator&&) noexcept;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;

  /// The next element, or std::nullopt at the end of the epoch (and on every call after).
  /// Rethrows an exception raised by a map function or a generator for this element.
  std::optional<Element> next();
  /// As next(), but throws OutOfRange("End of sequence") at the end (TF1's get_next()).
  Element get_next();
  /// Starts the next epoch: stops the current pipeline's threads, then builds a fresh one
  /// (reshuffled where the dataset says so). epoch() grows by one.
  void reset();
  /// Starts epoch `epoch` (for resuming a run at a given epoch).
  void reset_to_epoch(int64_t epoch);
  int64_t epoch() const { return epoch_; }
  /// Elements returned in this epoch.
  int64_t position() const { return position_; }
  const Dataset& dataset() const { return dataset_; }

 private:
  Dataset dataset_;
  std::unique_ptr<detail::IteratorImpl> impl_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  bool ended_ = false;
};

/// A string as a uint8[len] tensor of its bytes (how file names travel through a pipeline).
Tensor string_tensor(std::string_view s);
/// The bytes of a uint8 tensor of rank 1 as a string.
/// Throws: InvalidArgument for another dtype or rank (naming the received spec).
std::string tensor_string(const Tensor& t);

/// Stacks tensors of one dtype and shape [d...] into [n, d...] (what batch() does per
/// component). Throws: InvalidArgument for no tensors, or naming the first tensor whose dtype
/// or shape differs from tensor 0 and both specs.
Tensor stack(const std::vector<Tensor>& tensors);

}  // namespace dl::data
