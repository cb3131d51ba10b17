#pragma once
/// Layer, KerasTensor and Input: the building blocks of Keras models on the graph tier.
///
/// A Layer creates its weights (dl::Variable nodes) in build() under its name scope and emits
/// graph ops in call(). Calling a layer on KerasTensors (the functional API) builds it on first
/// use, emits its ops, and records the call (a "node" in Keras's terms) so that a Model can find
/// the path from its inputs to its outputs and replay it (in training mode, for example).
///
/// Layers are shared objects: the classes in layers/ are handles (layers::Dense) to an
/// implementation (layers::DenseImpl) held by std::shared_ptr, so `model.add(layers::Dense(10))`
/// and `auto y = layers::Dense(10)(x)` read like Keras, and a layer used by two models is one
/// layer with one set of weights.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dl/core/tensor.h"
#include "dl/graph/variable.h"
#include "dl/highlevel/backend.h"
#include "dl/highlevel/initializers.h"
#include "dl/highlevel/regularizers.h"

namespace dl::keras {

class Layer;

/// Keras's display of a shape: (None, 28, 28, 1); unknown dimensions are None.
std::string shape_to_string(const Shape& s);

/// A symbolic tensor of the functional API (Keras's KerasTensor): a graph Output plus its
/// Keras history, the layer that produced it, which call of that layer (node_index) and which
/// of its outputs (tensor_index).
class KerasTensor {
 public:
  KerasTensor() = default;
  KerasTensor(Output output, std::shared_ptr<Layer> layer, int node_index, int tensor_index);

  const Output& output() const { return output_; }
  operator Output() const { return output_; }  // NOLINT(google-explicit-constructor)
  explicit operator bool() const { return static_cast<bool>(output_); }
  /// The shape with the batch dimension unknown (-1 = None).
  const Shape& shape() const { return output_.shape(); }
  DType dtype() const { return output_.dtype(); }
  /// The graph tensor's name ("dense/BiasAdd:0").
  std::string name() const { return output_.name(); }
  const std::shared_ptr<Layer>& layer() const { return layer_; }
  int node_index() const { return node_index_; }
  int tensor_index() const { return tensor_index_; }
  bool operator==(const KerasTensor& o) const { return output_ == o.output_; }

 private:
  Output output_;
  std::shared_ptr<Layer> layer_;
  int node_index_ = 0;
  int tensor_index_ = 0;
};

/// The outputs of a layer call on a list of tensors; converts to a single KerasTensor when
/// there is exactly one (a merge layer: `KerasTensor c = layers::Add()({a, b});`).
class KerasTensors : public std::vector<KerasTensor> {
 public:
  using std::vector<KerasTensor>::vector;
  KerasTensors(std::vector<KerasTensor> v)  // NOLINT(google-explicit-constructor)
      : std::vector<KerasTensor>(std::move(v)) {}
  /// The only tensor. Throws InvalidArgument when there are several.
  operator KerasTensor() const;  // NOLINT(google-explicit-constructor)
};

/// One call of a layer on symbolic tensors (Keras's Node).
struct LayerCall {
  std::vector<KerasTensor> inputs = {};  ///< empty for an InputLayer
  std::vector<Output> outputs = {};
};

/// What a layer accepts (Keras's InputSpec); checked before every call, with Keras's messages.
struct InputSpec {
  std::optional<int> ndim = {};
  std::optional<int> min_ndim = {};
  std::map<int, int64_t> axes;  ///< axis (negative counts from the end) -> required size
};

/// One weight of a layer.
struct Weight {
  Variable variable = {};
  std::string name = {};  ///< "kernel"
  std::string path;       ///< "dense/kernel" (Keras 3's variable path)
  bool trainable = true;
  const Shape& shape() const { return variable.shape(); }
};

/// Arguments every layer takes (Keras's **kwargs of Layer).
struct LayerArgs {
  std::string name;  ///< empty: Keras's auto name from the class ("dense", "dense_1", ...)
  bool trainable = true;
  std::vector<int64_t> input_shape = {};  ///< the input shape without the batch (empty: none given)
};

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  /// `class_name` is Keras's ("Dense"); the name comes from args or the auto-naming of the
  /// current profile.
  Layer(std::string class_name, LayerArgs args);
  virtual ~Layer();
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const std::string& name() const { return name_; }
  const std::string& class_name() const { return class_name_; }
  /// Whether the optimizer updates the layer's weights. Changing it takes effect at the next
  /// compile(), as in Keras.
  bool trainable() const { return trainable_; }
  void set_trainable(bool t) { trainable_ = t; }
  bool built() const { return built_; }
  /// The input shape given at construction (input_shape / input_dim), without the batch.
  const std::vector<int64_t>& input_shape_arg() const { return input_shape_arg_; }

  // ---- calling ----
  /// The functional API: builds the layer on first use, emits its ops in inference mode and
  /// records the call. Throws InvalidArgument naming the layer when an input does not fit.
  KerasTensor operator()(const KerasTensor& x);
  KerasTensors operator()(const std::vector<KerasTensor>& xs);
  /// Graph-tier use (Keras layers on placeholders, as in TF1 code): builds on first use and
  /// emits the ops; nothing is recorded. The tensors must belong to a Keras context's graph.
  Output operator()(Output x, bool training = false);
  std::vector<Output> operator()(const std::vector<Output>& xs, bool training);
  /// Emits the layer's ops again on other tensors (a model's replay in training mode). The
  /// layer must be built.
  std::vector<Output> replay(const std::vector<Output>& xs, bool training);
  /// Whether call() depends on `training` (Dropout, BatchNormalization).
  virtual bool uses_training() const { return false; }
  /// Whether the layer takes a list of tensors (Add, Concatenate) rather than one.
  virtual bool takes_list() const { return false; }

