// Math, reduce and array ops against values computed by TensorFlow
// (tests/fixtures/math_ops/make_math_ops.py).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "dl/graph/gradients.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"

namespace dl {
namespace {

using In = std::map<std::string, Output>;
using Builder = std::function<Output(In&)>;

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> b = {
      {"pow", [](In& i) { return ops::pow(i["x"], i["y"]); }},
      {"clip_by_value", [](In& i) { return ops::clip_by_value(i["t"], i["lo"], i["hi"]); }},
      {"maximum_ties", [](In& i) { return ops::maximum(i["x"], i["y"]); }},
      {"minimum_bcast", [](In& i) { return ops::minimum(i["x"], i["y"]); }},
      {"squared_difference", [](In& i) { return ops::squared_difference(i["x"], i["y"]); }},
      {"reduce_max_ties", [](In& i) { return ops::reduce_max(i["x"], {1}); }},
      {"reduce_min_keep",
       [](In& i) {
         return ops::reduce_min(i["x"], {0, 2}, true);
       }},
      {"reduce_prod_zeros", [](In& i) { return ops::reduce_prod(i["x"], {1}); }},
      {"reduce_mean_axes",
       [](In& i) {
         return ops::reduce_mean(i["x"], {0, -1});
       }},
      {"matmul_tt", [](In& i) { return ops::matmul(i["a"], i["b"], true, true); }},
      {"rsqrt_log1p",
       [](In& i) {
         Output x = i["x"];
         return ops::rsqrt(x) + ops::log1p(x) * ops::reciprocal(x);
       }},
      {"abs_sign_square",
       [](In& i) {
         Output x = i["x"];
         return ops::abs(x) * ops::sign(x) + ops::square(x);
       }},
      {"tile",
       [](In& i) {
         return ops::tile(i["x"], {2, 3});
       }},
      {"pad",
       [](In& i) {
         return ops::pad(i["x"], {{1, 0}, {2, 1}}, 7.0);
       }},
      {"slice",
       [](In& i) {
         return ops::slice(i["x"], {1, 0}, {1, -1});
       }},
      {"transpose_concat",
       [](In& i) {
         return ops::concat({ops::transpose(i["a"], {1, 0}), i["b"]}, 0);
       }},
      {"stack",
       [](In& i) {
         return ops::stack({i["a"], i["b"]}, 1);
       }},
      {"where_v2", [](In& i) { return ops::where(i["c"], i["x"], i["y"]); }},
      {"one_hot", [](In& i) { return ops::one_hot(i["i"], 3, 5.0, -1.0, 0); }},
      {"argmax_ties", [](In& i) { return ops::argmax(i["x"], 1); }},
      {"cast_to_int", [](In& i) { return ops::cast(i["x"], DType::i32); }},
      {"int_mean", [](In& i) { return ops::reduce_mean(i["x"]); }},
  };
  return b;
}

DType dtype_of_name(const std::string& n) {
  if (n == "float64") return DType::f64;
  if (n == "float32") return DType::f32;
  if (n == "int32") return DType::i32;
  if (n == "int64") return DType::i64;
  if (n == "bool") return DType::boolean;
  throw InvalidArgument("fixture dtype " + n);
}

Tensor tensor_of(const nlohmann::json& j, DType t) {
  Tensor v = Tensor::from_vector<double>(Shape(j["shape"].get<std::vector<int64_t>>()),
                                         j["values"].get<std::vector<double>>());
  return v.cast(t);
}

}  // namespace

TEST(TfReference, MathReduceArrayOps) {
  std::ifstream f(std::string(DL_FIXTURES_DIR) + "/math_ops/math_ops.json");
  ASSERT_TRUE(f.good());
  const nlohmann::json doc = nlohmann::json::parse(f);
  int checked = 0;
  for (const auto& c : doc["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    auto it = builders().find(name);
    ASSERT_NE(it, builders().end());
    Graph g;
    In in;
    FeedDict feeds;
    std::vector<std::string> float_names;
    for (const auto& [k, v] : c["inputs"].items()) {
      const DType t = dtype_of_name(v["dtype"]);
      const Tensor val = tensor_of(v, t);
      Output p = ops::placeholder(g, t, val.shape(), k);
      in[k] = p;
      feeds.emplace_back(p, val);
      if (t == DType::f64) float_names.push_back(k);
    }
    Output y = it->second(in);
    Session s(g);
    const Tensor yv = s.run(y, feeds);
    EXPECT_EQ(yv.shape(), Shape(c["y"]["shape"].get<std::vector<int64_t>>()));
    const std::vector<double> want = c["y"]["values"];
    ASSERT_EQ(yv.num_elements(), static_cast<int64_t>(want.size()));
    for (size_t e = 0; e < want.size(); ++e) {
      EXPECT_NEAR(yv.value_at(static_cast<int64_t>(e)), want[e], 1e-12 + 1e-12 * std::abs(want[e]))
          << "y[" << e << "]";
    }
    if (c["grads"].empty()) continue;
    std::vector<double> w(want.size());
    for (size_t e = 0; e < w.size(); ++e) w[e] = 1 + 0.1 * static_cast<double>(e);
    Output wc = ops::constant(g, Tensor::from_vector<double>(yv.shape(), w));
    std::vector<Output> xs;
    for (const std::string& k : float_names) xs.push_back(in[k]);
    std::vector<Output> gs = gradients({y * wc}, xs);
    for (size_t k = 0; k < xs.size(); ++k) {
      const std::vector<double> gw = c["grads"][float_names[k]];
      ASSERT_TRUE(gs[k]) << "no gradient for " << float_names[k];
      const Tensor gv = s.run(gs[k], feeds);
      ASSERT_EQ(gv.num_elements(), static_cast<int64_t>(gw.size())) << float_names[k];
      for (size_t e = 0; e < gw.size(); ++e) {
        EXPECT_NEAR(gv.value_at(static_cast<int64_t>(e)), gw[e], 1e-12 + 1e-12 * std::abs(gw[e]))
            << "d/d" << float_names[k] << "[" << e << "]";
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

}  // namespace dl
