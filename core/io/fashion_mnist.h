#pragma once
/// Fashion-MNIST (Xiao et al. 2017): 70,000 28x28 grey-scale images of clothes in 10 classes,
/// in the IDX files of the original distribution (the Debian package dataset-fashion-mnist
/// installs them, gzipped, in /usr/share/datasets/fashion-mnist). Like
/// keras.datasets.fashion_mnist.load_data(), without the download.
#include <array>
#include <string>
#include <string_view>

#include "dl/core/tensor.h"

namespace dl::io {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnist {
  Tensor x_train;  ///< u8 [60000, 28, 28], pixel values 0..255
  Tensor y_train;  ///< u8 [60000], class ids 0..9
  Tensor x_test;   ///< u8 [10000, 28, 28]
  Tensor y_test;   ///< u8 [10000]
};

/// Loads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
/// t10k-labels-idx1-ubyte from `dir`, each either plain or with a ".gz" suffix (the plain file
/// wins when both exist).
/// Throws: NotFound naming the directory or the file (both names tried) when missing; DataLoss
/// (from read_idx, or naming the file) when a file is corrupt, images are not u8 [n,28,28],
/// labels are not u8 [n], the image and label counts differ (both named) or a label is
/// outside 0..9.
FashionMnist load_fashion_mnist(const std::string& dir = kFashionMnistDir);

/// The class names, indexed by label: "T-shirt/top", "Trouser", ..., "Ankle boot".
const std::array<std::string_view, 10>& fashion_mnist_class_names();

}  // namespace dl::io
