// The input pipeline feeding a TF1-style graph: a folder of JPEGs (one sub-folder per class),
// image_dataset_from_directory with a validation split, and the TF1 loop
//   while (true) { try { sess.run(feed.next(), ...) } catch (OutOfRange&) { break; } }
// training a linear classifier. Each epoch logs the content hash of its first batch, which
// proves the per-epoch reshuffle is reproducible from the seed.
//
// Build: the CMake target input_pipeline. Run: ./build/docs/examples/input_pipeline [image_dir]
// Without a directory it writes a small one from Fashion-MNIST to a temporary folder first
// (what tools/make_image_folder does at full size) and removes it at the end.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "dl/core/data/content_hash.h"
#include "dl/core/data/image_folder.h"
#include "dl/core/io/fashion_mnist.h"
#include "dl/core/io/file_util.h"
#include "dl/core/io/image.h"
#include "dl/graph/data_feed.h"
#include "dl/graph/gradients.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/variable.h"

namespace fs = std::filesystem;

// 40 JPEGs per class for 3 classes, 32x32 RGB.
std::string write_small_folder() {
  const fs::path dir =
      fs::temp_directory_path() / ("dl_example_input_pipeline_" + std::to_string(::getpid()));
  const auto data = dl::io::load_fashion_mnist();
  int written[3] = {0, 0, 0};
  for (int64_t i = 0; i < data.x_train.shape().dim(0); ++i) {
    const int label = data.y_train.data<uint8_t>()[i];
    if (label > 2 || written[label] == 40) continue;
    dl::Tensor img = dl::io::resize(
        data.x_train.slice_rows(i, i + 1).reshaped(dl::Shape({28, 28, 1})), 32, 32, "nearest");
    dl::Tensor rgb(dl::DType::u8, dl::Shape({32, 32, 3}));
    for (int64_t p = 0; p < 32 * 32; ++p) {
      for (int c = 0; c < 3; ++c) rgb.data<uint8_t>()[3 * p + c] = img.data<uint8_t>()[p];
    }
    const fs::path class_dir =
        dir / std::string(dl::io::fashion_mnist_class_names()[label]).substr(0, 5);
    fs::create_directories(class_dir);
    dl::io::write_file_atomically((class_dir / (std::to_string(i) + ".jpg")).string(),
                                  dl::io::encode_jpeg(rgb, 90));
    ++written[label];
  }
  return dir.string();
}

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : write_small_folder();

  // Keras 3's image_dataset_from_directory: the same seed for both subsets.
  dl::data::ImageDatasetOptions opts{
      .image_size = {32, 32}, .batch_size = 16, .seed = 7, .validation_split = 0.25};
  opts.subset = "training";
  const dl::data::ImageDataset train = dl::data::image_dataset_from_directory(dir, opts);
  opts.subset = "validation";
  const dl::data::ImageDataset val = dl::data::image_dataset_from_directory(dir, opts);
  const int64_t classes = static_cast<int64_t>(train.class_names.size());
  std::printf("%zu training and %zu validation images in %lld classes\n", train.file_paths.size(),
              val.file_paths.size(), static_cast<long long>(classes));

  // A linear classifier on the pixels, fitted to one-hot targets with squared error.
  dl::Graph g;
  auto x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1, 32, 32, 3}), "x");
  auto y = dl::ops::placeholder(g, dl::DType::i32, dl::Shape({-1}), "y");
  dl::Variable w(dl::ops::zeros(g, dl::Shape({32 * 32 * 3, classes})), {.name = "w"});
  dl::Variable b(dl::ops::zeros(g, dl::Shape({classes})), {.name = "b"});
  auto logits = dl::ops::matmul(dl::ops::reshape(x / 255.0, dl::Shape({-1, 32 * 32 * 3})), w) + b;
  auto loss = dl::ops::reduce_mean(dl::ops::square(logits - dl::ops::one_hot(y, classes)));
  auto grads = dl::gradients({loss}, {w, b});
  auto train_op =
      dl::ops::group(g, {w.assign_sub(grads[0] * 0.003).node, b.assign_sub(grads[1] * 0.003).node});
  auto correct = dl::ops::equal(dl::ops::argmax(logits, 1), dl::ops::cast(y, dl::DType::i64));
  auto accuracy = dl::ops::reduce_mean(dl::ops::cast(correct, dl::DType::f32));

  dl::Session sess(g);
  sess.run(dl::global_variables_initializer(g));
  dl::DataFeed train_feed(train.dataset, {x, y});
  dl::DataFeed val_feed(val.dataset, {x, y});
  double val_acc = 0;
  for (int epoch = 0; epoch < 4; ++epoch) {
    int steps = 0;
    std::string first_batch;
    while (true) {
      try {
        sess.run(train_feed.next(), {loss}, {train_op});
        if (steps++ == 0)
          first_batch = dl::data::hash_hex(dl::data::content_hash(train_feed.last()));
      } catch (const dl::OutOfRange&) {
        break;
      }
    }
    train_feed.reset();  // iterator.initializer: the next epoch, reshuffled
    double correct_sum = 0, seen = 0;
    while (true) {
      try {
        const dl::FeedDict feeds = val_feed.next();
        const double n = static_cast<double>(feeds[1].second.shape().dim(0));
        correct_sum += n * sess.run(feeds, {accuracy})[0].data<float>()[0];
        seen += n;
      } catch (const dl::OutOfRange&) {
        break;
      }
    }
    val_feed.reset();
    val_acc = correct_sum / seen;
    std::printf("epoch %d: %d steps, first batch %s, validation accuracy %.3f\n", epoch, steps,
                first_batch.c_str(), val_acc);
  }
  if (argc <= 1) fs::remove_all(dir);  // the folder this run wrote
  return val_acc > 0.6 ? 0 : 1;
}
