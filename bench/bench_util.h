#pragma once
// Benchmark helper: one node's kernel built for its (fully defined) input specs, as a plan would
// build it, with input tensors filled with a fixed pattern, so that compute() can be timed alone.
#include <memory>
#include <string>
#include <vector>

#include "dl/graph/op_def.h"
#include "dl/kernels/kernel_registry.h"

namespace dl::bench {

class NoState final : public RunContext {
 public:
  Tensor& variable(const Node& n) override {
    throw InvalidArgument("bench: no variables (" + n.name() + ")");
  }
  RandomStream random_stream(const Node&) override { return {}; }
};

/// A float32 tensor with values in [-0.5, 0.5).
inline Tensor pattern(Shape s, int salt) {
  Tensor t(DType::f32, std::move(s));
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    p[i] = static_cast<float>((i * 7919 + salt * 13) % 1000) / 1000.0f - 0.5f;
  }
  return t;
}

class KernelRun {
 public:
  /// impl "ref" builds the reference kernel; a prefix such as "onednn:" builds the first
  /// registered implementation with that prefix, ignoring its decline reasons when `force`.
  KernelRun(const Node& node, const std::string& impl, bool force = false) : node_(node) {
    for (const Output& in : node.inputs()) {
      in_specs_.push_back(in.spec());
      inputs_.push_back(pattern(in.shape(), static_cast<int>(inputs_.size()) + 1));
    }
    out_specs_.assign(node.output_specs().begin(), node.output_specs().end());
    KernelKey key{node, in_specs_, out_specs_};
    if (impl == "ref") {
      kernel_ = node.op().reference_factory(key);
    } else {
      for (const KernelImpl& k : KernelRegistry::global().impls(node.type())) {
        if (k.name.rfind(impl, 0) != 0) continue;
        if (auto why = k.unsupported_reason(key); why && !force) {
          error_ = *why;
          return;
        }
        kernel_ = k.create(key);
        break;
      }
      if (!kernel_) error_ = "no " + impl + " kernel";
    }
    for (const TensorSpec& s : out_specs_) outputs_.emplace_back(s.dtype, s.shape);
    for (Tensor& t : inputs_) in_ptrs_.push_back(&t);
    for (Tensor& t : outputs_) out_ptrs_.push_back(&t);
  }
  /// Empty when the kernel was built.
  const std::string& error() const { return error_; }
  void compute() {
    KernelContext ctx{node_, in_ptrs_, out_ptrs_, state_, out_specs_};
    kernel_->compute(ctx);
  }

 private:
  const Node& node_;
  std::vector<TensorSpec> in_specs_, out_specs_;
  std::vector<Tensor> inputs_, outputs_;
  std::vector<Tensor*> in_ptrs_, out_ptrs_;
  std::unique_ptr<Kernel> kernel_;
  NoState state_;
  std::string error_;
};

}  // namespace dl::bench
