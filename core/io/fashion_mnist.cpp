#include "dl/core/io/fashion_mnist.h"

#include <filesystem>

#include "dl/core/io/idx.h"

namespace dl::io {
namespace {

namespace fs = std::filesystem;

std::string find_file(const std::string& dir, const std::string& name) {
  const fs::path plain = fs::path(dir) / name;
  const fs::path gz = fs::path(dir) / (name + ".gz");
  std::error_code ec;
  if (fs::exists(plain, ec)) return plain.string();
  if (fs::exists(gz, ec)) return gz.string();
  throw NotFound(
      str_cat("Fashion-MNIST: neither '", plain.string(), "' nor '", gz.string(), "' exists"));
}

void load_split(const std::string& dir, const std::string& prefix, Tensor* x, Tensor* y) {
  const std::string images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  Tensor images = read_idx(images_path);
  Tensor labels = read_idx(labels_path);
  const Shape& is = images.shape();
  if (images.dtype() != DType::u8 || is.rank() != 3 || is.dim(1) != 28 || is.dim(2) != 28) {
    throw DataLoss(str_cat("Fashion-MNIST: '", images_path, "' holds ", images.spec_string(),
                           ", expected uint8[n,28,28]"));
  }
  if (labels.dtype() != DType::u8 || labels.shape().rank() != 1) {
    throw DataLoss(str_cat("Fashion-MNIST: '", labels_path, "' holds ", labels.spec_string(),
                           ", expected uint8[n]"));
  }
  if (labels.shape().dim(0) != is.dim(0)) {
    throw DataLoss(str_cat("Fashion-MNIST: '", images_path, "' holds ", is.dim(0), " images but '",
                           labels_path, "' holds ", labels.shape().dim(0), " labels"));
  }
  const uint8_t* l = labels.data<uint8_t>();
  for (int64_t i = 0, n = labels.num_elements(); i < n; ++i) {
    if (l[i] > 9) {
      throw DataLoss(str_cat("Fashion-MNIST: '", labels_path, "': label ", i, " is ",
                             static_cast<int>(l[i]), ", expected 0..9"));
    }
  }
  *x = std::move(images);
  *y = std::move(labels);
}

}  // namespace

FashionMnist load_fashion_mnist(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw NotFound(str_cat("Fashion-MNIST: directory '", dir,
                           "' does not exist (install the Debian package dataset-fashion-mnist)"));
  }
  FashionMnist d;
  load_split(dir, "train", &d.x_train, &d.y_train);
  load_split(dir, "t10k", &d.x_test, &d.y_test);
  return d;
}

const std::array<std::string_view, 10>& fashion_mnist_class_names() {
  static const std::array<std::string_view, 10> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace dl::io
