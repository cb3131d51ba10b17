#include "dl/tools/parity_check/lib/keras_program.h"

#include "dl/core/error.h"
#include "dl/graph/ops/array_ops.h"
#include "dl/graph/ops/math_ops.h"
#include "dl/graph/ops/state_ops.h"
#include "dl/highlevel/backend.h"
#include "dl/highlevel/optimizers.h"

namespace dl::parity {
namespace {

// Keras's per-sample metric values are summed over the batch in the graph; the program reports
// batch means, as a hand-written accuracy does.
Output batch_mean(Graph& g, Output sum, Output like) {
  Output n = ops::reshape(ops::slice(ops::shape(like), {0}, {1}), Shape{});
  return sum / ops::cast(n, sum.dtype());
}

// The model's logits when its output is a Softmax or Sigmoid of them.
Output logits_of(Output out) {
  const std::string& t = out.node->type();
  return t == "Softmax" || t == "Sigmoid" ? out.node->input(0) : Output{};
}

// Keras's update rules in TF1's terms, with the tensors that hold the values they use.
OptimizerRole optimizer_role(Graph& g, keras::optimizers::Optimizer& opt,
                             const keras::TrainingGraph& tg) {
  OptimizerRole r;
  const Variable& lr = opt.learning_rate_variable();
  if (lr.op()) r.hypers.emplace_back("learning_rate", lr.value());
  if (auto* sgd = dynamic_cast<keras::optimizers::SGD*>(&opt)) {
    const auto& o = sgd->options();
    r.type = o.momentum == 0 ? "GradientDescent" : "Momentum";
    if (o.momentum != 0) r.hypers.emplace_back("momentum", ops::scalar(g, o.momentum));
    r.nesterov = o.nesterov;
  } else if (auto* adam = dynamic_cast<keras::optimizers::Adam*>(&opt);
             adam && opt.class_name() == "Adam") {
    const auto& o = adam->options();
    r.type = "Adam";
    r.hypers.emplace_back("beta1", ops::scalar(g, o.beta_1));
    r.hypers.emplace_back("beta2", ops::scalar(g, o.beta_2));
    r.hypers.emplace_back("epsilon", ops::scalar(g, o.epsilon));
  } else {
    r.type = "keras." + opt.class_name();
  }
  for (size_t i = 0; i < tg.trainable_variables.size() && i < tg.gradients.size(); ++i) {
    if (tg.gradients[i]) r.grads.emplace_back(tg.trainable_variables[i], tg.gradients[i]);
  }
  return r;
}

}  // namespace

TrainingProgram keras_program(const std::string& name, std::shared_ptr<keras::Model> model,
                              const KerasFit& fit) {
  DL_CHECK(model != nullptr, "keras_program '", name, "': no model");
  const keras::TrainingGraph& tg = model->training_graph();
  if (tg.inputs.size() != 1 || tg.outputs.size() != 1 || tg.targets.size() != 1) {
    throw InvalidArgument(str_cat("keras_program '", name, "': model \"", model->name(), "\" has ",
                                  tg.inputs.size(), " inputs and ", tg.outputs.size(),
                                  " outputs; parity_check compares single-input, single-output "
                                  "models"));
  }
  Graph& g = tg.loss.node->graph();
  std::shared_ptr<keras::Context> ctx = keras::backend::context_of(g);

  TrainingProgram p;
  p.name = name;
  p.tier = "keras";
  p.graph = std::shared_ptr<Graph>(ctx, &ctx->graph());
  p.input = tg.inputs[0];
  p.labels = tg.targets[0];
  p.loss = tg.loss;

  const Output train_out = tg.train_outputs[0], infer_out = tg.outputs[0];
  if (train_out == infer_out) {
    p.predictions = infer_out;
    p.logits = logits_of(infer_out);
  } else {
    // Keras 2's learning phase: one boolean picks the training or the inference forward pass.
    NameScope scope(g, "parity");
    p.training_flag = ops::placeholder(g, DType::boolean, Shape{}, "keras_learning_phase");
    p.flag_train_value = 1.0;
    p.flag_eval_value = 0.0;
    p.predictions = ops::where(p.training_flag, train_out, infer_out);
    const Output lt = logits_of(train_out), li = logits_of(infer_out);
    if (lt && li) {
      p.logits = ops::where(p.training_flag, lt, li);
      p.logits_aliases = {lt, li};
    }
    p.predictions_aliases = {train_out, infer_out};
  }

  p.train_fetches = {tg.loss};
  p.eval_fetches = {tg.eval_loss ? tg.eval_loss : tg.loss};
  for (const auto& m : tg.metrics) {
    // A state metric (AUC) has no per-batch scalar to probe or compare: its value comes from
    // counts summed over the epoch outside the graph.
    if (m.train_state) continue;
    // A ratio metric (precision, recall) divides by its own denominators.
    auto ratio = [&](Output sum, Output count) {
      return sum / ops::maximum(count, ops::scalar(g, 1e-30, count.dtype()));
    };
    const Output train_mean =
        m.train_count ? ratio(m.train_sum, m.train_count) : batch_mean(g, m.train_sum, p.labels);
    const Output eval_mean =
        m.eval_count ? ratio(m.eval_sum, m.eval_count) : batch_mean(g, m.eval_sum, p.labels);
    p.metrics.push_back({m.name, train_mean, ""});
    p.train_fetches.push_back(train_mean);
    p.eval_fetches.push_back(eval_mean);
  }
  p.train_targets = {tg.train_op};
  p.update_ops = tg.update_ops;
  p.trainable = tg.trainable_variables;

  keras::optimizers::Optimizer& opt = model->optimizer();
  p.optimizer_role = optimizer_role(g, opt, tg);
  p.optimizer_description = "keras.optimizers." + opt.class_name();

  // Labels as fit feeds them: class ids for a sparse loss, one-hot rows for a categorical one,
  // the targets as they are otherwise (all float32, as Keras's target placeholders).
  const Shape& ls = p.labels.shape();
  const Shape& os = infer_out.shape();
  LabelFormat fmt = LabelFormat::dense;
  if (ls.rank() + 1 == os.rank()) {
    fmt = LabelFormat::sparse;
  } else if (ls.rank() == 2 && os.rank() == 2 && ls.dim(1) > 1 && logits_of(infer_out)) {
    fmt = LabelFormat::one_hot;
  }
  // A from_logits head: the model's output is the logits.
  if (!p.logits && fmt != LabelFormat::dense && !logits_of(infer_out)) {
    p.logits = p.predictions;
    p.logits_aliases = p.predictions_aliases;
  }
  p.data.batch_size = fit.batch_size;
  p.data.shuffle = fit.shuffle;
  p.data.shuffle_seed = fit.shuffle_seed;
  p.data.validation_split = fit.validation_split;
  p.data.scale = fit.scale;
  p.data.keep_partial_batch = true;
  p.data.label_format = fmt;
  p.data.label_dtype = p.labels.dtype();
  p.data.eval_batch_size = fit.eval_batch_size;
  p.keep_alive.push_back(model);
  p.keep_alive.push_back(ctx);
  p.finalize();
  return p;
}

}  // namespace dl::parity
