#include "dl/kernels/kernel.h"

namespace dl {

void KernelContext::fail(const std::string& msg) const {
  throw InvalidArgument(str_cat(node.type(), " '", node.name(), "': ", msg));
}

namespace {
class FunctionKernel final : public Kernel {
 public:
  explicit FunctionKernel(ComputeFn fn) : fn_(fn) {}
  void compute(KernelContext& ctx) override { fn_(ctx); }

 private:
  ComputeFn fn_;
};
}  // namespace

std::unique_ptr<Kernel> make_function_kernel(ComputeFn fn) {
  return std::make_unique<FunctionKernel>(fn);
}

}  // namespace dl
