#include "dl/graph/ops/math_ops.h"

#include <cmath>

#include "dl/graph/op_registry.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/kernels/reference/elementwise.h"
#include "dl/kernels/reference/ref_math.h"

namespace dl {
namespace {

// Which dtypes an op's inputs may have; checked by the shape function so that a bad dtype
// fails when the node is created, not when it runs.
enum class Kinds { numeric, floating, boolean, any };

bool dtype_ok(DType t, Kinds k) {
  switch (k) {
    case Kinds::numeric:
      return t != DType::boolean;
    case Kinds::floating:
      return is_floating(t);
    case Kinds::boolean:
      return t == DType::boolean;
    case Kinds::any:
      return true;
  }
  return false;
}

const char* kinds_name(Kinds k) {
  switch (k) {
    case Kinds::numeric:
      return "a numeric dtype";
    case Kinds::floating:
      return "float32 or float64";
    case Kinds::boolean:
      return "bool";
    case Kinds::any:
      return "any dtype";
  }
  return "";
}

void check_dtype(InferContext& c, int i, Kinds k) {
  if (!dtype_ok(c.input(i).dtype, k)) {
    c.fail(str_cat("input ", i, " must be ", kinds_name(k), ", received ", name(c.input(i).dtype)));
  }
}

Shape broadcast_or_fail(InferContext& c, const Shape& a, const Shape& b) {
  try {
    return broadcast_shapes(a, b);
  } catch (const InvalidArgument& e) {
    c.fail(e.what());
  }
}

InferFn infer_unary(Kinds k) {
  return [k](InferContext& c) -> std::vector<TensorSpec> {
    check_dtype(c, 0, k);
    return {c.input(0)};
  };
}

// Same-dtype binary op with broadcasting; the output dtype is the inputs' or bool.
InferFn infer_binary(Kinds k, bool bool_out = false) {
  return [k, bool_out](InferContext& c) -> std::vector<TensorSpec> {
    if (c.input(0).dtype != c.input(1).dtype) {
      c.fail(str_cat("both inputs must have one dtype, received ", name(c.input(0).dtype), " and ",
                     name(c.input(1).dtype)));
    }
    check_dtype(c, 0, k);
    const Shape s = broadcast_or_fail(c, c.input(0).shape, c.input(1).shape);
    return {{bool_out ? DType::boolean : c.input(0).dtype, s}};
  };
}

// True when `s` broadcasts to `target` without changing it (right-aligned; unknown dims are
// given the benefit of the doubt until run time).
bool broadcasts_to(const Shape& s, const Shape& target) {
  if (s.rank() > target.rank()) return false;
  for (int i = 0; i < s.rank(); ++i) {
    const int64_t d = s.dim(i), t = target.dim(target.rank() - s.rank() + i);
    if (d != 1 && d >= 0 && t >= 0 && d != t) return false;
  }
  return true;
}

std::vector<TensorSpec> infer_matmul(InferContext& c) {
  const TensorSpec& a = c.input(0);
  const TensorSpec& b = c.input(1);
  const bool ta = c.attrs.get_bool("transpose_a"), tb = c.attrs.get_bool("transpose_b");
  if (a.shape.rank() != 2 || b.shape.rank() != 2) {
    c.fail(str_cat("both inputs must be matrices (rank 2), received a ", a.shape.to_string(),
                   " and b ", b.shape.to_string()));
  }
  if (a.dtype != b.dtype) {
    c.fail(str_cat("both inputs must have one dtype, received ", name(a.dtype), " and ",
                   name(b.dtype)));
  }
  check_dtype(c, 0, Kinds::numeric);
  const int64_t ka = a.shape.dim(ta ? 0 : 1), kb = b.shape.dim(tb ? 1 : 0);
  if (ka >= 0 && kb >= 0 && ka != kb) {
    c.fail(str_cat("inner dimensions differ: a is ", a.shape.to_string(), ta ? " (transposed)" : "",
                   ", b is ", b.shape.to_string(), tb ? " (transposed)" : "", " (", ka, " != ", kb,
                   ")"));
  }
  return {{a.dtype, Shape{a.shape.dim(ta ? 1 : 0), b.shape.dim(tb ? 0 : 1)}}};
}

// Unary functors: x is the element. Abs of an unsigned type is the identity.
struct NegF {
  template <class T>
  static constexpr bool accepts = detail::is_numeric_v<T>;
  template <class T>
  static T apply(T x) {
    return static_cast<T>(-x);
  }
};
struct AbsF {
  template <class T>
  static constexpr bool accepts = detail::is_numeric_v<T>;
  template <class T>
  static T apply(T x) {
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < 0 ? static_cast<T>(-x) : x;
    }
  }
};
struct SignF {
  template <class T>
  static constexpr bool accepts = detail::is_numeric_v<T>;
  template <class T>
  static T apply(T x) {
    if constexpr (std::is_unsigned_v<T>) {
      return static_cast<T>(x > 0);
    } else {
      return static_cast<T>((T{0} < x) - (x < T{0}));
    }
  }
};
struct SquareF {
  template <class T>
  static constexpr bool accepts = detail::is_numeric_v<T>;
  template <class T>
  static T apply(T x) {
    return static_cast<T>(x * x);
  }
};
template <class Fn>
struct FloatUnary {
  template <class T>
  static constexpr bool accepts = detail::is_float_v<T>;
  template <class T>
  static T apply(T x) {
    return Fn::template f<T>(x);
  }
};
struct SqrtFn {
  template <class T>
  static T f(T x) {
    return std::sqrt(x);
  }
};
struct RsqrtFn {
  template <class T>
  static T f(T x) {
    return T{1} / std::sqrt(x);
  }
};
struct ExpFn {
  template <class T>
  static T f(T x) {
    return std::exp(x);
  }
};
struct LogFn {
  template <class T>
  static T f(T x) {
    return std::log(x);
  }
};
struct Log1pFn {
  template <class T>
  static T f(T x) {
    return std::log1p(x);
  }
};
struct ReciprocalFn {
  template <class T>
  static T f(T x) {
    return T{1} / x;
  }
};
struct FloorFn {
  template <class T>
  static T f(T x) {
    return std::floor(x);
  }
};
struct LogicalNotF {
  template <class T>
  static constexpr bool accepts = detail::is_bool_v<T>;
  template <class T>
  static T apply(T x) {
    return !x;
  }
};

// Binary functors.
template <class Fn, template <class> class Trait>
struct Binary {
  template <class T>
  static constexpr bool accepts = Trait<T>::value;
  template <class T>
  static T apply(T a, T b) {
    return static_cast<T>(Fn::f(a, b));
  }
};
template <class T>
struct NumericT : std::bool_constant<detail::is_numeric_v<T>> {};
template <class T>
struct FloatT : std::bool_constant<detail::is_float_v<T>> {};
template <class T>
struct BoolT : std::bool_constant<detail::is_bool_v<T>> {};

struct AddFn {
  template <class T>
  static auto f(T a, T b) {
    return a + b;
  }
};
struct SubFn {
  template <class T>
  static auto f(T a, T b) {
    return a - b;
  }
};
struct MulFn {
  template <class T>
  static auto f(T a, T b) {
    return a * b;
  }
};
struct DivFn {
  template <class T>
  static auto f(T a, T b) {
    return a / b;
  }
};
struct MaxFn {
  template <class T>
  static T f(T a, T b) {
    return a < b ? b : a;
  }
};
struct MinFn {
  template <class T>
  static T f(T a, T b) {
    return b < a ? b : a;
  }
};
struct PowFn {
  template <class T>
  static auto f(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      return std::pow(a, b);
    } else {
      // Integer power by squaring (std::pow through double loses int64 precision).
      if constexpr (std::is_signed_v<T>) {
        if (b < 0) return static_cast<T>(a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0));
      }
      T r = 1, base = a;
      for (T e = b; e > 0; e >>= 1) {
        if (e & 1) r = static_cast<T>(r * base);
        base = static_cast<T>(base * base);
      }
      return r;
    }
  }
};
struct SqDiffFn {
  template <class T>
  static auto f(T a, T b) {
    return (a - b) * (a - b);
  }
};
struct AndFn {
  static bool f(bool a, bool b) { return a && b; }
};
struct OrFn {
  static bool f(bool a, bool b) { return a || b; }
};

