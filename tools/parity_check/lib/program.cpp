#include "dl/tools/parity_check/lib/program.h"

#include <algorithm>

#include "dl/core/dtype_visit.h"

namespace dl::parity {

const char* to_string(LabelFormat f) {
  switch (f) {
    case LabelFormat::sparse:
      return "class ids";
    case LabelFormat::one_hot:
      return "one-hot rows";
    case LabelFormat::dense:
      return "targets as given";
  }
  return "?";
}

namespace {

// The shape a batch of n rows takes for a placeholder: its dimensions with the unknown
// (batch) ones set to n.
Shape batch_shape(const Shape& placeholder, int64_t n) {
  std::vector<int64_t> d = placeholder.dims();
  if (!d.empty()) d[0] = n;
  for (auto& v : d) {
    if (v < 0) v = n;
  }
  return Shape(d);
}

Tensor fit_to(const Tensor& t, const Output& placeholder, const char* what) {
  const Shape want = batch_shape(placeholder.shape(), t.shape().rank() ? t.shape().dim(0) : 1);
  Tensor out = t;
  if (t.shape() != want) {
    DL_CHECK(want.num_elements() == t.num_elements(), "parity: cannot feed ", what, " of shape ",
             t.shape().to_string(), " to '", placeholder.name(), "' ",
             placeholder.spec().to_string());
    out = t.reshaped(want);
  }
  if (out.dtype() != placeholder.dtype()) out = out.cast(placeholder.dtype());
  return out;
}

}  // namespace

Tensor convert_labels(const Tensor& y, int64_t num_classes, LabelFormat format, DType dtype,
                      const Shape& placeholder_shape) {
  const int64_t n = y.shape().dim(0);
  Tensor out;
  switch (format) {
    case LabelFormat::sparse: {
      DL_CHECK(y.dtype() == DType::i32,
               "parity: class-id labels need int32 class ids, the data set "
               "has ",
               y.spec_string());
      out = y.cast(dtype);
      break;
    }
    case LabelFormat::one_hot: {
      DL_CHECK(y.dtype() == DType::i32 && num_classes > 0,
               "parity: one-hot labels need class ids and a class count, the data set has ",
               y.spec_string());
      Tensor oh = Tensor::zeros(DType::f32, Shape({n, num_classes}));
      const int32_t* ids = y.data<int32_t>();
      float* p = oh.data<float>();
      for (int64_t i = 0; i < n; ++i) p[i * num_classes + ids[i]] = 1.0f;
      out = oh.cast(dtype);
      break;
    }
    case LabelFormat::dense:
      out = y.cast(dtype);
      break;
  }
  const Shape want = batch_shape(placeholder_shape, n);
  if (out.shape() != want) {
    DL_CHECK(want.num_elements() == out.num_elements(), "parity: labels of shape ",
             out.shape().to_string(), " (", to_string(format),
             ") do not fit a placeholder of shape ", placeholder_shape.to_string());
    out = out.reshaped(want);
  }
  return out;
}

FeedDict TrainingProgram::feed(const Batch& batch, RunKind kind) const {
  if (feed_override) return feed_override(*this, batch, kind);
  FeedDict f;
  Tensor x = batch.x;
  if (data.scale != 1.0) {
    Tensor s(DType::f32, x.shape());
    const float* src = x.data<float>();
    float* dst = s.data<float>();
    const auto k = static_cast<float>(data.scale);
    for (int64_t i = 0; i < x.num_elements(); ++i) dst[i] = src[i] * k;
    x = s;
  }
  f.emplace_back(input, fit_to(x, input, "inputs"));
  f.emplace_back(labels, convert_labels(batch.y, batch.num_classes, data.label_format,
                                        labels.dtype(), labels.shape()));
  for (const LabelFeed& l : extra_labels) {
    f.emplace_back(l.placeholder, convert_labels(batch.y, batch.num_classes, l.format,
                                                 l.placeholder.dtype(), l.placeholder.shape()));
  }
  const int64_t n = batch.x.shape().dim(0);
  if (sample_weights) {
    f.emplace_back(sample_weights, Tensor::filled(sample_weights.dtype(),
                                                  batch_shape(sample_weights.shape(), n), 1.0));
  }
  const std::optional<double>& flag = kind == RunKind::train ? flag_train_value : flag_eval_value;
  if (training_flag && flag) {
    f.emplace_back(training_flag, Tensor::filled(training_flag.dtype(), Shape{}, *flag));
  }
  return f;
}

void TrainingProgram::finalize() {
  DL_CHECK(graph != nullptr, "TrainingProgram '", name, "': no graph");
  DL_CHECK(input, "TrainingProgram '", name, "': the input role is not set");
  DL_CHECK(labels, "TrainingProgram '", name, "': the labels role is not set");
  DL_CHECK(loss, "TrainingProgram '", name, "': the loss role is not set");
  DL_CHECK(!train_targets.empty(), "TrainingProgram '", name, "': no train op");
  DL_CHECK(logits || predictions, "TrainingProgram '", name,
           "': set logits or predictions (the model output)");
  Graph& g = *graph;
  if (trainable.empty()) trainable = trainable_variables(g);
  if (variables.empty()) variables = global_variables(g);
  if (update_ops.empty()) update_ops = g.get_collection(GraphKeys::UPDATE_OPS);
  if (train_fetches.empty()) {
    train_fetches.push_back(loss);
    for (const auto& m : metrics) train_fetches.push_back(m.tensor);
  }
  if (eval_fetches.empty()) {
    eval_fetches.push_back(loss);
    for (const auto& m : metrics) eval_fetches.push_back(m.tensor);
  }
  if (!logits) {
    // A model that returns probabilities: its logits are the input of the final activation.
    Output p = predictions;
    while (p.node->type() == "Identity") p = p.node->input(0);
    if (p.node->type() == "Softmax" || p.node->type() == "Sigmoid") logits = p.node->input(0);
  }
  if (!predictions) predictions = logits;
}

// ---- builder ----

ProgramBuilder::ProgramBuilder(std::string name, std::optional<int64_t> graph_seed) {
  p_.name = std::move(name);
  p_.graph = std::make_shared<Graph>();
  if (graph_seed) p_.graph->set_random_seed(*graph_seed);
}
ProgramBuilder& ProgramBuilder::input(Output x) {
  p_.input = x;
  return *this;
}
ProgramBuilder& ProgramBuilder::labels(Output y, LabelFormat format) {
  p_.labels = y;
  p_.data.label_format = format;
  p_.data.label_dtype = y.dtype();
  return *this;
}
ProgramBuilder& ProgramBuilder::sample_weights(Output w) {
  p_.sample_weights = w;
  return *this;
}
ProgramBuilder& ProgramBuilder::logits(Output l) {
  p_.logits = l;
  return *this;
}
ProgramBuilder& ProgramBuilder::predictions(Output p) {
  p_.predictions = p;
  return *this;
}
ProgramBuilder& ProgramBuilder::loss(Output l) {
  p_.loss = l;
  return *this;
}
ProgramBuilder& ProgramBuilder::metric(const std::string& name, Output t,
                                       const std::string& description) {
  p_.metrics.push_back({name, t, description});
  return *this;
}
ProgramBuilder& ProgramBuilder::train_op(Node* op) {
  p_.train_targets.insert(p_.train_targets.begin(), op);
  return *this;
}
ProgramBuilder& ProgramBuilder::train_target(Node* extra) {
  p_.train_targets.push_back(extra);
  return *this;
}
ProgramBuilder& ProgramBuilder::training_flag(Output flag, std::optional<double> train_value,
                                              std::optional<double> eval_value) {
  p_.training_flag = flag;
  p_.flag_train_value = train_value;
  p_.flag_eval_value = eval_value;
  return *this;
}
ProgramBuilder& ProgramBuilder::optimizer(const std::string& description) {
  p_.optimizer_description = description;
  return *this;
}
ProgramBuilder& ProgramBuilder::initializer(const std::string& var_name,
                                            const std::string& description) {
  p_.initializer_descriptions.emplace_back(var_name, description);
  return *this;
}
ProgramBuilder& ProgramBuilder::data(const DataRecipe& r) {
  const LabelFormat f = p_.data.label_format;
  const DType t = p_.data.label_dtype;
  p_.data = r;
  if (p_.labels) {
    p_.data.label_format = f;
    p_.data.label_dtype = t;
  }
  return *this;
}
ProgramBuilder& ProgramBuilder::batch_size(int64_t n) {
  p_.data.batch_size = n;
  return *this;
}
ProgramBuilder& ProgramBuilder::shuffle(bool on, uint64_t seed) {
  p_.data.shuffle = on;
  p_.data.shuffle_seed = seed;
  return *this;
}
ProgramBuilder& ProgramBuilder::keep_partial_batch(bool keep) {
  p_.data.keep_partial_batch = keep;
  return *this;
}
ProgramBuilder& ProgramBuilder::scale(double s) {
  p_.data.scale = s;
  return *this;
}
ProgramBuilder& ProgramBuilder::extra_run(ExtraRun r) {
  p_.extra_runs.push_back(std::move(r));
  return *this;
}
ProgramBuilder& ProgramBuilder::step_hook(StepHook h) {
  p_.step_hook = std::move(h);
  return *this;
}
ProgramBuilder& ProgramBuilder::keep(std::shared_ptr<void> obj) {
  p_.keep_alive.push_back(std::move(obj));
  return *this;
}
TrainingProgram ProgramBuilder::build() {
  p_.finalize();
  return p_;
}

}  // namespace dl::parity
