#include "dl/tools/parity_check/lib/program_io.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "dl/core/io/file_util.h"
#include "dl/graph/graph_io.h"
#include "dl/highlevel/model_config.h"
#include "dl/tools/parity_check/lib/clone.h"
#include "dl/tools/parity_check/lib/structure.h"

namespace dl::parity {
namespace {

using json = nlohmann::json;

const char* format_name(LabelFormat f) {
  switch (f) {
    case LabelFormat::sparse:
      return "sparse";
    case LabelFormat::one_hot:
      return "one_hot";
    case LabelFormat::dense:
      return "dense";
  }
  return "sparse";
}

LabelFormat parse_format(const std::string& s) {
  if (s == "sparse") return LabelFormat::sparse;
  if (s == "one_hot") return LabelFormat::one_hot;
  if (s == "dense") return LabelFormat::dense;
  throw InvalidArgument("roles: label_format must be sparse, one_hot or dense, received '" + s +
                        "'");
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw NotFound("parity_check: cannot read '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::string roles_json(const TrainingProgram& p) {
  json j;
  j["name"] = p.name;
  j["tier"] = p.tier;
  j["input"] = p.input.name();
  j["labels"] = p.labels.name();
  j["label_format"] = format_name(p.data.label_format);
  if (p.sample_weights) j["sample_weights"] = p.sample_weights.name();
  j["loss"] = p.loss.name();
  if (p.logits) j["logits"] = p.logits.name();
  if (p.predictions) j["predictions"] = p.predictions.name();
  json metrics = json::array();
  for (const auto& m : p.metrics) {
    metrics.push_back(
        {{"name", m.name}, {"tensor", m.tensor.name()}, {"description", m.description}});
  }
  j["metrics"] = metrics;
  json targets = json::array();
  for (const Node* t : p.train_targets) targets.push_back(t->name());
  j["train_targets"] = targets;
  if (p.training_flag) {
    json f = {{"tensor", p.training_flag.name()}};
    if (p.flag_train_value) f["train"] = *p.flag_train_value;
    if (p.flag_eval_value) f["eval"] = *p.flag_eval_value;
    j["training_flag"] = f;
  }
  json extra = json::array();
  for (const ExtraRun& x : p.extra_runs) {
    json fetches = json::array();
    for (const Output& o : x.fetches) fetches.push_back(o.name());
    extra.push_back({{"name", x.name},
                     {"every", x.every_n_steps},
                     {"fetches", fetches},
                     {"kind", x.kind == RunKind::train ? "train" : "eval"}});
  }
  j["extra_runs"] = extra;
  j["data"] = {{"batch_size", p.data.batch_size},
               {"shuffle", p.data.shuffle},
               {"keep_partial_batch", p.data.keep_partial_batch},
               {"validation_split", p.data.validation_split},
               {"scale", p.data.scale},
               {"eval_batch_size", p.data.eval_batch_size}};
  if (!p.optimizer_description.empty()) j["optimizer"] = p.optimizer_description;
  if (!p.initializer_descriptions.empty()) {
    json d = json::object();
    for (const auto& [k, v] : p.initializer_descriptions) d[k] = v;
    j["initializers"] = d;
  }
  return j.dump(2) + "\n";
}

void write_program(const TrainingProgram& p, const std::string& graph_path,
                   const std::string& roles_path) {
  io::write_graph(*p.graph, graph_path);
  std::ofstream f(roles_path, std::ios::binary);
  if (!f) throw FailedPrecondition("parity_check: cannot write '" + roles_path + "'");
  f << roles_json(p);
}

TrainingProgram load_program(const std::string& graph_path, const std::string& roles_path,
                             const BuildOptions& opts) {
  json j;
  try {
    j = json::parse(read_text(roles_path));
  } catch (const json::exception& e) {
    throw InvalidArgument("parity_check: roles file '" + roles_path + "': " + e.what());
  }
  TrainingProgram p;
  p.graph = std::make_shared<Graph>();
  Graph& g = *p.graph;
  io::import_graph(g, graph_path);
  auto field = [&](const char* k) -> const json& {
    if (!j.contains(k)) {
      throw InvalidArgument(str_cat("roles file '", roles_path, "': missing field '", k, "'"));
    }
    return j.at(k);
  };
  auto tensor = [&](const json& v) { return g.tensor_by_name(v.get<std::string>()); };
  try {
    p.name = j.value("name", graph_path);
    p.tier = j.value("tier", "graph");
    p.input = tensor(field("input"));
    p.labels = tensor(field("labels"));
    p.data.label_format = parse_format(j.value("label_format", "sparse"));
    p.data.label_dtype = p.labels.dtype();
    if (j.contains("sample_weights")) p.sample_weights = tensor(j["sample_weights"]);
    p.loss = tensor(field("loss"));
    if (j.contains("logits")) p.logits = tensor(j["logits"]);
    if (j.contains("predictions")) p.predictions = tensor(j["predictions"]);
    for (const json& m : j.value("metrics", json::array())) {
      p.metrics.push_back(
          {m.at("name").get<std::string>(), tensor(m.at("tensor")), m.value("description", "")});
    }
    if (j.contains("train_targets")) {
      for (const json& t : j["train_targets"])
        p.train_targets.push_back(g.node_by_name(t.get<std::string>()));
    } else {
      p.train_targets.push_back(g.node_by_name(field("train_op").get<std::string>()));
    }
    if (j.contains("training_flag")) {
      const json& f = j["training_flag"];
      p.training_flag = tensor(f.at("tensor"));
      if (f.contains("train")) p.flag_train_value = f["train"].get<double>();
      if (f.contains("eval")) p.flag_eval_value = f["eval"].get<double>();
    }
    for (const json& x : j.value("extra_runs", json::array())) {
      ExtraRun r;
      r.name = x.value("name", "extra");
      r.every_n_steps = x.value("every", 1);
      for (const json& f : x.at("fetches")) r.fetches.push_back(tensor(f));
      r.kind = x.value("kind", "eval") == "train" ? RunKind::train : RunKind::eval;
      p.extra_runs.push_back(std::move(r));
    }
    const json d = j.value("data", json::object());
    p.data.batch_size = d.value("batch_size", p.data.batch_size);
    p.data.shuffle = d.value("shuffle", p.data.shuffle);
    p.data.keep_partial_batch = d.value("keep_partial_batch", p.data.keep_partial_batch);
    p.data.validation_split = d.value("validation_split", p.data.validation_split);
    p.data.scale = d.value("scale", p.data.scale);
    p.data.eval_batch_size = d.value("eval_batch_size", p.data.eval_batch_size);
    p.data.shuffle_seed = static_cast<uint64_t>(opts.seed);
    p.optimizer_description = j.value("optimizer", "");
    for (const auto& [k, v] : j.value("initializers", json::object()).items()) {
      p.initializer_descriptions.emplace_back(k, v.get<std::string>());
    }
  } catch (const json::exception& e) {
    throw InvalidArgument("parity_check: roles file '" + roles_path + "': " + e.what());
  }
  p.finalize();

  if (opts.seed != 0) {
    // The file's random ops carry their seeds: copies with seeds derived from opts.seed draw
    // new initial weights from the same distributions.
    std::vector<std::pair<Variable, Output>> redraw;
    const auto salt = static_cast<int64_t>(opts.seed) * 7919;
    for (const Variable& v : p.variables) {
      const Output iv = v.initial_value();
      if (!iv) continue;
      bool random = false;
      for (const Node* n : ancestors({iv.node})) {
        random = random || n->type().rfind("Random", 0) == 0 || n->type() == "TruncatedNormal";
      }
      if (!random) continue;
      const Output copy =
          clone_subgraph(g, {iv}, {}, "parity_reseed", [&](const Node& n, AttrMap& a) {
            if (a.has("seed2")) a.set("seed2", (a.get_int("seed2") + salt) & 0x7fffffff);
            (void)n;
          })[0];
      redraw.emplace_back(v, copy);
    }
    if (!redraw.empty()) {
      p.after_init = [redraw](Session& s) {
        for (const auto& [v, o] : redraw) s.set_variable_value(v.op(), s.run(o));
      };
    }
  }
  return p;
}

TrainingProgram load_keras_program(const std::string& config_path, const KerasFileOptions& o,
                                   const BuildOptions& opts) {
  const std::string text = io::read_file(config_path);
  keras::backend::clear_session();
  keras::backend::set_profile(o.profile);
  keras::utils::set_random_seed(opts.seed);
  std::shared_ptr<keras::Model> model;
  try {
    model = keras::models::model_from_json(text, {.compile = o.compile_config.empty()});
    if (!o.compile_config.empty()) {
      keras::models::compile_from_config(*model, io::read_file(o.compile_config));
    }
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(str_cat(config_path, ": ", e.what()));
  }
  if (!model->compiled()) {
    throw InvalidArgument(
        str_cat(config_path,
                ": the Keras config has no compile_config, so parity_check does not know how it is "
                "trained; give one with --keras-compile FILE (Keras's compile_config as JSON, e.g. "
                "{\"optimizer\": \"adam\", \"loss\": \"sparse_categorical_crossentropy\", "
                "\"metrics\": [\"accuracy\"]})"));
  }
  KerasFit fit = o.fit;
  fit.shuffle_seed = static_cast<uint64_t>(opts.seed);
  std::string name = str_cat("Keras: ", model->name(), " from ", config_path);
  TrainingProgram p = keras_program(name, model, fit);
  if (!o.weights.empty()) {
    // The trainer initialises its own session from the graph; the weights read into the Keras
    // session are copied into it after that.
    model->load_weights(o.weights);
    std::vector<std::pair<Variable, Tensor>> values;
    const std::vector<Tensor> w = model->get_weights();
    const std::vector<keras::Weight> vars = model->weights();
    for (size_t i = 0; i < vars.size(); ++i) values.emplace_back(vars[i].variable, w[i]);
    p.after_init = [values](Session& s) {
      for (const auto& [v, t] : values) s.set_variable_value(v.op(), t);
    };
    for (const keras::Weight& v : vars) {
      p.initializer_descriptions.emplace_back(v.variable.name(), "from " + o.weights);
    }
  }
  return p;
}

std::pair<ProgramFiles, ProgramFiles> program_files_from_args(
    const std::vector<std::string>& args) {
  std::vector<ProgramFiles> sides;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    ProgramFiles f;
    if (a.size() > 6 && a.compare(a.size() - 6, 6, ".graph") == 0) {
      if (i + 1 >= args.size()) {
        throw InvalidArgument(str_cat("parity_check files: ", a, " needs its roles file after it"));
      }
      f.graph = a;
      f.roles = args[++i];
    } else {
      f.keras_config = a;
    }
    sides.push_back(f);
  }
  if (sides.size() != 2) {
    throw InvalidArgument(str_cat(
        "parity_check files: expected two programs (each \"X.graph X.roles.json\" or a Keras "
        "model config \"M.json\"), received ",
        sides.size(), " in ", args.size(), " arguments"));
  }
  return {sides[0], sides[1]};
}

Case case_from_files(const ProgramFiles& a, const ProgramFiles& b, const std::string& data_spec,
                     const KerasFileOptions& keras) {
  auto factory = [keras](const ProgramFiles& f) -> ProgramFactory {
    if (!f.keras_config.empty()) {
      return [f, keras](const BuildOptions& o) {
        return load_keras_program(f.keras_config, keras, o);
      };
    }
    return [f](const BuildOptions& o) { return load_program(f.graph, f.roles, o); };
  };
  auto label = [](const ProgramFiles& f) {
    return f.keras_config.empty() ? f.graph : f.keras_config;
  };
  Case c;
  c.name = "files";
  c.description = label(a) + " against " + label(b);
  c.a = factory(a);
  c.b = factory(b);
  c.data = dataset_from_spec(data_spec);
  return c;
}

Case case_from_files(const std::string& a_graph, const std::string& a_roles,
                     const std::string& b_graph, const std::string& b_roles,
                     const std::string& data_spec) {
  return case_from_files(ProgramFiles{a_graph, a_roles, {}}, ProgramFiles{b_graph, b_roles, {}},
                         data_spec);
}

std::function<Dataset()> dataset_from_spec(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string s; std::getline(ss, s, ':');) parts.push_back(s);
  DL_CHECK(!parts.empty(), "parity_check: empty data spec");
  auto n = [&](size_t i, int64_t def) -> int64_t {
    if (i >= parts.size()) return def;
    try {
      return std::stoll(parts[i]);
    } catch (const std::exception&) {
      throw InvalidArgument("parity_check: data spec '" + spec + "': '" + parts[i] +
                            "' is not a number");
    }
  };
  const std::string& k = parts[0];
  if (k == "fashion_mnist") {
    const int64_t tr = n(1, 2000), va = n(2, 500);
    return [=] { return fashion_mnist_slice(tr, va); };
  }
  if (k == "clusters") {
    const int64_t f = n(1, 20), c = n(2, 10), tr = n(3, 960), va = n(4, 480);
    return [=] { return synthetic_classification(tr, va, f, c, 7); };
  }
  if (k == "images") {
    const int64_t h = n(1, 8), w = n(2, 8), ch = n(3, 1), c = n(4, 10), tr = n(5, 960),
                  va = n(6, 480);
    return [=] { return synthetic_images(tr, va, h, w, ch, c, 7); };
  }
  if (k == "sort") {
    const int64_t s = n(1, 2), tr = n(2, 2000), va = n(3, 500);
    return [=] { return synthetic_sort(tr, va, s, 7); };
  }
  throw InvalidArgument("parity_check: unknown data spec '" + spec +
                        "' (fashion_mnist, clusters, images or sort)");
}

}  // namespace dl::parity
