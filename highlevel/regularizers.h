#pragma once
/// keras.regularizers: penalties on a weight, added to the training loss.
#include <memory>
#include <string>
#include <type_traits>

#include "dl/graph/graph.h"

namespace dl::keras::regularizers {

class Regularizer {
 public:
  virtual ~Regularizer() = default;
  /// The penalty of weight `x`: a scalar of x's dtype.
  virtual Output operator()(Output x) const = 0;
  virtual std::string class_name() const = 0;
};

/// l1 * sum(|x|) + l2 * sum(x^2) (Keras's L1L2; defaults 0, 0).
class L1L2 : public Regularizer {
 public:
  explicit L1L2(double l1 = 0.0, double l2 = 0.0) : l1_(l1), l2_(l2) {}
  Output operator()(Output x) const override;
  std::string class_name() const override { return "L1L2"; }
  double l1() const { return l1_; }
  double l2() const { return l2_; }

 private:
  double l1_, l2_;
};
/// l1 * sum(|x|) (Keras's L1; default 0.01).
class L1 : public L1L2 {
 public:
  explicit L1(double l1 = 0.01) : L1L2(l1, 0.0) {}
  std::string class_name() const override { return "L1"; }
};
/// l2 * sum(x^2) (Keras's L2; default 0.01).
class L2 : public L1L2 {
 public:
  explicit L2(double l2 = 0.01) : L1L2(0.0, l2) {}
  std::string class_name() const override { return "L2"; }
};

/// keras.regularizers.l1(0.01), l2(...), l1_l2(...).
inline L1 l1(double v = 0.01) { return L1(v); }
inline L2 l2(double v = 0.01) { return L2(v); }
inline L1L2 l1_l2(double a = 0.0, double b = 0.0) { return L1L2(a, b); }

/// A regularizer by name ("l1", "l2", "l1_l2", class names) or as an object; empty = none.
class RegularizerArg {
 public:
  RegularizerArg() = default;
  RegularizerArg(const char* name);         // NOLINT(google-explicit-constructor)
  RegularizerArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::is_base_of_v<Regularizer, T> RegularizerArg(
      T r)  // NOLINT(google-explicit-constructor)
      : p_(std::make_shared<T>(std::move(r))) {}

  explicit operator bool() const { return p_ != nullptr; }
  const Regularizer& operator*() const { return *p_; }
  const Regularizer* operator->() const { return p_.get(); }
  const Regularizer* get() const { return p_.get(); }

 private:
  std::shared_ptr<const Regularizer> p_;
};

}  // namespace dl::keras::regularizers
