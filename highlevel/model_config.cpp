#include "dl/highlevel/model_config.h"

#include <map>
#include <set>

#include "dl/core/error.h"
#include "dl/core/str_cat.h"
#include "dl/highlevel/internal/layer_config.h"
#include "dl/highlevel/losses.h"
#include "dl/highlevel/metrics.h"
#include "dl/highlevel/optimizers.h"

namespace dl::keras {

using config::Json;

namespace {

Json shape_json(const Shape& s) {
  Json a = Json::array();
  for (int64_t i = 0; i < s.rank(); ++i) a.push_back(s[i] < 0 ? Json(nullptr) : Json(s[i]));
  return a;
}

/// The shapes a layer's first call received: one shape, or a list for a list-taking layer.
Json build_config(const Layer& l) {
  const auto& calls = l.inbound_nodes();
  if (calls.empty() || calls[0].inputs.empty()) return nullptr;
  Json shape;
  if (l.takes_list()) {
    shape = Json::array();
    for (const KerasTensor& t : calls[0].inputs) shape.push_back(shape_json(t.shape()));
  } else {
    shape = shape_json(calls[0].inputs[0].shape());
  }
  Json b;
  b["input_shape"] = shape;
  return b;
}

Json input_layer_config(const Layer& l) {
  const auto* in = dynamic_cast<const InputLayerImpl*>(&l);
  DL_ASSERT(in != nullptr);
  Json c;
  c["batch_shape"] = shape_json(in->placeholder().shape());
  c["dtype"] = std::string(dl::name(in->placeholder().dtype()));
  c["sparse"] = false;
  c["ragged"] = false;
  c["name"] = l.name();
  c["optional"] = false;
  return c;
}

Json layer_entry(const Layer& l) {
  Json e;
  const bool input = dynamic_cast<const InputLayerImpl*>(&l) != nullptr;
  e["module"] = "keras.layers";
  e["class_name"] = l.class_name();
  e["config"] = input ? input_layer_config(l) : config::layer_config(l);
  e["registered_name"] = nullptr;
  if (!input && config::writes_build_config(l)) {
    Json b = build_config(l);
    if (!b.is_null()) e["build_config"] = b;
  }
  return e;
}

Json tensor_ref(const KerasTensor& t) {
  return Json::array({t.layer()->name(), t.node_index(), t.tensor_index()});
}

Json keras_tensor_json(const KerasTensor& t) {
  Json c;
  c["shape"] = shape_json(t.shape());
  c["dtype"] = std::string(dl::name(t.dtype()));
  c["keras_history"] = tensor_ref(t);
  Json j;
  j["class_name"] = "__keras_tensor__";
  j["config"] = c;
  return j;
}

}  // namespace

std::string Model::to_json(int indent) const {
  Json model;
  Json c;
  c["name"] = name_;
  c["trainable"] = true;
  if (is_sequential()) {
    model["module"] = "keras";
    model["class_name"] = "Sequential";
    Json dtype;
    dtype["module"] = "keras";
    dtype["class_name"] = "DTypePolicy";
    dtype["config"] = Json{{"name", "float32"}};
    dtype["registered_name"] = nullptr;
    c["dtype"] = dtype;
    Json ls = Json::array();
    if (built()) ls.push_back(layer_entry(*inputs_[0].layer()));
    for (const auto& l : layers()) ls.push_back(layer_entry(*l));
    c["layers"] = ls;
    if (built()) c["build_input_shape"] = shape_json(inputs_[0].shape());
    model["config"] = c;
    model["registered_name"] = nullptr;
    if (built()) model["build_config"] = Json{{"input_shape", shape_json(inputs_[0].shape())}};
  } else {
    model["module"] = "keras.src.models.functional";
    model["class_name"] = "Functional";
    std::set<const Layer*> mine;
    for (const auto& l : layers()) mine.insert(l.get());
    Json ls = Json::array();
    for (const auto& l : layers()) {
      Json e = layer_entry(*l);
      e["name"] = l->name();
      Json nodes = Json::array();
      for (const LayerCall& call : l->inbound_nodes()) {
        if (call.inputs.empty()) continue;  // an InputLayer
        bool inside = true;
        for (const KerasTensor& t : call.inputs) inside = inside && mine.count(t.layer().get());
        if (!inside) continue;  // a call of a shared layer in another model
        Json args = Json::array();
        if (l->takes_list()) {
          Json list = Json::array();
          for (const KerasTensor& t : call.inputs) list.push_back(keras_tensor_json(t));
          args.push_back(list);
        } else {
          args.push_back(keras_tensor_json(call.inputs[0]));
        }
        // Keras records the call arguments given: GlobalAveragePooling1D's call takes a mask.
        Json kwargs = Json::object();
        if (l->class_name() == "GlobalAveragePooling1D") kwargs["mask"] = nullptr;
        nodes.push_back(Json{{"args", args}, {"kwargs", kwargs}});
      }
      e["inbound_nodes"] = nodes;
      ls.push_back(e);
    }
    c["layers"] = ls;
    Json ins = Json::array(), outs = Json::array();
    for (const KerasTensor& t : inputs_) ins.push_back(tensor_ref(t));
    for (const KerasTensor& t : outputs_) outs.push_back(tensor_ref(t));
    // Keras writes a model of one input (output) tensor with the reference unwrapped.
    c["input_layers"] = ins.size() == 1 ? ins[0] : ins;
    c["output_layers"] = outs.size() == 1 ? outs[0] : outs;
    model["config"] = c;
    model["registered_name"] = "Functional";
    model["build_config"] = Json{{"input_shape", nullptr}};
  }
  return model.dump(indent);
}

namespace models {
namespace {

using config::Format;

[[noreturn]] void bad(const std::string& what) {
  throw InvalidArgument(str_cat("model_from_json(): ", what));
}

const Json& member(const Json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) bad(str_cat(where, " has no `", key, "`"));
  return j[key];
}

std::string class_of(const Json& entry, const std::string& where) {
  const Json& c = member(entry, "class_name", where);
  if (!c.is_string()) bad(str_cat(where, ": `class_name` must be a string, received ", c.dump()));
  return c.get<std::string>();
}

/// Keras 2 configs write dtypes as strings and shapes as "batch_input_shape".
Format format_of(const Json& layer_entries) {
  for (const Json& e : layer_entries) {
    if (!e.is_object() || !e.contains("config") || !e["config"].is_object()) continue;
    const Json& c = e["config"];
    if (c.contains("batch_input_shape")) return Format::keras2;
    if (c.contains("dtype") && c["dtype"].is_string() &&
        e.value("class_name", "") != "InputLayer") {
      return Format::keras2;
    }
    if (e.contains("inbound_nodes") && e["inbound_nodes"].is_array() &&
        !e["inbound_nodes"].empty() && e["inbound_nodes"][0].is_array()) {
      return Format::keras2;
    }
  }
  return Format::keras3;
}

DType dtype_from_name(const std::string& n, const std::string& where) {
  for (DType t : {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8, DType::boolean}) {
    if (dl::name(t) == n) return t;
  }
  bad(str_cat(where, ": unknown dtype \"", n,
              "\" (expected float32, float64, int32, int64, uint8 or bool)"));
}

KerasTensor make_input(const Json& c, const std::string& where) {
  if (!c.is_object()) bad(str_cat(where, ": the InputLayer config must be an object"));
  const char* key = c.contains("batch_shape") ? "batch_shape" : "batch_input_shape";
  const Json& s = member(c, key, str_cat(where, " (InputLayer)"));
  if (!s.is_array() || s.empty())
    bad(str_cat(where, ": `", key, "` must be a list, received ", s.dump()));
  std::vector<int64_t> shape;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i].is_null()) {
      shape.push_back(-1);
    } else if (s[i].is_number_integer()) {
      shape.push_back(s[i].get<int64_t>());
    } else {
      bad(str_cat(where, ": `", key, "` must hold integers or null, received ", s.dump()));
    }
  }
  InputOptions o;
  o.name = c.value("name", "");
  if (c.contains("dtype") && c["dtype"].is_string())
    o.dtype = dtype_from_name(c["dtype"].get<std::string>(), where);
  if (!s[0].is_null()) o.batch_size = s[0].get<int64_t>();
  for (const char* off : {"sparse", "ragged", "optional"}) {
    if (c.value(off, false))
      bad(str_cat(where, ": InputLayer `", off, "` = true is not available"));
  }
  return Input(shape, o);
}

