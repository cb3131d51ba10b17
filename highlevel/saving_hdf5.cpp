// Keras's legacy HDF5 weights layout through the HDF5 C library (when dl is built with it).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "dl/core/error.h"
#include "dl/highlevel/internal/weights_file.h"

#ifdef DL_KERAS_HDF5
#include <hdf5.h>
#endif

namespace dl::keras::internal {

#ifndef DL_KERAS_HDF5

bool hdf5_available() { return false; }
void write_hdf5(const std::string& path, const std::vector<SavedLayer>&, const std::string&, bool) {
  throw Unimplemented(str_cat("cannot write '", path,
                              "': this build of dl has no HDF5 (install libhdf5-dev and "
                              "reconfigure); use another extension for dl's own format"));
}
std::vector<std::string> hdf5_layout(const std::string& path) {
  throw Unimplemented(str_cat("cannot list '", path, "': this build of dl has no HDF5"));
}
Hdf5Weights read_hdf5(const std::string& path) {
  throw Unimplemented(str_cat("cannot read '", path,
                              "': this build of dl has no HDF5 (install libhdf5-dev and "
                              "reconfigure)"));
}
void write_keras3_hdf5(const std::string& path, const std::vector<SavedLayer>& layers,
                       const std::string&) {
  write_hdf5(path, layers, "", false);
}

#else

namespace {

constexpr size_t kHeaderLimit = 64512;  // Keras's HDF5_OBJECT_HEADER_LIMIT

/// Closes an HDF5 handle when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

/// Silences HDF5's error printing while alive.
class Quiet {
 public:
  Quiet() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Quiet() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

hid_t h5_type(DType t) {
  switch (t) {
    case DType::f32:
      return H5T_NATIVE_FLOAT;
    case DType::f64:
      return H5T_NATIVE_DOUBLE;
    case DType::i32:
      return H5T_NATIVE_INT32;
    case DType::i64:
      return H5T_NATIVE_INT64;
    case DType::u8:
      return H5T_NATIVE_UINT8;
    case DType::boolean:
      return H5T_NATIVE_UINT8;
  }
  return H5T_NATIVE_FLOAT;
}

/// Writes `values` as an array attribute of fixed-length strings (numpy's "S<n>" dtype, as h5py
/// stores a list of bytes), split into name0, name1, ... when larger than Keras's limit.
void write_string_list(hid_t obj, const std::string& name, const std::vector<std::string>& values,
                       const std::string& where) {
  size_t len = 1;
  for (const auto& v : values) len = std::max(len, v.size());
  if (values.empty()) {
    // h5py writes an empty list as an empty float64 array.
    const hsize_t zero[1] = {0};
    Handle space(H5Screate_simple(1, zero, nullptr), H5Sclose);
    Handle a(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
    if (!a.ok())
      throw FailedPrecondition(str_cat("cannot write the attribute '", name, "' of ", where));
    return;
  }
  auto write_one = [&](const std::string& attr, size_t begin, size_t end) {
    std::string buf((end - begin) * len, '\0');
    for (size_t i = begin; i < end; ++i)
      std::memcpy(&buf[(i - begin) * len], values[i].data(), values[i].size());
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), len);
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    const hsize_t dims[1] = {end - begin};
    Handle space(end > begin ? H5Screate_simple(1, dims, nullptr) : H5Screate(H5S_NULL), H5Sclose);
    Handle a(H5Acreate2(obj, attr.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
    if (!a.ok() || (end > begin && H5Awrite(a.get(), type.get(), buf.data()) < 0)) {
      throw FailedPrecondition(str_cat("cannot write the attribute '", attr, "' of ", where));
    }
  };
  const size_t bytes = values.size() * len;
  if (bytes <= kHeaderLimit) {
    write_one(name, 0, values.size());
    return;
  }
  // numpy.array_split into the fewest chunks that fit.
  size_t chunks = 1;
  auto fits = [&](size_t k) { return ((values.size() + k - 1) / k) * len <= kHeaderLimit; };
  while (!fits(chunks)) ++chunks;
  const size_t base = values.size() / chunks, extra = values.size() % chunks;
  size_t pos = 0;
  for (size_t c = 0; c < chunks; ++c) {
    const size_t n = base + (c < extra ? 1 : 0);
    write_one(name + std::to_string(c), pos, pos + n);
    pos += n;
  }
}

void write_string(hid_t obj, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), std::max<size_t>(1, value.size()));
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  std::string buf = value.empty() ? std::string(1, '\0') : value;
  if (!a.ok() || H5Awrite(a.get(), type.get(), buf.data()) < 0) {
    throw FailedPrecondition(str_cat("cannot write the attribute '", name, "'"));
  }
}

/// The strings of a 1-D (or scalar) string attribute, fixed- or variable-length.
std::vector<std::string> read_strings(hid_t attr, const std::string& where) {
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<std::string> out;
  if (n <= 0) return out;  // h5py stores an empty list as an empty float64 array
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw DataLoss(str_cat(where, " is not a string attribute"));
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // h5py writes str as UTF-8
    if (H5Aread(attr, mem.get(), ptrs.data()) < 0) throw DataLoss(str_cat("cannot read ", where));
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  const size_t len = H5Tget_size(type.get());
  std::string buf(static_cast<size_t>(n) * len, '\0');
  if (H5Aread(attr, type.get(), buf.data()) < 0) throw DataLoss(str_cat("cannot read ", where));
  for (hssize_t i = 0; i < n; ++i) {
    std::string s = buf.substr(static_cast<size_t>(i) * len, len);
    s.resize(std::strlen(s.c_str()));
    out.push_back(s);
  }
  return out;
}

/// Keras's load_attributes_from_hdf5_group: `name`, or name0, name1, ...
std::vector<std::string> read_string_list(hid_t obj, const std::string& name,
                                          const std::string& where) {
  if (H5Aexists(obj, name.c_str()) > 0) {
    Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
    return read_strings(a.get(), where + " attribute " + name);
  }
  std::vector<std::string> out;
  for (int c = 0;; ++c) {
    const std::string n = name + std::to_string(c);
    if (H5Aexists(obj, n.c_str()) <= 0) break;
    Handle a(H5Aopen(obj, n.c_str(), H5P_DEFAULT), H5Aclose);
    for (auto& s : read_strings(a.get(), where + " attribute " + n)) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

namespace {

/// Creates `path` through a temporary file: `fill` writes the contents, then the file is
/// flushed, fsync'ed and renamed over `path`, so a reader never sees half a file.
void create_atomically(const std::string& path, const std::function<void(hid_t)>& fill) {
  Quiet quiet;
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file.ok()) {
      const auto dir = std::filesystem::path(path).parent_path();
      if (!dir.empty() && !std::filesystem::exists(dir)) {
        throw NotFound(
            str_cat("cannot write '", path, "': the directory ", dir.string(), " does not exist"));
      }
      throw FailedPrecondition(str_cat("cannot create the HDF5 file '", tmp, "'"));
    }
    try {
      fill(file.get());
      if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) {
        throw FailedPrecondition(str_cat("cannot flush '", tmp, "'"));
      }
    } catch (...) {
      std::remove(tmp.c_str());
      throw;
    }
  }
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw FailedPrecondition(str_cat("cannot rename '", tmp, "' to '", path, "'"));
  }
}

/// A dataset `name` in `g` holding `value` (intermediate groups created for "a/b" names).
void write_dataset(hid_t g, const std::string& name, const Tensor& value,
                   const std::string& where) {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  std::vector<hsize_t> dims(value.shape().dims().begin(), value.shape().dims().end());
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  const hid_t t = h5_type(value.dtype());
  Handle d(H5Dcreate2(g, name.c_str(), t, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
           H5Dclose);
  if (!d.ok() || H5Dwrite(d.get(), t, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.raw_data()) < 0) {
    throw FailedPrecondition(str_cat("cannot write the dataset '", name, "' of ", where));
  }
}

/// The numeric dataset `name` of `g` (float32/64, int32/64); `what` names it in errors.
Tensor read_dataset(hid_t g, const std::string& name, const std::string& what) {
  Handle d(H5Dopen2(g, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.ok()) throw DataLoss(str_cat(what, " has no dataset"));
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> hd(static_cast<size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), hd.data(), nullptr);
  std::vector<int64_t> dims(hd.begin(), hd.end());
  Handle type(H5Dget_type(d.get()), H5Tclose);
  DType dt = DType::f32;
  if (H5Tget_class(type.get()) == H5T_FLOAT) {
    dt = H5Tget_size(type.get()) == 8 ? DType::f64 : DType::f32;
  } else if (H5Tget_class(type.get()) == H5T_INTEGER) {
    dt = H5Tget_size(type.get()) == 8 ? DType::i64 : DType::i32;
  } else {
    throw DataLoss(str_cat(what, " is not numeric"));
  }
  Tensor t(dt, Shape(dims));
  if (H5Dread(d.get(), h5_type(dt), H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data()) < 0) {
    throw DataLoss(str_cat("cannot read ", what));
  }
  return t;
}

/// A scalar variable-length UTF-8 string attribute, as h5py writes a Python str.
void write_vlen_string(hid_t obj, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  const char* p = value.c_str();
  if (!a.ok() || H5Awrite(a.get(), type.get(), &p) < 0) {
    throw FailedPrecondition(str_cat("cannot write the attribute '", name, "'"));
  }
}

hid_t create_group(hid_t parent, const std::string& name, const std::string& where) {
  const hid_t g = H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) throw FailedPrecondition(str_cat("cannot create the group '", name, "' of ", where));
  return g;
}

hid_t open_for_reading(const std::string& path) {
  if (!std::filesystem::exists(path)) throw NotFound(str_cat("no weights file '", path, "'"));
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw DataLoss(str_cat("'", path, "' is not an HDF5 file"));
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw DataLoss(str_cat("cannot open the HDF5 file '", path, "'"));
  return file;
}

}  // namespace

