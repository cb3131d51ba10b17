// save_weights / load_weights in dl's interim Keras weights format (docs/keras_tier.md),
// until the HDF5 layout lands: the layers in model order, each with its weights in weights()
// order, every weight's bytes protected by a CRC-32, written atomically.
#include <zlib.h>

#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "dl/core/io/file_util.h"
#include "dl/highlevel/internal/weights_file.h"
#include "dl/highlevel/model.h"

namespace dl::keras {
namespace {

constexpr char kMagic[8] = {'\x89', 'D', 'L', 'K', 'R', 'S', 'W', '\n'};
constexpr uint32_t kVersion = 1;

uint32_t dtype_code(DType t) {
  switch (t) {
    case DType::f32:
      return 1;
    case DType::f64:
      return 2;
    case DType::i32:
      return 3;
    case DType::u8:
      return 4;
    case DType::i64:
      return 9;
    case DType::boolean:
      return 10;
  }
  return 0;
}

std::optional<DType> dtype_of_code(uint32_t c) {
  switch (c) {
    case 1:
      return DType::f32;
    case 2:
      return DType::f64;
    case 3:
      return DType::i32;
    case 4:
      return DType::u8;
    case 9:
      return DType::i64;
    case 10:
      return DType::boolean;
    default:
      return std::nullopt;
  }
}

uint32_t crc(const void* p, size_t n) {
  return static_cast<uint32_t>(::crc32(0L, static_cast<const Bytef*>(p), static_cast<uInt>(n)));
}

struct Writer {
  std::string buf;
  void u32(uint32_t v) { buf.append(reinterpret_cast<const char*>(&v), 4); }
  void u64(uint64_t v) { buf.append(reinterpret_cast<const char*>(&v), 8); }
  void i64(int64_t v) { buf.append(reinterpret_cast<const char*>(&v), 8); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    buf += s;
  }
};

struct Reader {
  const std::string& data;
  const std::string& path;
  size_t pos = 0;
  void need(size_t n) {
    if (data.size() - pos < n) {
      throw DataLoss(str_cat("weights file '", path, "' is truncated at byte ", data.size(),
                             " (needed ", n, " more bytes at byte ", pos, ")"));
    }
  }
  uint32_t u32() {
    need(4);
    uint32_t v;
    std::memcpy(&v, data.data() + pos, 4);
    pos += 4;
    return v;
  }
  uint64_t u64() {
    need(8);
    uint64_t v;
    std::memcpy(&v, data.data() + pos, 8);
    pos += 8;
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string str() {
    const uint32_t n = u32();
    need(n);
    std::string s = data.substr(pos, n);
    pos += n;
    return s;
  }
};

using internal::SavedLayer;
using internal::SavedWeight;

/// ".h5" and ".hdf5" files use Keras's HDF5 layout; anything else dl's own format.
bool is_hdf5_path(const std::string& p) { return p.ends_with(".h5") || p.ends_with(".hdf5"); }

/// The group of each layer in a Keras 3 .weights.h5 file (saving_lib._save_container_state):
/// the class in snake case, "_1", "_2", ... appended from the second layer of a class.
std::vector<std::string> keras3_keys(const std::vector<std::shared_ptr<Layer>>& layers) {
  std::map<std::string, int> used;
  std::vector<std::string> keys;
  for (const auto& l : layers) {
    std::string k = backend::to_snake_case(l->class_name());
    auto [it, fresh] = used.emplace(k, 0);
    if (!fresh) {
      k += '_';
      k += std::to_string(++it->second);
    }
    keys.push_back(k);
  }
  return keys;
}

std::string shapes_of(const std::vector<Shape>& shapes) {
  std::vector<std::string> parts;
  for (const Shape& s : shapes) parts.push_back(shape_to_string(s));
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ", ";
    out += parts[i];
  }
  return out + "]";
}

std::vector<SavedLayer> read_weights_file(const std::string& path) {
  const std::string data = io::read_file(path);
  Reader r{data, path};
  r.need(8);
  if (std::memcmp(data.data(), kMagic, 8) != 0) {
    throw DataLoss(str_cat("'", path, "' is not a dl weights file (bad magic)"));
  }
  r.pos = 8;
  const uint32_t version = r.u32();
  if (version != kVersion) {
    throw DataLoss(
        str_cat("weights file '", path, "' has version ", version, ", expected ", kVersion));
  }
  std::vector<SavedLayer> layers(r.u32());
  for (SavedLayer& l : layers) {
    l.name = r.str();
    l.weights.resize(r.u32());
    for (SavedWeight& w : l.weights) {
      w.name = r.str();
      const uint32_t code = r.u32();
      auto dt = dtype_of_code(code);
      if (!dt) {
        throw DataLoss(str_cat("weights file '", path, "': weight '", l.name, "/", w.name,
                               "' has an unknown dtype code ", code));
      }
      const uint32_t rank = r.u32();
      if (rank > 64) {
        throw DataLoss(str_cat("weights file '", path, "': weight '", l.name, "/", w.name,
                               "' has rank ", rank));
      }
      std::vector<int64_t> dims;
      for (uint32_t k = 0; k < rank; ++k) {
        dims.push_back(r.i64());
        if (dims.back() < 0) {
          throw DataLoss(str_cat("weights file '", path, "': weight '", l.name, "/", w.name,
                                 "' has a negative dimension"));
        }
      }
      const uint64_t bytes = r.u64();
      const uint32_t want_crc = r.u32();
      Tensor t(*dt, Shape(dims));
      if (bytes != t.num_bytes()) {
        throw DataLoss(str_cat("weights file '", path, "': weight '", l.name, "/", w.name,
                               "' holds ", bytes, " bytes, expected ", t.num_bytes()));
      }
      r.need(bytes);
      std::memcpy(t.raw_data(), data.data() + r.pos, bytes);
      if (crc(data.data() + r.pos, bytes) != want_crc) {
        throw DataLoss(str_cat("weights file '", path, "': CRC mismatch for weight '", l.name, "/",
                               w.name, "'"));
      }
      r.pos += bytes;
      w.value = t;
    }
  }
  const size_t body = r.pos;
  const uint32_t want = r.u32();
  if (crc(data.data(), body) != want) {
    throw DataLoss(str_cat("weights file '", path, "': CRC mismatch of the layer table"));
  }
  if (r.pos != data.size()) {
    throw DataLoss(str_cat("weights file '", path, "' has ", data.size() - r.pos,
                           " unexpected bytes at its end"));
  }
  return layers;
}

/// load_weights for the layers of a file in Keras 3's .weights.h5 layout: each model layer
/// from the group of its key, checked before anything changes.
void load_keras3_weights(const Model& model, const std::string& path,
                         const std::vector<SavedLayer>& saved, LoadWeightsOptions options) {
  if (options.by_name) {
    throw InvalidArgument(str_cat(
        "load_weights('", path, "'): by_name is not supported for Keras 3 .weights.h5 files, ",
        "which address each layer by its class and position, as Keras 3's load_weights does"));
  }
  std::map<std::string, const SavedLayer*> by_key;
  for (const SavedLayer& l : saved) by_key[l.key] = &l;
  const auto ls = model.layers();
  const std::vector<std::string> keys = keras3_keys(ls);
  std::vector<std::pair<std::shared_ptr<Layer>, const SavedLayer*>> plan;
  std::set<std::string> matched;
  // Check everything before changing anything.
  for (size_t i = 0; i < ls.size(); ++i) {
    const auto ws = ls[i]->weights();
    const auto it = by_key.find(keys[i]);
    const SavedLayer* s = it == by_key.end() ? nullptr : it->second;
    if (s) matched.insert(keys[i]);
    const size_t have = s ? s->weights.size() : 0;
    bool ok = ws.size() == have;
    for (size_t j = 0; ok && j < ws.size(); ++j) ok = ws[j].shape() == s->weights[j].value.shape();
    if (!ok) {
      if (options.skip_mismatch) continue;
      std::vector<Shape> want, got;
      std::string expected;
      for (const auto& w : ws) {
        want.push_back(w.shape());
        if (!expected.empty()) expected += ", ";
        expected += "'" + w.name + "'";
      }
      if (s) {
        for (const auto& w : s->weights) got.push_back(w.value.shape());
      }
      throw InvalidArgument(
          str_cat("Layer '", ls[i]->name(), "' expected ", ws.size(), " variables (", expected,
                  ") of shapes ", shapes_of(want), ", but received ", have, " variables",
                  have ? " of shapes " + shapes_of(got) : std::string(), " during loading from '",
                  path, "' (group layers/", keys[i], s ? "" : ", absent from the file", ")"));
    }
    if (!ws.empty()) plan.emplace_back(ls[i], s);
  }
  if (!options.skip_mismatch) {
    for (const SavedLayer& l : saved) {
      if (!l.weights.empty() && !matched.count(l.key)) {
        throw InvalidArgument(str_cat("load_weights('", path, "'): the file holds ",
                                      l.weights.size(), " variables for layers/", l.key, " (\"",
                                      l.name, "\"), a layer the model \"", model.name(),
                                      "\" does not have"));
      }
    }
  }
  for (auto& [layer, s] : plan) {
    std::vector<Tensor> values;
    for (const SavedWeight& w : s->weights) values.push_back(w.value);
    layer->set_weights(values);
  }
}

}  // namespace

void Model::save_weights(const std::string& path) const {
  const auto ls = layers();
  std::vector<Tensor> values = get_weights();
  std::vector<SavedLayer> saved;
  size_t k = 0;
  std::set<const Node*> seen;
  const bool keras2 = profile_ == Profile::keras2;
  for (const auto& l : ls) {
    SavedLayer sl{l->name(), {}};
    for (const Weight& x : l->weights()) {
      if (!seen.insert(x.variable.op()).second) continue;
      // In HDF5 files weights are named as Keras names its variables: Keras 3's paths
      // ("dense/kernel") or Keras 2's tensor names ("dense_1/kernel:0").
      std::string name = x.name;
      if (is_hdf5_path(path)) name = keras2 ? x.path + ":0" : name_ + "/" + x.path;
      sl.weights.push_back(SavedWeight{name, values[k++]});
    }
    saved.push_back(std::move(sl));
  }
  if (!keras2 && path.ends_with(".weights.h5")) {
    // Keras 3's own save_weights layout; every layer has a group, with or without weights.
    const std::vector<std::string> keys = keras3_keys(ls);
    for (size_t i = 0; i < saved.size(); ++i) saved[i].key = keys[i];
    internal::write_keras3_hdf5(path, saved, name_);
    return;
  }
  if (is_hdf5_path(path)) {
    internal::write_hdf5(path, saved, keras2 ? "2.2.4" : "3.15.1", !keras2);
    return;
  }
  Writer w;
  w.buf.append(kMagic, 8);
  w.u32(kVersion);
  w.u32(static_cast<uint32_t>(saved.size()));
  for (const SavedLayer& l : saved) {
    w.str(l.name);
    w.u32(static_cast<uint32_t>(l.weights.size()));
    for (const SavedWeight& x : l.weights) {
      const Tensor& t = x.value;
      w.str(x.name);
      w.u32(dtype_code(t.dtype()));
      w.u32(static_cast<uint32_t>(t.shape().rank()));
      for (int64_t d : t.shape().dims()) w.i64(d);
      w.u64(t.num_bytes());
      w.u32(crc(t.raw_data(), t.num_bytes()));
      w.buf.append(static_cast<const char*>(t.raw_data()), t.num_bytes());
    }
  }
  w.u32(crc(w.buf.data(), w.buf.size()));
  io::write_file_atomically(path, w.buf);
}

void Model::load_weights(const std::string& path, LoadWeightsOptions options) {
  std::vector<SavedLayer> saved;
  if (is_hdf5_path(path)) {
    internal::Hdf5Weights file = internal::read_hdf5(path);
    if (file.keras3) {
      load_keras3_weights(*this, path, file.layers, options);
      return;
    }
    saved = std::move(file.layers);
  } else {
    saved = read_weights_file(path);
  }
  if (options.by_name) {
    // Keras's by_name loading: each saved layer goes to the model's layer of that name;
    // layers absent from the model are ignored.
    std::vector<std::pair<std::shared_ptr<Layer>, std::vector<Tensor>>> plan;
    for (const SavedLayer& s : saved) {
      if (s.weights.empty()) continue;
      std::shared_ptr<Layer> layer;
      for (const auto& l : layers()) {
        if (l->name() == s.name) layer = l;
      }
      if (!layer) continue;
      const auto ws = layer->weights();
      bool ok = ws.size() == s.weights.size();
      for (size_t j = 0; ok && j < ws.size(); ++j) ok = ws[j].shape() == s.weights[j].value.shape();
      if (!ok) {
        if (options.skip_mismatch) continue;
        throw InvalidArgument(str_cat(
            "Layer \"", layer->name(), "\" expects ", ws.size(), " weight(s) of shapes",
            [&] {
              std::string t;
              for (const auto& w : ws) t += " " + shape_to_string(w.shape());
              return t;
            }(),
            ", but the file '", path, "' holds ", s.weights.size(), " weight(s) of shapes",
            [&] {
              std::string t;
              for (const auto& w : s.weights) t += " " + shape_to_string(w.value.shape());
              return t;
            }()));
      }
      std::vector<Tensor> values;
      for (const SavedWeight& w : s.weights) values.push_back(w.value);
      plan.emplace_back(layer, std::move(values));
    }
    for (auto& [layer, values] : plan) layer->set_weights(values);
    return;
  }
  // Keras loads by topological order: the layers that have weights, paired in order.
  std::vector<std::shared_ptr<Layer>> mine;
  for (const auto& l : layers()) {
    if (!l->weights().empty()) mine.push_back(l);
  }
  std::vector<const SavedLayer*> theirs;
  for (const SavedLayer& l : saved) {
    if (!l.weights.empty()) theirs.push_back(&l);
  }
  if (mine.size() != theirs.size()) {
    throw InvalidArgument(str_cat("You are trying to load a weight file containing ", theirs.size(),
                                  " layers into a model with ", mine.size(), " layers. (file '",
                                  path, "', model \"", name_, "\")"));
  }
  // Check everything before changing anything.
  for (size_t i = 0; i < mine.size(); ++i) {
    const auto ws = mine[i]->weights();
    const SavedLayer& s = *theirs[i];
    if (ws.size() != s.weights.size()) {
      throw InvalidArgument(str_cat(
          "Layer #", i, " (named \"", mine[i]->name(),
          "\" in the current model) was found to correspond to layer ", s.name,
          " in the save file. However the new layer ", mine[i]->name(), " expects ", ws.size(),
          " weights, but the saved weights have ", s.weights.size(), " elements."));
    }
    for (size_t j = 0; j < ws.size(); ++j) {
      if (ws[j].shape() != s.weights[j].value.shape()) {
        throw InvalidArgument(str_cat("Layer \"", mine[i]->name(), "\" weight '", ws[j].name,
                                      "' has shape ", shape_to_string(ws[j].shape()),
                                      ", but the saved weight '", s.name, "/", s.weights[j].name,
                                      "' in '", path, "' has shape ",
                                      shape_to_string(s.weights[j].value.shape())));
      }
    }
  }
  for (size_t i = 0; i < mine.size(); ++i) {
    std::vector<Tensor> values;
    for (const SavedWeight& w : theirs[i]->weights) values.push_back(w.value);
    mine[i]->set_weights(values);
  }
}

}  // namespace dl::keras
