#pragma once
/// Node attributes: a small typed map from name to value (TF's AttrValue).
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "dl/core/dtype.h"
#include "dl/core/error.h"
#include "dl/core/shape.h"
#include "dl/core/tensor.h"

namespace dl {

using AttrValue = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>,
                               std::vector<double>, DType, Shape, Tensor>;

/// Attribute map with typed getters whose errors name the attribute.
class AttrMap {
 public:
  AttrMap() = default;
  AttrMap(std::initializer_list<std::pair<const std::string, AttrValue>> init) : map_(init) {}

  void set(const std::string& name, AttrValue v) { map_[name] = std::move(v); }
  bool has(const std::string& name) const { return map_.count(name) != 0; }

  /// Typed get; throws InvalidArgument when missing or of another type.
  template <class T>
  const T& get(const std::string& name) const {
    auto it = map_.find(name);
    if (it == map_.end()) throw InvalidArgument(str_cat("missing attribute '", name, "'"));
    const T* v = std::get_if<T>(&it->second);
    if (!v) throw InvalidArgument(str_cat("attribute '", name, "' has another type"));
    return *v;
  }
  /// Typed get with a default for a missing attribute.
  template <class T>
  T get_or(const std::string& name, T def) const {
    auto it = map_.find(name);
    if (it == map_.end()) return def;
    const T* v = std::get_if<T>(&it->second);
    return v ? *v : def;
  }
  int64_t get_int(const std::string& n) const { return get<int64_t>(n); }
  double get_float(const std::string& n) const { return get<double>(n); }
  bool get_bool(const std::string& n) const { return get<bool>(n); }

  const std::map<std::string, AttrValue>& items() const { return map_; }

 private:
  std::map<std::string, AttrValue> map_;
};

/// Readable form of a value for graph dumps ("[1,2]", "float32", "true").
std::string attr_to_string(const AttrValue& v);

}  // namespace dl
