#pragma once
/// Merging layers (keras.layers.Add, Concatenate): called on a list of tensors.
#include <string>
#include <vector>

#include "dl/highlevel/layer.h"
#include "dl/highlevel/layers/core.h"

namespace dl::keras::layers {

/// The element-wise sum of its inputs (NumPy broadcasting; the batch dimensions must agree).
class AddImpl : public Layer {
 public:
  explicit AddImpl(LayerOptions options);
  bool takes_list() const override { return true; }

 protected:
  void build(const std::vector<TensorSpec>& inputs) override;
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;
};

class Add : public LayerHolder<AddImpl> {
 public:
  explicit Add(LayerOptions options = {})
      : LayerHolder(std::make_shared<AddImpl>(std::move(options))) {}
};

struct ConcatenateOptions {
  int64_t axis = -1;
  std::string name = {};
  bool trainable = true;
};

/// Its inputs joined along `axis`; the other dimensions must match.
class ConcatenateImpl : public Layer {
 public:
  explicit ConcatenateImpl(ConcatenateOptions options);
  int64_t axis() const { return axis_; }
  bool takes_list() const override { return true; }

 protected:
  void build(const std::vector<TensorSpec>& inputs) override;
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  int64_t axis_;
};

class Concatenate : public LayerHolder<ConcatenateImpl> {
 public:
  explicit Concatenate(ConcatenateOptions options = {})
      : LayerHolder(std::make_shared<ConcatenateImpl>(std::move(options))) {}
};

}  // namespace dl::keras::layers
