// oneDNN eltwise forward for Relu, Tanh, Sigmoid and Elu, and backward for TanhGrad,
// SigmoidGrad and ReluGrad (float32). The tensor is viewed as
// one flat vector, whatever its shape. Small tensors stay on the reference loop, which runs
// inline and costs less than entering a oneDNN primitive: measured with bench/bench_eltwise.cpp
// (one thread), oneDNN's Relu only overtakes the reference loop at about 4096 elements (and a
// parallel primitive costs more to enter), while its Tanh / Sigmoid / Elu are 6-20x faster than
// the libm-based loops from 1024 elements on.
#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/onednn/onednn_utils.h"
#include "dl/kernels/onednn/primitive_cache.h"

namespace dl::onednn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;

struct FwdEntry {
  dnnl::eltwise_forward::primitive_desc pd;
  dnnl::eltwise_forward prim;
};

class EltwiseForward final : public Kernel {
 public:
  EltwiseForward(const KernelKey& k, algorithm alg, float alpha) {
    const memory::dims dims{k.inputs[0].shape.num_elements()};
    PrimitiveKey key("eltwise_fwd");
    key.add(dims).add(static_cast<int64_t>(alg)).add_double(alpha);
    try {
      entry_ = PrimitiveCache::global().get_or_create<FwdEntry>(key, [&] {
        dnnl::eltwise_forward::desc desc(prop_kind::forward_inference, alg, f32_md(dims, Tag::a),
                                         alpha, 0.0f);
        dnnl::eltwise_forward::primitive_desc pd(desc, engine());
        return std::make_shared<const FwdEntry>(FwdEntry{pd, dnnl::eltwise_forward(pd)});
      });
      src_ = memory(entry_->pd.src_desc(), engine(), DNNL_MEMORY_NONE);
      dst_ = memory(entry_->pd.dst_desc(), engine(), DNNL_MEMORY_NONE);
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "an eltwise forward primitive", e);
    }
    args_ = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}};
  }
  void compute(KernelContext& c) override {
    try {
      src_.set_data_handle(const_cast<void*>(c.input(0).raw_data()));
      dst_.set_data_handle(c.output(0).raw_data());
      dnnl::stream& s = stream();
      entry_->prim.execute(s, args_);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
  }

 private:
  std::shared_ptr<const FwdEntry> entry_;
  memory src_, dst_;
  ArgMap args_;
};

struct BwdEntry {
  dnnl::eltwise_backward::primitive_desc pd;
  dnnl::eltwise_backward prim;
};

// The XGrad ops: TanhGrad(y, dy) and SigmoidGrad(y, dy) take the forward's output (oneDNN's
// *_use_dst_for_bwd algorithms), ReluGrad(gradients, features) the forward's input.
class EltwiseBackward final : public Kernel {
 public:
  EltwiseBackward(const KernelKey& k, algorithm alg, int data_input, int grad_input)
      : data_input_(data_input), grad_input_(grad_input) {
    const memory::dims dims{k.inputs[0].shape.num_elements()};
    PrimitiveKey key("eltwise_bwd");
    key.add(dims).add(static_cast<int64_t>(alg));
    try {
      entry_ = PrimitiveCache::global().get_or_create<BwdEntry>(key, [&] {
        const memory::desc md = f32_md(dims, Tag::a);
        dnnl::eltwise_forward::primitive_desc hint(
            dnnl::eltwise_forward::desc(prop_kind::forward_training, alg, md, 0.0f, 0.0f),
            engine());
        dnnl::eltwise_backward::primitive_desc pd(
            dnnl::eltwise_backward::desc(alg, md, md, 0.0f, 0.0f), engine(), hint);
        return std::make_shared<const BwdEntry>(BwdEntry{pd, dnnl::eltwise_backward(pd)});
      });
      data_ = memory(entry_->pd.diff_src_desc(), engine(), DNNL_MEMORY_NONE);
      diff_dst_ = memory(entry_->pd.diff_dst_desc(), engine(), DNNL_MEMORY_NONE);
      diff_src_ = memory(entry_->pd.diff_src_desc(), engine(), DNNL_MEMORY_NONE);
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "an eltwise backward primitive", e);
    }
    const bool use_dst = alg == algorithm::eltwise_tanh_use_dst_for_bwd ||
                         alg == algorithm::eltwise_logistic_use_dst_for_bwd;
    args_ = {{use_dst ? DNNL_ARG_DST : DNNL_ARG_SRC, data_},
             {DNNL_ARG_DIFF_DST, diff_dst_},
             {DNNL_ARG_DIFF_SRC, diff_src_}};
  }
  void compute(KernelContext& c) override {
    try {
      data_.set_data_handle(const_cast<void*>(c.input(data_input_).raw_data()));
      diff_dst_.set_data_handle(const_cast<void*>(c.input(grad_input_).raw_data()));
      diff_src_.set_data_handle(c.output(0).raw_data());
      dnnl::stream& s = stream();
      entry_->prim.execute(s, args_);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
  }

 private:
  int data_input_, grad_input_;
  std::shared_ptr<const BwdEntry> entry_;
  memory data_, diff_dst_, diff_src_;
  ArgMap args_;
};

