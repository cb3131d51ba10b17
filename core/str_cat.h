#pragma once
/// str_cat(args...): concatenates anything that has an operator<< into one string.
/// Used to build error messages without pulling <format> or fmt into public headers.
#include <sstream>
#include <string>

namespace dl {

template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

}  // namespace dl
