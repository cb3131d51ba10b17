// Links the installed libdl_core and runs a two-op graph.
#include <dl/graph/ops/math_ops.h>
#include <dl/graph/ops/state_ops.h>
#include <dl/graph/session.h>

int main() {
  dl::Graph g;
  auto x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({2}), "x");
  auto y = x * 2.0 + 1.0;
  dl::Session s(g);
  auto out = s.run(y, {{x, dl::Tensor::from_vector<float>(dl::Shape({2}), {1, 2})}});
  return out.to_vector<float>() == std::vector<float>{3, 5} ? 0 : 1;
}
