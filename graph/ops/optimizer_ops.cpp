#include "dl/graph/ops/optimizer_ops.h"

#include "dl/graph/op_registry.h"
#include "dl/kernels/reference/ref_optimizer.h"

namespace dl {
namespace {

// The shape function of every training op, driven by one letter per input:
// V the variable, R a slot (the variable's dtype and shape), S a scalar hyperparameter of the
// variable's dtype, G a dense gradient (the variable's shape), g sparse gradient rows
// [n, var.shape[1:]], I int32/int64 indices [n], U scatter updates [indices..., var.shape[1:]].
InferFn infer_training_op(std::vector<std::string> names, std::string roles) {
  return [names = std::move(names), roles = std::move(roles)](InferContext& c) {
    const TensorSpec& var = c.input(0);
    const bool scatter = roles.find('U') != std::string::npos;
    if (!scatter && !is_floating(var.dtype)) {
      c.fail(str_cat("var must be float32 or float64, received ", name(var.dtype)));
    }
    if (scatter && var.dtype == DType::boolean) c.fail("ref must be numeric, received bool");
    const bool sparse = roles.find('I') != std::string::npos;
    if (sparse && var.shape.rank() < 1) c.fail("var must be at least 1-dimensional, received []");
    const int idx = static_cast<int>(roles.find('I'));
    for (size_t i = 1; i < roles.size(); ++i) {
      const TensorSpec& in = c.input(static_cast<int>(i));
      const std::string& n = names[i];
      const char role = roles[i];
      if (role != 'I' && in.dtype != var.dtype) {
        c.fail(
            str_cat(n, " has dtype ", name(in.dtype), " but ", names[0], " is ", name(var.dtype)));
      }
      switch (role) {
        case 'R':
        case 'G':
          if (in.shape != var.shape) {
            c.fail(str_cat(n, " has shape ", in.shape.to_string(), " but ", names[0], " is ",
                           var.shape.to_string()));
          }
          break;
        case 'S':
          if (in.shape.rank() != 0) {
            c.fail(str_cat(n, " must be a scalar, received shape ", in.shape.to_string()));
          }
          break;
        case 'I':
          if (in.dtype != DType::i32 && in.dtype != DType::i64) {
            c.fail(str_cat(n, " must be int32 or int64, received ", name(in.dtype)));
          }
          if (!scatter && in.shape.rank() != 1) {
            c.fail(str_cat(n, " must be a vector, received shape ", in.shape.to_string()));
          }
          break;
        case 'g':
        case 'U': {
          // Expected: indices' shape (the leading row count for g) then var's row shape.
          const Shape& ind = c.input(idx).shape;
          std::vector<int64_t> want = ind.dims();
          for (int d = 1; d < var.shape.rank(); ++d) want.push_back(var.shape.dim(d));
          if (!in.shape.compatible_with(Shape(want))) {
            c.fail(str_cat(n, " has shape ", in.shape.to_string(), " but ", names[idx], " ",
                           ind.to_string(), " and ", names[0], " ", var.shape.to_string(), " need ",
                           Shape(want).to_string()));
          }
          break;
        }
        default:
          break;
      }
    }
    return std::vector<TensorSpec>{var};
  };
}

// One training op: its inputs (with roles), the ref inputs, TF's attributes and the kernel.
OpDef training_op(const std::string& op, std::vector<std::string> inputs, std::string roles,
                  ComputeFn kernel) {
  std::vector<int> refs;
  for (size_t i = 0; i < roles.size(); ++i) {
    if (roles[i] == 'V' || roles[i] == 'R') refs.push_back(static_cast<int>(i));
  }
  OpDef d(op);
  d.inputs(inputs)
      .outputs({"out"})
      .refs(refs)
      .attr("use_locking", false)
      .infer(infer_training_op(std::move(inputs), std::move(roles)))
      .reference(kernel)
      .is_stateful()
      .forwards()
      .not_differentiable();
  return d;
}

}  // namespace

void register_optimizer_ops(OpRegistry& r) {
  namespace k = kernels::ref;
  r.add(training_op("ApplyGradientDescent", {"var", "alpha", "delta"}, "VSG",
                    k::apply_gradient_descent));
  r.add(training_op("ApplyMomentum", {"var", "accum", "lr", "grad", "momentum"}, "VRSGS",
                    k::apply_momentum)
            .attr("use_nesterov", false));
  r.add(training_op("ApplyKerasMomentum", {"var", "accum", "lr", "grad", "momentum"}, "VRSGS",
                    k::apply_keras_momentum)
            .attr("use_nesterov", false));
  r.add(training_op("ApplyAdam",
                    {"var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
                     "epsilon", "grad"},
                    "VRRSSSSSSG", k::apply_adam)
            .attr("use_nesterov", false));
  r.add(training_op("ApplyRMSProp",
                    {"var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"}, "VRRSSSSG",
                    k::apply_rms_prop));
  r.add(training_op("ApplyCenteredRMSProp",
                    {"var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"},
                    "VRRRSSSSG", k::apply_centered_rms_prop));
  r.add(training_op("ApplyAdagrad", {"var", "accum", "lr", "grad"}, "VRSG", k::apply_adagrad)
            .attr("update_slots", true));
  r.add(training_op("ApplyAdadelta",
                    {"var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"}, "VRRSSSG",
                    k::apply_adadelta));
  r.add(training_op("SparseApplyMomentum", {"var", "accum", "lr", "grad", "indices", "momentum"},
                    "VRSgIS", k::sparse_apply_momentum)
            .attr("use_nesterov", false));
  r.add(training_op("SparseApplyAdagrad", {"var", "accum", "lr", "grad", "indices"}, "VRSgI",
                    k::sparse_apply_adagrad)
            .attr("update_slots", true));
  r.add(training_op("SparseApplyRMSProp",
                    {"var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad", "indices"},
                    "VRRSSSSgI", k::sparse_apply_rms_prop));
  r.add(
      training_op("SparseApplyCenteredRMSProp",
                  {"var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad", "indices"},
                  "VRRRSSSSgI", k::sparse_apply_centered_rms_prop));
  r.add(training_op("SparseApplyAdadelta",
                    {"var", "accum", "accum_update", "lr", "rho", "epsilon", "grad", "indices"},
                    "VRRSSSgI", k::sparse_apply_adadelta));
  r.add(training_op("ScatterAdd", {"ref", "indices", "updates"}, "VIU", k::scatter_add));
  r.add(training_op("ScatterSub", {"ref", "indices", "updates"}, "VIU", k::scatter_sub));
}

namespace ops {
namespace {
Output training(const std::string& op, const std::string& name, std::vector<Output> inputs,
                AttrMap attrs = {}) {
  return inputs[0].graph().add_node(op, name, std::move(inputs), std::move(attrs))->output(0);
}
}  // namespace

Output apply_gradient_descent(Output var, Output alpha, Output delta, const std::string& name) {
  return training("ApplyGradientDescent", name, {var, alpha, delta});
}
Output apply_momentum(Output var, Output accum, Output lr, Output grad, Output momentum,
                      bool use_nesterov, const std::string& name) {
  return training("ApplyMomentum", name, {var, accum, lr, grad, momentum},
                  {{"use_nesterov", use_nesterov}});
}
Output apply_keras_momentum(Output var, Output accum, Output lr, Output grad, Output momentum,
                            bool use_nesterov, const std::string& name) {
  return training("ApplyKerasMomentum", name, {var, accum, lr, grad, momentum},
                  {{"use_nesterov", use_nesterov}});
}
Output apply_adam(Output var, Output m, Output v, Output beta1_power, Output beta2_power, Output lr,
                  Output beta1, Output beta2, Output epsilon, Output grad, bool use_nesterov,
                  const std::string& name) {
  return training("ApplyAdam", name,
                  {var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad},
                  {{"use_nesterov", use_nesterov}});
}
Output apply_rms_prop(Output var, Output ms, Output mom, Output lr, Output rho, Output momentum,
                      Output epsilon, Output grad, const std::string& name) {
  return training("ApplyRMSProp", name, {var, ms, mom, lr, rho, momentum, epsilon, grad});
}
Output apply_centered_rms_prop(Output var, Output mg, Output ms, Output mom, Output lr, Output rho,
                               Output momentum, Output epsilon, Output grad,
                               const std::string& name) {
  return training("ApplyCenteredRMSProp", name,
                  {var, mg, ms, mom, lr, rho, momentum, epsilon, grad});
}
Output apply_adagrad(Output var, Output accum, Output lr, Output grad, const std::string& name) {
  return training("ApplyAdagrad", name, {var, accum, lr, grad});
}
Output apply_adadelta(Output var, Output accum, Output accum_update, Output lr, Output rho,
                      Output epsilon, Output grad, const std::string& name) {
  return training("ApplyAdadelta", name, {var, accum, accum_update, lr, rho, epsilon, grad});
}
Output sparse_apply_momentum(Output var, Output accum, Output lr, Output grad, Output indices,
                             Output momentum, bool use_nesterov, const std::string& name) {
  return training("SparseApplyMomentum", name, {var, accum, lr, grad, indices, momentum},
                  {{"use_nesterov", use_nesterov}});
}
Output sparse_apply_adagrad(Output var, Output accum, Output lr, Output grad, Output indices,
                            const std::string& name) {
  return training("SparseApplyAdagrad", name, {var, accum, lr, grad, indices});
}
Output sparse_apply_rms_prop(Output var, Output ms, Output mom, Output lr, Output rho,
                             Output momentum, Output epsilon, Output grad, Output indices,
                             const std::string& name) {
  return training("SparseApplyRMSProp", name,
                  {var, ms, mom, lr, rho, momentum, epsilon, grad, indices});
}
Output sparse_apply_centered_rms_prop(Output var, Output mg, Output ms, Output mom, Output lr,
                                      Output rho, Output momentum, Output epsilon, Output grad,
                                      Output indices, const std::string& name) {
  return training("SparseApplyCenteredRMSProp", name,
                  {var, mg, ms, mom, lr, rho, momentum, epsilon, grad, indices});
}
Output sparse_apply_adadelta(Output var, Output accum, Output accum_update, Output lr, Output rho,
                             Output epsilon, Output grad, Output indices, const std::string& name) {
  return training("SparseApplyAdadelta", name,
                  {var, accum, accum_update, lr, rho, epsilon, grad, indices});
}
Output scatter_add(Output ref, Output indices, Output updates, const std::string& name) {
  return training("ScatterAdd", name, {ref, indices, updates});
}
Output scatter_sub(Output ref, Output indices, Output updates, const std::string& name) {
  return training("ScatterSub", name, {ref, indices, updates});
}

}  // namespace ops
}  // namespace dl
