// make_image_folder: writes a class-folder image data set (train/<class>/*.jpg,
// test/<class>/*.jpg) from Fashion-MNIST, for pipelines that read JPEG folders
// (image_dataset_from_directory, flow_from_directory, a tf.data-style decode/resize/batch).
//
//   make_image_folder --out data/fmnist128 --size 128 --channels 3 --per-class 500
//
// Each image is the 28x28 grey Fashion-MNIST image resized (bilinear by default), replicated
// to RGB when --channels 3, and encoded as JPEG (or PNG). Files are written atomically
// (temporary file, fsync, rename), so an interrupted run leaves no half-written image; a rerun
// overwrites the same names.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "dl/core/io/fashion_mnist.h"
#include "dl/core/io/file_util.h"
#include "dl/core/io/image.h"

namespace {

namespace fs = std::filesystem;

struct Settings {
  std::string out;
  std::string source = dl::io::kFashionMnistDir;
  int size = 128;
  int channels = 3;
  int per_class = 100;
  int test_per_class = 20;
  std::string format = "jpg";
  int quality = 95;
  std::string method = "bilinear";
  bool label_prefix = false;
  bool quiet = false;
};

// "T-shirt/top" -> "T-shirt_top", "Ankle boot" -> "Ankle_boot".
std::string folder_name(std::string_view class_name, int label, bool prefix) {
  std::string s(class_name);
  for (char& c : s) {
    if (c == '/' || c == ' ') c = '_';
  }
  if (!prefix) return s;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d_", label);
  return buf + s;
}

int write_split(const Settings& st, const dl::Tensor& x, const dl::Tensor& y, const char* split,
                int per_class) {
  const auto& names = dl::io::fashion_mnist_class_names();
  std::vector<int> written(names.size(), 0);
  int total = 0;
  const int64_t n = x.shape().dim(0);
  for (int64_t i = 0; i < n && total < per_class * static_cast<int>(names.size()); ++i) {
    const int label = y.data<uint8_t>()[i];
    if (written[static_cast<size_t>(label)] >= per_class) continue;
    dl::Tensor img = x.slice_rows(i, i + 1).reshaped(dl::Shape({28, 28, 1}));
    if (st.size != 28) {
      img = dl::io::resize(img, st.size, st.size, st.method);
      if (img.dtype() != dl::DType::u8) {  // bilinear gives float32: round back to bytes
        dl::Tensor u8(dl::DType::u8, img.shape());
        for (int64_t k = 0; k < img.num_elements(); ++k) {
          const float v = img.data<float>()[k] + 0.5f;
          u8.data<uint8_t>()[k] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        img = u8;
      }
    }
    if (st.channels == 3) {
      dl::Tensor rgb(dl::DType::u8, dl::Shape({st.size, st.size, 3}));
      for (int64_t k = 0; k < img.num_elements(); ++k) {
        for (int c = 0; c < 3; ++c) rgb.data<uint8_t>()[3 * k + c] = img.data<uint8_t>()[k];
      }
      img = rgb;
    }
    const fs::path dir = fs::path(st.out) / split /
                         folder_name(names[static_cast<size_t>(label)], label, st.label_prefix);
    fs::create_directories(dir);
    char file[32];
    std::snprintf(file, sizeof file, "%05lld.%s", static_cast<long long>(i), st.format.c_str());
    const std::string bytes =
        st.format == "png" ? dl::io::encode_png(img) : dl::io::encode_jpeg(img, st.quality);
    dl::io::write_file_atomically((dir / file).string(), bytes);
    ++written[static_cast<size_t>(label)];
    ++total;
  }
  if (!st.quiet) {
    std::printf("%s: %d images in %zu class folders under %s\n", split, total, names.size(),
                (fs::path(st.out) / split).string().c_str());
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  Settings st;
  CLI::App app{"Writes a class-folder JPEG/PNG data set from Fashion-MNIST"};
  app.add_option("--out", st.out, "output directory (train/ and test/ go inside)")->required();
  app.add_option("--source", st.source, "Fashion-MNIST IDX directory");
  app.add_option("--size", st.size, "side of the square images in pixels")
      ->check(CLI::Range(1, 4096));
  app.add_option("--channels", st.channels, "1 (grey) or 3 (RGB)")->check(CLI::IsMember({1, 3}));
  app.add_option("--per-class", st.per_class, "training images per class")
      ->check(CLI::Range(0, 6000));
  app.add_option("--test-per-class", st.test_per_class, "test images per class")
      ->check(CLI::Range(0, 1000));
  app.add_option("--format", st.format, "jpg or png")->check(CLI::IsMember({"jpg", "png"}));
  app.add_option("--quality", st.quality, "JPEG quality")->check(CLI::Range(1, 100));
  app.add_option("--resize-method", st.method, "a dl::io::resize method")
      ->check(
          CLI::IsMember({"bilinear", "bilinear_tf1", "nearest", "nearest_tf1", "nearest_keras2"}));
  app.add_flag("--label-prefix", st.label_prefix,
               "prefix folders with the label (00_T-shirt_top) so that sorted folder order is "
               "Fashion-MNIST's label order");
  app.add_flag("--quiet", st.quiet, "print nothing on success");
  CLI11_PARSE(app, argc, argv);

  try {
    const dl::io::FashionMnist data = dl::io::load_fashion_mnist(st.source);
    write_split(st, data.x_train, data.y_train, "train", st.per_class);
    write_split(st, data.x_test, data.y_test, "test", st.test_per_class);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_image_folder: %s\n", e.what());
    return 1;
  }
  return 0;
}
