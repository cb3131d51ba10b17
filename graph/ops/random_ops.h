#pragma once
/// Random tensors (tf.random_uniform, tf.random_normal, tf.truncated_normal) and TF1's seed
/// rules (tf.set_random_seed on the Graph, `seed` per op).
///
/// Seeds, as TF1's get_seed: graph seed and op seed both set -> used as is; only the graph seed
/// -> the op seed is a hash of the node's name (TF1 uses the count of ops created so far; dl's
/// choice keeps a layer's numbers the same when unrelated ops are added, see
/// docs/architecture.md); only the op seed -> graph seed 87654321; neither -> fresh seeds from
/// std::random_device (a different result each program run, as in TF1).
/// Each run of the op draws new numbers; the values are a pure function of (seeds, run count,
/// element index), whatever the thread count.
#include <optional>
#include <string>

#include "dl/graph/graph.h"

namespace dl::ops {

/// Uniform in [minval, maxval).
Output random_uniform(Graph& g, Shape shape, double minval = 0.0, double maxval = 1.0,
                      DType dtype = DType::f32, std::optional<int64_t> seed = std::nullopt,
                      const std::string& name = "random_uniform");
/// Normal(mean, stddev).
Output random_normal(Graph& g, Shape shape, double mean = 0.0, double stddev = 1.0,
                     DType dtype = DType::f32, std::optional<int64_t> seed = std::nullopt,
                     const std::string& name = "random_normal");
/// Normal(mean, stddev) with values beyond two standard deviations redrawn.
Output truncated_normal(Graph& g, Shape shape, double mean = 0.0, double stddev = 1.0,
                        DType dtype = DType::f32, std::optional<int64_t> seed = std::nullopt,
                        const std::string& name = "truncated_normal");

/// The (seed, seed2) pair a random node named `node_name` gets under TF1's rules above.
std::pair<int64_t, int64_t> get_seed(const Graph& g, std::optional<int64_t> op_seed,
                                     const std::string& node_name);

/// A node of one of the raw random ops ("RandomUniform", "RandomStandardNormal",
/// "TruncatedNormal") with standard parameters, seeded by get_seed.
Output random_raw(Graph& g, const std::string& op, Shape shape, DType dtype,
                  std::optional<int64_t> seed, const std::string& name);

}  // namespace dl::ops
