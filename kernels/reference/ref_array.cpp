#include "dl/kernels/reference/ref_array.h"

#include <cstring>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/broadcast.h"

namespace dl::kernels::ref {

void broadcast(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  if (x.shape().num_elements() == o.num_elements()) {
    o.copy_from(x);
    return;
  }
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = o.data<T>();
    detail::for_each_broadcast(o.shape(), x.shape(), x.shape(),
                               [&](int64_t i, int64_t ix, int64_t) { po[i] = px[ix]; });
  });
}

}  // namespace dl::kernels::ref
