// libFuzzer target: the CSV parser, with and without a header row.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dl/core/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    dl::io::CsvTable t = dl::io::parse_csv(text, "fuzz.csv");
    std::vector<std::string> numeric;
    for (const auto& c : t.columns) {
      if (c.is_numeric()) numeric.push_back(c.name);
    }
    if (!numeric.empty()) (void)t.to_tensor(numeric);
  } catch (const dl::Error&) {
  }
  try {
    dl::io::parse_csv(text, "fuzz.csv", {.delimiter = ';', .header = false});
  } catch (const dl::Error&) {
  }
  return 0;
}
