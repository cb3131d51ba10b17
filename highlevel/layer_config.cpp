#include "dl/highlevel/internal/layer_config.h"

#include <functional>
#include <map>
#include <set>

#include "dl/core/error.h"
#include "dl/core/str_cat.h"
#include "dl/highlevel/layers/convolutional.h"
#include "dl/highlevel/layers/core.h"
#include "dl/highlevel/layers/merging.h"
#include "dl/highlevel/layers/normalization.h"

namespace dl::keras::config {
namespace {

Json keras_object(const std::string& module, const std::string& class_name, Json config) {
  Json j;
  j["module"] = module;
  j["class_name"] = class_name;
  j["config"] = std::move(config);
  j["registered_name"] = nullptr;
  return j;
}

Json dtype_policy() {
  Json c;
  c["name"] = "float32";
  return keras_object("keras", "DTypePolicy", std::move(c));
}

Json seed_json(const std::optional<int64_t>& seed) { return seed ? Json(*seed) : Json(nullptr); }

Json ints(const std::vector<int64_t>& v) {
  Json a = Json::array();
  for (int64_t x : v) a.push_back(x);
  return a;
}

Json regularizer_config(const regularizers::RegularizerArg& r) {
  if (!r) return nullptr;
  const auto* p = dynamic_cast<const regularizers::L1L2*>(r.get());
  DL_ASSERT(p != nullptr);
  Json c;
  const std::string cls = p->class_name();
  if (cls != "L2") c["l1"] = p->l1();
  if (cls != "L1") c["l2"] = p->l2();
  return keras_object("keras.regularizers", cls, std::move(c));
}

std::string activation_name(const activations::ActivationArg& a, const Layer& l) {
  const std::string& n = a.name();
  for (const std::string& known : activations::names()) {
    if (known == n) return n;
  }
  throw InvalidArgument(str_cat("to_json(): layer \"", l.name(), "\" has the custom activation \"",
                                n, "\", which has no Keras config; give it by name"));
}

/// The name, trainable and dtype entries every layer config starts with.
Json base_config(const Layer& l) {
  Json c;
  c["name"] = l.name();
  c["trainable"] = l.trainable();
  c["dtype"] = dtype_policy();
  return c;
}

// ---- reading ----------------------------------------------------------------------------------

/// Reads one layer config, remembering the keys it used so that the rest can be checked: a key
/// dl does not read must hold its "off" value (null, false, or the default given to
/// expect_default), or the layer would not be the one the config describes.
class Reader {
 public:
  Reader(const Json& c, std::string class_name) : c_(c), class_name_(std::move(class_name)) {
    if (!c_.is_object()) {
      throw InvalidArgument(str_cat("model_from_json(): the config of a ", class_name_,
                                    " layer must be an object, received ", c_.dump()));
    }
    if (const Json* n = find("name"); n && n->is_string()) name_ = n->get<std::string>();
  }