// Comparison functors (bool result).
struct EqualF {
  template <class T>
  static bool apply(T a, T b) {
    return a == b;
  }
};
struct NotEqualF {
  template <class T>
  static bool apply(T a, T b) {
    return a != b;
  }
};
struct LessF {
  template <class T>
  static bool apply(T a, T b) {
    return a < b;
  }
};
struct LessEqualF {
  template <class T>
  static bool apply(T a, T b) {
    return a <= b;
  }
};
struct GreaterF {
  template <class T>
  static bool apply(T a, T b) {
    return a > b;
  }
};
struct GreaterEqualF {
  template <class T>
  static bool apply(T a, T b) {
    return a >= b;
  }
};

Output zero_like_scalar(Output like) { return ops::scalar(like.graph(), 0.0, like.dtype()); }

// Gradient of Maximum / Minimum: to x where mask(x, y) holds, else to y (TF's
// _MaximumMinimumGrad).
std::vector<Grad> max_min_grad(GradContext& c, bool is_max) {
  Output x = c.input(0), y = c.input(1), dy = c.dy();
  Output mask = is_max ? ops::greater_equal(x, y) : ops::less_equal(x, y);
  Output zero = zero_like_scalar(dy);
  return {ops::unbroadcast(ops::where(mask, dy, zero), x),
          ops::unbroadcast(ops::where(mask, zero, dy), y)};
}

