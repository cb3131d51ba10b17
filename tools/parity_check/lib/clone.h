#pragma once
/// Copies a piece of one program's graph into another's (a loss head, a metric), so that one
/// component of program A can be rebuilt on program B's tensors.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::parity {

/// Copies into `dst` every node that `outputs` depend on through data inputs, stopping at the
/// tensors in `mapped` (which stand for themselves in `dst`). Node types, attributes and input
/// order are kept; names go under the name scope `scope`; control inputs are dropped.
/// `edit`, when given, may change each copy's attributes (e.g. a random op's seeds).
/// Returns the copies of `outputs`.
/// Throws InvalidArgument naming the node when the walk reaches a Placeholder or a VariableV2
/// that `mapped` does not cover (the piece depends on more than it was given).
std::vector<Output> clone_subgraph(
    Graph& dst, const std::vector<Output>& outputs, const std::map<Output, Output>& mapped,
    const std::string& scope, const std::function<void(const Node&, AttrMap&)>& edit = nullptr);

}  // namespace dl::parity
