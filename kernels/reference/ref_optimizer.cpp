#include "dl/kernels/reference/ref_optimizer.h"

#include <cmath>
#include <unordered_map>
#include <vector>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/parallel.h"
#include "dl/kernels/reference/ref_gather.h"

namespace dl::kernels::ref {
namespace {

// A ref input: the variable's own storage, which must be initialised.
Tensor& ref_input(KernelContext& c, int i) {
  Tensor& t = *c.inputs[static_cast<size_t>(i)];
  if (!t.valid()) {
    throw FailedPrecondition(str_cat(c.node.type(), " '", c.node.name(),
                                     "': attempting to use uninitialized value ",
                                     c.node.input(i).node->name()));
  }
  return t;
}

template <class T>
T scalar(KernelContext& c, int i) {
  return c.input(i).data<T>()[0];
}

template <class T>
T* data(KernelContext& c, int i) {
  return ref_input(c, i).data<T>();
}

void forward_var(KernelContext& c) { c.output(0) = *c.inputs[0]; }

// The rows of a sparse gradient grouped by index: unique indices in order of first appearance and
// each one's row sum (added in order, as unsorted_segment_sum does). Checks every index first.
template <class T>
struct UniqueRows {
  std::vector<int64_t> index;
  const T* rows = nullptr;  // index.size() x inner
  int64_t inner = 0;
  std::vector<T> summed;
};

template <class T>
UniqueRows<T> unique_rows(KernelContext& c, const Tensor& var, int grad_input, int indices_input) {
  const Tensor& grad = c.input(grad_input);
  const Tensor& indices = c.input(indices_input);
  const int64_t n = indices.num_elements();
  const int64_t limit = var.shape().dim(0);
  UniqueRows<T> u;
  u.inner = limit == 0 ? 0 : var.num_elements() / limit;
  std::unordered_map<int64_t, int64_t> slot;
  bool duplicates = false;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = index_at(indices, i);
    if (k < 0 || k >= limit) {
      c.fail(str_cat("indices[", i, "] = ", k, " is not in [0, ", limit, ") (the rows of ",
                     c.node.input(0).node->name(), ", ", var.shape().to_string(), ")"));
    }
    if (slot.emplace(k, static_cast<int64_t>(u.index.size())).second) {
      u.index.push_back(k);
    } else {
      duplicates = true;
    }
  }
  const T* g = grad.data<T>();
  if (!duplicates) {
    u.rows = g;
    return u;
  }
  u.summed.assign(u.index.size() * static_cast<size_t>(u.inner), T(0));
  std::vector<bool> seen(u.index.size(), false);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = slot[index_at(indices, i)];
    T* dst = u.summed.data() + s * u.inner;
    const T* src = g + i * u.inner;
    if (!seen[static_cast<size_t>(s)]) {
      std::copy_n(src, u.inner, dst);
      seen[static_cast<size_t>(s)] = true;
    } else {
      for (int64_t j = 0; j < u.inner; ++j) dst[j] += src[j];
    }
  }
  u.rows = u.summed.data();
  return u;
}

// Calls f(element offset into the variable, element offset into the unique rows) for
// every element of every touched row; distinct rows, so elements are independent.
template <class T, class F>
void for_each_row_element(const UniqueRows<T>& u, F&& f) {
  const int64_t nu = static_cast<int64_t>(u.index.size());
  detail::parallel_for(nu * u.inner, [&](int64_t e) {
    const int64_t r = e / u.inner, j = e % u.inner;
    f(u.index[static_cast<size_t>(r)] * u.inner + j, r * u.inner + j);
  });
}

}  // namespace

// ---- dense ----

void apply_gradient_descent(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  visit_float_dtype(var.dtype(), "ApplyGradientDescent", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    const T lr = scalar<T>(c, 1);
    const T* g = c.input(2).data<T>();
    detail::parallel_for(var.num_elements(), [&](int64_t i) { v[i] -= g[i] * lr; });
  });
  forward_var(c);
}

