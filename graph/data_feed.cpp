#include "dl/graph/data_feed.h"

#include "dl/graph/node.h"

namespace dl {

DataFeed::DataFeed(const data::Dataset& dataset, std::vector<Output> placeholders)
    : iterator_(dataset.make_iterator()), placeholders_(std::move(placeholders)) {
  for (size_t i = 0; i < placeholders_.size(); ++i) {
    DL_CHECK(static_cast<bool>(placeholders_[i]), "DataFeed: placeholder ", i, " is a none Output");
  }
}

FeedDict DataFeed::next() {
  data::Element e = iterator_.get_next();
  DL_CHECK(e.size() == placeholders_.size(), "DataFeed: element ", iterator_.position() - 1,
           " has ", e.size(), " components but ", placeholders_.size(), " placeholders are bound");
  FeedDict feeds;
  feeds.reserve(e.size());
  for (size_t i = 0; i < e.size(); ++i) {
    const TensorSpec& spec = placeholders_[i].spec();
    DL_CHECK(e[i].dtype() == spec.dtype && e[i].shape().compatible_with(spec.shape),
             "DataFeed: component ", i, " of element ", iterator_.position() - 1, " is ",
             e[i].spec_string(), " but placeholder '", placeholders_[i].name(), "' expects ",
             spec.to_string());
    feeds.emplace_back(placeholders_[i], e[i]);
  }
  last_ = std::move(e);
  return feeds;
}

}  // namespace dl