  const Json* find(const std::string& key) {
    used_.insert(key);
    auto it = c_.find(key);
    return it == c_.end() ? nullptr : &*it;
  }
  bool has(const std::string& key) {
    const Json* j = find(key);
    return j != nullptr && !j->is_null();
  }
  [[noreturn]] void fail(const std::string& key, const std::string& expected,
                         const Json& received) const {
    throw InvalidArgument(str_cat("model_from_json(): layer \"", name_, "\" (", class_name_, "): `",
                                  key, "` must be ", expected, ", received ", received.dump()));
  }
  const Json& need(const std::string& key) {
    const Json* j = find(key);
    if (j == nullptr) {
      throw InvalidArgument(str_cat("model_from_json(): layer \"", name_, "\" (", class_name_,
                                    "): the config has no `", key, "`"));
    }
    return *j;
  }
  int64_t integer(const std::string& key) {
    const Json& j = need(key);
    if (!j.is_number_integer()) fail(key, "an integer", j);
    return j.get<int64_t>();
  }
  int64_t integer(const std::string& key, int64_t def) { return has(key) ? integer(key) : def; }
  double number(const std::string& key, double def) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return def;
    if (!j->is_number()) fail(key, "a number", *j);
    return j->get<double>();
  }
  std::optional<double> optional_number(const std::string& key) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return std::nullopt;
    if (!j->is_number()) fail(key, "a number or null", *j);
    return j->get<double>();
  }
  std::optional<int64_t> optional_integer(const std::string& key) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return std::nullopt;
    if (!j->is_number_integer()) fail(key, "an integer or null", *j);
    return j->get<int64_t>();
  }
  bool boolean(const std::string& key, bool def) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return def;
    if (!j->is_boolean()) fail(key, "true or false", *j);
    return j->get<bool>();
  }
  std::string string(const std::string& key, const std::string& def) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return def;
    if (!j->is_string()) fail(key, "a string", *j);
    return j->get<std::string>();
  }
  /// An integer or a list of integers (null entries read as -1 = None).
  std::vector<int64_t> integers(const std::string& key, std::vector<int64_t> def = {}) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return def;
    if (j->is_number_integer()) return {j->get<int64_t>()};
    if (!j->is_array()) fail(key, "an integer or a list of integers", *j);
    std::vector<int64_t> out;
    for (const Json& e : *j) {
      if (e.is_null()) {
        out.push_back(-1);
      } else if (e.is_number_integer()) {
        out.push_back(e.get<int64_t>());
      } else {
        fail(key, "a list of integers", *j);
      }
    }
    return out;
  }
  void expect(const std::string& key, const Json& value, const std::string& why) {
    const Json* j = find(key);
    if (j != nullptr && !j->is_null() && *j != value)
      fail(key, value.dump() + " (" + why + ")", *j);
  }
  void channels_last() { expect("data_format", "channels_last", "dl is channels-last"); }
  initializers::InitializerArg initializer(const std::string& key, const char* def) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return def;
    return initializer_from_config(*j, str_cat("layer \"", name_, "\" `", key, "`"));
  }
  regularizers::RegularizerArg regularizer(const std::string& key) {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return {};
    if (j->is_string()) return regularizers::RegularizerArg(j->get<std::string>());
    if (!j->is_object() || !j->contains("class_name")) fail(key, "a regularizer config", *j);
    const std::string cls = (*j)["class_name"].get<std::string>();
    const Json& c = j->contains("config") ? (*j)["config"] : Json::object();
    auto num = [&](const char* k, double def) {
      return c.contains(k) && c[k].is_number() ? c[k].get<double>() : def;
    };
    if (cls == "L1") return regularizers::L1(num("l1", 0.01));
    if (cls == "L2") return regularizers::L2(num("l2", 0.01));
    if (cls == "L1L2" || cls == "L1L2Regularizer") {
      return regularizers::L1L2(num("l1", 0.0), num("l2", 0.0));
    }
    fail(key, "L1, L2 or L1L2", *j);
  }
  activations::ActivationArg activation(const std::string& key = "activation") {
    const Json* j = find(key);
    if (j == nullptr || j->is_null()) return {};
    if (!j->is_string()) fail(key, "an activation name", *j);
    return activations::ActivationArg(j->get<std::string>());
  }
  /// The input shape a first layer of a Sequential carries (Keras 2's batch_input_shape).
  std::vector<int64_t> input_shape() {
    for (const char* k : {"batch_input_shape", "batch_shape"}) {
      if (has(k)) {
        std::vector<int64_t> s = integers(k);
        if (!s.empty()) s.erase(s.begin());
        return s;
      }
    }
    return {};
  }
  /// Every key not read must be off (null, false, an empty list, or dtype float32).
  void finish() {
    for (auto it = c_.begin(); it != c_.end(); ++it) {
      if (used_.count(it.key())) continue;
      const Json& v = it.value();
      if (it.key() == "dtype") {
        const bool f32 = (v.is_string() && v == "float32") ||
                         (v.is_object() && v.contains("config") && v["config"].is_object() &&
                          v["config"].value("name", "") == "float32");
        if (!f32 && !v.is_null())
          fail("dtype", "float32 (dl's Keras layers compute in float32)", v);
        continue;
      }
      if (v.is_null() || (v.is_boolean() && !v.get<bool>()) || (v.is_array() && v.empty())) {
        continue;
      }
      throw InvalidArgument(str_cat("model_from_json(): layer \"", name_, "\" (", class_name_,
                                    "): dl does not implement `", it.key(), "` = ", v.dump(),
                                    " (only its default, off)"));
    }
  }
  const std::string& name() const { return name_; }

 private:
  const Json& c_;
  std::string class_name_;
  std::string name_;
  std::set<std::string> used_;
};

