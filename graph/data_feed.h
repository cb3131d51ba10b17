#pragma once
/// DataFeed: feeds a graph from the input pipeline, TF1 style. Each element's components are
/// bound, in order, to placeholders; next() returns the FeedDict of the next batch, and throws
/// OutOfRange at the end of the epoch as TF1's IteratorGetNext raises OutOfRangeError:
///
///   DataFeed feed(dataset, {x, y});
///   while (true) {
///     try {
///       sess.run(feed.next(), {loss}, {train_op});
///     } catch (const OutOfRange&) {
///       break;
///     }
///   }
///   feed.reset();  // next epoch (iterator.initializer)
#include <vector>

#include "dl/core/data/dataset.h"
#include "dl/graph/session.h"

namespace dl {

class DataFeed {
 public:
  /// Binds component i of every element of `dataset` to placeholders[i].
  /// Throws: InvalidArgument when a placeholder is a none Output.
  DataFeed(const data::Dataset& dataset, std::vector<Output> placeholders);

  /// The feeds for the next element (batch).
  /// Throws: OutOfRange("End of sequence ...") at the end of the epoch; InvalidArgument when
  /// the element's component count differs from the number of placeholders, or a component's
  /// dtype or shape does not fit its placeholder (naming the placeholder, its spec and the
  /// received spec); whatever the pipeline throws (a map function's error).
  FeedDict next();
  FeedDict operator()() { return next(); }

  /// Starts the next epoch (reshuffled where the dataset says so).
  void reset() { iterator_.reset(); }
  /// The element behind the last FeedDict (to log its data::content_hash).
  const data::Element& last() const { return last_; }
  data::Iterator& iterator() { return iterator_; }

 private:
  data::Iterator iterator_;
  std::vector<Output> placeholders_;
  data::Element last_;
};

}  // namespace dl
