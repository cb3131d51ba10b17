#pragma once
/// Internal: helpers shared by the oneDNN kernels: memory descriptors for dl tensors, a tensor
/// argument with an optional layout reorder, and the common reasons to decline a signature.
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "dl/kernels/kernel.h"
#include "dl/kernels/onednn/onednn_context.h"

namespace dl::onednn {

using dnnl::memory;
using Tag = memory::format_tag;
using ArgMap = std::unordered_map<int, memory>;

/// A float32 memory descriptor; dims in oneDNN's logical order (N, C, H, W / O, I, H, W).
inline memory::desc f32_md(const memory::dims& dims, Tag tag) {
  return memory::desc(dims, memory::data_type::f32, tag);
}

/// One tensor argument of a primitive. The user's memory (the dl tensor, NHWC / HWIO) has no
/// buffer of its own: bind() points it at the tensor before each run. When the primitive wants
/// another layout, an internal buffer and the reorder to (input) or from (output) it are built
/// with the kernel, and mem() is the internal buffer.
class TensorArg {
 public:
  TensorArg() = default;
  TensorArg(const memory::desc& user, const memory::desc& wanted, bool is_input)
      : user_(user, engine(), DNNL_MEMORY_NONE), is_input_(is_input) {
    if (user != wanted) {
      inner_ = memory(wanted, engine());
      reorder_ = is_input ? dnnl::reorder(user_, inner_) : dnnl::reorder(inner_, user_);
    }
  }
  void bind(const void* data) const { user_.set_data_handle(const_cast<void*>(data)); }
  const memory& mem() const { return reorder_ ? inner_ : user_; }
  /// Runs the input reorder (before the primitive) or the output reorder (after it).
  void reorder_in(dnnl::stream& s) const {
    if (reorder_ && is_input_) reorder_->execute(s, user_, inner_);
  }
  void reorder_out(dnnl::stream& s) const {
    if (reorder_ && !is_input_) reorder_->execute(s, inner_, user_);
  }
  bool reordered() const { return reorder_.has_value(); }

 private:
  mutable memory user_;
  mutable memory inner_;
  std::optional<dnnl::reorder> reorder_;
  bool is_input_ = true;
};

/// Why a oneDNN kernel declines: a dtype other than float32 among `spec`s, an empty tensor,
/// or oneDNN switched off (DL_ONEDNN=0). nullopt when none applies.
std::optional<std::string> common_decline(const KernelKey& k, std::initializer_list<int> inputs);

/// Wraps a dnnl::error from a primitive's execution (which should not happen for a primitive
/// that was created) into the node's InvalidArgument.
[[noreturn]] void throw_execution_error(const KernelContext& c, const dnnl::error& e);

}  // namespace dl::onednn
