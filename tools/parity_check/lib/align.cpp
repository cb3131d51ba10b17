#include "dl/tools/parity_check/lib/align.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

#include "dl/tools/parity_check/lib/measure.h"

namespace dl::parity {
namespace {

std::string ints(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

// Row-major index of coordinates `c` taken in the order `perm` over dims `src`.
int64_t ravel_perm(const std::vector<int64_t>& c, const std::vector<int64_t>& perm,
                   const std::vector<int64_t>& src) {
  int64_t idx = 0;
  for (int64_t p : perm) idx = idx * src[static_cast<size_t>(p)] + c[static_cast<size_t>(p)];
  return idx;
}

Tensor transpose2d(const Tensor& t) {
  const int64_t r = t.shape().dim(0), c = t.shape().dim(1);
  Tensor o(t.dtype(), Shape({c, r}));
  const size_t e = size_of(t.dtype());
  const char* src = static_cast<const char*>(t.raw_data());
  char* dst = static_cast<char*>(o.raw_data());
  for (int64_t i = 0; i < r; ++i) {
    for (int64_t j = 0; j < c; ++j)
      std::memcpy(dst + static_cast<size_t>(j * r + i) * e,
                  src + static_cast<size_t>(i * c + j) * e, e);
  }
  return o;
}

}  // namespace

std::string FlattenOrder::describe() const {
  if (!transposed) return "flattened in stored (NHWC) order from " + ints(source);
  std::vector<int64_t> full{0};
  for (int64_t p : perm) full.push_back(p + 1);
  return "transposed " + ints(full) + " then flattened, from " + ints(source);
}

std::optional<FlattenOrder> flatten_order(const Forward& f, int layer) {
  if (layer < 0 || layer >= static_cast<int>(f.layers.size())) return std::nullopt;
  const std::vector<Stage>& st =
      layer == 0 ? f.input_stages : f.layers[static_cast<size_t>(layer - 1)].post;
  for (int i = static_cast<int>(st.size()) - 1; i >= 0; --i) {
    const Stage& s = st[static_cast<size_t>(i)];
    if (s.kind != "reshape") continue;
    const Shape in = s.node->input(0).shape();
    const Shape out = s.node->output_specs()[0].shape;
    if (out.rank() != 2 || in.rank() <= 2) return std::nullopt;
    FlattenOrder fo;
    const Stage* prev = i > 0 ? &st[static_cast<size_t>(i - 1)] : nullptr;
    if (prev && prev->kind == "transpose") {
      const auto perm = attr_or<std::vector<int64_t>>(prev->node, "perm", {});
      const Shape src = prev->node->input(0).shape();
      if (perm.empty() || perm[0] != 0) return std::nullopt;
      for (size_t k = 1; k < perm.size(); ++k) fo.perm.push_back(perm[k] - 1);
      for (int k = 1; k < src.rank(); ++k) fo.source.push_back(src.dim(k));
      fo.transposed = true;
    } else {
      for (int k = 1; k < in.rank(); ++k) {
        fo.source.push_back(in.dim(k));
        fo.perm.push_back(k - 1);
      }
    }
    return fo;
  }
  return std::nullopt;
}

std::string Conversion::describe() const {
  switch (kind) {
    case Kind::none:
      return "same layout";
    case Kind::transpose:
      return "transposed";
    case Kind::rows:
      return "rows permuted (another flatten order)";
  }
  return "?";
}

Tensor Conversion::a_to_b(const Tensor& a) const {
  if (kind == Kind::transpose) return transpose2d(a);
  if (kind != Kind::rows) return a;
  Tensor o(a.dtype(), a.shape());
  const size_t row = a.num_bytes() / static_cast<size_t>(a.shape().dim(0));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::memcpy(static_cast<char*>(o.raw_data()) + r * row,
                static_cast<const char*>(a.raw_data()) + static_cast<size_t>(rows[r]) * row, row);
  }
  return o;
}

Tensor Conversion::b_to_a(const Tensor& b) const {
  if (kind == Kind::transpose) return transpose2d(b);
  if (kind != Kind::rows) return b;
  Tensor o(b.dtype(), b.shape());
  const size_t row = b.num_bytes() / static_cast<size_t>(b.shape().dim(0));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::memcpy(static_cast<char*>(o.raw_data()) + static_cast<size_t>(rows[r]) * row,
                static_cast<const char*>(b.raw_data()) + r * row, row);
  }
  return o;
}