OpDef unary_op(const char* name, Kinds k, ComputeFn kernel, GradFn grad) {
  OpDef d(name);
  d.inputs({"x"}).outputs({"y"}).infer(infer_unary(k)).reference(kernel);
  if (grad) {
    d.grad(std::move(grad));
  } else {
    d.not_differentiable();
  }
  return d;
}

OpDef binary_op(const char* name, Kinds k, ComputeFn kernel, GradFn grad) {
  OpDef d(name);
  d.inputs({"x", "y"}).outputs({"z"}).infer(infer_binary(k)).reference(kernel);
  if (grad) {
    d.grad(std::move(grad));
  } else {
    d.not_differentiable();
  }
  return d;
}

OpDef compare_op(const char* name, ComputeFn kernel) {
  OpDef d(name);
  d.inputs({"x", "y"})
      .outputs({"z"})
      .infer(infer_binary(Kinds::any, true))
      .reference(kernel)
      .not_differentiable();
  return d;
}

}  // namespace

void register_math_ops(OpRegistry& r) {
  using detail::binary_kernel;
  using detail::compare_kernel;
  using detail::unary_kernel;

  // ---- arithmetic ----
  r.add(binary_op(
      "AddV2", Kinds::numeric, binary_kernel<Binary<AddFn, NumericT>>,
      [](GradContext& c) -> std::vector<Grad> {
        return {ops::unbroadcast(c.dy(), c.input(0)), ops::unbroadcast(c.dy(), c.input(1))};
      }));
  r.add(binary_op("Sub", Kinds::numeric, binary_kernel<Binary<SubFn, NumericT>>,
                  [](GradContext& c) -> std::vector<Grad> {
                    return {ops::unbroadcast(c.dy(), c.input(0)),
                            ops::unbroadcast(ops::neg(c.dy()), c.input(1))};
                  }));
  r.add(binary_op("Mul", Kinds::numeric, binary_kernel<Binary<MulFn, NumericT>>,
                  [](GradContext& c) -> std::vector<Grad> {
                    return {ops::unbroadcast(c.dy() * c.input(1), c.input(0)),
                            ops::unbroadcast(c.input(0) * c.dy(), c.input(1))};
                  }));
  r.add(binary_op(
      "RealDiv", Kinds::floating, binary_kernel<Binary<DivFn, FloatT>>,
      [](GradContext& c) -> std::vector<Grad> {
        Output x = c.input(0), y = c.input(1), dy = c.dy();
        return {ops::unbroadcast(dy / y, x), ops::unbroadcast(ops::neg(dy * x / (y * y)), y)};
      }));
  r.add(binary_op("Maximum", Kinds::numeric, binary_kernel<Binary<MaxFn, NumericT>>,
                  [](GradContext& c) { return max_min_grad(c, true); }));
  r.add(binary_op("Minimum", Kinds::numeric, binary_kernel<Binary<MinFn, NumericT>>,
                  [](GradContext& c) { return max_min_grad(c, false); }));
  r.add(binary_op("Pow", Kinds::numeric, binary_kernel<Binary<PowFn, NumericT>>,
                  [](GradContext& c) -> std::vector<Grad> {
                    Output x = c.input(0), y = c.input(1), z = c.output(), dy = c.dy();
                    Output gx = dy * y * ops::pow(x, y - 1.0);
                    // d/dy = z * log(x), taken as 0 where x <= 0 (no real value), as TF.
                    Output mask = ops::greater(x, zero_like_scalar(x));
                    Output safe_x = ops::where(mask, x, ops::scalar(x.graph(), 1.0, x.dtype()));
                    Output log_x = ops::where(mask, ops::log(safe_x), zero_like_scalar(x));
                    return {ops::unbroadcast(gx, x), ops::unbroadcast(dy * z * log_x, y)};
                  }));
  r.add(binary_op("SquaredDifference", Kinds::numeric, binary_kernel<Binary<SqDiffFn, NumericT>>,
                  [](GradContext& c) -> std::vector<Grad> {
                    Output x = c.input(0), y = c.input(1);
                    Output gx = (2.0 * c.dy()) * (x - y);
                    return {ops::unbroadcast(gx, x), ops::unbroadcast(ops::neg(gx), y)};
                  }));

  // ---- unary ----
  r.add(unary_op("Neg", Kinds::numeric, unary_kernel<NegF>,
                 [](GradContext& c) -> std::vector<Grad> { return {ops::neg(c.dy())}; }));
  r.add(unary_op(
      "Abs", Kinds::numeric, unary_kernel<AbsF>,
      [](GradContext& c) -> std::vector<Grad> { return {c.dy() * ops::sign(c.input(0))}; }));
  r.add(
      unary_op("Square", Kinds::numeric, unary_kernel<SquareF>,
               [](GradContext& c) -> std::vector<Grad> { return {c.dy() * (2.0 * c.input(0))}; }));
  r.add(
      unary_op("Sqrt", Kinds::floating, unary_kernel<FloatUnary<SqrtFn>>,
               [](GradContext& c) -> std::vector<Grad> { return {(c.dy() * 0.5) / c.output()}; }));
  r.add(unary_op("Rsqrt", Kinds::floating, unary_kernel<FloatUnary<RsqrtFn>>,
                 [](GradContext& c) -> std::vector<Grad> {
                   Output y = c.output();
                   return {(c.dy() * -0.5) * (ops::square(y) * y)};
                 }));
  r.add(unary_op("Exp", Kinds::floating, unary_kernel<FloatUnary<ExpFn>>,
                 [](GradContext& c) -> std::vector<Grad> { return {c.dy() * c.output()}; }));
  r.add(unary_op("Log", Kinds::floating, unary_kernel<FloatUnary<LogFn>>,
                 [](GradContext& c) -> std::vector<Grad> { return {c.dy() / c.input(0)}; }));
  r.add(
      unary_op("Log1p", Kinds::floating, unary_kernel<FloatUnary<Log1pFn>>,
               [](GradContext& c) -> std::vector<Grad> { return {c.dy() / (1.0 + c.input(0))}; }));
  r.add(unary_op("Reciprocal", Kinds::floating, unary_kernel<FloatUnary<ReciprocalFn>>,
                 [](GradContext& c) -> std::vector<Grad> {
                   return {ops::neg(c.dy() * ops::square(c.output()))};
                 }));
  r.add(
      unary_op("Sign", Kinds::numeric, unary_kernel<SignF>,
               [](GradContext& c) -> std::vector<Grad> { return {ops::zeros_like(c.input(0))}; }));
  // TF registers no gradient for Floor: nothing flows through it.
  r.add(unary_op("Floor", Kinds::floating, unary_kernel<FloatUnary<FloorFn>>,
                 [](GradContext&) { return std::vector<Grad>{Grad()}; }));

  // ---- comparisons and logic ----
  r.add(compare_op("Equal", compare_kernel<EqualF>));
  r.add(compare_op("NotEqual", compare_kernel<NotEqualF>));
  r.add(compare_op("Less", compare_kernel<LessF>));
  r.add(compare_op("LessEqual", compare_kernel<LessEqualF>));
  r.add(compare_op("Greater", compare_kernel<GreaterF>));
  r.add(compare_op("GreaterEqual", compare_kernel<GreaterEqualF>));
  r.add(binary_op("LogicalAnd", Kinds::boolean, binary_kernel<Binary<AndFn, BoolT>>, nullptr));
  r.add(binary_op("LogicalOr", Kinds::boolean, binary_kernel<Binary<OrFn, BoolT>>, nullptr));
  r.add(unary_op("LogicalNot", Kinds::boolean, unary_kernel<LogicalNotF>, nullptr));

  // ---- cast, clip, select, matmul ----
  r.add(OpDef("Cast")
            .inputs({"x"})
            .outputs({"y"})
            .attr("DstT", DType::f32)
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              return {{c.attrs.get<DType>("DstT"), c.input(0).shape}};
            })
            .reference(kernels::ref::cast)
            .grad([](GradContext& c) -> std::vector<Grad> {
              const DType src = c.input(0).dtype(), dst = c.output().dtype();
              if (!is_floating(src) || !is_floating(dst)) return {Grad()};
              return {ops::cast(c.dy(), src)};
            }));
  r.add(OpDef("ClipByValue")
            .inputs({"t", "clip_value_min", "clip_value_max"})
            .outputs({"output"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              const TensorSpec& t = c.input(0);
              check_dtype(c, 0, Kinds::numeric);
              for (int i = 1; i <= 2; ++i) {
                const char* what = i == 1 ? "clip_value_min" : "clip_value_max";
                if (c.input(i).dtype != t.dtype) {
                  c.fail(str_cat(what, " must have t's dtype ", name(t.dtype), ", received ",
                                 name(c.input(i).dtype)));
                }
                if (!broadcasts_to(c.input(i).shape, t.shape)) {
                  c.fail(str_cat(what, " must be a scalar or broadcast to t's shape ",
                                 t.shape.to_string(), ", received ", c.input(i).shape.to_string()));
                }
              }
              return {t};
            })
            .reference(kernels::ref::clip_by_value)
            .grad([](GradContext& c) -> std::vector<Grad> {
              // TF's _ClipByValueGrad: t gets the gradient where it was not clipped; the
              // bounds get it where they were the result.
              Output t = c.input(0), lo = c.input(1), hi = c.input(2), dy = c.dy();
              Output below = ops::less(t, lo), above = ops::greater(t, hi);
              Output zero = zero_like_scalar(dy);
              return {ops::where(ops::logical_or(below, above), zero, dy),
                      ops::unbroadcast(ops::where(below, dy, zero), lo),
                      ops::unbroadcast(ops::where(above, dy, zero), hi)};
            }));
  r.add(OpDef("SelectV2")
            .inputs({"condition", "t", "e"})
            .outputs({"output"})
            .infer([](InferContext& c) -> std::vector<TensorSpec> {
              check_dtype(c, 0, Kinds::boolean);
              if (c.input(1).dtype != c.input(2).dtype) {
                c.fail(str_cat("x and y must have one dtype, received ", name(c.input(1).dtype),
                               " and ", name(c.input(2).dtype)));
              }
              const Shape s = broadcast_or_fail(
                  c, broadcast_or_fail(c, c.input(0).shape, c.input(1).shape), c.input(2).shape);
              return {{c.input(1).dtype, s}};
            })
            .reference(kernels::ref::select)
            .grad([](GradContext& c) -> std::vector<Grad> {
              Output cond = c.input(0), dy = c.dy();
              Output zero = zero_like_scalar(dy);
              return {Grad(), ops::unbroadcast(ops::where(cond, dy, zero), c.input(1)),
                      ops::unbroadcast(ops::where(cond, zero, dy), c.input(2))};
            }));
  r.add(OpDef("MatMul")
            .inputs({"a", "b"})
            .outputs({"product"})
            .attr("transpose_a", false)
            .attr("transpose_b", false)
            .infer(infer_matmul)
            .reference(kernels::ref::matmul)
            .grad([](GradContext& c) -> std::vector<Grad> {
              // TF's _MatMulGrad.
              const bool ta = c.attrs().get_bool("transpose_a");
              const bool tb = c.attrs().get_bool("transpose_b");
              Output a = c.input(0), b = c.input(1), g = c.dy();
              if (!ta && !tb) return {ops::matmul(g, b, false, true), ops::matmul(a, g, true)};
              if (!ta && tb) return {ops::matmul(g, b), ops::matmul(g, a, true)};
              if (ta && !tb) return {ops::matmul(b, g, false, true), ops::matmul(a, g)};
              return {ops::matmul(b, g, true, true), ops::matmul(g, a, true, true)};
            }));
}