// Below `min_elements` the reference kernel is as fast or faster.
std::optional<std::string> eltwise_decline(const KernelKey& k, int64_t min_elements) {
  if (auto why = common_decline(k, {0})) return why;
  const int64_t n = k.inputs[0].shape.num_elements();
  if (n < min_elements) {
    return str_cat("small tensor (", n, " < ", min_elements,
                   " elements): the reference loop is faster");
  }
  return std::nullopt;
}

KernelImpl eltwise_impl(const char* name, algorithm alg, float alpha, int64_t min_elements) {
  return {
      name, [min_elements](const KernelKey& k) { return eltwise_decline(k, min_elements); },
      [alg, alpha](const KernelKey& k) { return std::make_unique<EltwiseForward>(k, alg, alpha); }};
}

KernelImpl eltwise_grad_impl(const char* name, algorithm alg, int data_input, int grad_input,
                             int64_t min_elements) {
  return {name,
          [min_elements](const KernelKey& k) {
            if (auto why = common_decline(k, {0, 1})) return why;
            if (k.inputs[0].shape != k.inputs[1].shape)
              return std::optional<std::string>("shapes differ");
            return eltwise_decline(k, min_elements);
          },
          [=](const KernelKey& k) {
            return std::make_unique<EltwiseBackward>(k, alg, data_input, grad_input);
          }};
}

}  // namespace

void register_onednn_eltwise(KernelRegistry& r) {
  r.add("Relu", eltwise_impl("onednn:relu", algorithm::eltwise_relu, 0.0f, 16384));
  r.add("Tanh", eltwise_impl("onednn:tanh", algorithm::eltwise_tanh, 0.0f, 1024));
  r.add("Sigmoid", eltwise_impl("onednn:sigmoid", algorithm::eltwise_logistic, 0.0f, 1024));
  r.add("Elu", eltwise_impl("onednn:elu", algorithm::eltwise_elu, 1.0f, 1024));
  // Gradients are memory-bound: oneDNN pays off on large tensors only (as Relu's forward).
  r.add("TanhGrad", eltwise_grad_impl("onednn:tanh_grad", algorithm::eltwise_tanh_use_dst_for_bwd,
                                      0, 1, 16384));
  r.add("SigmoidGrad", eltwise_grad_impl("onednn:sigmoid_grad",
                                         algorithm::eltwise_logistic_use_dst_for_bwd, 0, 1, 16384));
  r.add("ReluGrad", eltwise_grad_impl("onednn:relu_grad", algorithm::eltwise_relu, 1, 0, 16384));
}

}  // namespace dl::onednn
