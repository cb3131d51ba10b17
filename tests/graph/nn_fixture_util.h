#pragma once
// Helpers shared by nn_ops_test.cpp and loss_ops_test.cpp: the TensorFlow reference values of
// tests/fixtures/nn/nn_fixtures.json (made by make_nn_fixtures.py) and small utilities.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../testing/test_util.h"
#include "dl/core/error.h"
#include "dl/core/tensor.h"

namespace dl::testing {

inline const nlohmann::json& nn_fixtures() {
  static const nlohmann::json j = [] {
    std::ifstream f(DL_FIXTURES_DIR "/nn/nn_fixtures.json");
    if (!f) throw NotFound("cannot open " DL_FIXTURES_DIR "/nn/nn_fixtures.json");
    return nlohmann::json::parse(f);
  }();
  return j;
}

inline Shape shape_of(const nlohmann::json& j) { return Shape(j.get<std::vector<int64_t>>()); }

/// A tensor of `dtype` from float64 values (float32 by static_cast, as the fixture script).
inline Tensor tensor_of(const nlohmann::json& values, Shape shape, DType dtype) {
  return Tensor::from_vector<double>(std::move(shape), values.get<std::vector<double>>())
      .cast(dtype);
}

/// |t[i] - expected[i]| <= atol + rtol * |expected[i]| for every i.
inline ::testing::AssertionResult values_near(const Tensor& t, const nlohmann::json& expected,
                                              double atol, double rtol) {
  const auto e = expected.get<std::vector<double>>();
  if (static_cast<int64_t>(e.size()) != t.num_elements()) {
    return ::testing::AssertionFailure()
           << t.spec_string() << " has " << t.num_elements() << " values, expected " << e.size();
  }
  for (size_t i = 0; i < e.size(); ++i) {
    const double v = t.value_at(static_cast<int64_t>(i));
    if (!(std::fabs(v - e[i]) <= atol + rtol * std::fabs(e[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << v << " vs TF " << e[i];
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

}  // namespace dl::testing