Tensor Conversion::columns_b_to_a(const Tensor& b) const {
  if (kind != Kind::rows || b.shape().rank() != 2 ||
      b.shape().dim(1) != static_cast<int64_t>(rows.size())) {
    return b;
  }
  Tensor o(b.dtype(), b.shape());
  const int64_t n = b.shape().dim(0), w = b.shape().dim(1);
  const size_t e = size_of(b.dtype());
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t r = 0; r < w; ++r) {
      std::memcpy(static_cast<char*>(o.raw_data()) +
                      static_cast<size_t>(i * w + rows[static_cast<size_t>(r)]) * e,
                  static_cast<const char*>(b.raw_data()) + static_cast<size_t>(i * w + r) * e, e);
    }
  }
  return o;
}

const VarPair* Alignment::pair_of_a(const Node* var) const {
  for (const auto& p : vars) {
    if (p.a.op() == var) return &p;
  }
  return nullptr;
}
const VarPair* Alignment::pair_of_b(const Node* var) const {
  for (const auto& p : vars) {
    if (p.b.op() == var) return &p;
  }
  return nullptr;
}

Alignment align(const TrainingProgram& a, const Structure& sa, const TrainingProgram& b,
                const Structure& sb) {
  Alignment al;
  const auto& la = sa.forward.layers;
  const auto& lb = sb.forward.layers;
  if (la.size() != lb.size()) {
    al.problems.push_back("A has " + std::to_string(la.size()) + " layers, B has " +
                          std::to_string(lb.size()));
  }
  al.num_layers = static_cast<int>(std::min(la.size(), lb.size()));
  std::set<const Node*> ta, tb;
  for (const auto& v : a.trainable) ta.insert(v.op());
  for (const auto& v : b.trainable) tb.insert(v.op());
  for (int i = 0; i < al.num_layers; ++i) {
    const Layer& A = la[static_cast<size_t>(i)];
    const Layer& B = lb[static_cast<size_t>(i)];
    const std::string where = "layer " + std::to_string(i + 1) + " (" + A.kind + ")";
    if (A.kind != B.kind) al.problems.push_back(where + " is a " + B.kind + " in B");
    const auto fa = flatten_order(sa.forward, i), fb = flatten_order(sb.forward, i);
    for (const LayerVar& va : A.vars) {
      const Variable* vb = B.var(va.role);
      if (!vb) {
        al.problems.push_back(where + ": B has no " + va.role);
        continue;
      }
      VarPair p{i, va.role, va.var, *vb, ta.count(va.var.op()) != 0, {}};
      const Shape& sa_ = va.var.shape();
      const Shape& sb_ = vb->shape();
      if (sa_ == sb_) {
        if (va.role == "kernel" && A.kind == "dense" && fa && fb && (fa->perm != fb->perm) &&
            fa->source == fb->source &&
            std::accumulate(fa->source.begin(), fa->source.end(), int64_t{1},
                            std::multiplies<>()) == sa_.dim(0)) {
          // Same coordinates, flattened in another order: map B's rows onto A's.
          p.conv.kind = Conversion::Kind::rows;
          p.conv.rows.resize(static_cast<size_t>(sa_.dim(0)));
          std::vector<int64_t> c(fa->source.size(), 0);
          for (int64_t k = 0; k < sa_.dim(0); ++k) {
            p.conv.rows[static_cast<size_t>(ravel_perm(c, fb->perm, fa->source))] =
                ravel_perm(c, fa->perm, fa->source);
            for (int d = static_cast<int>(c.size()) - 1; d >= 0; --d) {
              if (++c[static_cast<size_t>(d)] < fa->source[static_cast<size_t>(d)]) break;
              c[static_cast<size_t>(d)] = 0;
            }
          }
        }
      } else if (sa_.rank() == 2 && sb_.rank() == 2 && sa_.dim(0) == sb_.dim(1) &&
                 sa_.dim(1) == sb_.dim(0)) {
        p.conv.kind = Conversion::Kind::transpose;
      } else {
        al.problems.push_back(where + " " + va.role + ": A " + sa_.to_string() + ", B " +
                              sb_.to_string());
        continue;
      }
      al.vars.push_back(std::move(p));
    }
    for (const LayerVar& vb : B.vars) {
      if (!A.var(vb.role)) al.problems.push_back(where + ": A has no " + vb.role);
    }
  }
  // Trainable variables outside the layers: paired in order when their shapes agree.
  const auto& ua = sa.forward.unplaced;
  const auto& ub = sb.forward.unplaced;
  for (size_t i = 0; i < std::max(ua.size(), ub.size()); ++i) {
    if (i < ua.size() && i < ub.size() && ua[i].shape() == ub[i].shape()) {
      al.vars.push_back({-1, "other", ua[i], ub[i], true, {}});
    } else if (i < ua.size()) {
      al.problems.push_back("A's variable '" + ua[i].name() + "' has no counterpart");
    } else {
      al.problems.push_back("B's variable '" + ub[i].name() + "' has no counterpart");
    }
  }
  return al;
}

}  // namespace dl::parity
