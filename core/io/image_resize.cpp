// Resizing and pixel conversions. The arithmetic copies the frameworks' own kernels
// operation for operation (float32 in TensorFlow's resize kernels, an accumulated double in
// Pillow's nearest-neighbour scaler), because parity means bit-identical pixels.
#include <cmath>
#include <cstring>
#include <vector>

#include "dl/core/dtype_visit.h"
#include "dl/core/io/image.h"

namespace dl::io {
namespace {

struct Geometry {
  int64_t n, h, w, c;
};

Geometry geometry(const Tensor& t, const char* who) {
  const Shape& s = t.shape();
  DL_CHECK(t.valid() && (s.rank() == 3 || s.rank() == 4), who,
           ": expected an image [h, w, c] or a batch [n, h, w, c], received ",
           t.valid() ? t.spec_string() : std::string("an empty tensor"));
  const int o = s.rank() == 4 ? 1 : 0;
  Geometry g{o ? s.dim(0) : 1, s.dim(o), s.dim(o + 1), s.dim(o + 2)};
  DL_CHECK(g.h > 0 && g.w > 0 && g.c > 0, who, ": the image ", t.spec_string(), " is empty");
  return g;
}

Shape out_shape(const Tensor& t, int64_t h, int64_t w, int64_t c) {
  return t.shape().rank() == 4 ? Shape({t.shape().dim(0), h, w, c}) : Shape({h, w, c});
}

// TensorFlow's CalculateResizeScale (align_corners is always false here).
float resize_scale(int64_t in, int64_t out) {
  return static_cast<float>(in) / static_cast<float>(out);
}

struct Lerp {
  int64_t lower, upper;
  float lerp;
};

// TensorFlow's compute_interpolation_weights with HalfPixelScaler or LegacyScaler.
std::vector<Lerp> bilinear_weights(int64_t out, int64_t in, bool half_pixel) {
  const float scale = resize_scale(in, out);
  std::vector<Lerp> v(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) {
    const float x =
        half_pixel ? (static_cast<float>(i) + 0.5f) * scale - 0.5f : static_cast<float>(i) * scale;
    const float xf = std::floor(x);
    v[static_cast<size_t>(i)] = {std::max(static_cast<int64_t>(xf), int64_t{0}),
                                 std::min(static_cast<int64_t>(std::ceil(x)), in - 1), x - xf};
  }
  return v;
}

template <class T>
void bilinear(const T* src, const Geometry& g, int64_t oh, int64_t ow, bool half_pixel,
              float* dst) {
  const auto ys = bilinear_weights(oh, g.h, half_pixel);
  const auto xs = bilinear_weights(ow, g.w, half_pixel);
  const int64_t c = g.c;
  // Sequential on purpose: the pipeline parallelises across images (map's threads).
  for (int64_t row = 0; row < g.n * oh; ++row) {
    const int64_t b = row / oh, y = row % oh;
    const Lerp& ly = ys[static_cast<size_t>(y)];
    const T* top = src + ((b * g.h + ly.lower) * g.w) * c;
    const T* bottom = src + ((b * g.h + ly.upper) * g.w) * c;
    float* out = dst + (b * oh + y) * ow * c;
    for (int64_t x = 0; x < ow; ++x) {
      const Lerp& lx = xs[static_cast<size_t>(x)];
      const T* tl = top + lx.lower * c;
      const T* tr = top + lx.upper * c;
      const T* bl = bottom + lx.lower * c;
      const T* br = bottom + lx.upper * c;
      for (int64_t k = 0; k < c; ++k) {
        // compute_lerp in resize_bilinear_op.cc, in this order.
        const float top_left = static_cast<float>(tl[k]), top_right = static_cast<float>(tr[k]);
        const float bottom_left = static_cast<float>(bl[k]),
                    bottom_right = static_cast<float>(br[k]);
        const float t = top_left + (top_right - top_left) * lx.lerp;
        const float bo = bottom_left + (bottom_right - bottom_left) * lx.lerp;
        out[x * c + k] = t + (bo - t) * ly.lerp;
      }
    }
  }
}

// Source index of each output index for the nearest-neighbour methods.
std::vector<int64_t> nearest_indices(int64_t out, int64_t in, std::string_view method) {
  std::vector<int64_t> v(static_cast<size_t>(out));
  if (method == "nearest_keras2") {
    // Pillow's ImagingScaleAffine: xo starts at a/2 and grows by a = in/out each step, in
    // double; the index is (int)xo.
    const double a = static_cast<double>(in) / static_cast<double>(out);
    double xo = a * 0.5;
    for (int64_t i = 0; i < out; ++i, xo += a) {
      v[static_cast<size_t>(i)] = std::min(static_cast<int64_t>(xo), in - 1);
    }
    return v;
  }
  const float scale = resize_scale(in, out);
  const bool half_pixel = method == "nearest";
  for (int64_t i = 0; i < out; ++i) {
    // resize_nearest_neighbor_op.cc: HalfPixelScalerForNN is (x + 0.5) * scale, no -0.5.
    const float x =
        half_pixel ? (static_cast<float>(i) + 0.5f) * scale : static_cast<float>(i) * scale;
    int64_t j = std::min(static_cast<int64_t>(std::floor(x)), in - 1);
    if (half_pixel) j = std::max(j, int64_t{0});
    v[static_cast<size_t>(i)] = j;
  }
  return v;
}

}  // namespace

Tensor resize(const Tensor& images, int64_t height, int64_t width, std::string_view method) {
  const Geometry g = geometry(images, "resize");
  DL_CHECK(height >= 1 && width >= 1, "resize: the target size must be at least 1x1, received ",
           height, "x", width);
  const bool is_bilinear = method == "bilinear" || method == "bilinear_tf1";
  const bool is_nearest =
      method == "nearest" || method == "nearest_tf1" || method == "nearest_keras2";
  DL_CHECK(is_bilinear || is_nearest, "resize: unknown method \"", method,
           "\"; expected \"bilinear\", \"bilinear_tf1\", \"nearest\", \"nearest_tf1\" or ",
           "\"nearest_keras2\"");
  if (is_bilinear) {
    DL_CHECK(images.dtype() != DType::boolean, "resize: cannot interpolate a bool image");
    // Same size: both scalers map every output pixel onto its input pixel with weight 0, so
    // the kernel's arithmetic returns float32(v) exactly (for integer inputs; a float inf
    // would become NaN there, so floats take the full path).
    if (height == g.h && width == g.w && !is_floating(images.dtype())) return to_float(images);
    Tensor out(DType::f32, out_shape(images, height, width, g.c));
    visit_dtype(images.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, bool>) {
        bilinear(images.data<T>(), g, height, width, method == "bilinear", out.data<float>());
      }
    });
    return out;
  }
  const auto ys = nearest_indices(height, g.h, method);
  const auto xs = nearest_indices(width, g.w, method);
  Tensor out(images.dtype(), out_shape(images, height, width, g.c));
  const size_t pixel = static_cast<size_t>(g.c) * size_of(images.dtype());
  const auto* src = static_cast<const char*>(images.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t row = 0; row < g.n * height; ++row) {
    const int64_t b = row / height, y = row % height;
    const char* in_row =
        src + static_cast<size_t>((b * g.h + ys[static_cast<size_t>(y)]) * g.w) * pixel;
    char* out_row = dst + static_cast<size_t>(row * width) * pixel;
    for (int64_t x = 0; x < width; ++x) {
      std::memcpy(out_row + static_cast<size_t>(x) * pixel,
                  in_row + static_cast<size_t>(xs[static_cast<size_t>(x)]) * pixel, pixel);
    }
  }
  return out;
}

Tensor to_float(const Tensor& image, double divisor) {
  DL_CHECK(image.valid(), "to_float: the tensor is empty");
  DL_CHECK(divisor != 0.0, "to_float: the divisor must not be 0");
  Tensor out(DType::f32, image.shape());
  const float d = static_cast<float>(divisor);
  float* o = out.data<float>();
  visit_dtype(image.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = image.data<T>();
    const int64_t n = image.num_elements();
    if (d == 1.0f) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<float>(in[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<float>(in[i]) / d;
    }
  });
  return out;
}

Tensor rescale(const Tensor& image, double scale, double offset) {
  DL_CHECK(image.valid(), "rescale: the tensor is empty");
  Tensor out(DType::f32, image.shape());
  const float s = static_cast<float>(scale), b = static_cast<float>(offset);
  float* o = out.data<float>();
  visit_dtype(image.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = image.data<T>();
    for (int64_t i = 0, n = image.num_elements(); i < n; ++i)
      o[i] = static_cast<float>(in[i]) * s + b;
  });
  return out;
}

}  // namespace dl::io
