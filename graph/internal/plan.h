#pragma once
// Internal: the compiled form of one run signature and its shape specialisations.
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dl/graph/graph.h"
#include "dl/kernels/kernel.h"

namespace dl::detail {

struct Step {
  const Node* node = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::string kernel_name;
  std::vector<Tensor*> in;
  std::vector<Tensor*> out;
  std::vector<TensorSpec> out_specs;
  /// Variables read by value: checked for initialisation just before the step runs.
  std::vector<std::pair<const Tensor*, const Node*>> var_reads;
};

struct Specialization {
  std::deque<Tensor> slots;  // deque: stable addresses
  std::vector<Step> steps;
  std::vector<Tensor*> feed_slots;
  std::vector<Tensor*> fetch_slots;
};

struct Plan {
  std::vector<Output> feeds;
  std::vector<Output> fetches;
  std::vector<Node*> targets;
  std::vector<const Node*> order;  // nodes to run, in a topological order
  std::map<std::vector<int64_t>, std::unique_ptr<Specialization>> specs;
  std::vector<std::vector<int64_t>> spec_lru;  // oldest first
  Specialization* last = nullptr;
  std::vector<int64_t> last_key;
};

}  // namespace dl::detail