  // ---- weights ----
  /// Weights in creation order (kernel, bias; BN: gamma, beta, moving_mean, moving_variance).
  std::vector<Weight> weights() const { return weights_; }
  /// The trainable weights (none when the layer is not trainable) and the others.
  std::vector<Weight> trainable_weights() const;
  std::vector<Weight> non_trainable_weights() const;
  /// The weights' values, in weights() order (layer.get_weights()).
  std::vector<Tensor> get_weights() const;
  /// Sets the weights' values. Throws InvalidArgument naming the layer when the count, a shape
  /// or a dtype differs.
  void set_weights(const std::vector<Tensor>& values);
  int64_t count_params() const;
  /// Regularization penalties of the weights (scalars, added to the training loss).
  const std::vector<Output>& losses() const { return losses_; }
  /// The state updates (BatchNormalization's moving averages) created by training-mode calls
  /// since the last take; the model runs them with its train op.
  std::vector<Node*> take_updates();

  // ---- functional history ----
  const std::vector<LayerCall>& inbound_nodes() const { return calls_; }
  /// The output / input of the layer's only call (layer.output, layer.input). Throws when the
  /// layer was never called or was called several times.
  KerasTensor output() const;
  std::vector<KerasTensor> outputs() const;
  KerasTensor input() const;
  /// The Keras display of the output shape(s) of the first call ("(None, 10)"), "?" if never
  /// called.
  std::string output_shape_string() const;
  /// The context whose graph holds the layer's weights (null before build).
  const std::shared_ptr<Context>& context() const { return ctx_; }
  /// The graph name scope of the layer's ops and weights ("dense/").
  const std::string& scope() const { return scope_; }

  const InputSpec& input_spec() const { return input_spec_; }

 protected:
  /// Creates the weights for inputs of these specs (batch dimension -1). Runs under the layer's
  /// name scope, once.
  virtual void build(const std::vector<TensorSpec>& inputs) {}
  /// Emits the ops of the layer for `inputs`; runs under the layer's name scope.
  virtual std::vector<Output> call(const std::vector<Output>& inputs, bool training) = 0;

  /// Creates a weight `name` under the layer's scope, initialised by `init`; its penalty (if a
  /// regularizer is given) joins losses().
  Variable add_weight(const std::string& name, const Shape& shape,
                      const initializers::InitializerArg& init,
                      const regularizers::RegularizerArg& regularizer = {}, bool trainable = true,
                      DType dtype = DType::f32);
  Graph& graph() const;
  /// Records a state update of a training-mode call (see take_updates()).
  void add_update(Node* update) { updates_.push_back(update); }
  /// Throws InvalidArgument: 'Layer "<name>" ...' + message.
  [[noreturn]] void fail(const std::string& message) const;

  InputSpec input_spec_;

 private:
  void check_inputs(const std::vector<TensorSpec>& specs) const;
  std::vector<Output> build_and_call(const std::vector<Output>& xs, bool training);
  void check_context(const std::vector<Output>& xs);

  friend class InputLayerImpl;
  std::string class_name_;
  std::string name_;
  bool trainable_ = true;
  bool built_ = false;
  std::vector<int64_t> input_shape_arg_ = {};
  std::shared_ptr<Context> ctx_;
  std::string scope_;
  std::vector<Weight> weights_;
  std::vector<Output> losses_;
  std::vector<Node*> updates_;
  std::vector<LayerCall> calls_;
};

/// A handle to a layer implementation, as PyTorch's ModuleHolder: copies share the layer.
/// `->` reaches the implementation; calling it calls the layer.
template <class Impl>
class LayerHolder {
 public:
  using ImplType = Impl;
  explicit LayerHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  Impl* operator->() const { return impl_.get(); }
  Impl& operator*() const { return *impl_; }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  operator std::shared_ptr<Layer>() const { return impl_; }  // NOLINT

  KerasTensor operator()(const KerasTensor& x) const { return (*impl_)(x); }
  KerasTensors operator()(const std::vector<KerasTensor>& xs) const { return (*impl_)(xs); }
  Output operator()(Output x, bool training = false) const { return (*impl_)(x, training); }

 private:
  std::shared_ptr<Impl> impl_;
};

// ---- Input ----

struct InputOptions {
  std::string name;  ///< empty: "input_layer", "input_layer_1", ... (keras2: "input_1", ...)
  DType dtype = DType::f32;
  int64_t batch_size = -1;  ///< -1: None
};

/// The layer of a model input: a placeholder [batch, shape...].
class InputLayerImpl : public Layer {
 public:
  InputLayerImpl(std::vector<int64_t> shape, InputOptions options);
  /// The placeholder.
  const Output& placeholder() const { return placeholder_; }
  /// Records the layer's only call (the placeholder as output); called by keras::Input.
  KerasTensor make_tensor();

 protected:
  std::vector<Output> call(const std::vector<Output>& inputs, bool training) override;

 private:
  Output placeholder_;
};

/// keras.Input(shape): a placeholder of shape [None, shape...] in the current context's graph,
/// with its InputLayer. Unknown dimensions in `shape` are -1.
KerasTensor Input(std::vector<int64_t> shape, InputOptions options = {});

}  // namespace dl::keras
