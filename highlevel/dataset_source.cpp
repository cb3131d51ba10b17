#include "dl/highlevel/dataset_source.h"

#include "dl/core/error.h"

namespace dl::keras {

DatasetSource::DatasetSource(data::Dataset dataset) : dataset_(std::move(dataset)) {
  DL_CHECK(dataset_.valid(), "DatasetSource: the dataset is empty (default-constructed)");
  it_ = dataset_.make_iterator(0);
}

int64_t DatasetSource::size() const {
  const int64_t n = dataset_.cardinality();
  return n >= 0 ? n : -1;
}

Batch DatasetSource::next() {
  std::optional<data::Element> e = it_.next();
  if (!e) return {};
  if (e->size() != 2 && e->size() != 3) {
    throw InvalidArgument(str_cat("fit/evaluate on a dataset: each element must be (x, y) or (x, ",
                                  "y, sample_weight); received an element of ", e->size(),
                                  " components"));
  }
  Batch b;
  b.x = (*e)[0];
  b.y = (*e)[1];
  if (e->size() == 3) b.sample_weight = (*e)[2];
  return b;
}

void DatasetSource::on_epoch_end() { it_.reset(); }

}  // namespace dl::keras
