#include "dl/graph/ops/math_ops.h"

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/elementwise.h"

namespace dl {
namespace {

std::vector<TensorSpec> infer_broadcast(InferContext& c) {
  if (c.input(0).dtype != c.input(1).dtype) {
    c.fail(str_cat("both inputs must have one dtype, received ", name(c.input(0).dtype), " and ",
                   name(c.input(1).dtype)));
  }
  try {
    return {{c.input(0).dtype, broadcast_shapes(c.input(0).shape, c.input(1).shape)}};
  } catch (const InvalidArgument& e) {
    c.fail(e.what());
  }
}

struct AddF {
  template <class T>
  static constexpr bool accepts = detail::is_numeric_v<T>;
  template <class T>
  static T apply(T a, T b) {
    return static_cast<T>(a + b);
  }
};
struct SubF {
  template <class T>
  static constexpr bool accepts = detail::is_numeric_v<T>;
  template <class T>
  static T apply(T a, T b) {
    return static_cast<T>(a - b);
  }
};
struct MulF {
  template <class T>
  static constexpr bool accepts = detail::is_numeric_v<T>;
  template <class T>
  static T apply(T a, T b) {
    return static_cast<T>(a * b);
  }
};
struct DivF {
  template <class T>
  static constexpr bool accepts = detail::is_float_v<T>;
  template <class T>
  static T apply(T a, T b) {
    return a / b;
  }
};

Output neg_of(Output x) { return ops::scalar(x.graph(), -1.0, x.dtype()) * x; }

}  // namespace

void register_math_ops(OpRegistry& r) {
  r.add(OpDef("AddV2")
            .inputs({"x", "y"})
            .outputs({"z"})
            .infer(infer_broadcast)
            .reference(detail::binary_kernel<AddF>)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {ops::unbroadcast(c.dy(), c.input(0)), ops::unbroadcast(c.dy(), c.input(1))};
            }));
  r.add(OpDef("Sub")
            .inputs({"x", "y"})
            .outputs({"z"})
            .infer(infer_broadcast)
            .reference(detail::binary_kernel<SubF>)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {ops::unbroadcast(c.dy(), c.input(0)),
                      ops::unbroadcast(neg_of(c.dy()), c.input(1))};
            }));
  r.add(OpDef("Mul")
            .inputs({"x", "y"})
            .outputs({"z"})
            .infer(infer_broadcast)
            .reference(detail::binary_kernel<MulF>)
            .grad([](GradContext& c) -> std::vector<Grad> {
              return {ops::unbroadcast(c.dy() * c.input(1), c.input(0)),
                      ops::unbroadcast(c.input(0) * c.dy(), c.input(1))};
            }));
  r.add(OpDef("RealDiv")
            .inputs({"x", "y"})
            .outputs({"z"})
            .infer(infer_broadcast)
            .reference(detail::binary_kernel<DivF>)
            .grad([](GradContext& c) -> std::vector<Grad> {
              Output x = c.input(0), y = c.input(1), dy = c.dy();
              return {ops::unbroadcast(dy / y, x), ops::unbroadcast(neg_of(dy * x / (y * y)), y)};
            }));
}

namespace ops {
Output add(Output a, Output b, const std::string& name) {
  return a.graph().add_node("AddV2", name, {a, b})->output(0);
}
Output subtract(Output a, Output b, const std::string& name) {
  return a.graph().add_node("Sub", name, {a, b})->output(0);
}
Output multiply(Output a, Output b, const std::string& name) {
  return a.graph().add_node("Mul", name, {a, b})->output(0);
}
Output divide(Output a, Output b, const std::string& name) {
  return a.graph().add_node("RealDiv", name, {a, b})->output(0);
}
}  // namespace ops

Output operator+(Output a, Output b) { return ops::add(a, b); }
Output operator-(Output a, Output b) { return ops::subtract(a, b); }
Output operator*(Output a, Output b) { return ops::multiply(a, b); }
Output operator/(Output a, Output b) { return ops::divide(a, b); }
namespace {
// x <op> scalar, named as TF names it: the op "mul" and its constant "mul/y".
Output with_scalar(const char* op, const char* base, Output a, double v, bool scalar_first) {
  Graph& g = a.graph();
  const std::string scope = g.push_name_scope(base);
  Output c = ops::scalar(g, v, a.dtype(), scalar_first ? "x" : "y");
  g.pop_name_scope();
  return g
      .add_node(op, scope, scalar_first ? std::vector<Output>{c, a} : std::vector<Output>{a, c})
      ->output(0);
}
}  // namespace

Output operator+(Output a, double b) { return with_scalar("AddV2", "add", a, b, false); }
Output operator-(Output a, double b) { return with_scalar("Sub", "sub", a, b, false); }
Output operator*(Output a, double b) { return with_scalar("Mul", "mul", a, b, false); }
Output operator/(Output a, double b) { return with_scalar("RealDiv", "truediv", a, b, false); }
Output operator+(double a, Output b) { return with_scalar("AddV2", "add", b, a, true); }
Output operator-(double a, Output b) { return with_scalar("Sub", "sub", b, a, true); }
Output operator*(double a, Output b) { return with_scalar("Mul", "mul", b, a, true); }
Output operator/(double a, Output b) { return with_scalar("RealDiv", "truediv", b, a, true); }

}  // namespace dl
