// libFuzzer target: JPEG decoding through libjpeg-turbo with dl's longjmp error manager, for
// every channel setting. The pixel limit keeps a forged header from making each run slow.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dl/core/io/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int channels : {0, 1, 3}) {
    try {
      dl::io::decode_jpeg(
          bytes,
          {.channels = channels, .try_recover_truncated = channels == 1, .max_pixels = 1 << 20},
          "fuzz.jpg");
    } catch (const dl::Error&) {
    }
  }
  return 0;
}
