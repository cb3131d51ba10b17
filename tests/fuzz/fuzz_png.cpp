// libFuzzer target: PNG decoding through libpng with dl's longjmp error handler, for every
// channel setting.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dl/core/io/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int channels : {0, 1, 3, 4}) {
    try {
      dl::io::decode_png(bytes, {.channels = channels, .max_pixels = 1 << 20}, "fuzz.png");
    } catch (const dl::Error&) {
    }
  }
  return 0;
}
