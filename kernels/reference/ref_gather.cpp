#include "dl/kernels/reference/ref_gather.h"

#include <cstring>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/parallel.h"

namespace dl::kernels::ref {

int64_t index_at(const Tensor& t, int64_t i) {
  return t.dtype() == DType::i32 ? static_cast<int64_t>(t.data<int32_t>()[i])
                                 : t.data<int64_t>()[i];
}

void gather_v2(KernelContext& c) {
  const Tensor& params = c.input(0);
  const Tensor& indices = c.input(1);
  Tensor& out = c.output(0);
  const int rank = params.shape().rank();
  int64_t axis = c.node.attrs().get_int("axis");
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= params.shape().dim(d);
  for (int d = static_cast<int>(axis) + 1; d < rank; ++d) inner *= params.shape().dim(d);
  const int64_t limit = params.shape().dim(static_cast<int>(axis));
  const int64_t n = indices.num_elements();
  // Validate every index before copying anything: the copy loop may run in parallel.
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = index_at(indices, i);
    if (k < 0 || k >= limit) {
      c.fail(str_cat("indices[", i, "] = ", k, " is not in [0, ", limit, ") (params dimension ",
                     axis, " of ", params.shape().to_string(), ")"));
    }
  }
  const size_t row_bytes = static_cast<size_t>(inner) * size_of(params.dtype());
  const char* src = static_cast<const char*>(params.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  detail::parallel_for(outer * n, [&](int64_t j) {
    const int64_t o = j / n, i = j % n;
    const int64_t k = index_at(indices, i);
    std::memcpy(dst + static_cast<size_t>(j) * row_bytes,
                src + static_cast<size_t>(o * limit + k) * row_bytes, row_bytes);
  });
}

void unsorted_segment_sum(KernelContext& c) {
  const Tensor& data = c.input(0);
  const Tensor& ids = c.input(1);
  Tensor& out = c.output(0);
  const int64_t num_segments = c.node.attrs().get_int("num_segments");
  const int64_t n = ids.num_elements();
  const int64_t inner = n == 0 ? 0 : data.num_elements() / n;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = index_at(ids, i);
    if (k >= num_segments) {
      c.fail(str_cat("segment_ids[", i, "] = ", k, " is out of range [0, ", num_segments, ")"));
    }
  }
  visit_dtype(data.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      c.fail("bool data cannot be summed");
    } else {
      T* o = out.data<T>();
      std::fill_n(o, out.num_elements(), T{});
      const T* d = data.data<T>();
      // Rows are added in the order they come, so the sum is the same on every run.
      for (int64_t i = 0; i < n; ++i) {
        const int64_t k = index_at(ids, i);
        if (k < 0) continue;
        T* row = o + k * inner;
        const T* src = d + i * inner;
        for (int64_t j = 0; j < inner; ++j) row[j] = static_cast<T>(row[j] + src[j]);
      }
    }
  });
}

}  // namespace dl::kernels::ref
