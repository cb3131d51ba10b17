#pragma once
// Helpers of the Keras-tier tests: the Keras 3 reference values of
// tests/fixtures/keras/keras_fixtures.json (made by make_keras_fixtures.py), tensor conversion
// and error-message capture.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dl/core/error.h"
#include "dl/core/tensor.h"

namespace dl::keras::testing {

/// tests/fixtures/keras/<file> parsed (each file's script says how it was made).
inline nlohmann::json load_fixture(const std::string& file) {
  const std::string path = std::string(DL_FIXTURES_DIR "/keras/") + file;
  std::ifstream f(path);
  if (!f) throw NotFound("cannot open " + path);
  return nlohmann::json::parse(f);
}

inline const nlohmann::json& fixtures() {
  static const nlohmann::json j = load_fixture("keras_fixtures.json");
  return j;
}

/// A float32 tensor from {"shape": [...], "data": [...]} (the data are exact float32 values).
inline Tensor tensor(const nlohmann::json& j, DType dtype = DType::f32) {
  return Tensor::from_vector<double>(Shape(j["shape"].get<std::vector<int64_t>>()),
                                     j["data"].get<std::vector<double>>())
      .cast(dtype);
}

/// |t[i] - e[i]| <= atol + rtol * |e[i]| for every i, and the same shape.
inline ::testing::AssertionResult near(const Tensor& t, const nlohmann::json& expected,
                                       double atol = 1e-6, double rtol = 1e-5) {
  const Shape shape(expected["shape"].get<std::vector<int64_t>>());
  if (t.shape() != shape) {
    return ::testing::AssertionFailure()
           << "shape " << t.shape().to_string() << ", Keras has " << shape.to_string();
  }
  const auto e = expected["data"].get<std::vector<double>>();
  for (size_t i = 0; i < e.size(); ++i) {
    const double v = t.value_at(static_cast<int64_t>(i));
    if (!(std::fabs(v - e[i]) <= atol + rtol * std::fabs(e[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << v << " vs Keras " << e[i];
    }
  }
  return ::testing::AssertionSuccess();
}

inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace dl::keras::testing
