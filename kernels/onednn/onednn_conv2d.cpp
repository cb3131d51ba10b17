// oneDNN Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (float32). Primitives come from
// the PrimitiveCache when the kernel is built; compute() binds the tensors and executes.
#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/onednn/onednn_utils.h"
#include "dl/kernels/onednn/primitive_cache.h"
#include "dl/kernels/reference/ref_conv.h"

namespace dl::onednn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;

// A convolution in oneDNN's terms: logical dims and the window parameters (oneDNN counts
// dilation from 0, TF from 1).
struct ConvDims {
  memory::dims src, wei, dst, strides, dil, pl, pr;
};

ConvDims conv_dims(const detail::Conv2DGeometry& g) {
  return {{g.n, g.ic, g.ih, g.iw},
          {g.oc, g.ic, g.kh, g.kw},
          {g.n, g.oc, g.oh, g.ow},
          {g.sh, g.sw},
          {g.dh - 1, g.dw - 1},
          {g.pt, g.pl},
          {g.pb, g.pr}};
}

PrimitiveKey conv_key(const char* kind, const ConvDims& d, bool blocked) {
  PrimitiveKey k(kind);
  k.add(d.src).add(d.wei).add(d.dst).add(d.strides).add(d.dil).add(d.pl).add(d.pr);
  k.add(blocked ? static_cast<int64_t>(Tag::any) : static_cast<int64_t>(Tag::nhwc));
  return k;
}

// The three user descriptors, or format_tag::any for oneDNN to choose.
struct ConvMds {
  memory::desc src, wei, dst;
};
ConvMds user_mds(const ConvDims& d) {
  return {f32_md(d.src, Tag::nhwc), f32_md(d.wei, Tag::hwio), f32_md(d.dst, Tag::nhwc)};
}
ConvMds op_mds(const ConvDims& d, bool blocked) {
  if (!blocked) return user_mds(d);
  return {f32_md(d.src, Tag::any), f32_md(d.wei, Tag::any), f32_md(d.dst, Tag::any)};
}

dnnl::convolution_forward::primitive_desc forward_pd(const ConvDims& d, bool blocked,
                                                     prop_kind pk) {
  const ConvMds m = op_mds(d, blocked);
  dnnl::convolution_forward::desc desc(pk, algorithm::convolution_direct, m.src, m.wei, m.dst,
                                       d.strides, d.dil, d.pl, d.pr);
  return {desc, engine()};
}

struct FwdEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
};
struct BwdDataEntry {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
};
struct BwdWeightsEntry {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
};

// What the three kernels share: geometry, the tensor arguments, and the run sequence
// (input reorders, primitive, output reorder).
class ConvKernelBase : public Kernel {
 protected:
  void run(const dnnl::primitive& prim, KernelContext& c) {
    try {
      dnnl::stream& s = stream();
      for (const TensorArg* a : {&a0_, &a1_, &a2_}) a->reorder_in(s);
      prim.execute(s, args_);
      for (const TensorArg* a : {&a0_, &a1_, &a2_}) a->reorder_out(s);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
  }
  // Two inputs and one output, in the order of each kernel's constructor.
  TensorArg a0_, a1_, a2_;
  ArgMap args_;
};

class ConvForward final : public ConvKernelBase {
 public:
  explicit ConvForward(const KernelKey& k) {
    const ConvDims d =
        conv_dims(detail::conv2d_geometry(k.inputs[0].shape, k.inputs[1].shape, k.node.attrs()));
    const bool blocked = conv_blocked_layouts();
    try {
      entry_ =
          PrimitiveCache::global().get_or_create<FwdEntry>(conv_key("conv_fwd", d, blocked), [&] {
            auto pd = forward_pd(d, blocked, prop_kind::forward_inference);
            return std::make_shared<const FwdEntry>(FwdEntry{pd, dnnl::convolution_forward(pd)});
          });
      const ConvMds u = user_mds(d);
      a0_ = TensorArg(u.src, entry_->pd.src_desc(), true);
      a1_ = TensorArg(u.wei, entry_->pd.weights_desc(), true);
      a2_ = TensorArg(u.dst, entry_->pd.dst_desc(), false);
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a convolution forward primitive", e);
    }
    args_ = {{DNNL_ARG_SRC, a0_.mem()}, {DNNL_ARG_WEIGHTS, a1_.mem()}, {DNNL_ARG_DST, a2_.mem()}};
  }
  void compute(KernelContext& c) override {
    a0_.bind(c.input(0).raw_data());
    a1_.bind(c.input(1).raw_data());
    a2_.bind(c.output(0).raw_data());
    run(entry_->prim, c);
  }