using Factory = std::function<std::shared_ptr<Layer>(Reader&, Format)>;

template <class Options>
void read_common(Reader& r, Options& o) {
  o.name = r.string("name", "");
  o.trainable = r.boolean("trainable", true);
}

/// The activation, bias and kernel / bias settings Dense and the convolutions share.
template <class Options>
void read_kernel_and_bias(Reader& r, Options& o) {
  o.activation = r.activation();
  o.use_bias = r.boolean("use_bias", true);
  o.kernel_initializer = r.initializer("kernel_initializer", "glorot_uniform");
  o.bias_initializer = r.initializer("bias_initializer", "zeros");
  o.kernel_regularizer = r.regularizer("kernel_regularizer");
  o.bias_regularizer = r.regularizer("bias_regularizer");
}

std::shared_ptr<Layer> dense(Reader& r, Format) {
  layers::DenseOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  const int64_t units = r.integer("units");
  read_kernel_and_bias(r, o);
  r.finish();
  return layers::Dense(units, std::move(o)).ptr();
}

std::shared_ptr<Layer> conv(Reader& r, int rank) {
  layers::ConvOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  const int64_t filters = r.integer("filters");
  std::vector<int64_t> kernel = r.integers("kernel_size");
  o.strides = r.integers("strides", {1});
  o.padding = r.string("padding", "valid");
  r.channels_last();
  o.dilation_rate = r.integers("dilation_rate", {1});
  r.expect("groups", 1, "dl has no grouped convolutions");
  read_kernel_and_bias(r, o);
  r.finish();
  return std::make_shared<layers::ConvImpl>(rank, filters, std::move(kernel), std::move(o));
}

std::shared_ptr<Layer> pool(Reader& r, int rank, bool max) {
  layers::PoolOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  std::vector<int64_t> size = r.integers("pool_size", std::vector<int64_t>(size_t(rank), 2));
  o.strides = r.integers("strides", {});
  o.padding = r.string("padding", "valid");
  r.channels_last();
  r.finish();
  return std::make_shared<layers::PoolImpl>(rank, max, std::move(size), std::move(o));
}

std::shared_ptr<Layer> global_pool(Reader& r, int rank, bool max) {
  layers::GlobalPoolOptions o;
  read_common(r, o);
  r.input_shape();
  r.channels_last();
  o.keepdims = r.boolean("keepdims", false);
  r.finish();
  return std::make_shared<layers::GlobalPoolImpl>(rank, max, std::move(o));
}

layers::LayerOptions plain_options(Reader& r) {
  layers::LayerOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  return o;
}

std::shared_ptr<Layer> flatten(Reader& r, Format) {
  layers::LayerOptions o = plain_options(r);
  r.channels_last();
  r.finish();
  return layers::Flatten(std::move(o)).ptr();
}

std::shared_ptr<Layer> reshape(Reader& r, Format) {
  layers::LayerOptions o = plain_options(r);
  std::vector<int64_t> target = r.integers("target_shape");
  r.finish();
  return layers::Reshape(std::move(target), std::move(o)).ptr();
}

std::shared_ptr<Layer> dropout(Reader& r, Format) {
  layers::DropoutOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  const double rate = r.number("rate", 0.0);
  o.noise_shape = r.integers("noise_shape", {});
  o.seed = r.optional_integer("seed");
  r.finish();
  return layers::Dropout(rate, std::move(o)).ptr();
}

std::shared_ptr<Layer> activation(Reader& r, Format) {
  layers::LayerOptions o = plain_options(r);
  activations::ActivationArg a = r.activation();
  r.finish();
  return layers::Activation(std::move(a), std::move(o)).ptr();
}

std::shared_ptr<Layer> relu(Reader& r, Format) {
  layers::ReLUOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  o.max_value = r.optional_number("max_value");
  o.negative_slope = r.number("negative_slope", r.number("alpha", 0.0));
  o.threshold = r.number("threshold", 0.0);
  r.finish();
  return layers::ReLU(std::move(o)).ptr();
}

