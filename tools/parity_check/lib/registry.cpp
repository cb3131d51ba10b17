#include "dl/tools/parity_check/lib/registry.h"

#include <map>
#include <mutex>

namespace dl::parity {
namespace {

std::map<std::string, std::function<Case()>>& cases() {
  static std::map<std::string, std::function<Case()>> m;
  return m;
}
std::mutex& cases_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void register_case(const std::string& name, std::function<Case()> factory) {
  DL_CHECK(!name.empty(), "register_case: empty name");
  DL_CHECK(factory != nullptr, "register_case '", name, "': no factory");
  std::lock_guard<std::mutex> lock(cases_mutex());
  cases()[name] = std::move(factory);
}

std::vector<std::string> case_names() {
  std::lock_guard<std::mutex> lock(cases_mutex());
  std::vector<std::string> out;
  for (const auto& [k, v] : cases()) out.push_back(k);
  return out;
}

Case make_case(const std::string& name) {
  std::function<Case()> f;
  {
    std::lock_guard<std::mutex> lock(cases_mutex());
    auto it = cases().find(name);
    if (it == cases().end()) {
      std::string known;
      for (const auto& [k, v] : cases()) known += (known.empty() ? "" : ", ") + k;
      throw NotFound(str_cat("parity_check: no case named '", name,
                             "'; registered: ", known.empty() ? "none" : known));
    }
    f = it->second;
  }
  Case c = f();
  if (c.name.empty()) c.name = name;
  return c;
}

}  // namespace dl::parity
