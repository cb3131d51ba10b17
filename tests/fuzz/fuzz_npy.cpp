// libFuzzer target: the NPY parser must reject any input with a dl::Error, never crash, hang,
// read out of bounds or allocate more than the input justifies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dl/core/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    dl::Tensor t =
        dl::io::parse_npy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
    (void)dl::io::serialize_npy(t);
  } catch (const dl::Error&) {
  }
  return 0;
}
