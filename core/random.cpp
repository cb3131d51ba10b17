#include "dl/core/random.h"

#include <cmath>

namespace dl {

std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 2> key, std::array<uint32_t, 4> ctr) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * ctr[0];
    const uint64_t p1 = static_cast<uint64_t>(kM1) * ctr[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
    key[0] += kW0;
    key[1] += kW1;
  }
  return ctr;
}

std::array<uint32_t, 4> RandomStream::block(uint64_t index, uint32_t sub) const {
  // The run count and sub-stream share the upper counter words; 2^24 sub-streams per run are
  // far more than truncated_normal ever needs.
  const uint64_t hi = (run << 8) ^ sub;
  return philox4x32({seed, seed2},
                    {static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
                     static_cast<uint32_t>(hi), static_cast<uint32_t>(hi >> 32)});
}

namespace {
float to_unit_float(uint32_t x) {
  // 23 random mantissa bits in [1, 2), minus 1: TF's random::Uint32ToFloat.
  uint32_t bits = (x & 0x7fffffu) | 0x3f800000u;
  float f;
  static_assert(sizeof f == sizeof bits);
  __builtin_memcpy(&f, &bits, sizeof f);
  return f - 1.0f;
}
double to_unit_double(uint32_t a, uint32_t b) {
  const uint64_t x = (static_cast<uint64_t>(a) << 32 | b) >> 11;  // 53 bits
  return static_cast<double>(x) * (1.0 / 9007199254740992.0);
}
double box_muller(const std::array<uint32_t, 4>& w) {
  const double u1 = to_unit_double(w[0], w[1]);
  const double u2 = to_unit_double(w[2], w[3]);
  const double r = std::sqrt(-2.0 * std::log(1.0 - u1));  // 1-u1 is in (0, 1]
  return r * std::cos(2.0 * M_PI * u2);
}
}  // namespace

float RandomStream::uniform(uint64_t i) const { return to_unit_float(block(i / 4)[i % 4]); }

double RandomStream::uniform_double(uint64_t i) const {
  const auto w = block(i / 2);
  return to_unit_double(w[2 * (i % 2)], w[2 * (i % 2) + 1]);
}

double RandomStream::normal(uint64_t i) const { return box_muller(block(i)); }

double RandomStream::truncated_normal(uint64_t i) const {
  for (uint32_t sub = 0;; ++sub) {
    const double z = box_muller(block(i, sub));
    if (std::fabs(z) < 2.0) return z;
  }
}

uint32_t seed_from_name(std::string_view name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return static_cast<uint32_t>((h ^ (h >> 32)) & 0x7fffffffu);
}

}  // namespace dl
