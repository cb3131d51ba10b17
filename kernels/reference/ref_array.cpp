#include "dl/kernels/reference/ref_array.h"

#include <algorithm>
#include <cstring>

#include "dl/core/dtype_visit.h"
#include "dl/kernels/reference/broadcast.h"

namespace dl::kernels::ref {
namespace {

// Calls f(offset_a, offset_b) for every multi-index of `sizes` (row-major), where each offset
// is the dot product of the index with its strides.
template <class F>
void for_each_offset2(const std::vector<int64_t>& sizes, const std::vector<int64_t>& sa,
                      const std::vector<int64_t>& sb, int64_t base_a, int64_t base_b, F&& f) {
  for (int64_t s : sizes)
    if (s == 0) return;
  const size_t r = sizes.size();
  if (r == 0) {
    f(base_a, base_b);
    return;
  }
  const int64_t inner = sizes[r - 1], ia = sa[r - 1], ib = sb[r - 1];
  std::vector<int64_t> idx(r - 1, 0);
  int64_t oa = base_a, ob = base_b;
  while (true) {
    for (int64_t i = 0; i < inner; ++i) f(oa + i * ia, ob + i * ib);
    size_t d = r - 1;
    while (d-- > 0) {
      if (++idx[d] < sizes[d]) {
        oa += sa[d];
        ob += sb[d];
        break;
      }
      oa -= sa[d] * (sizes[d] - 1);
      ob -= sb[d] * (sizes[d] - 1);
      idx[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) return;
  }
}

// dst[base_dst + idx . dst_strides] = src[base_src + idx . src_strides] over `sizes`.
void copy_block(const Tensor& src, const std::vector<int64_t>& src_strides, int64_t base_src,
                Tensor& dst, const std::vector<int64_t>& dst_strides, int64_t base_dst,
                const std::vector<int64_t>& sizes) {
  visit_dtype(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = src.data<T>();
    T* pd = dst.data<T>();
    for_each_offset2(sizes, src_strides, dst_strides, base_src, base_dst,
                     [&](int64_t a, int64_t b) { pd[b] = ps[a]; });
  });
}

void fill_value(Tensor& t, double v) {
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(t.data<T>(), t.num_elements(), static_cast<T>(v));
  });
}

int64_t dot(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  int64_t s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

int norm_axis(int64_t axis, int rank) { return static_cast<int>(axis < 0 ? axis + rank : axis); }

// Copies each input into the output at its offset along `axis` (inputs given with the
// output's rank).
void concat_into(const std::vector<Tensor>& ins, int axis, Tensor& o) {
  const std::vector<int64_t> os = strides_of(o.shape());
  int64_t at = 0;
  for (const Tensor& in : ins) {
    copy_block(in, strides_of(in.shape()), 0, o, os, at * os[static_cast<size_t>(axis)],
               in.shape().dims());
    at += in.shape().dim(axis);
  }
}

}  // namespace

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(static_cast<size_t>(s.rank()), 1);
  for (int d = s.rank() - 2; d >= 0; --d)
    st[static_cast<size_t>(d)] = st[static_cast<size_t>(d + 1)] * s.dim(d + 1);
  return st;
}

void broadcast(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  if (x.shape().num_elements() == o.num_elements()) {
    o.copy_from(x);
    return;
  }
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* po = o.data<T>();
    detail::for_each_broadcast(o.shape(), x.shape(), x.shape(),
                               [&](int64_t i, int64_t ix, int64_t) { po[i] = px[ix]; });
  });
}

void transpose(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const auto& perm = c.node.attrs().get<std::vector<int64_t>>("perm");
  const std::vector<int64_t> xs = strides_of(x.shape());
  std::vector<int64_t> src(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) src[d] = xs[static_cast<size_t>(perm[d])];
  copy_block(x, src, 0, o, strides_of(o.shape()), 0, o.shape().dims());
}

void concat(KernelContext& c) {
  Tensor& o = c.output(0);
  const int axis = norm_axis(c.node.attrs().get_int("axis"), o.shape().rank());
  std::vector<Tensor> ins;
  for (size_t i = 0; i < c.inputs.size(); ++i) ins.push_back(*c.inputs[i]);
  concat_into(ins, axis, o);
}

void pack(KernelContext& c) {
  Tensor& o = c.output(0);
  const int axis = norm_axis(c.node.attrs().get_int("axis"), o.shape().rank());
  std::vector<Tensor> ins;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    std::vector<int64_t> d = c.inputs[i]->shape().dims();
    d.insert(d.begin() + axis, 1);
    ins.push_back(c.inputs[i]->reshaped(Shape(std::move(d))));
  }
  concat_into(ins, axis, o);
}

void unpack(KernelContext& c) {
  const Tensor& x = c.input(0);
  const int axis = norm_axis(c.node.attrs().get_int("axis"), x.shape().rank());
  const std::vector<int64_t> xs = strides_of(x.shape());
  std::vector<int64_t> sizes = x.shape().dims();
  sizes[static_cast<size_t>(axis)] = 1;
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    Tensor& o = c.output(static_cast<int>(i));
    Tensor view = o.reshaped(Shape(sizes));
    copy_block(x, xs, static_cast<int64_t>(i) * xs[static_cast<size_t>(axis)], view,
               strides_of(view.shape()), 0, sizes);
  }
}