void apply_momentum(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  const bool nesterov = c.node.attrs().get_bool("use_nesterov");
  visit_float_dtype(var.dtype(), "ApplyMomentum", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    T* a = data<T>(c, 1);
    const T lr = scalar<T>(c, 2);
    const T* g = c.input(3).data<T>();
    const T mom = scalar<T>(c, 4);
    detail::parallel_for(var.num_elements(), [&](int64_t i) {
      a[i] = a[i] * mom + g[i];
      if (nesterov) {
        v[i] -= g[i] * lr + a[i] * mom * lr;
      } else {
        v[i] -= a[i] * lr;
      }
    });
  });
  forward_var(c);
}

// The arithmetic, operation by operation, of Keras's SGD written with separate ops (the fused
// kernel gives the same bits and runs one pass over the weights).
void apply_keras_momentum(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  const bool nesterov = c.node.attrs().get_bool("use_nesterov");
  visit_float_dtype(var.dtype(), "ApplyKerasMomentum", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    T* a = data<T>(c, 1);
    const T lr = scalar<T>(c, 2);
    const T* g = c.input(3).data<T>();
    const T mom = scalar<T>(c, 4);
    detail::parallel_for(var.num_elements(), [&](int64_t i) {
      const T step = g[i] * lr;
      a[i] = a[i] * mom - step;
      if (nesterov) {
        v[i] += a[i] * mom - step;
      } else {
        v[i] += a[i];
      }
    });
  });
  forward_var(c);
}

void apply_adam(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  const bool nesterov = c.node.attrs().get_bool("use_nesterov");
  visit_float_dtype(var.dtype(), "ApplyAdam", [&](auto tag) {
    using T = decltype(tag);
    T* p = var.data<T>();
    T* m = data<T>(c, 1);
    T* v = data<T>(c, 2);
    const T b1p = scalar<T>(c, 3), b2p = scalar<T>(c, 4), lr = scalar<T>(c, 5);
    const T b1 = scalar<T>(c, 6), b2 = scalar<T>(c, 7), eps = scalar<T>(c, 8);
    const T* g = c.input(9).data<T>();
    const T alpha = lr * std::sqrt(T(1) - b2p) / (T(1) - b1p);
    const T one_b1 = T(1) - b1, one_b2 = T(1) - b2;
    detail::parallel_for(var.num_elements(), [&](int64_t i) {
      m[i] += (g[i] - m[i]) * one_b1;
      v[i] += (g[i] * g[i] - v[i]) * one_b2;
      if (nesterov) {
        p[i] -= ((g[i] * one_b1 + b1 * m[i]) * alpha) / (std::sqrt(v[i]) + eps);
      } else {
        p[i] -= (m[i] * alpha) / (std::sqrt(v[i]) + eps);
      }
    });
  });
  forward_var(c);
}

void apply_rms_prop(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  visit_float_dtype(var.dtype(), "ApplyRMSProp", [&](auto tag) {
    using T = decltype(tag);
    T* p = var.data<T>();
    T* ms = data<T>(c, 1);
    T* mom = data<T>(c, 2);
    const T lr = scalar<T>(c, 3), rho = scalar<T>(c, 4), momentum = scalar<T>(c, 5);
    const T eps = scalar<T>(c, 6);
    const T* g = c.input(7).data<T>();
    detail::parallel_for(var.num_elements(), [&](int64_t i) {
      ms[i] += (g[i] * g[i] - ms[i]) * (T(1) - rho);
      mom[i] = mom[i] * momentum + (g[i] * lr) / std::sqrt(ms[i] + eps);
      p[i] -= mom[i];
    });
  });
  forward_var(c);
}

