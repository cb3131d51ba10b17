// oneDNN FusedBatchNormV3 and FusedBatchNormGradV3 (float32), training and inference. x is
// NHWC [N, H, W, C] or [N, C] (run as N x C x 1 x 1 in nhwc, the same bytes). oneDNN writes the
// batch mean and biased variance straight into reserve_space_1 / reserve_space_2; the TF
// outputs batch_mean / batch_variance (unbiased, optionally averaged with the running values)
// are derived from them per channel.
#include <algorithm>

#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/onednn/onednn_utils.h"
#include "dl/kernels/onednn/primitive_cache.h"

namespace dl::onednn {
namespace {

using dnnl::normalization_flags;
using dnnl::prop_kind;

memory::dims data_dims(const Shape& x) {
  if (x.rank() == 2) return {x.dim(0), x.dim(1), 1, 1};
  return {x.dim(0), x.dim(3), x.dim(1), x.dim(2)};
}

normalization_flags bn_flags(bool training) {
  normalization_flags f = normalization_flags::use_scale | normalization_flags::use_shift;
  return training ? f : f | normalization_flags::use_global_stats;
}

PrimitiveKey bn_key(const char* kind, const memory::dims& dims, double eps, bool training) {
  PrimitiveKey k(kind);
  k.add(dims)
      .add_double(static_cast<float>(eps))
      .add(training)
      .add(static_cast<int64_t>(Tag::nhwc));
  return k;
}

dnnl::batch_normalization_forward::primitive_desc forward_pd(const memory::dims& dims, double eps,
                                                             bool training, prop_kind pk) {
  dnnl::batch_normalization_forward::desc desc(pk, f32_md(dims, Tag::nhwc), static_cast<float>(eps),
                                               bn_flags(training));
  return {desc, engine()};
}

struct FwdEntry {
  dnnl::batch_normalization_forward::primitive_desc pd;
  dnnl::batch_normalization_forward prim;
};
struct BwdEntry {
  dnnl::batch_normalization_backward::primitive_desc pd;
  dnnl::batch_normalization_backward prim;
};

memory unbound(const memory::desc& md) { return memory(md, engine(), DNNL_MEMORY_NONE); }

// Inputs (x, scale, offset, mean, variance); outputs (y, batch_mean, batch_variance,
// reserve_space_1, reserve_space_2, reserve_space_3).
class BatchNormForward final : public Kernel {
 public:
  explicit BatchNormForward(const KernelKey& k) {
    const AttrMap& a = k.node.attrs();
    const double eps = a.get_float("epsilon");
    training_ = a.get_bool("is_training");
    factor_ = a.get_float("exponential_avg_factor");
    const Shape& x = k.inputs[0].shape;
    channels_ = x.dim(x.rank() - 1);
    const int64_t rows = x.num_elements() / channels_;
    adjust_ = rows > 1 ? static_cast<float>(rows) / static_cast<float>(rows - 1) : 1.0f;
    const memory::dims dims = data_dims(x);
    try {
      entry_ = PrimitiveCache::global().get_or_create<FwdEntry>(
          bn_key("bnorm_fwd", dims, eps, training_), [&] {
            auto pd =
                forward_pd(dims, eps, training_,
                           training_ ? prop_kind::forward_training : prop_kind::forward_inference);
            return std::make_shared<const FwdEntry>(
                FwdEntry{pd, dnnl::batch_normalization_forward(pd)});
          });
      const auto& pd = entry_->pd;
      src_ = unbound(pd.src_desc());
      dst_ = unbound(pd.dst_desc());
      scale_ = unbound(pd.weights_desc());
      shift_ = unbound(pd.weights_desc());
      mean_ = unbound(pd.mean_desc());
      var_ = unbound(pd.variance_desc());
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a batch normalization forward primitive", e);
    }
    args_ = {{DNNL_ARG_SRC, src_},     {DNNL_ARG_DST, dst_},   {DNNL_ARG_SCALE, scale_},
             {DNNL_ARG_SHIFT, shift_}, {DNNL_ARG_MEAN, mean_}, {DNNL_ARG_VARIANCE, var_}};
  }

