#pragma once
/// Alignment of two programs' layers and variables (by the order layers consume variables on
/// the forward path), with the layout conversion that maps one program's tensor onto the
/// other's when the shapes are a permutation (a transposed kernel, or the rows of a dense
/// kernel after a flatten in another order).
#include <optional>
#include <string>
#include <vector>

#include "dl/tools/parity_check/lib/structure.h"

namespace dl::parity {

/// How a tensor of program A maps onto the corresponding tensor of program B.
struct Conversion {
  enum class Kind { none, transpose, rows } kind = Kind::none;
  std::vector<int64_t> rows;  ///< rows: B's row r is A's row rows[r] (first dimension)
  std::string describe() const;
  Tensor a_to_b(const Tensor& a) const;
  Tensor b_to_a(const Tensor& b) const;
  /// For activations [n, features] whose features are the rows above: permutes columns.
  Tensor columns_b_to_a(const Tensor& b) const;
};

struct VarPair {
  int layer = -1;  ///< index into both programs' layers; -1 for optimizer-independent extras
  std::string role;
  Variable a, b;
  bool trainable = true;
  Conversion conv;
};

struct Alignment {
  int num_layers = 0;  ///< layers aligned one to one (min of both counts)
  std::vector<VarPair> vars;
  std::vector<std::string> problems;  ///< why the alignment is partial
  bool complete() const { return problems.empty(); }
  const VarPair* pair_of_a(const Node* var) const;
  const VarPair* pair_of_b(const Node* var) const;
};

/// Aligns B's layers and variables with A's.
Alignment align(const TrainingProgram& a, const Structure& sa, const TrainingProgram& b,
                const Structure& sb);

/// How program X flattens into layer `layer` (a dense layer): the transpose perm applied
/// before the reshape (identity when none) and the shape before it, without the batch
/// dimension. Empty when the layer's input is not a flatten.
struct FlattenOrder {
  std::vector<int64_t> perm;
  std::vector<int64_t> source;  ///< e.g. {4, 4, 4} for [N, 4, 4, 4]
  bool transposed = false;
  std::string describe() const;  ///< "NHWC order" / "transpose [0,3,1,2] then reshape"
};
std::optional<FlattenOrder> flatten_order(const Forward& f, int layer);

}  // namespace dl::parity