std::shared_ptr<Layer> batch_norm(Reader& r, Format) {
  layers::BatchNormalizationOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  const Json* axis = r.find("axis");
  if (axis != nullptr && axis->is_array()) {
    if (axis->size() != 1 || !(*axis)[0].is_number_integer()) {
      r.fail("axis", "one axis (an integer)", *axis);
    }
    o.axis = (*axis)[0].get<int64_t>();
  } else {
    o.axis = r.integer("axis", -1);
  }
  o.momentum = r.number("momentum", 0.99);
  o.epsilon = r.number("epsilon", 1e-3);
  o.center = r.boolean("center", true);
  o.scale = r.boolean("scale", true);
  o.beta_initializer = r.initializer("beta_initializer", "zeros");
  o.gamma_initializer = r.initializer("gamma_initializer", "ones");
  o.moving_mean_initializer = r.initializer("moving_mean_initializer", "zeros");
  o.moving_variance_initializer = r.initializer("moving_variance_initializer", "ones");
  o.beta_regularizer = r.regularizer("beta_regularizer");
  o.gamma_regularizer = r.regularizer("gamma_regularizer");
  r.find("renorm_momentum");  // read only with renorm, which must be off
  r.finish();
  return layers::BatchNormalization(std::move(o)).ptr();
}

std::shared_ptr<Layer> embedding(Reader& r, Format) {
  layers::EmbeddingOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  const int64_t input_dim = r.integer("input_dim");
  const int64_t output_dim = r.integer("output_dim");
  o.embeddings_initializer = r.initializer("embeddings_initializer", "uniform");
  o.embeddings_regularizer = r.regularizer("embeddings_regularizer");
  o.input_length = r.integer("input_length", -1);
  r.finish();
  return layers::Embedding(input_dim, output_dim, std::move(o)).ptr();
}

std::shared_ptr<Layer> add(Reader& r, Format) {
  layers::LayerOptions o = plain_options(r);
  r.finish();
  return layers::Add(std::move(o)).ptr();
}

std::shared_ptr<Layer> concatenate(Reader& r, Format) {
  layers::ConcatenateOptions o;
  read_common(r, o);
  o.axis = r.integer("axis", -1);
  r.finish();
  return layers::Concatenate(std::move(o)).ptr();
}

std::shared_ptr<Layer> zero_padding(Reader& r, Format) {
  layers::ZeroPaddingOptions o;
  read_common(r, o);
  o.input_shape = r.input_shape();
  r.channels_last();
  const Json* p = r.find("padding");
  std::pair<int64_t, int64_t> rows{1, 1}, cols{1, 1};
  if (p != nullptr && !p->is_null()) {
    auto pair_of = [&](const Json& e) -> std::pair<int64_t, int64_t> {
      if (e.is_number_integer()) return {e.get<int64_t>(), e.get<int64_t>()};
      if (e.is_array() && e.size() == 2 && e[0].is_number_integer() && e[1].is_number_integer()) {
        return {e[0].get<int64_t>(), e[1].get<int64_t>()};
      }
      r.fail("padding", "an integer, (rows, cols) or ((top, bottom), (left, right))", *p);
    };
    if (p->is_number_integer()) {
      rows = cols = pair_of(*p);
    } else if (p->is_array() && p->size() == 2) {
      rows = pair_of((*p)[0]);
      cols = pair_of((*p)[1]);
    } else {
      r.fail("padding", "an integer, (rows, cols) or ((top, bottom), (left, right))", *p);
    }
  }
  r.finish();
  return layers::ZeroPadding2D(rows, cols, std::move(o)).ptr();
}

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {"Dense", dense},
      {"Conv1D", [](Reader& r, Format) { return conv(r, 1); }},
      {"Conv2D", [](Reader& r, Format) { return conv(r, 2); }},
      {"MaxPooling1D", [](Reader& r, Format) { return pool(r, 1, true); }},
      {"MaxPooling2D", [](Reader& r, Format) { return pool(r, 2, true); }},
      {"AveragePooling1D", [](Reader& r, Format) { return pool(r, 1, false); }},
      {"AveragePooling2D", [](Reader& r, Format) { return pool(r, 2, false); }},
      {"GlobalAveragePooling1D", [](Reader& r, Format) { return global_pool(r, 1, false); }},
      {"GlobalAveragePooling2D", [](Reader& r, Format) { return global_pool(r, 2, false); }},
      {"GlobalMaxPooling1D", [](Reader& r, Format) { return global_pool(r, 1, true); }},
      {"GlobalMaxPooling2D", [](Reader& r, Format) { return global_pool(r, 2, true); }},
      {"Flatten", flatten},
      {"Reshape", reshape},
      {"Dropout", dropout},
      {"Activation", activation},
      {"ReLU", relu},
      {"BatchNormalization", batch_norm},
      {"Embedding", embedding},
      {"Add", add},
      {"Concatenate", concatenate},
      {"ZeroPadding2D", zero_padding},
  };
  return table;
}

}  // namespace

