// oneDNN MaxPool / AvgPool and their gradients (float32, NHWC). AvgPool uses
// pooling_avg_exclude_padding (TF divides by the real cells); max pooling ignores padding.
//
// Max-pool backward needs the forward's workspace (where each max came from). A MaxPool kernel
// whose node feeds a MaxPoolGrad runs forward_training and publishes its workspace, with the
// buffers it last read and wrote, in a registry keyed by its node. The MaxPoolGrad kernel built
// after it in the same plan uses that workspace when the tensors it gets are the very buffers
// the forward last used; otherwise (forward not on oneDNN, fed pool output, forward kernel gone)
// it recomputes the forward with a workspace of its own.
#include <atomic>
#include <map>
#include <mutex>

#include "dl/graph/op_def.h"
#include "dl/kernels/kernel_registry.h"
#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/onednn/onednn_utils.h"
#include "dl/kernels/onednn/primitive_cache.h"
#include "dl/kernels/reference/ref_conv.h"

namespace dl::onednn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;

struct PoolDims {
  memory::dims src, dst, strides, kernel, pl, pr;
};

PoolDims pool_dims(const detail::Pool2DGeometry& g) {
  return {{g.n, g.c, g.ih, g.iw}, {g.n, g.c, g.oh, g.ow}, {g.sh, g.sw},
          {g.kh, g.kw},           {g.pt, g.pl},           {g.pb, g.pr}};
}

PrimitiveKey pool_key(const char* kind, const PoolDims& d, algorithm alg) {
  PrimitiveKey k(kind);
  k.add(d.src).add(d.dst).add(d.strides).add(d.kernel).add(d.pl).add(d.pr);
  k.add(static_cast<int64_t>(alg)).add(static_cast<int64_t>(Tag::nhwc));
  return k;
}

dnnl::pooling_forward::primitive_desc forward_pd(const PoolDims& d, algorithm alg, prop_kind pk) {
  dnnl::pooling_forward::desc desc(pk, alg, f32_md(d.src, Tag::nhwc), f32_md(d.dst, Tag::nhwc),
                                   d.strides, d.kernel, d.pl, d.pr);
  return {desc, engine()};
}

struct FwdEntry {
  dnnl::pooling_forward::primitive_desc pd;
  dnnl::pooling_forward prim;
};
struct BwdEntry {
  dnnl::pooling_forward::primitive_desc fwd_pd;  // forward_training, for the workspace
  dnnl::pooling_forward fwd;
  dnnl::pooling_backward::primitive_desc pd;
  dnnl::pooling_backward prim;
};

std::shared_ptr<const FwdEntry> get_forward(const PoolDims& d, algorithm alg, prop_kind pk) {
  return PrimitiveCache::global().get_or_create<FwdEntry>(
      pool_key(pk == prop_kind::forward_training ? "pool_fwd_training" : "pool_fwd_inference", d,
               alg),
      [&] {
        auto pd = forward_pd(d, alg, pk);
        return std::make_shared<const FwdEntry>(FwdEntry{pd, dnnl::pooling_forward(pd)});
      });
}

std::shared_ptr<const BwdEntry> get_backward(const PoolDims& d, algorithm alg) {
  return PrimitiveCache::global().get_or_create<BwdEntry>(pool_key("pool_bwd", d, alg), [&] {
    auto fwd_pd = forward_pd(d, alg, prop_kind::forward_training);
    dnnl::pooling_backward::desc desc(alg, f32_md(d.src, Tag::nhwc), f32_md(d.dst, Tag::nhwc),
                                      d.strides, d.kernel, d.pl, d.pr);
    dnnl::pooling_backward::primitive_desc pd(desc, engine(), fwd_pd);
    return std::make_shared<const BwdEntry>(
        BwdEntry{fwd_pd, dnnl::pooling_forward(fwd_pd), pd, dnnl::pooling_backward(pd)});
  });
}

// A forward max-pool's workspace and the buffers its last run read and wrote.
struct SharedWorkspace {
  memory ws;
  const void* src = nullptr;
  const void* dst = nullptr;
};

// Forward MaxPool node -> the workspace of its newest oneDNN kernel (never destroyed: kernels
// may outlive static destruction).
std::mutex& ws_mu() {
  static auto* m = new std::mutex;
  return *m;
}
std::map<const Node*, std::weak_ptr<SharedWorkspace>>& ws_registry() {
  static auto* r = new std::map<const Node*, std::weak_ptr<SharedWorkspace>>;
  return *r;
}
std::atomic<int64_t> g_shared_runs{0};

bool feeds_max_pool_grad(const Node& n) {
  for (const Node* c : n.consumers()) {
    if (c->type() == "MaxPoolGrad" && c->input(1).node == &n) return true;
  }
  return false;
}

