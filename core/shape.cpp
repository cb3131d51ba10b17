#include "dl/core/shape.h"

#include <algorithm>
#include <ostream>

#include "dl/core/error.h"

namespace dl {

bool Shape::is_fully_defined() const {
  return std::none_of(dims_.begin(), dims_.end(), [](int64_t d) { return d < 0; });
}

int64_t Shape::num_elements() const {
  // A zero dimension makes the count 0 even when the other dimensions' product would
  // overflow (a file reader may build such a shape from a corrupt header).
  bool zero = false;
  for (int64_t d : dims_) {
    if (d < 0) return -1;
    zero = zero || d == 0;
  }
  if (zero) return 0;
  int64_t n = 1;
  for (int64_t d : dims_) {
    DL_CHECK(!__builtin_mul_overflow(n, d, &n), "Shape ", to_string(),
             ": the element count overflows int64");
  }
  return n;
}

bool Shape::compatible_with(const Shape& other) const {
  if (rank() != other.rank()) return false;
  for (int i = 0; i < rank(); ++i) {
    if (dim(i) >= 0 && other.dim(i) >= 0 && dim(i) != other.dim(i)) return false;
  }
  return true;
}

std::string Shape::to_string() const {
  std::string s = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ",";
    s += dims_[i] < 0 ? std::string("?") : std::to_string(dims_[i]);
  }
  return s + "]";
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const int r = std::max(a.rank(), b.rank());
  std::vector<int64_t> out(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) {
    const int ia = a.rank() - r + i;
    const int ib = b.rank() - r + i;
    const int64_t da = ia >= 0 ? a.dim(ia) : 1;
    const int64_t db = ib >= 0 ? b.dim(ib) : 1;
    int64_t d;
    if (da == 1) {
      d = db;
    } else if (db == 1) {
      d = da;
    } else if (da < 0) {
      d = db;  // unknown against n (or unknown): the run-time shape decides
    } else if (db < 0) {
      d = da;
    } else if (da == db) {
      d = da;
    } else {
      throw InvalidArgument(str_cat("shapes ", a.to_string(), " and ", b.to_string(),
                                    " cannot be broadcast: dimension ", i, " is ", da, " against ",
                                    db));
    }
    out[static_cast<size_t>(i)] = d;
  }
  return Shape(std::move(out));
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.to_string(); }

}  // namespace dl