  void compute(KernelContext& c) override {
    float* rs1 = c.output(3).data<float>();
    float* rs2 = c.output(4).data<float>();
    try {
      src_.set_data_handle(const_cast<void*>(c.input(0).raw_data()));
      dst_.set_data_handle(c.output(0).raw_data());
      scale_.set_data_handle(const_cast<void*>(c.input(1).raw_data()));
      shift_.set_data_handle(const_cast<void*>(c.input(2).raw_data()));
      // Training: oneDNN writes the batch statistics; inference: it reads the given ones.
      mean_.set_data_handle(training_ ? rs1 : const_cast<void*>(c.input(3).raw_data()));
      var_.set_data_handle(training_ ? rs2 : const_cast<void*>(c.input(4).raw_data()));
      dnnl::stream& s = stream();
      entry_->prim.execute(s, args_);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
    float* bmean = c.output(1).data<float>();
    float* bvar = c.output(2).data<float>();
    if (!training_) {
      const float* m = c.input(3).data<float>();
      const float* v = c.input(4).data<float>();
      for (int64_t i = 0; i < channels_; ++i) {
        bmean[i] = rs1[i] = m[i];
        bvar[i] = rs2[i] = v[i];
      }
    } else if (factor_ == 1.0) {
      for (int64_t i = 0; i < channels_; ++i) {
        bmean[i] = rs1[i];
        bvar[i] = rs2[i] * adjust_;
      }
    } else {
      const float* old_mean = c.input(3).data<float>();
      const float* old_var = c.input(4).data<float>();
      const float f = static_cast<float>(factor_);
      for (int64_t i = 0; i < channels_; ++i) {
        bmean[i] = (1 - f) * old_mean[i] + f * rs1[i];
        bvar[i] = (1 - f) * old_var[i] + f * rs2[i] * adjust_;
      }
    }
  }

 private:
  bool training_ = true;
  double factor_ = 1.0;
  int64_t channels_ = 0;
  float adjust_ = 1.0f;
  std::shared_ptr<const FwdEntry> entry_;
  memory src_, dst_, scale_, shift_, mean_, var_;
  ArgMap args_;
};

// Inputs (y_backprop, x, scale, reserve_space_1, reserve_space_2, reserve_space_3); outputs
// (x_backprop, scale_backprop, offset_backprop, reserve_space_4, reserve_space_5).
class BatchNormBackward final : public Kernel {
 public:
  explicit BatchNormBackward(const KernelKey& k) {
    const AttrMap& a = k.node.attrs();
    const double eps = a.get_float("epsilon");
    const bool training = a.get_bool("is_training");
    const memory::dims dims = data_dims(k.inputs[1].shape);
    try {
      entry_ = PrimitiveCache::global().get_or_create<BwdEntry>(
          bn_key("bnorm_bwd", dims, eps, training), [&] {
            auto hint = forward_pd(dims, eps, training, prop_kind::forward_training);
            dnnl::batch_normalization_backward::desc desc(
                prop_kind::backward, f32_md(dims, Tag::nhwc), f32_md(dims, Tag::nhwc),
                static_cast<float>(eps), bn_flags(training));
            dnnl::batch_normalization_backward::primitive_desc pd(desc, engine(), hint);
            return std::make_shared<const BwdEntry>(
                BwdEntry{pd, dnnl::batch_normalization_backward(pd)});
          });
      const auto& pd = entry_->pd;
      src_ = unbound(pd.src_desc());
      diff_dst_ = unbound(pd.diff_dst_desc());
      diff_src_ = unbound(pd.diff_src_desc());
      scale_ = unbound(pd.weights_desc());
      diff_scale_ = unbound(pd.diff_weights_desc());
      diff_shift_ = unbound(pd.diff_weights_desc());
      mean_ = unbound(pd.mean_desc());
      var_ = unbound(pd.variance_desc());
      // oneDNN 2.6 asks for the shift even though the gradient does not read it.
      shift_ = memory(pd.weights_desc(), engine());
      std::fill_n(static_cast<float*>(shift_.get_data_handle()), k.inputs[2].shape.dim(0), 0.0f);
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a batch normalization backward primitive", e);
    }
    args_ = {{DNNL_ARG_SRC, src_},
             {DNNL_ARG_DIFF_DST, diff_dst_},
             {DNNL_ARG_DIFF_SRC, diff_src_},
             {DNNL_ARG_SCALE, scale_},
             {DNNL_ARG_DIFF_SCALE, diff_scale_},
             {DNNL_ARG_DIFF_SHIFT, diff_shift_},
             {DNNL_ARG_MEAN, mean_},
             {DNNL_ARG_VARIANCE, var_},
             {DNNL_ARG_SHIFT, shift_}};
  }

  void compute(KernelContext& c) override {
    try {
      diff_dst_.set_data_handle(const_cast<void*>(c.input(0).raw_data()));
      src_.set_data_handle(const_cast<void*>(c.input(1).raw_data()));
      scale_.set_data_handle(const_cast<void*>(c.input(2).raw_data()));
      mean_.set_data_handle(const_cast<void*>(c.input(3).raw_data()));
      var_.set_data_handle(const_cast<void*>(c.input(4).raw_data()));
      diff_src_.set_data_handle(c.output(0).raw_data());
      diff_scale_.set_data_handle(c.output(1).raw_data());
      diff_shift_.set_data_handle(c.output(2).raw_data());
      dnnl::stream& s = stream();
      entry_->prim.execute(s, args_);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
  }

 private:
  std::shared_ptr<const BwdEntry> entry_;
  memory src_, diff_dst_, diff_src_, scale_, diff_scale_, diff_shift_, mean_, var_, shift_;
  ArgMap args_;
};

std::optional<std::string> bn_decline(const KernelKey& k, std::initializer_list<int> data) {
  if (auto why = common_decline(k, data)) return why;
  if (k.node.attrs().get<std::string>("data_format") != "NHWC") return "layout: NHWC only";
  return std::nullopt;
}

}  // namespace

void register_onednn_batchnorm(KernelRegistry& r) {
  r.add("FusedBatchNormV3",
        {"onednn:fused_batch_norm",
         [](const KernelKey& k) {
           return bn_decline(k, {0, 1, 2});
         },
         [](const KernelKey& k) { return std::make_unique<BatchNormForward>(k); }});
  r.add("FusedBatchNormGradV3",
        {"onednn:fused_batch_norm_grad",
         [](const KernelKey& k) {
           return bn_decline(k, {0, 1, 2, 3, 4});
         },
         [](const KernelKey& k) { return std::make_unique<BatchNormBackward>(k); }});
}

}  // namespace dl::onednn
