// The graph tier in twenty lines: fit y = 3x - 1 with a hand-written gradient-descent step.
// Build: the CMake target hello_graph. Run: ./build/docs/examples/hello_graph
#include <cstdio>

#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/graph/session.h"
#include "dl/graph/variable.h"

int main() {
  dl::Graph g;
  auto x = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1}), "x");
  auto y_ = dl::ops::placeholder(g, dl::DType::f32, dl::Shape({-1}), "y_");
  dl::Variable w(dl::ops::zeros(g, dl::Shape({1})), {.name = "w"});
  dl::Variable b(dl::ops::zeros(g, dl::Shape({1})), {.name = "b"});
  auto y = x * w + b;
  auto err = y - y_;
  auto loss = err * err;  // per-sample squared error; gradients() sums it
  auto grads = dl::gradients({loss}, {w, b});
  auto train =
      dl::ops::group(g, {w.assign_sub(grads[0] * 0.05).node, b.assign_sub(grads[1] * 0.05).node});

  dl::Session sess(g);
  sess.run(dl::global_variables_initializer(g));
  auto xs = dl::Tensor::from_vector<float>(dl::Shape({4}), {0, 1, 2, 3});
  auto ys = dl::Tensor::from_vector<float>(dl::Shape({4}), {-1, 2, 5, 8});
  for (int step = 0; step < 300; ++step) sess.run(train, {{x, xs}, {y_, ys}});
  const float wv = sess.run(w.value()).data<float>()[0];
  const float bv = sess.run(b.value()).data<float>()[0];
  std::printf("w = %.4f, b = %.4f (expected 3, -1)\n", wv, bv);
  return (wv > 2.99f && wv < 3.01f && bv > -1.01f && bv < -0.99f) ? 0 : 1;
}
