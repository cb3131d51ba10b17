#include "dl/tools/parity_check/lib/measure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "dl/core/dtype_visit.h"

namespace dl::parity {

TensorStats stats_of(const Tensor& t) {
  TensorStats s;
  s.count = t.num_elements();
  if (s.count == 0) return s;
  double sum = 0, sq = 0, sabs = 0;
  s.min = INFINITY;
  s.max = -INFINITY;
  for (int64_t i = 0; i < s.count; ++i) {
    const double v = t.value_at(i);
    sum += v;
    sq += v * v;
    sabs += std::fabs(v);
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  const auto n = static_cast<double>(s.count);
  s.mean = sum / n;
  s.mean_abs = sabs / n;
  s.std = std::sqrt(std::max(0.0, sq / n - s.mean * s.mean));
  return s;
}

namespace {
int64_t ulp_distance(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if (ia < 0) ia = static_cast<int32_t>(0x80000000u - static_cast<uint32_t>(ia));
  if (ib < 0) ib = static_cast<int32_t>(0x80000000u - static_cast<uint32_t>(ib));
  return std::llabs(static_cast<int64_t>(ia) - static_cast<int64_t>(ib));
}
int64_t ulp_distance(double a, double b) {
  int64_t ia, ib;
  std::memcpy(&ia, &a, 8);
  std::memcpy(&ib, &b, 8);
  if (ia < 0) ia = static_cast<int64_t>(0x8000000000000000ull - static_cast<uint64_t>(ia));
  if (ib < 0) ib = static_cast<int64_t>(0x8000000000000000ull - static_cast<uint64_t>(ib));
  const int64_t d = ia - ib;
  return d < 0 ? -d : d;
}
}  // namespace

Closeness compare(const Tensor& a, const Tensor& b) {
  Closeness c;
  if (a.num_elements() != b.num_elements() || a.dtype() != b.dtype()) {
    c.shape_mismatch = true;
    c.bit_identical = false;
    c.rel = INFINITY;
    c.max_abs = INFINITY;
    return c;
  }
  c.bit_identical = std::memcmp(a.raw_data(), b.raw_data(), a.num_bytes()) == 0;
  if (c.bit_identical) return c;
  double amax = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    const double x = a.value_at(i), y = b.value_at(i);
    if (std::isnan(x) != std::isnan(y)) {
      c.max_abs = INFINITY;
      continue;
    }
    if (std::isnan(x)) continue;
    c.max_abs = std::max(c.max_abs, std::fabs(x - y));
    amax = std::max({amax, std::fabs(x), std::fabs(y)});
    if (a.dtype() == DType::f32) {
      c.max_ulps = std::max(c.max_ulps, ulp_distance(a.data<float>()[i], b.data<float>()[i]));
    } else if (a.dtype() == DType::f64) {
      c.max_ulps = std::max(c.max_ulps, ulp_distance(a.data<double>()[i], b.data<double>()[i]));
    }
  }
  c.rel = amax > 0 ? c.max_abs / amax : (c.max_abs > 0 ? INFINITY : 0.0);
  return c;
}

std::string Closeness::describe() const {
  if (shape_mismatch) return "shapes differ";
  if (bit_identical) return "bit-identical";
  return "max |diff| " + num(max_abs) + " (rel " + num(rel) + ", " + std::to_string(max_ulps) +
         " ulps)";
}

Tensor normal_tensor(DType dtype, const Shape& shape, uint64_t seed, double stddev) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(0.0, stddev);
  Tensor t(dtype, shape);
  visit_float_dtype(dtype, "normal_tensor", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = static_cast<T>(d(rng));
  });
  return t;
}

Snapshot snapshot(const Session& s, const std::vector<Variable>& vars) {
  Snapshot out;
  for (const Variable& v : vars) {
    if (s.is_initialized(v.op())) out.emplace_back(v, s.variable_value(v.op()).clone());
  }
  return out;
}

void restore(Session& s, const Snapshot& snap) {
  for (const auto& [v, t] : snap) s.set_variable_value(v.op(), t);
}

Tensor difference(const Tensor& a, const Tensor& b) {
  DL_CHECK(a.num_elements() == b.num_elements(), "difference: sizes differ");
  Tensor d(DType::f64, a.shape());
  for (int64_t i = 0; i < a.num_elements(); ++i)
    d.data<double>()[i] = a.value_at(i) - b.value_at(i);
  return d;
}

double l2_norm(const Tensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.num_elements(); ++i) s += t.value_at(i) * t.value_at(i);
  return std::sqrt(s);
}

std::string num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const double a = std::fabs(v);
  if (a != 0 && (a < 1e-3 || a >= 1e5)) {
    std::snprintf(buf, sizeof buf, "%.2e", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g", v);
  }
  return buf;
}

}  // namespace dl::parity