std::vector<int64_t> unbatched(const Json& s, const std::string& where) {
  std::vector<int64_t> out;
  if (!s.is_array() || s.empty()) bad(str_cat(where, " must be a shape list, received ", s.dump()));
  for (size_t i = 1; i < s.size(); ++i) out.push_back(s[i].is_null() ? -1 : s[i].get<int64_t>());
  return out;
}

std::unique_ptr<Model> sequential_from(const Json& model, Format format) {
  const Json& c = member(model, "config", "the Sequential model");
  // Keras 2.2.4 wrote the Sequential's config as the list of its layers.
  const Json& entries = c.is_array() ? c : member(c, "layers", "the Sequential config");
  if (!entries.is_array()) bad("the Sequential's `layers` must be a list");
  SequentialOptions so;
  if (c.is_object()) so.name = c.value("name", "");
  auto seq = std::make_unique<Sequential>(so);
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string where = str_cat("layer ", i, " of the Sequential");
    const std::string cls = class_of(entries[i], where);
    const Json& lc = member(entries[i], "config", where);
    if (cls == "InputLayer") {
      seq->add(make_input(lc, where));
    } else if (cls == "Sequential" || cls == "Functional" || cls == "Model") {
      bad(str_cat(where, " is a nested model (", cls, "); dl's models are not layers"));
    } else {
      seq->add(config::layer_from_config(cls, lc, format));
    }
  }
  if (!seq->built() && c.is_object() && c.contains("build_input_shape") &&
      !c["build_input_shape"].is_null()) {
    seq->build(unbatched(c["build_input_shape"], "`build_input_shape`"));
  }
  return seq;
}

