// Reference FusedBatchNormV3 and FusedBatchNormGradV3. The input is viewed as rows x channels
// (NHWC or [N, C]); per-channel sums run over the rows in order in double precision, one thread,
// so they are deterministic. The per-element passes are parallel.
#include <cmath>
#include <vector>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/parallel.h"
#include "dl/kernels/reference/ref_conv.h"

namespace dl::kernels::ref {
namespace {

// TF (fused_batch_norm_op.cc, CPU): outputs are y, batch_mean, batch_variance (Bessel-corrected
// in training), reserve_space_1 (the batch mean), reserve_space_2 (the biased batch variance,
// what the gradient needs), reserve_space_3 (empty).
template <class T>
void bn_forward(KernelContext& c) {
  const Tensor& x = c.input(0);
  const int64_t ch = x.shape().dim(x.shape().rank() - 1);
  const int64_t rows = ch == 0 ? 0 : x.num_elements() / ch;
  const AttrMap& a = c.node.attrs();
  const double eps = a.get_float("epsilon");
  const bool training = a.get_bool("is_training");
  const double factor = a.get_float("exponential_avg_factor");
  const T* px = x.data<T>();
  const T* scale = c.input(1).data<T>();
  const T* offset = c.input(2).data<T>();
  std::vector<double> mean(static_cast<size_t>(ch), 0.0), var(static_cast<size_t>(ch), 0.0);
  if (training) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t k = 0; k < ch; ++k) mean[static_cast<size_t>(k)] += px[r * ch + k];
    }
    for (double& m : mean) m /= static_cast<double>(rows);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t k = 0; k < ch; ++k) {
        const double d = px[r * ch + k] - mean[static_cast<size_t>(k)];
        var[static_cast<size_t>(k)] += d * d;
      }
    }
    for (double& v : var) v /= static_cast<double>(rows);
  } else {
    const T* m = c.input(3).data<T>();
    const T* v = c.input(4).data<T>();
    for (int64_t k = 0; k < ch; ++k) {
      mean[static_cast<size_t>(k)] = m[k];
      var[static_cast<size_t>(k)] = v[k];
    }
  }
  std::vector<T> mul(static_cast<size_t>(ch)), add(static_cast<size_t>(ch));
  for (int64_t k = 0; k < ch; ++k) {
    const size_t i = static_cast<size_t>(k);
    const double m = scale[k] / std::sqrt(var[i] + eps);
    mul[i] = static_cast<T>(m);
    add[i] = static_cast<T>(offset[k] - mean[i] * m);
  }
  T* py = c.output(0).data<T>();
  detail::parallel_for(rows, [&](int64_t r) {
    for (int64_t k = 0; k < ch; ++k) {
      py[r * ch + k] = px[r * ch + k] * mul[static_cast<size_t>(k)] + add[static_cast<size_t>(k)];
    }
  });
  T* bmean = c.output(1).data<T>();
  T* bvar = c.output(2).data<T>();
  T* rs1 = c.output(3).data<T>();
  T* rs2 = c.output(4).data<T>();
  const double adjust = rows > 1 ? static_cast<double>(rows) / static_cast<double>(rows - 1) : 1.0;
  for (int64_t k = 0; k < ch; ++k) {
    const size_t i = static_cast<size_t>(k);
    rs1[k] = static_cast<T>(mean[i]);
    rs2[k] = static_cast<T>(var[i]);
    if (!training) {
      bmean[k] = static_cast<T>(mean[i]);
      bvar[k] = static_cast<T>(var[i]);
    } else if (factor == 1.0) {
      bmean[k] = static_cast<T>(mean[i]);
      bvar[k] = static_cast<T>(var[i] * adjust);
    } else {
      const T* old_mean = c.input(3).data<T>();
      const T* old_var = c.input(4).data<T>();
      bmean[k] = static_cast<T>((1.0 - factor) * old_mean[k] + factor * mean[i]);
      bvar[k] = static_cast<T>((1.0 - factor) * old_var[k] + factor * var[i] * adjust);
    }
  }
}

// Inputs (y_backprop, x, scale, reserve_space_1, reserve_space_2, reserve_space_3); in
// training reserve_space_1/2 are the batch mean and biased variance, in inference the
// population mean and variance.
template <class T>
void bn_backward(KernelContext& c) {
  const Tensor& x = c.input(1);
  const int64_t ch = x.shape().dim(x.shape().rank() - 1);
  const int64_t rows = ch == 0 ? 0 : x.num_elements() / ch;
  const double eps = c.node.attrs().get_float("epsilon");
  const bool training = c.node.attrs().get_bool("is_training");
  const T* dy = c.input(0).data<T>();
  const T* px = x.data<T>();
  const T* scale = c.input(2).data<T>();
  const T* mean = c.input(3).data<T>();
  const T* var = c.input(4).data<T>();
  std::vector<double> rstd(static_cast<size_t>(ch)), sum_dy(static_cast<size_t>(ch), 0.0),
      sum_dy_xhat(static_cast<size_t>(ch), 0.0);
  for (int64_t k = 0; k < ch; ++k) rstd[static_cast<size_t>(k)] = 1.0 / std::sqrt(var[k] + eps);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < ch; ++k) {
      const size_t i = static_cast<size_t>(k);
      const double g = dy[r * ch + k];
      sum_dy[i] += g;
      sum_dy_xhat[i] += g * (px[r * ch + k] - mean[k]) * rstd[i];
    }
  }
  T* dx = c.output(0).data<T>();
  const double inv_rows = rows > 0 ? 1.0 / static_cast<double>(rows) : 0.0;
  detail::parallel_for(rows, [&](int64_t r) {
    for (int64_t k = 0; k < ch; ++k) {
      const size_t i = static_cast<size_t>(k);
      const int64_t at = r * ch + k;
      double v;
      if (training) {
        const double xhat = (px[at] - mean[k]) * rstd[i];
        v = scale[k] * rstd[i] * (dy[at] - sum_dy[i] * inv_rows - xhat * sum_dy_xhat[i] * inv_rows);
      } else {
        v = dy[at] * scale[k] * rstd[i];
      }
      dx[at] = static_cast<T>(v);
    }
  });
  T* dscale = c.output(1).data<T>();
  T* doffset = c.output(2).data<T>();
  for (int64_t k = 0; k < ch; ++k) {
    dscale[k] = static_cast<T>(sum_dy_xhat[static_cast<size_t>(k)]);
    doffset[k] = static_cast<T>(sum_dy[static_cast<size_t>(k)]);
  }
}

}  // namespace

void fused_batch_norm(KernelContext& c) {
  visit_float_dtype(c.input(0).dtype(), "FusedBatchNormV3",
                    [&](auto tag) { bn_forward<decltype(tag)>(c); });
}

void fused_batch_norm_grad(KernelContext& c) {
  visit_float_dtype(c.input(0).dtype(), "FusedBatchNormGradV3",
                    [&](auto tag) { bn_backward<decltype(tag)>(c); });
}

}  // namespace dl::kernels::ref