 private:
  std::shared_ptr<const FwdEntry> entry_;
};

// Inputs ([input_like], filter, out_backprop) -> diff_src.
class ConvBackwardData final : public ConvKernelBase {
 public:
  explicit ConvBackwardData(const KernelKey& k) {
    const size_t n = k.inputs.size();
    const ConvDims d = conv_dims(
        detail::conv2d_geometry(k.outputs[0].shape, k.inputs[n - 2].shape, k.node.attrs()));
    const bool blocked = conv_blocked_layouts();
    try {
      entry_ = PrimitiveCache::global().get_or_create<BwdDataEntry>(
          conv_key("conv_bwd_data", d, blocked), [&] {
            const ConvMds m = op_mds(d, blocked);
            auto hint = forward_pd(d, blocked, prop_kind::forward_training);
            dnnl::convolution_backward_data::desc desc(algorithm::convolution_direct, m.src, m.wei,
                                                       m.dst, d.strides, d.dil, d.pl, d.pr);
            dnnl::convolution_backward_data::primitive_desc pd(desc, engine(), hint);
            return std::make_shared<const BwdDataEntry>(
                BwdDataEntry{pd, dnnl::convolution_backward_data(pd)});
          });
      const ConvMds u = user_mds(d);
      a0_ = TensorArg(u.wei, entry_->pd.weights_desc(), true);
      a1_ = TensorArg(u.dst, entry_->pd.diff_dst_desc(), true);
      a2_ = TensorArg(u.src, entry_->pd.diff_src_desc(), false);
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a convolution backward-data primitive", e);
    }
    args_ = {{DNNL_ARG_WEIGHTS, a0_.mem()},
             {DNNL_ARG_DIFF_DST, a1_.mem()},
             {DNNL_ARG_DIFF_SRC, a2_.mem()}};
  }
  void compute(KernelContext& c) override {
    const size_t n = c.inputs.size();
    a0_.bind(c.inputs[n - 2]->raw_data());
    a1_.bind(c.inputs[n - 1]->raw_data());
    a2_.bind(c.output(0).raw_data());
    run(entry_->prim, c);
  }

 private:
  std::shared_ptr<const BwdDataEntry> entry_;
};

// Inputs (input, [filter_like], out_backprop) -> diff_weights.
class ConvBackwardWeights final : public ConvKernelBase {
 public:
  explicit ConvBackwardWeights(const KernelKey& k) {
    const ConvDims d =
        conv_dims(detail::conv2d_geometry(k.inputs[0].shape, k.outputs[0].shape, k.node.attrs()));
    const bool blocked = conv_blocked_layouts();
    try {
      entry_ = PrimitiveCache::global().get_or_create<BwdWeightsEntry>(
          conv_key("conv_bwd_weights", d, blocked), [&] {
            const ConvMds m = op_mds(d, blocked);
            auto hint = forward_pd(d, blocked, prop_kind::forward_training);
            dnnl::convolution_backward_weights::desc desc(
                algorithm::convolution_direct, m.src, m.wei, m.dst, d.strides, d.dil, d.pl, d.pr);
            dnnl::convolution_backward_weights::primitive_desc pd(desc, engine(), hint);
            return std::make_shared<const BwdWeightsEntry>(
                BwdWeightsEntry{pd, dnnl::convolution_backward_weights(pd)});
          });
      const ConvMds u = user_mds(d);
      a0_ = TensorArg(u.src, entry_->pd.src_desc(), true);
      a1_ = TensorArg(u.dst, entry_->pd.diff_dst_desc(), true);
      a2_ = TensorArg(u.wei, entry_->pd.diff_weights_desc(), false);
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a convolution backward-weights primitive", e);
    }
    args_ = {{DNNL_ARG_SRC, a0_.mem()},
             {DNNL_ARG_DIFF_DST, a1_.mem()},
             {DNNL_ARG_DIFF_WEIGHTS, a2_.mem()}};
  }
  void compute(KernelContext& c) override {
    a0_.bind(c.input(0).raw_data());
    a1_.bind(c.inputs[c.inputs.size() - 1]->raw_data());
    a2_.bind(c.output(0).raw_data());
    run(entry_->prim, c);
  }

 private:
  std::shared_ptr<const BwdWeightsEntry> entry_;
};

std::optional<std::string> conv_decline(const KernelKey& k, std::initializer_list<int> data) {
  if (auto why = common_decline(k, data)) return why;
  if (k.node.attrs().get<std::string>("data_format") != "NHWC") return "layout: NHWC only";
  return std::nullopt;
}

}  // namespace

void register_onednn_conv2d(KernelRegistry& r) {
  r.add("Conv2D", {"onednn:conv2d",
                   [](const KernelKey& k) {
                     return conv_decline(k, {0, 1});
                   },
                   [](const KernelKey& k) { return std::make_unique<ConvForward>(k); }});
  r.add("Conv2DBackpropInput",
        {"onednn:conv2d_backprop_input",
         [](const KernelKey& k) {
           const int n = static_cast<int>(k.inputs.size());
           return conv_decline(k, {n - 2, n - 1});
         },
         [](const KernelKey& k) { return std::make_unique<ConvBackwardData>(k); }});
  r.add("Conv2DBackpropFilter",
        {"onednn:conv2d_backprop_filter",
         [](const KernelKey& k) {
           return conv_decline(k, {0, static_cast<int>(k.inputs.size()) - 1});
         },
         [](const KernelKey& k) { return std::make_unique<ConvBackwardWeights>(k); }});
}

}  // namespace dl::onednn