/// One input tensor of a node: Keras 3's {"class_name": "__keras_tensor__", "config":
/// {"keras_history": [layer, node, tensor]}} or Keras 2's [layer, node, tensor, kwargs].
struct TensorRef {
  std::string layer;
  int node = 0;
  int tensor = 0;
};

TensorRef ref_of(const Json& j, const std::string& where) {
  const Json* h = &j;
  if (j.is_object()) {
    if (j.value("class_name", "") != "__keras_tensor__") {
      bad(str_cat(where, ": a call argument that is not a tensor (", j.dump(), ")"));
    }
    h = &member(member(j, "config", where), "keras_history", where);
  }
  if (!h->is_array() || h->size() < 3 || !(*h)[0].is_string() || !(*h)[1].is_number_integer() ||
      !(*h)[2].is_number_integer()) {
    bad(str_cat(where, ": a tensor reference must be [layer, node_index, tensor_index], received ",
                h->dump()));
  }
  if (h->size() > 3 && (*h)[3].is_object() && !(*h)[3].empty()) {
    bad(str_cat(where, ": call arguments ", (*h)[3].dump(), " are not available"));
  }
  return TensorRef{(*h)[0].get<std::string>(), (*h)[1].get<int>(), (*h)[2].get<int>()};
}

/// The input tensors of one inbound node, in either format.
std::vector<TensorRef> node_inputs(const Json& node, const std::string& where, bool& list) {
  std::vector<TensorRef> out;
  if (node.is_array()) {  // Keras 2: a list of [layer, node, tensor, kwargs]
    for (const Json& t : node) out.push_back(ref_of(t, where));
    list = out.size() > 1;
    return out;
  }
  const Json& args = member(node, "args", where);
  if (!args.is_array() || args.size() != 1) {
    bad(str_cat(where, ": a call must have one positional argument, received ", args.dump()));
  }
  if (node.contains("kwargs") && node["kwargs"].is_object()) {
    for (auto it = node["kwargs"].begin(); it != node["kwargs"].end(); ++it) {
      if (!it.value().is_null()) {
        bad(str_cat(where, ": the call argument `", it.key(), "` = ", it.value().dump(),
                    " is not available"));
      }
    }
  }
  const Json& a = args[0];
  list = a.is_array();
  if (list) {
    for (const Json& t : a) out.push_back(ref_of(t, where));
  } else {
    out.push_back(ref_of(a, where));
  }
  return out;
}

