#include "dl/core/data/image_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "../io/io_test_util.h"
#include "../testing/test_util.h"
#include "dl/core/data/content_hash.h"
#include "dl/core/io/file_util.h"
#include "dl/core/io/image.h"

namespace dl {
namespace {

using data::Element;
using testing::contains;
using testing::error_of;

// A small class-folder data set: images of different sizes whose pixels encode their index.
class ImageFolder : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    // Created in an unsorted order; a nested folder and a non-image file in "dogs".
    add("dogs/d1.png", 0, 9, 7, 3);
    add("cats/c2.jpg", 1, 12, 10, 3);
    add("cats/c1.png", 2, 9, 7, 1);
    add("dogs/more/d0.png", 3, 8, 8, 4);
    add("birds/b1.JPG", 4, 10, 12, 3);
    add("cats/c3.png", 5, 9, 7, 3);
    add("dogs/d2.png", 6, 7, 9, 3);
    std::filesystem::create_directories(dir_ / "empty_class");
    io::write_file_atomically(path("dogs/notes.txt"), "not an image");
  }
  void add(const std::string& rel, int seed, int64_t h, int64_t w, int64_t c) {
    std::filesystem::create_directories((dir_ / rel).parent_path());
    Tensor img(DType::u8, Shape({h, w, c}));
    for (int64_t i = 0; i < img.num_elements(); ++i) {
      img.data<uint8_t>()[i] = static_cast<uint8_t>((seed * 37 + i * 11) % 256);
    }
    const bool jpg = rel.ends_with(".jpg") || rel.ends_with(".JPG");
    io::write_file_atomically(path(rel), jpg ? io::encode_jpeg(img, 90) : io::encode_png(img));
  }
  static int64_t count(const data::Dataset& ds, int64_t* batches = nullptr) {
    int64_t n = 0, b = 0;
    data::Iterator it = ds.make_iterator();
    while (auto e = it.next()) {
      n += (*e)[0].shape().dim(0);
      ++b;
    }
    if (batches) *batches = b;
    return n;
  }
};

TEST_F(ImageFolder, ClassesAreSortedFoldersAndImagesMatchTheDecoderAndResize) {
  data::ImageDataset d = data::image_dataset_from_directory(
      dir_.string(), {.image_size = {5, 6}, .batch_size = 3, .shuffle = false});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"birds", "cats", "dogs", "empty_class"}));
  EXPECT_EQ(d.file_paths,
            (std::vector<std::string>{path("birds/b1.JPG"), path("cats/c1.png"),
                                      path("cats/c2.jpg"), path("cats/c3.png"), path("dogs/d1.png"),
                                      path("dogs/d2.png"), path("dogs/more/d0.png")}));
  EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 1, 1, 1, 2, 2, 2}));
  data::Iterator it = d.dataset.make_iterator();
  int64_t k = 0;
  while (auto b = it.next()) {
    const Tensor& x = (*b)[0];
    const Tensor& y = (*b)[1];
    EXPECT_EQ(x.dtype(), DType::f32);
    EXPECT_EQ(y.dtype(), DType::i32);
    for (int64_t i = 0; i < x.shape().dim(0); ++i, ++k) {
      SCOPED_TRACE(d.file_paths[static_cast<size_t>(k)]);
      // Keras 3: tf.io.decode_image(channels=3) then tf.image.resize(bilinear).
      const Tensor want = io::resize(
          io::read_image(d.file_paths[static_cast<size_t>(k)], {.channels = 3}), 5, 6, "bilinear");
      EXPECT_TRUE(testing::tensors_equal(x.slice_rows(i, i + 1).reshaped(Shape({5, 6, 3})), want));
      EXPECT_EQ(y.data<int32_t>()[i], d.labels[static_cast<size_t>(k)]);
    }
  }
  EXPECT_EQ(k, 7);
}

TEST_F(ImageFolder, ShuffleIsSeededAndReshufflesEachEpoch) {
  auto hashes = [&](uint64_t seed, int64_t epoch) {
    data::ImageDataset d = data::image_dataset_from_directory(
        dir_.string(), {.image_size = {4, 4}, .batch_size = 2, .seed = seed});
    std::vector<uint64_t> h;
    data::Iterator it = d.dataset.make_iterator(epoch);
    while (auto b = it.next()) h.push_back(data::content_hash(*b));
    return h;
  };
  EXPECT_EQ(hashes(1, 0), hashes(1, 0));
  EXPECT_NE(hashes(1, 0), hashes(2, 0));
  EXPECT_NE(hashes(1, 0), hashes(1, 1));
  EXPECT_EQ(hashes(1, 0).size(), 4u);
}

