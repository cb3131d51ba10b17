#include "gradient_check.h"

#include <cmath>

#include "dl/graph/gradients.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "test_util.h"

namespace dl::testing {

::testing::AssertionResult check_gradients(Graph& g, Output y, const std::vector<Output>& xs,
                                           const FeedDict& feeds, GradCheckOptions opts) {
  // Weight each output element differently so that a gradient that is right only for the
  // sum of outputs still fails. y's run-time shape is found by running it once.
  Session probe(g);
  Tensor y_val = probe.run(y, feeds);
  Tensor w = random_tensor(y_val.shape(), 1234, 0.5, 1.5, y.dtype());
  Output wc = ops::constant(g, w, "gradcheck_w");
  Output weighted = y * wc;
  // gradients() differentiates the sum of its ys, so this is d(sum(y*w))/dx.
  std::vector<Output> grads = gradients({weighted}, xs);
  Session s(g);
  std::vector<Output> fetches;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!grads[i]) return ::testing::AssertionFailure() << "no gradient for " << xs[i].name();
    fetches.push_back(grads[i]);
  }
  std::vector<Tensor> analytic = s.run(feeds, fetches);
  auto total = [&](const FeedDict& f) {
    Tensor v = s.run(weighted, f);
    double acc = 0;
    for (int64_t i = 0; i < v.num_elements(); ++i) acc += v.value_at(i);
    return acc;
  };
  for (size_t xi = 0; xi < xs.size(); ++xi) {
    size_t fi = 0;
    while (fi < feeds.size() && !(feeds[fi].first == xs[xi])) ++fi;
    if (fi == feeds.size()) return ::testing::AssertionFailure() << xs[xi].name() << " is not fed";
    const Tensor base = feeds[fi].second;
    if (base.dtype() != DType::f64) {
      return ::testing::AssertionFailure() << xs[xi].name() << ": use float64 for gradient checks";
    }
    for (int64_t e = 0; e < base.num_elements(); ++e) {
      FeedDict f = feeds;
      Tensor plus = base.clone(), minus = base.clone();
      plus.data<double>()[e] += opts.delta;
      minus.data<double>()[e] -= opts.delta;
      f[fi].second = plus;
      const double lp = total(f);
      f[fi].second = minus;
      const double lm = total(f);
      const double numeric = (lp - lm) / (2 * opts.delta);
      const double a = analytic[xi].value_at(e);
      if (!(std::fabs(a - numeric) <= opts.atol + opts.rtol * std::fabs(numeric))) {
        return ::testing::AssertionFailure() << "d/d" << xs[xi].name() << "[" << e << "]: analytic "
                                             << a << " vs numeric " << numeric;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace dl::testing