std::vector<TensorRef> refs_of(const Json& j, const char* key) {
  std::vector<TensorRef> out;
  if (!j.is_array()) bad(str_cat("`", key, "` must be a list, received ", j.dump()));
  if (!j.empty() && j[0].is_string()) {  // one tensor, unwrapped
    out.push_back(ref_of(j, key));
    return out;
  }
  for (const Json& t : j) out.push_back(ref_of(t, key));
  return out;
}

std::unique_ptr<Model> functional_from(const Json& model, Format format) {
  const Json& c = member(model, "config", "the functional model");
  const Json& entries = member(c, "layers", "the functional config");
  if (!entries.is_array()) bad("the functional model's `layers` must be a list");

  struct Pending {
    std::shared_ptr<Layer> layer;
    std::vector<Json> nodes;
    size_t done = 0;
    std::string where;
  };
  std::map<std::string, std::vector<KerasTensors>> produced;  // layer -> outputs per node
  std::vector<Pending> pending;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Json& e = entries[i];
    const std::string cls = class_of(e, str_cat("layer ", i));
    const Json& lc = member(e, "config", str_cat("layer ", i));
    std::string name = e.contains("name") && e["name"].is_string() ? e["name"].get<std::string>()
                                                                   : lc.value("name", "");
    const std::string where = str_cat("layer \"", name, "\"");
    if (produced.count(name)) bad(str_cat("two layers are named \"", name, "\""));
    if (cls == "InputLayer") {
      produced[name].push_back(KerasTensors{make_input(lc, where)});
      continue;
    }
    if (cls == "Sequential" || cls == "Functional" || cls == "Model") {
      bad(str_cat(where, " is a nested model (", cls, "); dl's models are not layers"));
    }
    Pending p;
    p.layer = config::layer_from_config(cls, lc, format);
    p.where = where;
    const Json& nodes = member(e, "inbound_nodes", where);
    if (!nodes.is_array()) bad(str_cat(where, ": `inbound_nodes` must be a list"));
    for (const Json& n : nodes) p.nodes.push_back(n);
    produced[name];
    pending.push_back(std::move(p));
  }
  // Calls in dependency order: each pass makes the calls whose inputs exist.
  for (bool progress = true; progress;) {
    progress = false;
    for (Pending& p : pending) {
      while (p.done < p.nodes.size()) {
        bool list = false;
        const std::vector<TensorRef> refs = node_inputs(p.nodes[p.done], p.where, list);
        std::vector<KerasTensor> xs;
        for (const TensorRef& r : refs) {
          auto it = produced.find(r.layer);
          if (it == produced.end()) {
            bad(str_cat(p.where, " is called on layer \"", r.layer, "\", which the config lacks"));
          }
          if (r.node >= static_cast<int>(it->second.size())) break;
          const KerasTensors& outs = it->second[size_t(r.node)];
          if (r.tensor >= static_cast<int>(outs.size())) {
            bad(str_cat(p.where, ": layer \"", r.layer, "\" has no output ", r.tensor));
          }
          xs.push_back(outs[size_t(r.tensor)]);
        }
        if (xs.size() != refs.size()) break;  // an input is not made yet
        KerasTensors y =
            list || p.layer->takes_list() ? (*p.layer)(xs) : KerasTensors{(*p.layer)(xs[0])};
        produced[p.layer->name()].push_back(y);
        ++p.done;
        progress = true;
      }
    }
  }
  for (const Pending& p : pending) {
    if (p.done < p.nodes.size()) {
      bad(str_cat(p.where, ": its call ", p.done,
                  " waits on tensors no layer produces (a cycle?)"));
    }
  }
  auto tensors = [&](const char* key) {
    std::vector<KerasTensor> out;
    for (const TensorRef& r : refs_of(member(c, key, "the functional config"), key)) {
      auto it = produced.find(r.layer);
      if (it == produced.end() || r.node >= static_cast<int>(it->second.size()) ||
          r.tensor >= static_cast<int>(it->second[size_t(r.node)].size())) {
        bad(str_cat("`", key, "` names [\"", r.layer, "\", ", r.node, ", ", r.tensor,
                    "], which the model does not produce"));
      }
      out.push_back(it->second[size_t(r.node)][size_t(r.tensor)]);
    }
    return out;
  };
  return std::make_unique<Model>(tensors("input_layers"), tensors("output_layers"),
                                 c.value("name", ""));
}