class PoolForward final : public Kernel {
 public:
  PoolForward(const KernelKey& k, algorithm alg) {
    const PoolDims d = pool_dims(detail::pool2d_geometry(k.inputs[0].shape, k.node.attrs()));
    const bool publish = alg == algorithm::pooling_max && feeds_max_pool_grad(k.node);
    try {
      entry_ =
          get_forward(d, alg, publish ? prop_kind::forward_training : prop_kind::forward_inference);
      src_ = memory(entry_->pd.src_desc(), engine(), DNNL_MEMORY_NONE);
      dst_ = memory(entry_->pd.dst_desc(), engine(), DNNL_MEMORY_NONE);
      args_ = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}};
      if (publish) {
        shared_ = std::make_shared<SharedWorkspace>();
        shared_->ws = memory(entry_->pd.workspace_desc(), engine());
        args_[DNNL_ARG_WORKSPACE] = shared_->ws;
        std::lock_guard<std::mutex> lock(ws_mu());
        auto& reg = ws_registry();
        std::erase_if(reg, [](const auto& kv) { return kv.second.expired(); });
        reg[&k.node] = shared_;
      }
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a pooling forward primitive", e);
    }
  }
  void compute(KernelContext& c) override {
    const void* x = c.input(0).raw_data();
    void* y = c.output(0).raw_data();
    try {
      src_.set_data_handle(const_cast<void*>(x));
      dst_.set_data_handle(y);
      dnnl::stream& s = stream();
      entry_->prim.execute(s, args_);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
    if (shared_) {
      shared_->src = x;
      shared_->dst = y;
    }
  }

 private:
  std::shared_ptr<const FwdEntry> entry_;
  memory src_, dst_;
  ArgMap args_;
  std::shared_ptr<SharedWorkspace> shared_;
};

// MaxPoolGrad (orig_input, orig_output, grad) or AvgPoolGrad ([orig_input_like], grad).
class PoolBackward final : public Kernel {
 public:
  PoolBackward(const KernelKey& k, algorithm alg) : max_(alg == algorithm::pooling_max) {
    const Shape& in = max_ ? k.inputs[0].shape : k.outputs[0].shape;
    const PoolDims d = pool_dims(detail::pool2d_geometry(in, k.node.attrs()));
    try {
      entry_ = get_backward(d, alg);
      diff_dst_ = memory(entry_->pd.diff_dst_desc(), engine(), DNNL_MEMORY_NONE);
      diff_src_ = memory(entry_->pd.diff_src_desc(), engine(), DNNL_MEMORY_NONE);
      bwd_args_ = {{DNNL_ARG_DIFF_DST, diff_dst_}, {DNNL_ARG_DIFF_SRC, diff_src_}};
      if (max_) {
        const memory::desc ws_md = entry_->pd.workspace_desc();
        own_ws_ = memory(ws_md, engine());
        src_ = memory(entry_->fwd_pd.src_desc(), engine(), DNNL_MEMORY_NONE);
        own_dst_ = memory(entry_->fwd_pd.dst_desc(), engine());
        fwd_args_ = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, own_dst_}, {DNNL_ARG_WORKSPACE, own_ws_}};
        bwd_args_[DNNL_ARG_WORKSPACE] = own_ws_;
        std::lock_guard<std::mutex> lock(ws_mu());
        auto it = ws_registry().find(k.node.input(1).node);
        if (k.node.input(1).index == 0 && it != ws_registry().end()) {
          std::shared_ptr<SharedWorkspace> s = it->second.lock();
          if (s && s->ws.get_desc() == ws_md) shared_ = s;
        }
      }
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a pooling backward primitive", e);
    }
  }
  void compute(KernelContext& c) override {
    const size_t n = c.inputs.size();
    try {
      dnnl::stream& s = stream();
      if (max_) {
        const void* x = c.input(0).raw_data();
        std::shared_ptr<SharedWorkspace> fwd = shared_.lock();
        if (fwd && fwd->src == x && fwd->dst == c.input(1).raw_data()) {
          bwd_args_[DNNL_ARG_WORKSPACE] = fwd->ws;
          ++g_shared_runs;
        } else {
          src_.set_data_handle(const_cast<void*>(x));
          entry_->fwd.execute(s, fwd_args_);
          bwd_args_[DNNL_ARG_WORKSPACE] = own_ws_;
        }
      }
      diff_dst_.set_data_handle(c.inputs[n - 1]->raw_data());
      diff_src_.set_data_handle(c.output(0).raw_data());
      entry_->prim.execute(s, bwd_args_);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
  }

 private:
  bool max_;
  std::shared_ptr<const BwdEntry> entry_;
  memory diff_dst_, diff_src_, src_, own_dst_, own_ws_;
  ArgMap bwd_args_, fwd_args_;
  std::weak_ptr<SharedWorkspace> shared_;
};

std::optional<std::string> pool_decline(const KernelKey& k, std::initializer_list<int> data) {
  if (auto why = common_decline(k, data)) return why;
  if (k.node.attrs().get<std::string>("data_format") != "NHWC") return "layout: NHWC only";
  return std::nullopt;
}

}  // namespace

int64_t max_pool_grad_shared_workspace_runs() { return g_shared_runs; }

void register_onednn_pooling(KernelRegistry& r) {
  r.add("MaxPool", {"onednn:max_pool", [](const KernelKey& k) { return pool_decline(k, {0}); },
                    [](const KernelKey& k) {
                      return std::make_unique<PoolForward>(k, algorithm::pooling_max);
                    }});
  r.add("AvgPool", {"onednn:avg_pool", [](const KernelKey& k) { return pool_decline(k, {0}); },
                    [](const KernelKey& k) {
                      return std::make_unique<PoolForward>(k,
                                                           algorithm::pooling_avg_exclude_padding);
                    }});
  r.add("MaxPoolGrad", {"onednn:max_pool_grad",
                        [](const KernelKey& k) {
                          return pool_decline(k, {0, 1, 2});
                        },
                        [](const KernelKey& k) {
                          return std::make_unique<PoolBackward>(k, algorithm::pooling_max);
                        }});
  r.add(
      "AvgPoolGrad",
      {"onednn:avg_pool_grad",
       [](const KernelKey& k) { return pool_decline(k, {static_cast<int>(k.inputs.size()) - 1}); },
       [](const KernelKey& k) {
         return std::make_unique<PoolBackward>(k, algorithm::pooling_avg_exclude_padding);
       }});
}

}  // namespace dl::onednn
