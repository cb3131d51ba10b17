#include "dl/highlevel/utils.h"

#include <cmath>

#include "dl/core/error.h"

namespace dl::keras::utils {

Tensor to_categorical(const Tensor& y, int64_t num_classes) {
  DL_CHECK(y.valid(), "to_categorical: the labels are empty");
  const int64_t n = y.shape().rank() ? y.shape()[0] : 1;
  DL_CHECK(y.num_elements() == n, "to_categorical: expected labels of shape (n,) or (n, 1), ",
           "received ", y.shape().to_string());
  if (num_classes < 0) {
    double m = -1;
    for (int64_t i = 0; i < n; ++i) m = std::max(m, y.value_at(i));
    num_classes = static_cast<int64_t>(m) + 1;
  }
  Tensor out = Tensor::zeros(DType::f32, Shape({n, num_classes}));
  float* p = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const double v = y.value_at(i);
    if (!(v >= 0 && v < double(num_classes)) || v != std::floor(v)) {
      throw InvalidArgument(str_cat("to_categorical: label ", v, " of sample ", i,
                                    " is not a class id in [0, ", num_classes, ")"));
    }
    p[i * num_classes + static_cast<int64_t>(v)] = 1.0f;
  }
  return out;
}

}  // namespace dl::keras::utils
