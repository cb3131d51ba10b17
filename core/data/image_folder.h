#pragma once
/// Image classification data sets from a directory with one sub-folder per class:
///
///   data/train/cat/001.jpg, data/train/cat/002.jpg, data/train/dog/001.png, ...
///
/// - image_dataset_from_directory: Keras 3's keras.utils.image_dataset_from_directory (TF
///   decoders, tf.image.resize bilinear, a Dataset of (images, labels) batches);
/// - flow_from_directory: Keras 2's ImageDataGenerator().flow_from_directory (Pillow's
///   decoder and NEAREST resize, an endless generator of batches).
///
/// Classes are the sub-folders sorted by name (byte order, as Python's sorted()); their index
/// is the label. Files are found recursively in each class folder (sub-folders sorted, then
/// file names sorted); only .jpg, .jpeg and .png (any case) are read (Keras also lists .bmp,
/// .gif, .ppm, .tif; dl has no decoders for them). Shuffles use dl's Philox streams, so orders
/// are reproducible from the seed but not the orders NumPy would draw.
///
/// A file that cannot be decoded makes next() throw DataLoss naming it; with skip_corrupt the
/// file is left out of its batch instead and a warning naming it goes to stderr. With
/// image_size {0, 0} (no resizing), an image whose size or channel count differs from the
/// others in its batch makes next() throw InvalidArgument naming the file and both shapes.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dl/core/data/dataset.h"

namespace dl::data {

struct ImageDatasetOptions {
  /// (height, width) to resize to; {0, 0} keeps each image's size.
  std::array<int64_t, 2> image_size = {256, 256};
  /// Images per batch; 0 yields single images (Keras's batch_size=None).
  int64_t batch_size = 32;
  bool shuffle = true;
  /// Required when shuffling with a validation split (so that the subsets do not overlap).
  std::optional<uint64_t> seed;
  /// Fraction of the files (after the seeded shuffle) held out; the validation subset is the
  /// last int(validation_split * n) files, the training subset the others.
  double validation_split = 0.0;
  /// "" (all files), "training" or "validation"; required with validation_split.
  std::string subset;
  /// "rgb" (3 channels), "grayscale" (1) or "rgba" (4).
  std::string color_mode = "rgb";
  /// A dl::io::resize method: "bilinear" (tf.image.resize, Keras 3's default), "nearest",
  /// "bilinear_tf1", "nearest_tf1", "nearest_keras2".
  std::string interpolation = "bilinear";
  /// "int" (int32 [b]), "categorical" (float32 one-hot [b, classes]), "binary" (float32
  /// [b, 1], exactly two classes) or "" (no labels: elements are {images}).
  std::string label_mode = "int";
  /// The classes to use, in label order; empty = every sub-folder, sorted.
  std::vector<std::string> class_names;
  /// Leave undecodable files out (with a warning on stderr naming each) instead of failing.
  bool skip_corrupt = false;
  /// Threads decoding batches (map's num_parallel_calls); kAutotune = one per core.
  int num_parallel_calls = kAutotune;
  bool follow_links = false;
};

/// A data set of labelled images: the Dataset and what it was built from.
struct ImageDataset {
  /// Elements {images float32 [b, h, w, c] with values 0..255, labels}, prefetched.
  Dataset dataset;
  std::vector<std::string> class_names;
  /// The files of the subset, in the order of the (seeded) file-list shuffle, and their labels.
  std::vector<std::string> file_paths;
  std::vector<int32_t> labels;
};

/// keras.utils.image_dataset_from_directory: indexes `directory`, shuffles the file list with
/// the seed, takes the subset, and returns a pipeline that shuffles the files again each
/// epoch (buffer 8 * batch_size, as Keras), decodes them as tf.io.decode_image (channels from
/// color_mode), resizes with `interpolation` to float32, batches and prefetches. Images are
/// always float32 (tf.image.resize gives uint8 for "nearest"; dl converts).
/// Throws: NotFound naming the directory (or a class folder) when missing; InvalidArgument for
/// bad options (naming the option and the value received), no images found, or a validation
/// split with shuffling but no seed.
ImageDataset image_dataset_from_directory(const std::string& directory,
                                          const ImageDatasetOptions& options = {});

struct FlowOptions {
  /// (height, width); {0, 0} keeps each image's size.
  std::array<int64_t, 2> target_size = {256, 256};
  /// "rgb", "grayscale" (Pillow's convert('L')) or "rgba".
  std::string color_mode = "rgb";
  /// The classes to use, in label order; empty = every sub-folder, sorted.
  std::vector<std::string> classes;
  /// "categorical" (float32 one-hot [b, classes]), "binary" (float32 [b]), "sparse" (int32
  /// [b]) or "" (no labels: elements are {images}).
  std::string class_mode = "categorical";
  int64_t batch_size = 32;
  bool shuffle = true;
  std::optional<uint64_t> seed;
  /// "nearest" (Pillow's NEAREST, Keras 2's default) or a dl::io::resize method name other
  /// than "bilinear" (Pillow's antialiased filters are not implemented).
  std::string interpolation = "nearest";
  /// ImageDataGenerator(validation_split): per class, the first int(split * n) files are
  /// the "validation" subset and the rest the "training" subset.
  double validation_split = 0.0;
  std::string subset;
  /// ImageDataGenerator(rescale): pixels are multiplied by it when non-zero.
  double rescale = 0.0;
  bool skip_corrupt = false;
  /// Threads decoding upcoming batches in the background (Keras 2's workers).
  int num_parallel_calls = kAutotune;
  bool follow_links = false;
};

/// Keras 2's DirectoryIterator: an endless source of batches {x float32 [b, h, w, c], y}.
/// An epoch is ceil(samples / batch_size) batches, the last one smaller; each epoch visits
/// the files in a new seeded permutation when shuffle is set, in file order otherwise.
class DirectoryIterator {
 public:
  DirectoryIterator(const std::string& directory, const FlowOptions& options);

  /// The next batch (never the end: after the last batch of an epoch comes the first batch of
  /// the next, as Keras's generator).
  Element next();
  /// next() as a Generator for Dataset::from_generator (which then never ends). The generator
  /// refers to this object, which must outlive it and not move.
  Generator as_generator();
  /// Starts over at the beginning of epoch 0's order.
  void reset();

  int64_t samples() const { return static_cast<int64_t>(filenames_.size()); }
  int64_t num_classes() const { return static_cast<int64_t>(class_names_.size()); }
  /// Batches per epoch (len(iterator)).
  int64_t batches_per_epoch() const;
  int64_t epoch() const { return iterator_.epoch(); }
  const std::vector<std::string>& filenames() const { return filenames_; }
  const std::vector<int32_t>& classes() const { return classes_; }
  const std::map<std::string, int32_t>& class_indices() const { return class_indices_; }
  /// The dataset of one epoch of batches (what next() walks, epoch after epoch).
  const Dataset& dataset() const { return dataset_; }

 private:
  FlowOptions options_;
  std::vector<std::string> class_names_;
  std::map<std::string, int32_t> class_indices_;
  std::vector<std::string> filenames_;
  std::vector<int32_t> classes_;
  Dataset dataset_;
  Iterator iterator_;
};

/// ImageDataGenerator().flow_from_directory(directory, ...).
/// Throws: as image_dataset_from_directory's indexing and option checks.
DirectoryIterator flow_from_directory(const std::string& directory,
                                      const FlowOptions& options = {});

}  // namespace dl::data