void apply_centered_rms_prop(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  visit_float_dtype(var.dtype(), "ApplyCenteredRMSProp", [&](auto tag) {
    using T = decltype(tag);
    T* p = var.data<T>();
    T* mg = data<T>(c, 1);
    T* ms = data<T>(c, 2);
    T* mom = data<T>(c, 3);
    const T lr = scalar<T>(c, 4), rho = scalar<T>(c, 5), momentum = scalar<T>(c, 6);
    const T eps = scalar<T>(c, 7);
    const T* g = c.input(8).data<T>();
    detail::parallel_for(var.num_elements(), [&](int64_t i) {
      ms[i] += (g[i] * g[i] - ms[i]) * (T(1) - rho);
      mg[i] += (g[i] - mg[i]) * (T(1) - rho);
      const T denom = (ms[i] - mg[i] * mg[i]) + eps;
      mom[i] = mom[i] * momentum + (g[i] * lr) / std::sqrt(denom);
      p[i] -= mom[i];
    });
  });
  forward_var(c);
}

void apply_adagrad(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  const bool update_slots = c.node.attrs().get_bool("update_slots");
  visit_float_dtype(var.dtype(), "ApplyAdagrad", [&](auto tag) {
    using T = decltype(tag);
    T* p = var.data<T>();
    T* acc = data<T>(c, 1);
    const T lr = scalar<T>(c, 2);
    const T* g = c.input(3).data<T>();
    detail::parallel_for(var.num_elements(), [&](int64_t i) {
      if (update_slots) acc[i] += g[i] * g[i];
      p[i] -= g[i] * lr * (T(1) / std::sqrt(acc[i]));
    });
  });
  forward_var(c);
}

void apply_adadelta(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  visit_float_dtype(var.dtype(), "ApplyAdadelta", [&](auto tag) {
    using T = decltype(tag);
    T* p = var.data<T>();
    T* acc = data<T>(c, 1);
    T* acc_up = data<T>(c, 2);
    const T lr = scalar<T>(c, 3), rho = scalar<T>(c, 4), eps = scalar<T>(c, 5);
    const T* g = c.input(6).data<T>();
    detail::parallel_for(var.num_elements(), [&](int64_t i) {
      acc[i] = acc[i] * rho + g[i] * g[i] * (T(1) - rho);
      const T update = std::sqrt(acc_up[i] + eps) * (T(1) / std::sqrt(acc[i] + eps)) * g[i];
      p[i] -= update * lr;
      acc_up[i] = acc_up[i] * rho + update * update * (T(1) - rho);
    });
  });
  forward_var(c);
}

// ---- sparse ----

void sparse_apply_momentum(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  const bool nesterov = c.node.attrs().get_bool("use_nesterov");
  visit_float_dtype(var.dtype(), "SparseApplyMomentum", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    T* a = data<T>(c, 1);
    const T lr = scalar<T>(c, 2), mom = scalar<T>(c, 5);
    const UniqueRows<T> u = unique_rows<T>(c, var, 3, 4);
    for_each_row_element(u, [&](int64_t k, int64_t r) {
      const T g = u.rows[r];
      a[k] = a[k] * mom + g;
      if (nesterov) {
        v[k] -= lr * g + lr * mom * a[k];
      } else {
        v[k] -= lr * a[k];
      }
    });
  });
  forward_var(c);
}

void sparse_apply_adagrad(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  const bool update_slots = c.node.attrs().get_bool("update_slots");
  visit_float_dtype(var.dtype(), "SparseApplyAdagrad", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    T* acc = data<T>(c, 1);
    const T lr = scalar<T>(c, 2);
    const UniqueRows<T> u = unique_rows<T>(c, var, 3, 4);
    for_each_row_element(u, [&](int64_t k, int64_t r) {
      const T g = u.rows[r];
      if (update_slots) acc[k] += g * g;
      v[k] -= lr * g / std::sqrt(acc[k]);
    });
  });
  forward_var(c);
}