// ---- initializers -------------------------------------------------------------------------------

Json initializer_config(const initializers::InitializerArg& init, const std::string& where) {
  namespace ki = initializers;
  const ki::Initializer* p = init.ptr().get();
  const std::string cls = p->class_name();
  Json c = Json::object();
  if (const auto* v = dynamic_cast<const ki::Constant*>(p)) {
    c["value"] = v->value();
  } else if (const auto* n = dynamic_cast<const ki::RandomNormal*>(p)) {
    c["seed"] = seed_json(n->options().seed);
    c["mean"] = n->options().mean;
    c["stddev"] = n->options().stddev;
  } else if (const auto* t = dynamic_cast<const ki::TruncatedNormal*>(p)) {
    c["seed"] = seed_json(t->options().seed);
    c["mean"] = t->options().mean;
    c["stddev"] = t->options().stddev;
  } else if (const auto* u = dynamic_cast<const ki::RandomUniform*>(p)) {
    c["seed"] = seed_json(u->options().seed);
    c["minval"] = u->options().minval;
    c["maxval"] = u->options().maxval;
  } else if (const auto* s = dynamic_cast<const ki::VarianceScaling*>(p)) {
    c["seed"] = seed_json(s->options().seed);
    if (cls == "VarianceScaling") {
      c["scale"] = s->options().scale;
      c["mode"] = s->options().mode;
      c["distribution"] = s->options().distribution;
    }
    c["input_axes"] = nullptr;
    c["output_axes"] = nullptr;
  } else if (cls != "Zeros" && cls != "Ones") {
    throw InvalidArgument(
        str_cat("to_json(): ", where, " is a ", cls, " initializer, which has no Keras config"));
  }
  return keras_object("keras.initializers", cls, std::move(c));
}

initializers::InitializerArg initializer_from_config(const Json& j, const std::string& where) {
  namespace ki = initializers;
  if (j.is_string()) return ki::InitializerArg(j.get<std::string>());
  if (!j.is_object() || !j.contains("class_name") || !j["class_name"].is_string()) {
    throw InvalidArgument(str_cat("model_from_json(): ", where,
                                  " must be an initializer name or config, received ", j.dump()));
  }
  const std::string cls = j["class_name"].get<std::string>();
  const Json c = j.contains("config") && j["config"].is_object() ? j["config"] : Json::object();
  auto num = [&](const char* k, double def) {
    return c.contains(k) && c[k].is_number() ? c[k].get<double>() : def;
  };
  std::optional<int64_t> seed;
  if (c.contains("seed") && c["seed"].is_number_integer()) seed = c["seed"].get<int64_t>();
  if (cls == "Zeros") return ki::Zeros();
  if (cls == "Ones") return ki::Ones();
  if (cls == "Constant") return ki::Constant(num("value", 0.0));
  if (cls == "RandomNormal") return ki::RandomNormal({num("mean", 0.0), num("stddev", 0.05), seed});
  if (cls == "TruncatedNormal") {
    return ki::TruncatedNormal({num("mean", 0.0), num("stddev", 0.05), seed});
  }
  if (cls == "RandomUniform") {
    return ki::RandomUniform({num("minval", -0.05), num("maxval", 0.05), seed});
  }
  if (cls == "GlorotUniform") return ki::GlorotUniform({seed});
  if (cls == "GlorotNormal") return ki::GlorotNormal({seed});
  if (cls == "HeNormal") return ki::HeNormal({seed});
  if (cls == "HeUniform") return ki::HeUniform({seed});
  if (cls == "LecunNormal") return ki::LecunNormal({seed});
  if (cls == "LecunUniform") return ki::LecunUniform({seed});
  if (cls == "VarianceScaling") {
    std::string dist = c.value("distribution", "truncated_normal");
    // Keras 2.2.4 wrote "normal" for its truncated normal.
    if (dist == "normal") dist = "truncated_normal";
    return ki::VarianceScaling({num("scale", 1.0), c.value("mode", "fan_in"), dist, seed});
  }
  throw InvalidArgument(str_cat("model_from_json(): ", where, ": unknown initializer class \"", cls,
                                "\" (dl reads Zeros, Ones, Constant, RandomNormal, "
                                "TruncatedNormal, RandomUniform, VarianceScaling, Glorot*, He*, "
                                "Lecun*)"));
}