bool hdf5_available() { return true; }

void write_hdf5(const std::string& path, const std::vector<SavedLayer>& layers,
                const std::string& keras_version, bool top_level_group) {
  const std::string where = "'" + path + "'";
  create_atomically(path, [&](hid_t file) {
    std::vector<std::string> names;
    for (const auto& l : layers) names.push_back(l.name);
    write_string_list(file, "layer_names", names, where);
    write_string(file, "backend", "tensorflow");
    write_string(file, "keras_version", keras_version);
    for (const auto& l : layers) {
      Handle g(create_group(file, l.name, where), H5Gclose);
      std::vector<std::string> wnames;
      for (const auto& w : l.weights) wnames.push_back(w.name);
      write_string_list(g.get(), "weight_names", wnames, "group '" + l.name + "'");
      for (const auto& w : l.weights) write_dataset(g.get(), w.name, w.value, where);
    }
    if (top_level_group) {
      // Keras 3 also writes the model's own (layer-less) weights; there are none here.
      Handle g(create_group(file, "top_level_model_weights", where), H5Gclose);
      write_string_list(g.get(), "weight_names", {}, "group 'top_level_model_weights'");
    }
  });
}

void write_keras3_hdf5(const std::string& path, const std::vector<SavedLayer>& layers,
                       const std::string& model_name) {
  const std::string where = "'" + path + "'";
  create_atomically(path, [&](hid_t file) {
    Handle root(create_group(file, "layers", where), H5Gclose);
    for (const auto& l : layers) {
      Handle g(create_group(root.get(), l.key, where), H5Gclose);
      Handle vars(create_group(g.get(), "vars", where), H5Gclose);
      write_vlen_string(vars.get(), "name", l.name);
      for (size_t i = 0; i < l.weights.size(); ++i) {
        write_dataset(vars.get(), std::to_string(i), l.weights[i].value, where);
      }
    }
    Handle vars(create_group(file, "vars", where), H5Gclose);
    write_vlen_string(vars.get(), "name", model_name);
  });
}