void sparse_apply_rms_prop(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  visit_float_dtype(var.dtype(), "SparseApplyRMSProp", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    T* ms = data<T>(c, 1);
    T* mom = data<T>(c, 2);
    const T lr = scalar<T>(c, 3), rho = scalar<T>(c, 4), momentum = scalar<T>(c, 5);
    const T eps = scalar<T>(c, 6);
    const UniqueRows<T> u = unique_rows<T>(c, var, 7, 8);
    for_each_row_element(u, [&](int64_t k, int64_t r) {
      const T g = u.rows[r];
      ms[k] = ms[k] * rho + g * g * (T(1) - rho);
      mom[k] = mom[k] * momentum + (T(1) / std::sqrt(ms[k] + eps)) * lr * g;
      v[k] -= mom[k];
    });
  });
  forward_var(c);
}

void sparse_apply_centered_rms_prop(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  visit_float_dtype(var.dtype(), "SparseApplyCenteredRMSProp", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    T* mg = data<T>(c, 1);
    T* ms = data<T>(c, 2);
    T* mom = data<T>(c, 3);
    const T lr = scalar<T>(c, 4), rho = scalar<T>(c, 5), momentum = scalar<T>(c, 6);
    const T eps = scalar<T>(c, 7);
    const UniqueRows<T> u = unique_rows<T>(c, var, 8, 9);
    for_each_row_element(u, [&](int64_t k, int64_t r) {
      const T g = u.rows[r];
      ms[k] = ms[k] * rho + g * g * (T(1) - rho);
      mg[k] = mg[k] * rho + g * (T(1) - rho);
      const T denom = ms[k] + eps - mg[k] * mg[k];
      mom[k] = mom[k] * momentum + (T(1) / std::sqrt(denom)) * lr * g;
      v[k] -= mom[k];
    });
  });
  forward_var(c);
}

void sparse_apply_adadelta(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  visit_float_dtype(var.dtype(), "SparseApplyAdadelta", [&](auto tag) {
    using T = decltype(tag);
    T* v = var.data<T>();
    T* acc = data<T>(c, 1);
    T* acc_up = data<T>(c, 2);
    const T lr = scalar<T>(c, 3), rho = scalar<T>(c, 4), eps = scalar<T>(c, 5);
    const UniqueRows<T> u = unique_rows<T>(c, var, 6, 7);
    for_each_row_element(u, [&](int64_t k, int64_t r) {
      const T g = u.rows[r];
      acc[k] = acc[k] * rho + g * g * (T(1) - rho);
      const T update = std::sqrt(acc_up[k] + eps) * (T(1) / std::sqrt(acc[k] + eps)) * g;
      v[k] -= update * lr;
      acc_up[k] = acc_up[k] * rho + update * update * (T(1) - rho);
    });
  });
  forward_var(c);
}

// ---- scatter ----

namespace {
template <int Sign>
void scatter_update(KernelContext& c) {
  Tensor& var = ref_input(c, 0);
  const Tensor& indices = c.input(1);
  const Tensor& updates = c.input(2);
  const int64_t n = indices.num_elements();
  const int64_t limit = var.shape().dim(0);
  const int64_t inner = limit == 0 ? 0 : var.num_elements() / limit;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = index_at(indices, i);
    if (k < 0 || k >= limit) {
      c.fail(str_cat("indices[", i, "] = ", k, " is not in [0, ", limit, ") (the rows of ",
                     c.node.input(0).node->name(), ", ", var.shape().to_string(), ")"));
    }
  }
  visit_dtype(var.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      c.fail("bool variables cannot be updated by addition");
    } else {
      T* v = var.data<T>();
      const T* u = updates.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        T* row = v + index_at(indices, i) * inner;
        const T* src = u + i * inner;
        for (int64_t j = 0; j < inner; ++j) row[j] = static_cast<T>(row[j] + Sign * src[j]);
      }
    }
  });
  forward_var(c);
}
}  // namespace

void scatter_add(KernelContext& c) { scatter_update<1>(c); }
void scatter_sub(KernelContext& c) { scatter_update<-1>(c); }

}  // namespace dl::kernels::ref