// ---- layers ----------------------------------------------------------------------------------

bool writes_build_config(const Layer& l) {
  static const std::set<std::string> with_build = {
      "Dense",         "Conv1D", "Conv2D",      "Flatten",  "BatchNormalization",
      "ZeroPadding2D", "Add",    "Concatenate", "Embedding"};
  return with_build.count(l.class_name()) > 0;
}

Json layer_config(const Layer& l) {
  namespace kl = layers;
  const std::string& cls = l.class_name();
  Json c = base_config(l);
  auto init = [&](const char* key, const initializers::InitializerArg& a) {
    c[key] = initializer_config(a, str_cat("layer \"", l.name(), "\" `", key, "`"));
  };
  // The activation, bias and kernel / bias settings Dense and the convolutions share.
  auto kernel_and_bias = [&](const auto& o) {
    c["activation"] = activation_name(o.activation, l);
    c["use_bias"] = o.use_bias;
    init("kernel_initializer", o.kernel_initializer);
    init("bias_initializer", o.bias_initializer);
    c["kernel_regularizer"] = regularizer_config(o.kernel_regularizer);
    c["bias_regularizer"] = regularizer_config(o.bias_regularizer);
  };
  if (const auto* d = dynamic_cast<const kl::DenseImpl*>(&l)) {
    const kl::DenseOptions& o = d->options();
    c["units"] = d->units();
    kernel_and_bias(o);
    c["kernel_constraint"] = nullptr;
    c["bias_constraint"] = nullptr;
    c["quantization_config"] = nullptr;
  } else if (const auto* v = dynamic_cast<const kl::ConvImpl*>(&l)) {
    const kl::ConvOptions& o = v->options();
    const size_t rank = size_t(v->rank());
    auto per_axis = [&](const std::vector<int64_t>& x) {
      return ints(x.size() == 1 ? std::vector<int64_t>(rank, x[0]) : x);
    };
    c["filters"] = v->filters();
    c["kernel_size"] = per_axis(v->kernel_size());
    c["strides"] = per_axis(o.strides);
    c["padding"] = o.padding;
    c["data_format"] = "channels_last";
    c["dilation_rate"] = per_axis(o.dilation_rate);
    c["groups"] = 1;
    kernel_and_bias(o);
    c["activity_regularizer"] = nullptr;
    c["kernel_constraint"] = nullptr;
    c["bias_constraint"] = nullptr;
  } else if (const auto* p = dynamic_cast<const kl::PoolImpl*>(&l)) {
    const size_t rank = size_t(p->rank());
    auto per_axis = [&](const std::vector<int64_t>& x) {
      return ints(x.size() == 1 ? std::vector<int64_t>(rank, x[0]) : x);
    };
    c["pool_size"] = per_axis(p->pool_size());
    c["padding"] = p->options().padding;
    c["strides"] = per_axis(p->options().strides.empty() ? p->pool_size() : p->options().strides);
    c["data_format"] = "channels_last";
  } else if (const auto* g = dynamic_cast<const kl::GlobalPoolImpl*>(&l)) {
    c["data_format"] = "channels_last";
    c["keepdims"] = g->options().keepdims;
  } else if (dynamic_cast<const kl::FlattenImpl*>(&l) != nullptr) {
    c["data_format"] = "channels_last";
  } else if (const auto* r = dynamic_cast<const kl::ReshapeImpl*>(&l)) {
    c["target_shape"] = ints(r->target_shape());
  } else if (const auto* d = dynamic_cast<const kl::DropoutImpl*>(&l)) {
    c["rate"] = d->rate();
    c["seed"] = seed_json(d->options().seed);
    if (d->options().noise_shape.empty()) {
      c["noise_shape"] = nullptr;
    } else {
      Json ns = Json::array();
      for (int64_t x : d->options().noise_shape) ns.push_back(x < 0 ? Json(nullptr) : Json(x));
      c["noise_shape"] = ns;
    }
  } else if (const auto* a = dynamic_cast<const kl::ActivationImpl*>(&l)) {
    c["activation"] = activation_name(a->activation(), l);
  } else if (const auto* u = dynamic_cast<const kl::ReLUImpl*>(&l)) {
    const kl::ReLUOptions& o = u->options();
    c["max_value"] = o.max_value ? Json(*o.max_value) : Json(nullptr);
    c["negative_slope"] = o.negative_slope;
    c["threshold"] = o.threshold;
  } else if (const auto* b = dynamic_cast<const kl::BatchNormalizationImpl*>(&l)) {
    const kl::BatchNormalizationOptions& o = b->options();
    c["axis"] = o.axis;
    c["momentum"] = o.momentum;
    c["epsilon"] = o.epsilon;
    c["center"] = o.center;
    c["scale"] = o.scale;
    init("beta_initializer", o.beta_initializer);
    init("gamma_initializer", o.gamma_initializer);
    init("moving_mean_initializer", o.moving_mean_initializer);
    init("moving_variance_initializer", o.moving_variance_initializer);
    c["beta_regularizer"] = regularizer_config(o.beta_regularizer);
    c["gamma_regularizer"] = regularizer_config(o.gamma_regularizer);
    c["beta_constraint"] = nullptr;
    c["gamma_constraint"] = nullptr;
    c["synchronized"] = false;
    c["renorm"] = false;
    c["renorm_clipping"] = nullptr;
    c["renorm_momentum"] = 0.99;
  } else if (const auto* e = dynamic_cast<const kl::EmbeddingImpl*>(&l)) {
    const kl::EmbeddingOptions& o = e->options();
    c["input_dim"] = e->input_dim();
    c["output_dim"] = e->output_dim();
    if (o.weights.valid()) {
      // Keras keeps given weights out of the config too: they belong in the weights file.
      c["embeddings_initializer"] =
          initializer_config(initializers::InitializerArg("uniform"), "embeddings_initializer");
    } else {
      init("embeddings_initializer", o.embeddings_initializer);
    }
    c["embeddings_regularizer"] = regularizer_config(o.embeddings_regularizer);
    c["activity_regularizer"] = nullptr;
    c["embeddings_constraint"] = nullptr;
    c["mask_zero"] = false;
    c["quantization_config"] = nullptr;
  } else if (dynamic_cast<const kl::AddImpl*>(&l) != nullptr) {
    // name, trainable and dtype only
  } else if (const auto* k = dynamic_cast<const kl::ConcatenateImpl*>(&l)) {
    c["axis"] = k->axis();
  } else if (const auto* z = dynamic_cast<const kl::ZeroPadding2DImpl*>(&l)) {
    c["padding"] = Json::array(
        {ints({z->rows().first, z->rows().second}), ints({z->cols().first, z->cols().second})});
    c["data_format"] = "channels_last";
  } else {
    throw InvalidArgument(
        str_cat("to_json(): layer \"", l.name(), "\" of class ", cls, " has no Keras config"));
  }
  return c;
}

std::shared_ptr<Layer> layer_from_config(const std::string& class_name, const Json& config,
                                         Format format) {
  const auto& table = factories();
  auto it = table.find(class_name);
  if (it == table.end()) {
    std::string known;
    for (const auto& [k, f] : table) known += (known.empty() ? "" : ", ") + k;
    throw InvalidArgument(str_cat("model_from_json(): unknown layer class \"", class_name,
                                  "\" (dl reads InputLayer, ", known, ")"));
  }
  Reader r(config, class_name);
  return it->second(r, format);
}

}  // namespace dl::keras::config
