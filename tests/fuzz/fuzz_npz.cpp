// libFuzzer target: the NPZ (ZIP of .npy) parser, stored and deflated members.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dl/core/io/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    dl::io::parse_npz(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npz");
  } catch (const dl::Error&) {
  }
  return 0;
}