void concat_slice(KernelContext& c) {
  const Tensor& dy = c.input(0);
  Tensor& o = c.output(0);
  const int axis = norm_axis(c.node.attrs().get_int("axis"), dy.shape().rank());
  const int index = static_cast<int>(c.node.attrs().get_int("index"));
  int64_t at = 0;
  for (int i = 0; i < index; ++i) at += c.input(1 + i).shape().dim(axis);
  const std::vector<int64_t> ds = strides_of(dy.shape());
  copy_block(dy, ds, at * ds[static_cast<size_t>(axis)], o, strides_of(o.shape()), 0,
             o.shape().dims());
}

void slice(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const std::vector<int64_t> xs = strides_of(x.shape());
  copy_block(x, xs, dot(c.node.attrs().get<std::vector<int64_t>>("begin"), xs), o,
             strides_of(o.shape()), 0, o.shape().dims());
}

void pad(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  const auto& p = c.node.attrs().get<std::vector<int64_t>>("paddings");
  fill_value(o, c.node.attrs().get_float("constant_values"));
  std::vector<int64_t> before;
  for (size_t d = 0; d < p.size() / 2; ++d) before.push_back(p[2 * d]);
  const std::vector<int64_t> os = strides_of(o.shape());
  copy_block(x, strides_of(x.shape()), 0, o, os, dot(before, os), x.shape().dims());
}

void pad_to_shape_of(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  fill_value(o, 0.0);
  const std::vector<int64_t> os = strides_of(o.shape());
  copy_block(x, strides_of(x.shape()), 0, o, os,
             dot(c.node.attrs().get<std::vector<int64_t>>("begin"), os), x.shape().dims());
}

// Tile and TileGrad walk the output of Tile as [m0, d0, m1, d1, ...]: tile copy j_k * d_k + i_k
// of dimension k reads element i_k of the input.
namespace {
void tile_layout(const Shape& in, const std::vector<int64_t>& mult, std::vector<int64_t>& sizes,
                 std::vector<int64_t>& in_strides, std::vector<int64_t>& out_strides) {
  const std::vector<int64_t> is = strides_of(in);
  std::vector<int64_t> od(static_cast<size_t>(in.rank()));
  for (int d = 0; d < in.rank(); ++d)
    od[static_cast<size_t>(d)] = in.dim(d) * mult[static_cast<size_t>(d)];
  const std::vector<int64_t> os = strides_of(Shape(od));
  for (int d = 0; d < in.rank(); ++d) {
    const size_t k = static_cast<size_t>(d);
    sizes.push_back(mult[k]);
    in_strides.push_back(0);
    out_strides.push_back(in.dim(d) * os[k]);
    sizes.push_back(in.dim(d));
    in_strides.push_back(is[k]);
    out_strides.push_back(os[k]);
  }
}
}  // namespace

void tile(KernelContext& c) {
  const Tensor& x = c.input(0);
  Tensor& o = c.output(0);
  std::vector<int64_t> sizes, xs, os;
  tile_layout(x.shape(), c.node.attrs().get<std::vector<int64_t>>("multiples"), sizes, xs, os);
  copy_block(x, xs, 0, o, os, 0, sizes);
}

void tile_grad(KernelContext& c) {
  const Tensor& dy = c.input(0);
  Tensor& o = c.output(0);  // the shape of Tile's input
  std::vector<int64_t> sizes, xs, ys;
  tile_layout(o.shape(), c.node.attrs().get<std::vector<int64_t>>("multiples"), sizes, xs, ys);
  visit_dtype(o.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      c.fail("dtype bool is not supported");
    } else {
      T* po = o.data<T>();
      const T* pd = dy.data<T>();
      std::fill_n(po, o.num_elements(), T{});
      for_each_offset2(sizes, ys, xs, 0, 0,
                       [&](int64_t a, int64_t b) { po[b] = static_cast<T>(po[b] + pd[a]); });
    }
  });
}

void one_hot(KernelContext& c) {
  const Tensor& idx = c.input(0);
  Tensor& o = c.output(0);
  const AttrMap& at = c.node.attrs();
  const int64_t depth = at.get_int("depth");
  const int axis = norm_axis(at.get_int("axis"), o.shape().rank());
  const double on = at.get_float("on_value"), off = at.get_float("off_value");
  // The output is [outer, depth, inner] around the depth axis.
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= o.shape().dim(d);
  for (int d = axis + 1; d < o.shape().rank(); ++d) inner *= o.shape().dim(d);
  visit_dtype(o.dtype(), [&](auto otag) {
    using T = decltype(otag);
    T* po = o.data<T>();
    const T von = static_cast<T>(on), voff = static_cast<T>(off);
    visit_dtype(idx.dtype(), [&](auto itag) {
      using I = decltype(itag);
      const I* pi = idx.data<I>();
      for (int64_t a = 0; a < outer; ++a) {
        for (int64_t k = 0; k < depth; ++k) {
          for (int64_t b = 0; b < inner; ++b) {
            // Out-of-range indices match no k: an all-off row, as TF.
            po[(a * depth + k) * inner + b] =
                static_cast<int64_t>(pi[a * inner + b]) == k ? von : voff;
          }
        }
      }
    });
  });
}

void shape(KernelContext& c) {
  const Shape& s = c.input(0).shape();
  Tensor& o = c.output(0);
  for (int d = 0; d < s.rank(); ++d) {
    if (o.dtype() == DType::i32) {
      o.data<int32_t>()[d] = static_cast<int32_t>(s.dim(d));
    } else {
      o.data<int64_t>()[d] = s.dim(d);
    }
  }
}

}  // namespace dl::kernels::ref