namespace ops {
namespace {
Output unary(const char* op, Output x, const std::string& name) {
  return x.graph().add_node(op, name, {x})->output(0);
}
Output binary(const char* op, Output x, Output y, const std::string& name) {
  return x.graph().add_node(op, name, {x, y})->output(0);
}
}  // namespace

Output add(Output a, Output b, const std::string& name) { return binary("AddV2", a, b, name); }
Output subtract(Output a, Output b, const std::string& name) { return binary("Sub", a, b, name); }
Output multiply(Output a, Output b, const std::string& name) { return binary("Mul", a, b, name); }
Output divide(Output a, Output b, const std::string& name) { return binary("RealDiv", a, b, name); }

Output neg(Output x, const std::string& name) { return unary("Neg", x, name); }
Output abs(Output x, const std::string& name) { return unary("Abs", x, name); }
Output square(Output x, const std::string& name) { return unary("Square", x, name); }
Output sqrt(Output x, const std::string& name) { return unary("Sqrt", x, name); }
Output rsqrt(Output x, const std::string& name) { return unary("Rsqrt", x, name); }
Output exp(Output x, const std::string& name) { return unary("Exp", x, name); }
Output log(Output x, const std::string& name) { return unary("Log", x, name); }
Output log1p(Output x, const std::string& name) { return unary("Log1p", x, name); }
Output reciprocal(Output x, const std::string& name) { return unary("Reciprocal", x, name); }
Output sign(Output x, const std::string& name) { return unary("Sign", x, name); }
Output floor(Output x, const std::string& name) { return unary("Floor", x, name); }

Output maximum(Output x, Output y, const std::string& name) {
  return binary("Maximum", x, y, name);
}
Output minimum(Output x, Output y, const std::string& name) {
  return binary("Minimum", x, y, name);
}
Output pow(Output x, Output y, const std::string& name) { return binary("Pow", x, y, name); }
Output squared_difference(Output x, Output y, const std::string& name) {
  return binary("SquaredDifference", x, y, name);
}

Output equal(Output x, Output y, const std::string& name) { return binary("Equal", x, y, name); }
Output not_equal(Output x, Output y, const std::string& name) {
  return binary("NotEqual", x, y, name);
}
Output less(Output x, Output y, const std::string& name) { return binary("Less", x, y, name); }
Output less_equal(Output x, Output y, const std::string& name) {
  return binary("LessEqual", x, y, name);
}
Output greater(Output x, Output y, const std::string& name) {
  return binary("Greater", x, y, name);
}
Output greater_equal(Output x, Output y, const std::string& name) {
  return binary("GreaterEqual", x, y, name);
}
Output logical_and(Output x, Output y, const std::string& name) {
  return binary("LogicalAnd", x, y, name);
}
Output logical_or(Output x, Output y, const std::string& name) {
  return binary("LogicalOr", x, y, name);
}
Output logical_not(Output x, const std::string& name) { return unary("LogicalNot", x, name); }

Output cast(Output x, DType dtype, const std::string& name) {
  if (x.dtype() == dtype) return x;
  return x.graph().add_node("Cast", name, {x}, {{"DstT", dtype}})->output(0);
}

Output clip_by_value(Output t, Output clip_value_min, Output clip_value_max,
                     const std::string& name) {
  return t.graph().add_node("ClipByValue", name, {t, clip_value_min, clip_value_max})->output(0);
}
Output clip_by_value(Output t, double clip_value_min, double clip_value_max,
                     const std::string& name) {
  Graph& g = t.graph();
  const std::string scope = g.push_name_scope(name);
  Output lo = ops::scalar(g, clip_value_min, t.dtype(), "clip_value_min");
  Output hi = ops::scalar(g, clip_value_max, t.dtype(), "clip_value_max");
  g.pop_name_scope();
  return g.add_node("ClipByValue", scope, {t, lo, hi})->output(0);
}

Output where(Output condition, Output x, Output y, const std::string& name) {
  return x.graph().add_node("SelectV2", name, {condition, x, y})->output(0);
}

Output matmul(Output a, Output b, bool transpose_a, bool transpose_b, const std::string& name) {
  return a.graph()
      .add_node("MatMul", name, {a, b},
                {{"transpose_a", transpose_a}, {"transpose_b", transpose_b}})
      ->output(0);
}
}  // namespace ops

Output operator+(Output a, Output b) { return ops::add(a, b); }
Output operator-(Output a, Output b) { return ops::subtract(a, b); }
Output operator*(Output a, Output b) { return ops::multiply(a, b); }
Output operator/(Output a, Output b) { return ops::divide(a, b); }
Output operator-(Output a) { return ops::neg(a); }
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
