#pragma once
/// Numeric helpers shared by the checks: tensor statistics, tolerant and bitwise comparison,
/// reproducible synthetic tensors, variable snapshots.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/graph/session.h"
#include "dl/graph/variable.h"

namespace dl::parity {

struct TensorStats {
  double mean = 0, std = 0, min = 0, max = 0, mean_abs = 0;
  int64_t count = 0;
};
/// Statistics of a float tensor (computed in double).
TensorStats stats_of(const Tensor& t);

/// How far two tensors of one shape are apart.
struct Closeness {
  double max_abs = 0;    ///< max |a - b|
  double rel = 0;        ///< max |a - b| / max(max |a|, max |b|) (0 when both are zero)
  int64_t max_ulps = 0;  ///< largest distance in units in the last place (float32 or float64)
  bool bit_identical = true;
  bool shape_mismatch = false;
  std::string describe() const;  ///< "bit-identical" / "max |diff| 3.1e-08 (rel 2.0e-07, 4 ulps)"
};
Closeness compare(const Tensor& a, const Tensor& b);

/// The default tolerance: relative error of 64 float32 ulps (about 7.6e-6) of the tensor's
/// scale. Same-math programs whose ops sum in another order stay well inside it.
inline constexpr double kDefaultTolerance = 64.0 * 1.1920928955078125e-07;

/// A float tensor of normal values (mean 0, `stddev`), reproducible from `seed`.
Tensor normal_tensor(DType dtype, const Shape& shape, uint64_t seed, double stddev = 1.0);

/// Current values of variables (deep copies), and their restoration.
using Snapshot = std::vector<std::pair<Variable, Tensor>>;
Snapshot snapshot(const Session& s, const std::vector<Variable>& vars);
void restore(Session& s, const Snapshot& snap);

/// a - b element-wise (float tensors of one shape), as a new tensor.
Tensor difference(const Tensor& a, const Tensor& b);
/// sqrt(sum of squares).
double l2_norm(const Tensor& t);

/// "1.2e-05", "0.0812", "12.3" (at most 3 significant digits, no trailing noise).
std::string num(double v);

}  // namespace dl::parity