// ---- compile_config ---------------------------------------------------------------------------

const Json& object_config(const Json& j) {
  static const Json empty = Json::object();
  return j.is_object() && j.contains("config") && j["config"].is_object() ? j["config"] : empty;
}

double num(const Json& c, const char* k, double def) {
  return c.contains(k) && c[k].is_number() ? c[k].get<double>() : def;
}
std::optional<double> opt_num(const Json& c, const char* k) {
  if (c.contains(k) && c[k].is_number()) return c[k].get<double>();
  return std::nullopt;
}

optimizers::LearningRate learning_rate_of(const Json& j) {
  namespace ks = optimizers::schedules;
  if (j.is_number()) return j.get<double>();
  const std::string cls = j.is_object() ? j.value("class_name", "") : "";
  const Json& c = object_config(j);
  auto steps = [&](const char* k) { return static_cast<int64_t>(num(c, k, 1)); };
  if (cls == "ExponentialDecay" || cls == "InverseTimeDecay") {
    ks::ExponentialDecayOptions o{num(c, "initial_learning_rate", 0.01), steps("decay_steps"),
                                  num(c, "decay_rate", 0.96), c.value("staircase", false)};
    if (cls == "InverseTimeDecay") return ks::InverseTimeDecay(o);
    return ks::ExponentialDecay(o);
  }
  if (cls == "PolynomialDecay") {
    return ks::PolynomialDecay({num(c, "initial_learning_rate", 0.01), steps("decay_steps"),
                                num(c, "end_learning_rate", 1e-4), num(c, "power", 1.0),
                                c.value("cycle", false)});
  }
  if (cls == "CosineDecay") {
    return ks::CosineDecay({num(c, "initial_learning_rate", 0.01), steps("decay_steps"),
                            num(c, "alpha", 0.0), opt_num(c, "warmup_target"),
                            static_cast<int64_t>(num(c, "warmup_steps", 0))});
  }
  if (cls == "PiecewiseConstantDecay") {
    std::vector<int64_t> b;
    std::vector<double> v;
    for (const Json& x : c.value("boundaries", Json::array())) b.push_back(x.get<int64_t>());
    for (const Json& x : c.value("values", Json::array())) v.push_back(x.get<double>());
    return ks::PiecewiseConstantDecay(b, v);
  }
  bad(str_cat("compile_config: unknown learning-rate schedule ", j.dump()));
}

template <class Options>
Options optimizer_options(const Json& c) {
  Options o;
  if (c.contains("learning_rate") && !c["learning_rate"].is_null()) {
    o.learning_rate = learning_rate_of(c["learning_rate"]);
  }
  o.clipnorm = opt_num(c, "clipnorm");
  o.clipvalue = opt_num(c, "clipvalue");
  o.global_clipnorm = opt_num(c, "global_clipnorm");
  o.name = c.value("name", "");
  return o;
}

template <class Options>
Options with_weight_decay(const Json& c) {
  Options o = optimizer_options<Options>(c);
  o.weight_decay = opt_num(c, "weight_decay");
  return o;
}

/// beta_1, beta_2 and epsilon of the Adam family (Adam, AdamW, Adamax, Nadam), Keras's defaults.
template <class Options>
void adam_moments(const Json& c, Options& o) {
  o.beta_1 = num(c, "beta_1", 0.9);
  o.beta_2 = num(c, "beta_2", 0.999);
  o.epsilon = num(c, "epsilon", 1e-7);
}

