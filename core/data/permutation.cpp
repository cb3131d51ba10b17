#include "dl/core/data/permutation.h"

#include <cstring>
#include <random>

#include "dl/core/random.h"

namespace dl::data {

uint64_t random_u64(uint64_t seed, uint64_t stream, uint64_t i) {
  const auto w = philox4x32({static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
                            {static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32),
                             static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)});
  return static_cast<uint64_t>(w[0]) << 32 | w[1];
}

uint64_t random_below(uint64_t seed, uint64_t stream, uint64_t i, uint64_t n) {
  DL_ASSERT(n > 0);
  // Lemire's multiply-shift; the bias is below n / 2^64, far below anything observable.
  const unsigned __int128 p = static_cast<unsigned __int128>(random_u64(seed, stream, i)) * n;
  return static_cast<uint64_t>(p >> 64);
}

std::vector<int64_t> permutation(int64_t n, uint64_t seed, uint64_t epoch) {
  DL_CHECK(n >= 0, "permutation: n must be >= 0, received ", n);
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i;
  const uint64_t stream = mix_seed(epoch, 0x7065726dull);  // "perm"
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(
        random_below(seed, stream, static_cast<uint64_t>(i), static_cast<uint64_t>(i) + 1));
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(j)]);
  }
  return p;
}

Tensor gather_rows(const Tensor& t, std::span<const int64_t> rows) {
  DL_CHECK(t.shape().rank() >= 1, "gather_rows: expected a tensor of rank >= 1, received ",
           t.spec_string());
  std::vector<int64_t> dims = t.shape().dims();
  const int64_t n = dims[0];
  dims[0] = static_cast<int64_t>(rows.size());
  Tensor out(t.dtype(), Shape(dims));
  const size_t row_bytes = n == 0 ? 0 : t.num_bytes() / static_cast<size_t>(n);
  auto* dst = static_cast<char*>(out.raw_data());
  const auto* src = static_cast<const char*>(t.raw_data());
  for (size_t i = 0; i < rows.size(); ++i) {
    DL_CHECK(rows[i] >= 0 && rows[i] < n, "gather_rows: row index ", rows[i], " (position ", i,
             ") is out of range for ", t.spec_string());
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(rows[i]) * row_bytes, row_bytes);
  }
  return out;
}

uint64_t nondeterministic_seed() {
  std::random_device rd;
  return static_cast<uint64_t>(rd()) << 32 | rd();
}

uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace dl::data
