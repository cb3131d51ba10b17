#pragma once
/// keras.utils helpers for data: to_categorical.
#include <cstdint>

#include "dl/core/tensor.h"

namespace dl::keras::utils {

/// keras.utils.to_categorical(y, num_classes): class ids (any dtype, shape [n] or [n, 1]) to
/// one-hot float32 rows [n, num_classes]. num_classes < 0: the largest id + 1.
/// Throws InvalidArgument naming the sample when an id is negative, not an integer, or not
/// below num_classes.
Tensor to_categorical(const Tensor& y, int64_t num_classes = -1);

}  // namespace dl::keras::utils
