#pragma once
// Finite-difference gradient checking. Builds nothing itself: give it a graph, the float64
// placeholders to vary and a scalar loss; it compares gradients() with central differences.
#include <gtest/gtest.h>

#include <vector>

#include "dl/graph/graph.h"
#include "dl/graph/session.h"

namespace dl::testing {

struct GradCheckOptions {
  double delta = 1e-6;  ///< finite-difference step (use float64 placeholders)
  double atol = 1e-6;
  double rtol = 1e-4;
};

/// For loss = sum(y * w) with a fixed random w (so every output element matters), checks
/// d loss / d x for each fed x against central differences. `feeds` holds the values of every
/// placeholder (including the xs).
::testing::AssertionResult check_gradients(Graph& g, Output y, const std::vector<Output>& xs,
                                           const FeedDict& feeds, GradCheckOptions opts = {});

}  // namespace dl::testing