TEST_F(ImageFolder, ValidationSplitPartitionsTheFiles) {
  data::ImageDatasetOptions o{
      .image_size = {4, 4}, .batch_size = 4, .seed = 7, .validation_split = 0.3};
  o.subset = "training";
  data::ImageDataset train = data::image_dataset_from_directory(dir_.string(), o);
  o.subset = "validation";
  data::ImageDataset val = data::image_dataset_from_directory(dir_.string(), o);
  EXPECT_EQ(train.file_paths.size(), 5u);  // 7 - int(0.3 * 7)
  EXPECT_EQ(val.file_paths.size(), 2u);
  std::set<std::string> all(train.file_paths.begin(), train.file_paths.end());
  all.insert(val.file_paths.begin(), val.file_paths.end());
  EXPECT_EQ(all.size(), 7u);
  EXPECT_EQ(count(train.dataset), 5);
  EXPECT_EQ(count(val.dataset), 2);

  std::string msg = error_of(
      [&] {
        data::image_dataset_from_directory(dir_.string(),
                                           {.validation_split = 0.2, .subset = "training"});
      },
      ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "needs a seed")) << msg;
  msg = error_of(
      [&] { data::image_dataset_from_directory(dir_.string(), {.validation_split = 0.2}); },
      ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "validation_split and subset")) << msg;
  msg = error_of([&] { data::image_dataset_from_directory(dir_.string(), {.color_mode = "cmyk"}); },
                 ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(
      msg, "color_mode must be one of \"rgb\", \"grayscale\", \"rgba\", received \"cmyk\""))
      << msg;
  msg =
      error_of([&] { data::image_dataset_from_directory(path("nowhere")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(msg, path("nowhere"))) << msg;
  msg = error_of(
      [&] {
        data::image_dataset_from_directory(dir_.string(), {.class_names = {"cats", "cows"}});
      },
      ErrorCode::not_found);
  EXPECT_TRUE(contains(msg, path("cows"))) << msg;
}

TEST_F(ImageFolder, LabelAndColorModes) {
  data::ImageDataset d =
      data::image_dataset_from_directory(dir_.string(), {.image_size = {4, 4},
                                                         .batch_size = 8,
                                                         .shuffle = false,
                                                         .color_mode = "grayscale",
                                                         .label_mode = "categorical",
                                                         .class_names = {"dogs", "cats"}});
  data::Iterator it = d.dataset.make_iterator();
  Element b = it.get_next();
  EXPECT_EQ(b[0].shape(), Shape({6, 4, 4, 1}));
  EXPECT_EQ(b[1].shape(), Shape({6, 2}));
  EXPECT_EQ(b[1].data<float>()[0], 1.0f);  // dogs first: class 0
  EXPECT_EQ(b[1].data<float>()[1], 0.0f);

  d = data::image_dataset_from_directory(dir_.string(), {.image_size = {4, 4},
                                                         .batch_size = 0,
                                                         .shuffle = false,
                                                         .color_mode = "rgba",
                                                         .label_mode = "binary",
                                                         .class_names = {"cats", "dogs"}});
  it = d.dataset.make_iterator();
  b = it.get_next();
  EXPECT_EQ(b[0].shape(), Shape({4, 4, 4}));
  EXPECT_EQ(b[1].shape(), Shape({1}));
  EXPECT_EQ(b[0].data<float>()[3], 255.0f);  // grey PNG, opaque
}

TEST_F(ImageFolder, CorruptFilesFailNamingThemOrAreSkippedWithAWarning) {
  const std::string good = io::read_file(path("cats/c2.jpg"));
  io::write_file_atomically(path("cats/c0_broken.jpg"), good.substr(0, good.size() / 2));
  data::ImageDataset d = data::image_dataset_from_directory(
      dir_.string(), {.image_size = {4, 4}, .batch_size = 2, .shuffle = false});
  data::Iterator it = d.dataset.make_iterator();
  // The first batch holds birds/b1.JPG and cats/c0_broken.jpg.
  const std::string msg = error_of([&] { it.get_next(); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, path("cats/c0_broken.jpg"))) << msg;

  d = data::image_dataset_from_directory(
      dir_.string(),
      {.image_size = {4, 4}, .batch_size = 2, .shuffle = false, .skip_corrupt = true});
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(count(d.dataset), 7);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(contains(err, "skipping corrupt image '" + path("cats/c0_broken.jpg") + "'")) << err;
}

TEST_F(ImageFolder, UnresizedImagesOfDifferentSizesNameTheFile) {
  data::ImageDataset d = data::image_dataset_from_directory(
      dir_.string(), {.image_size = {0, 0}, .batch_size = 2, .shuffle = false});
  data::Iterator it = d.dataset.make_iterator();
  const std::string msg = error_of([&] { it.get_next(); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "'" + path("cats/c1.png") + "' is float32[9,7,3]")) << msg;
  EXPECT_TRUE(contains(msg, "'" + path("birds/b1.JPG") + "' in the same batch is float32[10,12,3]"))
      << msg;
}

TEST_F(ImageFolder, FlowFromDirectoryIsAnEndlessKeras2Generator) {
  data::DirectoryIterator gen = data::flow_from_directory(
      dir_.string(),
      {.target_size = {6, 5}, .batch_size = 3, .shuffle = false, .rescale = 1.0 / 255});
  EXPECT_EQ(gen.samples(), 7);
  EXPECT_EQ(gen.num_classes(), 4);
  EXPECT_EQ(gen.batches_per_epoch(), 3);
  EXPECT_EQ(gen.class_indices().at("dogs"), 2);
  std::vector<int64_t> sizes;
  for (int i = 0; i < 4; ++i) sizes.push_back(gen.next()[0].shape().dim(0));
  EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 1, 3}));  // then epoch 2 starts
  EXPECT_EQ(gen.epoch(), 1);

  gen.reset();
  Element b = gen.next();
  EXPECT_EQ(b[0].shape(), Shape({3, 6, 5, 3}));
  EXPECT_EQ(b[1].shape(), Shape({3, 4}));  // categorical
  // Keras 2: Pillow decode (accurate IDCT), Pillow NEAREST resize, x * rescale.
  const Tensor want = io::rescale(
      io::resize(
          io::read_image(gen.filenames()[1], {.channels = 3, .dct_method = "INTEGER_ACCURATE"}), 6,
          5, "nearest_keras2"),
      1.0 / 255);
  EXPECT_TRUE(testing::tensors_equal(b[0].slice_rows(1, 2).reshaped(Shape({6, 5, 3})), want));

  data::DirectoryIterator grey =
      data::flow_from_directory(dir_.string(), {.target_size = {6, 5},
                                                .color_mode = "grayscale",
                                                .class_mode = "sparse",
                                                .batch_size = 7,
                                                .shuffle = false});
  b = grey.next();
  EXPECT_EQ(b[0].shape(), Shape({7, 6, 5, 1}));
  EXPECT_EQ(b[1].to_vector<int32_t>(), grey.classes());
  const Tensor rgb =
      io::read_image(grey.filenames()[0], {.channels = 3, .dct_method = "INTEGER_ACCURATE"});
  EXPECT_TRUE(testing::tensors_equal(
      b[0].slice_rows(0, 1).reshaped(Shape({6, 5, 1})),
      io::to_float(io::resize(io::rgb_to_grayscale_pil(rgb), 6, 5, "nearest_keras2"))));

  data::DirectoryIterator shuffled =
      data::flow_from_directory(dir_.string(), {.target_size = {6, 5},
                                                .classes = {"cats", "dogs"},
                                                .class_mode = "binary",
                                                .batch_size = 6,
                                                .seed = 3});
  std::vector<uint64_t> e0 = {data::content_hash(shuffled.next())};
  std::vector<uint64_t> e1 = {data::content_hash(shuffled.next())};
  EXPECT_NE(e0, e1);  // a new permutation for the second epoch
  shuffled.reset();
  EXPECT_EQ(data::content_hash(shuffled.next()), e0[0]);

  const std::string msg =
      error_of([&] { data::flow_from_directory(dir_.string(), {.interpolation = "bicubic"}); },
               ErrorCode::unimplemented);
  EXPECT_TRUE(contains(msg, "\"bicubic\"")) << msg;
}

TEST_F(ImageFolder, FlowValidationSubsetTakesTheFirstFilesOfEachClass) {
  data::DirectoryIterator val = data::flow_from_directory(
      dir_.string(), {.target_size = {4, 4}, .validation_split = 0.5, .subset = "validation"});
  data::DirectoryIterator train = data::flow_from_directory(
      dir_.string(), {.target_size = {4, 4}, .validation_split = 0.5, .subset = "training"});
  // cats: 3 files -> 1 validation; dogs: 3 -> 1; birds: 1 -> 0.
  EXPECT_EQ(val.filenames(), (std::vector<std::string>{path("cats/c1.png"), path("dogs/d1.png")}));
  EXPECT_EQ(train.samples(), 5);
}

}  // namespace
}  // namespace dl
