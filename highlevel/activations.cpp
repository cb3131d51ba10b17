#include "dl/highlevel/activations.h"

#include <utility>

#include "dl/core/error.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/nn_ops.h"

namespace dl::keras::activations {

Output linear(Output x) { return x; }
Output relu(Output x) { return nn::relu(x); }
Output relu6(Output x) { return nn::relu6(x); }
Output leaky_relu(Output x) { return nn::leaky_relu(x, 0.2); }
Output elu(Output x) { return nn::elu(x); }
Output selu(Output x) { return nn::selu(x); }
Output sigmoid(Output x) { return ops::sigmoid(x); }
Output hard_sigmoid(Output x) { return nn::relu6(x + 3.0) / 6.0; }
Output tanh(Output x) { return ops::tanh(x); }
Output softmax(Output x) { return nn::softmax(x, -1); }
Output log_softmax(Output x) { return nn::log_softmax(x, -1); }
Output softplus(Output x) { return nn::softplus(x); }
Output softsign(Output x) { return nn::softsign(x); }
Output exponential(Output x) { return ops::exp(x); }
Output silu(Output x) { return x * ops::sigmoid(x); }
Output mish(Output x) { return x * ops::tanh(nn::softplus(x)); }

namespace {

const std::vector<std::pair<std::string, Output (*)(Output)>>& table() {
  static const std::vector<std::pair<std::string, Output (*)(Output)>> t = {
      {"linear", linear},
      {"relu", relu},
      {"relu6", relu6},
      {"leaky_relu", leaky_relu},
      {"elu", elu},
      {"selu", selu},
      {"sigmoid", sigmoid},
      {"hard_sigmoid", hard_sigmoid},
      {"tanh", tanh},
      {"softmax", softmax},
      {"log_softmax", log_softmax},
      {"softplus", softplus},
      {"softsign", softsign},
      {"exponential", exponential},
      {"silu", silu},
      {"swish", silu},
      {"mish", mish},
  };
  return t;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& [n, f] : table()) out.push_back(n);
  return out;
}

Function get(const std::string& name) {
  for (const auto& [n, f] : table()) {
    if (n == name) return f;
  }
  std::string valid;
  for (const auto& [n, f] : table()) valid += (valid.empty() ? "" : ", ") + n;
  throw InvalidArgument(str_cat("Could not interpret activation function identifier: '", name,
                                "'. Valid names: ", valid));
}

ActivationArg::ActivationArg(const char* name) : ActivationArg(std::string(name)) {}
ActivationArg::ActivationArg(const std::string& name)
    : name_(name.empty() ? "linear" : name), fn_(get(name_)) {}
ActivationArg::ActivationArg(Function fn, std::string name)
    : name_(std::move(name)), fn_(std::move(fn)) {
  DL_CHECK(fn_ != nullptr, "activation: received an empty function");
}
ActivationArg::ActivationArg(Output (*fn)(Output)) : fn_(fn) {
  DL_CHECK(fn != nullptr, "activation: received a null function");
  name_ = "custom_activation";
  for (const auto& [n, f] : table()) {
    if (f == fn) {
      name_ = n;
      break;
    }
  }
}

}  // namespace dl::keras::activations
