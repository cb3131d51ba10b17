#include "dl/kernels/reference/broadcast.h"

namespace dl::detail {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  const int r = out.rank();
  std::vector<int64_t> s(static_cast<size_t>(r), 0);
  int64_t stride = 1;
  for (int d = in.rank() - 1; d >= 0; --d) {
    const int od = r - in.rank() + d;
    s[static_cast<size_t>(od)] = in.dim(d) == 1 && out.dim(od) != 1 ? 0 : stride;
    stride *= in.dim(d);
  }
  return s;
}

}  // namespace dl::detail