optimizers::OptimizerArg optimizer_of(const Json& j) {
  namespace ko = optimizers;
  if (j.is_string()) return ko::OptimizerArg(j.get<std::string>());
  const std::string cls = j.is_object() ? j.value("class_name", "") : "";
  const Json& c = object_config(j);
  for (const char* off : {"use_ema", "loss_scale_factor", "gradient_accumulation_steps"}) {
    if (c.contains(off) && !c[off].is_null() && c[off] != false) {
      bad(str_cat("compile_config: optimizer `", off, "` = ", c[off].dump(), " is not available"));
    }
  }
  if (cls == "SGD") {
    auto o = with_weight_decay<ko::SGDOptions>(c);
    o.momentum = num(c, "momentum", 0.0);
    o.nesterov = c.value("nesterov", false);
    return ko::SGD(o);
  }
  if (cls == "Adam") {
    auto o = with_weight_decay<ko::AdamOptions>(c);
    adam_moments(c, o);
    o.amsgrad = c.value("amsgrad", false);
    return ko::Adam(o);
  }
  if (cls == "AdamW") {
    auto o = optimizer_options<ko::AdamWOptions>(c);
    o.weight_decay = num(c, "weight_decay", 0.004);
    adam_moments(c, o);
    o.amsgrad = c.value("amsgrad", false);
    return ko::AdamW(o);
  }
  if (cls == "RMSprop") {
    auto o = with_weight_decay<ko::RMSpropOptions>(c);
    o.rho = num(c, "rho", 0.9);
    o.momentum = num(c, "momentum", 0.0);
    o.epsilon = num(c, "epsilon", 1e-7);
    o.centered = c.value("centered", false);
    return ko::RMSprop(o);
  }
  if (cls == "Adagrad") {
    auto o = with_weight_decay<ko::AdagradOptions>(c);
    o.initial_accumulator_value = opt_num(c, "initial_accumulator_value");
    o.epsilon = num(c, "epsilon", 1e-7);
    return ko::Adagrad(o);
  }
  if (cls == "Adadelta") {
    auto o = with_weight_decay<ko::AdadeltaOptions>(c);
    o.rho = num(c, "rho", 0.95);
    o.epsilon = num(c, "epsilon", 1e-7);
    return ko::Adadelta(o);
  }
  if (cls == "Adamax") {
    auto o = with_weight_decay<ko::AdamaxOptions>(c);
    adam_moments(c, o);
    return ko::Adamax(o);
  }
  if (cls == "Nadam") {
    auto o = with_weight_decay<ko::NadamOptions>(c);
    adam_moments(c, o);
    return ko::Nadam(o);
  }
  bad(str_cat("compile_config: unknown optimizer ", j.dump(),
              " (dl reads SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)"));
}

losses::LossArg loss_of(const Json& j) {
  namespace kl = losses;
  if (j.is_null()) return {};
  if (j.is_string()) return kl::LossArg(j.get<std::string>());
  const std::string cls = j.is_object() ? j.value("class_name", "") : "";
  const Json& c = object_config(j);
  const std::string reduction = c.value("reduction", "sum_over_batch_size");
  const std::string name = c.value("name", "");
  kl::CrossentropyOptions ce{c.value("from_logits", false), num(c, "label_smoothing", 0.0),
                             reduction, name};
  if (cls == "BinaryCrossentropy") return kl::BinaryCrossentropy(ce);
  if (cls == "CategoricalCrossentropy") return kl::CategoricalCrossentropy(ce);
  if (cls == "SparseCategoricalCrossentropy") return kl::SparseCategoricalCrossentropy(ce);
  kl::LossOptions lo{reduction, name};
  if (cls == "MeanSquaredError") return kl::MeanSquaredError(lo);
  if (cls == "MeanAbsoluteError") return kl::MeanAbsoluteError(lo);
  if (cls == "KLDivergence") return kl::KLDivergence(lo);
  if (cls == "Huber") return kl::Huber({num(c, "delta", 1.0), reduction, name});
  bad(str_cat("compile_config: unknown loss ", j.dump()));
}

