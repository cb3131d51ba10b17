#pragma once
/// keras.activations by name or as a function of a graph tensor.
#include <functional>
#include <string>
#include <vector>

#include "dl/graph/graph.h"

namespace dl::keras::activations {

using Function = std::function<Output(Output)>;

/// Keras 3's activations that the graph tier can express. softmax and log_softmax work on the
/// last axis; leaky_relu uses Keras 3's negative_slope 0.2; hard_sigmoid is Keras 3's
/// relu6(x + 3) / 6; silu (= swish) is x * sigmoid(x); mish is x * tanh(softplus(x)).
Output linear(Output x);
Output relu(Output x);
Output relu6(Output x);
Output leaky_relu(Output x);
Output elu(Output x);
Output selu(Output x);
Output sigmoid(Output x);
Output hard_sigmoid(Output x);
Output tanh(Output x);
Output softmax(Output x);
Output log_softmax(Output x);
Output softplus(Output x);
Output softsign(Output x);
Output exponential(Output x);
Output silu(Output x);
Output mish(Output x);

/// An activation given by name ("relu", "softmax", "linear", ...; none = linear) or as a
/// function. Unknown names fail where the argument is given, listing the valid ones.
class ActivationArg {
 public:
  ActivationArg() : name_("linear"), fn_(linear) {}
  ActivationArg(const char* name);         // NOLINT(google-explicit-constructor)
  ActivationArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  ActivationArg(Function fn, std::string name = "custom_activation");  // NOLINT
  ActivationArg(Output (*fn)(Output));  // NOLINT(google-explicit-constructor)

  Output operator()(Output x) const { return fn_(x); }
  const std::string& name() const { return name_; }
  bool is_linear() const { return name_ == "linear"; }

 private:
  std::string name_;
  Function fn_;
};

/// keras.activations.get(name). Throws InvalidArgument listing the valid names.
Function get(const std::string& name);
std::vector<std::string> names();

}  // namespace dl::keras::activations
