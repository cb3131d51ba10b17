// BiasAdd (a binary add of a [1, C] row to a [R, C] matrix) and BiasAddGrad (a sum over rows)
// on oneDNN's binary primitive and sgemm, for NHWC float32: the reference kernels run
// scalar loops (BiasAddGrad walks each channel down the rows, a stride of C floats per element)
// and were together about 7% of a LeNet step.
// The sum is in float, where the reference sums in double; both are within TF's float
// tolerance of the exact sum (checked by the kernel-versus-reference tests).
#include <oneapi/dnnl/dnnl.h>

#include <vector>

#include "dl/kernels/onednn/onednn_kernels.h"
#include "dl/kernels/onednn/onednn_utils.h"
#include "dl/kernels/onednn/primitive_cache.h"

namespace dl::onednn {
namespace {

/// [rows, C] for a tensor whose last dimension is the channel dimension.
memory::dims rows_by_channels(const Shape& s) {
  const int64_t c = s.dim(s.rank() - 1);
  return {s.num_elements() / c, c};
}

struct BinaryEntry {
  dnnl::binary::primitive_desc pd;
  dnnl::binary prim;
};

class BiasAdd final : public Kernel {
 public:
  explicit BiasAdd(const KernelKey& k) {
    const memory::dims dims = rows_by_channels(k.inputs[0].shape);
    const memory::dims bias_dims{1, dims[1]};
    PrimitiveKey key("binary_add_row");
    key.add(dims);
    try {
      entry_ = PrimitiveCache::global().get_or_create<BinaryEntry>(key, [&] {
        dnnl::binary::desc desc(dnnl::algorithm::binary_add, f32_md(dims, Tag::ab),
                                f32_md(bias_dims, Tag::ab), f32_md(dims, Tag::ab));
        dnnl::binary::primitive_desc pd(desc, engine());
        return std::make_shared<const BinaryEntry>(BinaryEntry{pd, dnnl::binary(pd)});
      });
    } catch (const dnnl::error& e) {
      throw_creation_error(k.node, "a binary add primitive", e);
    }
    a_ = memory(entry_->pd.src0_desc(), engine(), DNNL_MEMORY_NONE);
    b_ = memory(entry_->pd.src1_desc(), engine(), DNNL_MEMORY_NONE);
    o_ = memory(entry_->pd.dst_desc(), engine(), DNNL_MEMORY_NONE);
    args_ = {{DNNL_ARG_SRC_0, a_}, {DNNL_ARG_SRC_1, b_}, {DNNL_ARG_DST, o_}};
  }
  void compute(KernelContext& c) override {
    try {
      a_.set_data_handle(const_cast<void*>(c.input(0).raw_data()));
      b_.set_data_handle(const_cast<void*>(c.input(1).raw_data()));
      o_.set_data_handle(c.output(0).raw_data());
      dnnl::stream& s = stream();
      entry_->prim.execute(s, args_);
      s.wait();
    } catch (const dnnl::error& e) {
      throw_execution_error(c, e);
    }
  }

 private:
  std::shared_ptr<const BinaryEntry> entry_;
  memory a_, b_, o_;
  ArgMap args_;
};

// oneDNN 2.6's reduction primitive has only a reference implementation for this case; the sum
// over rows is a product with a row of ones, which its sgemm runs at full speed.
class BiasAddGrad final : public Kernel {
 public:
  explicit BiasAddGrad(const KernelKey& k) {
    const memory::dims dims = rows_by_channels(k.inputs[0].shape);
    rows_ = dims[0];
    channels_ = dims[1];
    ones_.assign(static_cast<size_t>(rows_), 1.0f);
  }
  void compute(KernelContext& c) override {
    const dnnl_status_t st =
        dnnl_sgemm('N', 'N', 1, channels_, rows_, 1.0f, ones_.data(), rows_,
                   c.input(0).data<float>(), channels_, 0.0f, c.output(0).data<float>(), channels_);
    if (st != dnnl_success) c.fail(str_cat("oneDNN sgemm failed with status ", int(st)));
  }

 private:
  int64_t rows_ = 0, channels_ = 0;
  std::vector<float> ones_;
};

// Small tensors: entering a primitive costs more than the reference loop.
constexpr int64_t kMinElements = 16384;

std::optional<std::string> bias_decline(const KernelKey& k, std::initializer_list<int> inputs) {
  if (auto why = common_decline(k, inputs)) return why;
  if (k.node.attrs().get_or<std::string>("data_format", "NHWC") != "NHWC")
    return "data_format NCHW";
  if (k.inputs[0].shape.rank() < 2) return "rank below 2";
  const int64_t n = k.inputs[0].shape.num_elements();
  if (n < kMinElements) {
    return str_cat("small tensor (", n, " < ", kMinElements,
                   " elements): the reference loop is faster");
  }
  return std::nullopt;
}

}  // namespace

void register_onednn_bias(KernelRegistry& r) {
  r.add("BiasAdd", KernelImpl{"onednn:bias_add",
                              [](const KernelKey& k) {
                                return bias_decline(k, {0, 1});
                              },
                              [](const KernelKey& k) { return std::make_unique<BiasAdd>(k); }});
  r.add("BiasAddGrad",
        KernelImpl{"onednn:bias_add_grad", [](const KernelKey& k) { return bias_decline(k, {0}); },
                   [](const KernelKey& k) { return std::make_unique<BiasAddGrad>(k); }});
}

}  // namespace dl::onednn