metrics::MetricArg metric_of(const Json& j) {
  if (j.is_string()) return metrics::MetricArg(j.get<std::string>());
  const std::string cls = j.is_object() ? j.value("class_name", "") : "";
  if (cls.empty())
    bad(str_cat("compile_config: a metric must be a name or a config, received ", j.dump()));
  std::shared_ptr<metrics::Metric> m = metrics::get(cls);
  const Json& c = object_config(j);
  if (c.contains("name") && c["name"].is_string()) m->set_name(c["name"].get<std::string>());
  return metrics::MetricArg(std::shared_ptr<const metrics::Metric>(m));
}

void compile_from(Model& m, const Json& cc) {
  CompileOptions o;
  if (cc.contains("optimizer") && !cc["optimizer"].is_null())
    o.optimizer = optimizer_of(cc["optimizer"]);
  if (cc.contains("loss")) {
    const Json& l = cc["loss"];
    if (l.is_array()) {
      std::vector<losses::LossArg> per;
      for (const Json& x : l) per.push_back(loss_of(x));
      o.loss = LossSpec(per);
    } else if (l.is_object() && !l.contains("class_name")) {
      std::map<std::string, losses::LossArg> by;
      for (auto it = l.begin(); it != l.end(); ++it) by[it.key()] = loss_of(it.value());
      o.loss = LossSpec(by);
    } else if (!l.is_null()) {
      o.loss = LossSpec(loss_of(l));
    }
  }
  if (cc.contains("loss_weights") && cc["loss_weights"].is_array()) {
    for (const Json& w : cc["loss_weights"]) o.loss_weights.push_back(w.get<double>());
  }
  if (cc.contains("metrics") && cc["metrics"].is_array()) {
    for (const Json& x : cc["metrics"]) {
      if (x.is_array()) {
        bad("compile_config: per-output metric lists are not available; give metrics by output "
            "name");
      }
      o.metrics.push_back(metric_of(x));
    }
  } else if (cc.contains("metrics") && cc["metrics"].is_object()) {
    for (auto it = cc["metrics"].begin(); it != cc["metrics"].end(); ++it) {
      std::vector<metrics::MetricArg> ms;
      const Json& v = it.value();
      if (v.is_array()) {
        for (const Json& x : v) ms.push_back(metric_of(x));
      } else {
        ms.push_back(metric_of(v));
      }
      o.output_metrics[it.key()] = ms;
    }
  }
  if (cc.contains("weighted_metrics") && !cc["weighted_metrics"].is_null() &&
      !(cc["weighted_metrics"].is_array() && cc["weighted_metrics"].empty())) {
    bad("compile_config: `weighted_metrics` is not available");
  }
  m.compile(std::move(o));
}

}  // namespace

void compile_from_config(Model& model, const std::string& compile_config_json) {
  Json cc;
  try {
    cc = Json::parse(compile_config_json);
  } catch (const Json::parse_error& e) {
    bad(str_cat("the compile_config is not JSON: ", e.what()));
  }
  if (!cc.is_object()) bad(str_cat("a compile_config must be an object, received ", cc.dump()));
  compile_from(model, cc);
}

std::unique_ptr<Model> model_from_json(const std::string& json, ModelFromJsonOptions options) {
  Json model;
  try {
    model = Json::parse(json);
  } catch (const Json::parse_error& e) {
    bad(str_cat("the text is not JSON: ", e.what()));
  }
  const std::string cls = class_of(model, "the model config");
  const Json& c = member(model, "config", "the model config");
  const Json& entries = c.is_array() ? c : member(c, "layers", "the model config");
  if (!entries.is_array()) bad("the model's `layers` must be a list");
  const Format format = format_of(entries);
  std::unique_ptr<Model> m;
  if (cls == "Sequential") {
    m = sequential_from(model, format);
  } else if (cls == "Functional" || cls == "Model") {
    m = functional_from(model, format);
  } else {
    bad(str_cat("unknown model class \"", cls, "\" (dl reads Sequential and Functional)"));
  }
  if (options.compile && model.contains("compile_config") && model["compile_config"].is_object() &&
      !model["compile_config"].empty()) {
    compile_from(*m, model["compile_config"]);
  }
  return m;
}

}  // namespace models
}  // namespace dl::keras
