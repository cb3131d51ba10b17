#pragma once
/// fit / evaluate on an input pipeline (Keras 3's model.fit(dataset)): a BatchSource over a
/// data::Dataset whose elements are batches (x, y) or (x, y, sample_weight), as
/// image_dataset_from_directory or Dataset::from_tensor_slices(...).batch(n) produce.
#include <cstdint>

#include "dl/core/data/dataset.h"
#include "dl/highlevel/model.h"

namespace dl::keras {

class DatasetSource : public BatchSource {
 public:
  /// Throws InvalidArgument for a dataset that is not valid.
  explicit DatasetSource(data::Dataset dataset);
  /// The dataset's cardinality (batches per epoch), or -1 when it is unknown or infinite.
  int64_t size() const override;
  /// The next batch; an empty Batch at the end of the epoch. Throws InvalidArgument naming the
  /// element's component count when an element is not (x, y) or (x, y, sample_weight).
  Batch next() override;
  /// Starts the next epoch: a new pass over the dataset (reshuffled where it shuffles).
  void on_epoch_end() override;
  int64_t epoch() const { return it_.epoch(); }

 private:
  data::Dataset dataset_;
  data::Iterator it_;
};

}  // namespace dl::keras
