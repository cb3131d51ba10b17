#include "dl/core/attr.h"

#include <sstream>

namespace dl {

std::string attr_to_string(const AttrValue& v) {
  std::ostringstream os;
  os.precision(17);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          os << (x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::string>) {
          os << '"' << x << '"';
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<double>>) {
          os << '[';
          for (size_t i = 0; i < x.size(); ++i) os << (i ? "," : "") << x[i];
          os << ']';
        } else if constexpr (std::is_same_v<T, DType>) {
          os << name(x);
        } else if constexpr (std::is_same_v<T, Shape>) {
          os << x.to_string();
        } else if constexpr (std::is_same_v<T, Tensor>) {
          os << x.debug_string();
        } else {
          os << x;
        }
      },
      v);
  return os.str();
}

}  // namespace dl
