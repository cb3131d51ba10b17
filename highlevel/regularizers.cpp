#include "dl/highlevel/regularizers.h"

#include "dl/core/error.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/reduce_ops.h"
#include "dl/graph/ops/state_ops.h"

namespace dl::keras::regularizers {

Output L1L2::operator()(Output x) const {
  // Keras 3 adds each non-zero term to 0 (adding 0 changes no value, so it is left out).
  Output r;
  if (l1_ != 0.0) r = l1_ * ops::reduce_sum(ops::abs(x));
  if (l2_ != 0.0) {
    Output t = l2_ * ops::reduce_sum(ops::square(x));
    r = r ? r + t : t;
  }
  return r ? r : ops::scalar(x.graph(), 0.0, x.dtype(), "zero");
}

namespace {
std::shared_ptr<const Regularizer> by_name(const std::string& n) {
  if (n == "l1" || n == "L1") return std::make_shared<L1>();
  if (n == "l2" || n == "L2") return std::make_shared<L2>();
  if (n == "l1_l2" || n == "L1L2") return std::make_shared<L1L2>();
  throw InvalidArgument(str_cat("Could not interpret regularizer identifier: '", n,
                                "'. Valid names: l1, l2, l1_l2 (or L1, L2, L1L2)"));
}
}  // namespace

RegularizerArg::RegularizerArg(const char* name) : p_(by_name(name)) {}
RegularizerArg::RegularizerArg(const std::string& name) : p_(by_name(name)) {}

}  // namespace dl::keras::regularizers