namespace {

// Keras 3's layout: one SavedLayer per group under "layers/", key and name set.
std::vector<SavedLayer> read_keras3_layers(hid_t file, const std::string& where) {
  Handle root(H5Gopen2(file, "layers", H5P_DEFAULT), H5Gclose);
  if (!root.ok()) throw DataLoss(str_cat(where, " has no group 'layers'"));
  H5G_info_t root_info;
  if (H5Gget_info(root.get(), &root_info) < 0) throw DataLoss(str_cat("cannot list ", where));
  std::vector<SavedLayer> out;
  for (hsize_t k = 0; k < root_info.nlinks; ++k) {
    const ssize_t len =
        H5Lget_name_by_idx(root.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k, nullptr, 0, H5P_DEFAULT);
    if (len < 0) throw DataLoss(str_cat("cannot list ", where, " layers/"));
    std::string key(static_cast<size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(root.get(), ".", H5_INDEX_NAME, H5_ITER_INC, k, key.data(), key.size(),
                       H5P_DEFAULT);
    key.resize(static_cast<size_t>(len));
    SavedLayer l;
    l.key = key;
    l.name = key;
    const std::string vpath = key + "/vars";
    if (H5Lexists(root.get(), vpath.c_str(), H5P_DEFAULT) <= 0) {
      out.push_back(std::move(l));  // a layer without variables may have no vars group
      continue;
    }
    Handle vars(H5Gopen2(root.get(), vpath.c_str(), H5P_DEFAULT), H5Gclose);
    if (H5Aexists(vars.get(), "name") > 0) {
      Handle a(H5Aopen(vars.get(), "name", H5P_DEFAULT), H5Aclose);
      const auto names = read_strings(a.get(), where + " layers/" + vpath + " attribute name");
      if (!names.empty()) l.name = names[0];
    }
    H5G_info_t info;
    if (H5Gget_info(vars.get(), &info) < 0) {
      throw DataLoss(str_cat("cannot list ", where, " layers/", vpath));
    }
    // Keras's save_own_variables: datasets "0", "1", ... in the layer's variable order.
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const std::string n = std::to_string(i);
      if (H5Lexists(vars.get(), n.c_str(), H5P_DEFAULT) <= 0) {
        throw DataLoss(str_cat(where, ": layers/", vpath, " holds ", info.nlinks,
                               " entries but no variable '", n, "'"));
      }
      l.weights.push_back(
          SavedWeight{n, read_dataset(vars.get(), n, str_cat(where, " layers/", vpath, "/", n))});
    }
    out.push_back(std::move(l));
  }
  return out;
}

// The legacy layout: the layers listed in layer_names, in that order.
std::vector<SavedLayer> read_legacy_layers(hid_t file, const std::string& where) {
  // A full-model file keeps its weights under "model_weights".
  hid_t root = file;
  Handle mw(H5Lexists(file, "model_weights", H5P_DEFAULT) > 0
                ? H5Gopen2(file, "model_weights", H5P_DEFAULT)
                : -1,
            H5Gclose);
  if (mw.ok()) root = mw.get();
  std::vector<SavedLayer> out;
  for (const std::string& name : read_string_list(root, "layer_names", where)) {
    SavedLayer l;
    l.name = name;
    if (H5Lexists(root, name.c_str(), H5P_DEFAULT) <= 0) {
      throw DataLoss(str_cat(where, " lists the layer '", name, "' but has no group for it"));
    }
    Handle g(H5Gopen2(root, name.c_str(), H5P_DEFAULT), H5Gclose);
    for (const std::string& wn : read_string_list(g.get(), "weight_names", where + "/" + name)) {
      l.weights.push_back(SavedWeight{
          wn, read_dataset(
                  g.get(), wn,
                  str_cat(where, ": the layer '", name, "' lists the weight '", wn, "', which"))});
    }
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

Hdf5Weights read_hdf5(const std::string& path) {
  Quiet quiet;
  Handle file(open_for_reading(path), H5Fclose);
  const std::string where = "'" + path + "'";
  // Keras 3's layout has a "layers" group and no layer_names attribute.
  const bool keras3 = H5Lexists(file.get(), "layers", H5P_DEFAULT) > 0 &&
                      H5Aexists(file.get(), "layer_names") <= 0 &&
                      H5Aexists(file.get(), "layer_names0") <= 0;
  return {keras3,
          keras3 ? read_keras3_layers(file.get(), where) : read_legacy_layers(file.get(), where)};
}

namespace {

std::string py_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", '" : "'") + v[i] + "'";
  return s + "]";
}

void list_attrs(hid_t obj, const std::string& name, std::vector<std::string>& out) {
  const int n = H5Aget_num_attrs(obj);
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    Handle a(H5Aopen_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, static_cast<hsize_t>(i),
                            H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
    char buf[256];
    H5Aget_name(a.get(), sizeof buf, buf);
    lines.push_back(str_cat("attr ", name, "@", buf, "=", py_list(read_strings(a.get(), buf))));
  }
  for (auto& l : lines) out.push_back(std::move(l));
}

herr_t visit(hid_t obj, const char* name, const H5O_info_t* info, void* data) {
  auto& out = *static_cast<std::vector<std::string>*>(data);
  if (std::string(name) == ".") return 0;
  const std::string path = std::string("/") + name;
  if (info->type == H5O_TYPE_GROUP) {
    out.push_back("group " + path);
    Handle g(H5Gopen2(obj, name, H5P_DEFAULT), H5Gclose);
    list_attrs(g.get(), path, out);
  } else if (info->type == H5O_TYPE_DATASET) {
    Handle d(H5Dopen2(obj, name, H5P_DEFAULT), H5Dclose);
    Handle type(H5Dget_type(d.get()), H5Tclose);
    Handle space(H5Dget_space(d.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 0)));
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    std::string shape = "[";
    for (size_t i = 0; i < dims.size(); ++i) shape += (i ? ", " : "") + std::to_string(dims[i]);
    shape += "]";
    const bool fl = H5Tget_class(type.get()) == H5T_FLOAT;
    const std::string t = str_cat(fl ? "float" : "int", 8 * H5Tget_size(type.get()));
    out.push_back(str_cat("dataset ", path, " ", t, " ", shape));
    list_attrs(d.get(), path, out);
  }
  return 0;
}

}  // namespace

std::vector<std::string> hdf5_layout(const std::string& path) {
  Quiet quiet;
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw NotFound(str_cat("cannot open the HDF5 file '", path, "'"));
  std::vector<std::string> out;
  Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose);
  list_attrs(root.get(), "/", out);
  H5Ovisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &out);
  std::sort(out.begin(), out.end());
  return out;
}

#endif

}  // namespace dl::keras::internal
