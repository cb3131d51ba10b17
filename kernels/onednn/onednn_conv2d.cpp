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

bool pointwise(const ConvDims& d) {
  return d.wei[2] == 1 && d.wei[3] == 1 && d.strides[0] == 1 && d.strides[1] == 1;
}

PrimitiveKey conv_key(const char* kind, const ConvDims& d, ConvLayout layout) {
  PrimitiveKey k(kind);
  k.add(d.src).add(d.wei).add(d.dst).add(d.strides).add(d.dil).add(d.pl).add(d.pr);
  k.add(static_cast<int64_t>(layout));
  return k;
}

// The three user descriptors, or format_tag::any for oneDNN to choose.
struct ConvMds {
  memory::desc src, wei, dst;
};
ConvMds user_mds(const ConvDims& d) {
  return {f32_md(d.src, Tag::nhwc), f32_md(d.wei, Tag::hwio), f32_md(d.dst, Tag::nhwc)};
}
ConvMds op_mds(const ConvDims& d, ConvLayout layout) {
  switch (layout) {
    case ConvLayout::user:
      return user_mds(d);
    case ConvLayout::weights_any:
      return {f32_md(d.src, Tag::nhwc), f32_md(d.wei, Tag::any), f32_md(d.dst, Tag::nhwc)};
    case ConvLayout::any:
      break;
  }
  return {f32_md(d.src, Tag::any), f32_md(d.wei, Tag::any), f32_md(d.dst, Tag::any)};
}

// What a forward convolution applies to its output as it writes it (plan-time fusion): a bias
// and then an activation, as Conv2D -> BiasAdd -> Tanh / Relu / Sigmoid would.
struct ConvEpilogue {
  bool bias = false;
  std::optional<algorithm> activation;
};

std::optional<algorithm> fusable_activation(const std::string& op) {
  if (op == "Tanh") return algorithm::eltwise_tanh;
  if (op == "Relu") return algorithm::eltwise_relu;
  if (op == "Sigmoid") return algorithm::eltwise_logistic;
  return std::nullopt;
}

// The forward primitive (also the backward primitives' hint); a zero bias descriptor is no bias.
dnnl::convolution_forward::primitive_desc forward_pd(const ConvDims& d, ConvLayout layout,
                                                     prop_kind pk, const ConvEpilogue& e = {}) {
  const ConvMds m = op_mds(d, layout);
  const memory::desc bias = e.bias ? f32_md({d.dst[1]}, Tag::a) : memory::desc();
  dnnl::convolution_forward::desc desc(pk, algorithm::convolution_direct, m.src, m.wei, bias, m.dst,
                                       d.strides, d.dil, d.pl, d.pr);
  dnnl::primitive_attr attr;
  if (e.activation) {
    dnnl::post_ops po;
    po.append_eltwise(1.0f, *e.activation, 0.0f, 0.0f);
    attr.set_post_ops(po);
  }
  return {desc, attr, engine()};
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
  void run(const dnnl::primitive& prim, KernelContext& c, const void* in0, const void* in1,
           void* out) {
    try {
      a0_.bind(in0);
      a1_.bind(in1);
      a2_.bind(out);
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
  explicit ConvForward(const KernelKey& k)
      : d_(conv_dims(
            detail::conv2d_geometry(k.inputs[0].shape, k.inputs[1].shape, k.node.attrs()))),
        node_(k.node) {
    build();
  }
  void compute(KernelContext& c) override {
    if (epilogue_.bias) bias_.set_data_handle(const_cast<void*>(c.input(2).raw_data()));
    run(entry_->prim, c, c.input(0).raw_data(), c.input(1).raw_data(), c.output(0).raw_data());
  }
  // Absorbs a BiasAdd over the channels, then one activation after it.
  bool fuse(const KernelKey& next) override {
    const std::string& op = next.node.type();
    if (epilogue_.activation) return false;
    if (op == "BiasAdd" && !epilogue_.bias) {
      if (next.node.attrs().get_or<std::string>("data_format", "NHWC") != "NHWC") return false;
      if (next.inputs.size() != 2 || next.inputs[1].dtype != DType::f32) return false;
      if (next.inputs[1].shape != Shape({d_.dst[1]})) return false;
      epilogue_.bias = true;
    } else if (auto act = fusable_activation(op)) {
      epilogue_.activation = act;
    } else {
      return false;
    }
    build();
    return true;
  }

 private:
  void build() {
    const ConvLayout layout = conv_layout(0, pointwise(d_), d_.src[1]);
    PrimitiveKey key = conv_key("conv_fwd", d_, layout);
    key.add(static_cast<int64_t>(epilogue_.bias));
    key.add(epilogue_.activation ? static_cast<int64_t>(*epilogue_.activation) : -1);
    try {
      entry_ = PrimitiveCache::global().get_or_create<FwdEntry>(key, [&] {
        auto pd = forward_pd(d_, layout, prop_kind::forward_inference, epilogue_);
        return std::make_shared<const FwdEntry>(FwdEntry{pd, dnnl::convolution_forward(pd)});
      });
      const ConvMds u = user_mds(d_);
      a0_ = TensorArg(u.src, entry_->pd.src_desc(), true);
      a1_ = TensorArg(u.wei, entry_->pd.weights_desc(), true);
      a2_ = TensorArg(u.dst, entry_->pd.dst_desc(), false);
    } catch (const dnnl::error& e) {
      throw_creation_error(node_, "a convolution forward primitive", e);
    }
    args_ = {{DNNL_ARG_SRC, a0_.mem()}, {DNNL_ARG_WEIGHTS, a1_.mem()}, {DNNL_ARG_DST, a2_.mem()}};
    if (epilogue_.bias) {
      bias_ = memory(entry_->pd.bias_desc(), engine(), DNNL_MEMORY_NONE);
      args_[DNNL_ARG_BIAS] = bias_;
    }
  }

  ConvDims d_;
  const Node& node_;
  ConvEpilogue epilogue_;
  memory bias_;
  std::shared_ptr<const FwdEntry> entry_;
};

// Inputs ([input_like], filter, out_backprop) -> diff_src.
class ConvBackwardData final : public ConvKernelBase {
 public:
  explicit ConvBackwardData(const KernelKey& k) {
    const size_t n = k.inputs.size();
    const ConvDims d = conv_dims(
        detail::conv2d_geometry(k.outputs[0].shape, k.inputs[n - 2].shape, k.node.attrs()));
    const ConvLayout layout = conv_layout(1, pointwise(d), d.src[1]);
    try {
      entry_ = PrimitiveCache::global().get_or_create<BwdDataEntry>(
          conv_key("conv_bwd_data", d, layout), [&] {
            const ConvMds m = op_mds(d, layout);
            auto hint = forward_pd(d, layout, prop_kind::forward_training);
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
    run(entry_->prim, c, c.inputs[n - 2]->raw_data(), c.inputs[n - 1]->raw_data(),
        c.output(0).raw_data());
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
    const ConvLayout layout = conv_layout(2, pointwise(d), d.src[1]);
    try {
      entry_ = PrimitiveCache::global().get_or_create<BwdWeightsEntry>(
          conv_key("conv_bwd_weights", d, layout), [&] {
            const ConvMds m = op_mds(d, layout);
            auto hint = forward_pd(d, layout, prop_kind::forward_training);
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
    run(entry_->prim, c, c.input(0).raw_data(), c.inputs[c.inputs.size() - 1]->raw_data(),
        c.output(0).raw_data());
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
