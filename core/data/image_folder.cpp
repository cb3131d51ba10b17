#include "dl/core/data/image_folder.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "dl/core/data/permutation.h"
#include "dl/core/io/file_util.h"
#include "dl/core/io/image.h"

namespace dl::data {
namespace {

namespace fs = std::filesystem;

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

// Keras's iter_valid_files: folders in sorted order, then the files of each sorted.
std::vector<std::string> class_files(const fs::path& dir, bool follow_links, const char* who) {
  std::vector<std::pair<std::string, std::string>> found;  // (folder, file name)
  auto opts = fs::directory_options::skip_permission_denied;
  if (follow_links) opts |= fs::directory_options::follow_directory_symlink;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, opts, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec) && is_image_file(it->path())) {
      found.emplace_back(it->path().parent_path().string(), it->path().filename().string());
    }
  }
  if (ec) {
    throw FailedPrecondition(str_cat(who, ": cannot list '", dir.string(), "': ", ec.message()));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  paths.reserve(found.size());
  for (const auto& [folder, name] : found) paths.push_back((fs::path(folder) / name).string());
  return paths;
}

struct ClassIndex {
  std::vector<std::string> class_names;
  std::vector<std::vector<std::string>> files;  // per class
};

ClassIndex index_directory(const std::string& directory, const std::vector<std::string>& requested,
                           bool follow_links, const char* who) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    throw NotFound(str_cat(who, ": the directory '", directory, "' does not exist"));
  }
  ClassIndex index;
  if (requested.empty()) {
    for (const auto& entry : fs::directory_iterator(directory, ec)) {
      std::error_code dec;
      if (entry.is_directory(dec)) index.class_names.push_back(entry.path().filename().string());
    }
    std::sort(index.class_names.begin(), index.class_names.end());
  } else {
    index.class_names = requested;
    for (const std::string& c : requested) {
      if (!fs::is_directory(fs::path(directory) / c, ec)) {
        throw NotFound(str_cat(who, ": class folder '", (fs::path(directory) / c).string(),
                               "' does not exist"));
      }
    }
  }
  for (const std::string& c : index.class_names) {
    index.files.push_back(class_files(fs::path(directory) / c, follow_links, who));
  }
  return index;
}

void check_one_of(const char* who, const char* option, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (value == a) return;
    list += str_cat(list.empty() ? "" : ", ", "\"", a, "\"");
  }
  throw InvalidArgument(
      str_cat(who, ": ", option, " must be one of ", list, ", received \"", value, "\""));
}

// How to turn a file into the float32 image of one element.
struct LoadSpec {
  const char* who;
  int64_t height = 0, width = 0;  // 0: keep the image's size
  std::string color_mode;
  bool keras2 = false;  // Pillow semantics: accurate IDCT, Pillow's grey conversion
  std::string resize_method;
  float rescale = 0.0f;
  bool skip_corrupt = false;
  std::string label_mode;  // int, categorical, binary, sparse, ""
  int64_t num_classes = 0;
};

Tensor load_image(const std::string& path, const LoadSpec& s) {
  io::ImageDecodeOptions o;
  o.dct_method = s.keras2 ? "INTEGER_ACCURATE" : "";
  Tensor img;
  if (s.color_mode == "grayscale") {
    if (s.keras2) {
      img = io::read_image(path, o);
      const int64_t c = img.shape().dim(2);
      if (c >= 3) {
        img = io::rgb_to_grayscale_pil(img);
      } else if (c == 2) {  // grey + alpha: Pillow's convert('L') keeps the grey
        Tensor g(DType::u8, Shape({img.shape().dim(0), img.shape().dim(1), 1}));
        for (int64_t i = 0; i < g.num_elements(); ++i)
          g.data<uint8_t>()[i] = img.data<uint8_t>()[2 * i];
        img = g;
      }
    } else {
      o.channels = 1;
      img = io::read_image(path, o);
    }
  } else {
    const bool rgba = s.color_mode == "rgba";
    o.channels = 3;
    const std::string bytes = io::read_file(path);
    const bool png = bytes.size() >= 4 && bytes.compare(1, 3, "PNG") == 0;
    if (rgba && png) o.channels = 4;
    img = io::decode_image(bytes, o, path);
    if (rgba && !png) {  // JPEG has no alpha: opaque, as Pillow's convert('RGBA')
      Tensor a(DType::u8, Shape({img.shape().dim(0), img.shape().dim(1), 4}));
      for (int64_t i = 0; i < img.shape().dim(0) * img.shape().dim(1); ++i) {
        for (int k = 0; k < 3; ++k) a.data<uint8_t>()[4 * i + k] = img.data<uint8_t>()[3 * i + k];
        a.data<uint8_t>()[4 * i + 3] = 255;
      }
      img = a;
    }
  }
  const bool resize =
      s.height > 0 && (img.shape().dim(0) != s.height || img.shape().dim(1) != s.width);
  if (resize) img = io::resize(img, s.height, s.width, s.resize_method);
  if (s.rescale != 0.0f) return io::rescale(img, s.rescale);
  return img.dtype() == DType::f32 ? img : io::to_float(img);
}

// Loads the files `indices` (a scalar or a vector of int64) into {images, labels}; an empty
// element when every file of the batch was skipped.
Element load_element(const Tensor& indices, const std::vector<std::string>& paths,
                     const std::vector<int32_t>& labels, const LoadSpec& s) {
  const bool single = indices.shape().rank() == 0;
  std::vector<Tensor> images;
  std::vector<int32_t> ys;
  std::vector<const std::string*> names;
  for (int64_t i = 0; i < indices.num_elements(); ++i) {
    const auto k = static_cast<size_t>(indices.data<int64_t>()[i]);
    Tensor img;
    try {
      img = load_image(paths[k], s);
    } catch (const DataLoss& e) {
      if (!s.skip_corrupt) throw;
      std::fprintf(stderr, "warning: %s: skipping corrupt image '%s': %s\n", s.who,
                   paths[k].c_str(), e.what());
      continue;
    } catch (const Unimplemented& e) {
      if (!s.skip_corrupt) throw;
      std::fprintf(stderr, "warning: %s: skipping undecodable image '%s': %s\n", s.who,
                   paths[k].c_str(), e.what());
      continue;
    }
    if (!images.empty() && img.shape() != images[0].shape()) {
      throw InvalidArgument(str_cat(s.who, ": image '", paths[k], "' is ", img.spec_string(),
                                    " but '", *names[0], "' in the same batch is ",
                                    images[0].spec_string(),
                                    "; give an image size to resize them to one size"));
    }
    images.push_back(std::move(img));
    ys.push_back(labels[k]);
    names.push_back(&paths[k]);
  }
  if (images.empty()) return {};
  Element out;
  out.push_back(single ? images[0] : stack(images));
  const auto n = static_cast<int64_t>(ys.size());
  const std::string& mode = s.label_mode;
  if (mode.empty()) return out;
  if (mode == "int" || mode == "sparse") {
    out.push_back(single ? Tensor::scalar<int32_t>(ys[0])
                         : Tensor::from_vector<int32_t>(Shape({n}), ys));
  } else if (mode == "categorical") {
    Tensor y =
        Tensor::zeros(DType::f32, single ? Shape({s.num_classes}) : Shape({n, s.num_classes}));
    for (int64_t i = 0; i < n; ++i)
      y.data<float>()[i * s.num_classes + ys[static_cast<size_t>(i)]] = 1.0f;
    out.push_back(y);
  } else {  // binary: Keras 3 gives [b, 1], Keras 2 [b]
    std::vector<float> v(ys.begin(), ys.end());
    Shape shape =
        single ? (s.keras2 ? Shape{} : Shape({1})) : (s.keras2 ? Shape({n}) : Shape({n, 1}));
    out.push_back(Tensor::from_vector<float>(shape, v));
  }
  return out;
}

Dataset loading_pipeline(Dataset indices, std::shared_ptr<const std::vector<std::string>> paths,
                         std::shared_ptr<const std::vector<int32_t>> labels, const LoadSpec& spec,
                         int num_parallel_calls) {
  Dataset ds = indices.map(
      [paths, labels, spec](Element e) { return load_element(e[0], *paths, *labels, spec); },
      num_parallel_calls);
  if (spec.skip_corrupt) ds = ds.filter([](const Element& e) { return !e.empty(); });
  return ds.prefetch(kAutotune);
}

void check_size(const char* who, const char* option, const std::array<int64_t, 2>& size) {
  const bool keep = size[0] == 0 && size[1] == 0;
  DL_CHECK(keep || (size[0] > 0 && size[1] > 0), who, ": ", option,
           " must be positive (or {0, 0} to keep sizes), received {", size[0], ", ", size[1], "}");
}

}  // namespace

ImageDataset image_dataset_from_directory(const std::string& directory,
                                          const ImageDatasetOptions& o) {
  const char* who = "image_dataset_from_directory";
  check_size(who, "image_size", o.image_size);
  DL_CHECK(o.batch_size >= 0, who, ": batch_size must be >= 0 (0 = no batching), received ",
           o.batch_size);
  check_one_of(who, "color_mode", o.color_mode, {"rgb", "grayscale", "rgba"});
  check_one_of(who, "label_mode", o.label_mode, {"int", "categorical", "binary", ""});
  check_one_of(who, "subset", o.subset, {"", "training", "validation"});
  check_one_of(who, "interpolation", o.interpolation,
               {"bilinear", "nearest", "bilinear_tf1", "nearest_tf1", "nearest_keras2"});
  DL_CHECK(o.validation_split >= 0.0 && o.validation_split < 1.0, who,
           ": validation_split must be in [0, 1), received ", o.validation_split);
  DL_CHECK((o.validation_split > 0.0) == !o.subset.empty(), who,
           ": validation_split and subset go together: received validation_split ",
           o.validation_split, " and subset \"", o.subset, "\"");
  DL_CHECK(!(o.validation_split > 0.0 && o.shuffle && !o.seed), who,
           ": shuffling with a validation_split needs a seed, so that the training and "
           "validation subsets do not overlap");

  const ClassIndex index = index_directory(directory, o.class_names, o.follow_links, who);
  if (o.label_mode == "binary") {
    DL_CHECK(index.class_names.size() == 2, who,
             ": label_mode \"binary\" needs exactly 2 classes, '", directory, "' has ",
             index.class_names.size());
  }
  auto paths = std::make_shared<std::vector<std::string>>();
  auto labels = std::make_shared<std::vector<int32_t>>();
  for (size_t c = 0; c < index.files.size(); ++c) {
    for (const std::string& f : index.files[c]) {
      paths->push_back(f);
      labels->push_back(static_cast<int32_t>(c));
    }
  }
  DL_CHECK(!paths->empty(), who, ": no images (.jpg, .jpeg, .png) found in the class folders of '",
           directory, "'");
  const uint64_t seed = o.seed ? *o.seed : nondeterministic_seed();
  if (o.shuffle) {
    const auto perm = permutation(static_cast<int64_t>(paths->size()), seed);
    std::vector<std::string> p2;
    std::vector<int32_t> l2;
    for (int64_t i : perm) {
      p2.push_back((*paths)[static_cast<size_t>(i)]);
      l2.push_back((*labels)[static_cast<size_t>(i)]);
    }
    *paths = std::move(p2);
    *labels = std::move(l2);
  }
  if (!o.subset.empty()) {
    const auto n = static_cast<int64_t>(paths->size());
    const auto val = static_cast<int64_t>(o.validation_split * static_cast<double>(n));
    const int64_t begin = o.subset == "training" ? 0 : n - val;
    const int64_t end = o.subset == "training" ? n - val : n;
    *paths = std::vector<std::string>(paths->begin() + begin, paths->begin() + end);
    *labels = std::vector<int32_t>(labels->begin() + begin, labels->begin() + end);
    DL_CHECK(!paths->empty(), who, ": the \"", o.subset, "\" subset of '", directory,
             "' is empty (", n, " files, validation_split ", o.validation_split, ")");
  }

  LoadSpec spec;
  spec.who = who;
  spec.height = o.image_size[0];
  spec.width = o.image_size[1];
  spec.color_mode = o.color_mode;
  spec.resize_method = o.interpolation;
  spec.skip_corrupt = o.skip_corrupt;
  spec.label_mode = o.label_mode;
  spec.num_classes = static_cast<int64_t>(index.class_names.size());

  Dataset ds = Dataset::range(static_cast<int64_t>(paths->size()));
  if (o.shuffle) ds = ds.shuffle(o.batch_size > 0 ? 8 * o.batch_size : 1024, seed);
  if (o.batch_size > 0) ds = ds.batch(o.batch_size);
  ImageDataset out;
  out.dataset = loading_pipeline(ds, paths, labels, spec, o.num_parallel_calls);
  out.class_names = index.class_names;
  out.file_paths = *paths;
  out.labels = *labels;
  return out;
}

DirectoryIterator::DirectoryIterator(const std::string& directory, const FlowOptions& o)
    : options_(o) {
  const char* who = "flow_from_directory";
  check_size(who, "target_size", o.target_size);
  DL_CHECK(o.batch_size >= 1, who, ": batch_size must be >= 1, received ", o.batch_size);
  check_one_of(who, "color_mode", o.color_mode, {"rgb", "grayscale", "rgba"});
  check_one_of(who, "class_mode", o.class_mode, {"categorical", "binary", "sparse", ""});
  check_one_of(who, "subset", o.subset, {"", "training", "validation"});
  std::string method = o.interpolation == "nearest" ? "nearest_keras2" : o.interpolation;
  if (method == "bilinear" || method == "bicubic" || method == "lanczos" || method == "box" ||
      method == "hamming") {
    throw Unimplemented(str_cat(who, ": interpolation \"", o.interpolation,
                                "\" is Pillow's antialiased filter, which dl does not implement; "
                                "use \"nearest\" (Keras 2's default) or \"bilinear_tf1\""));
  }
  check_one_of(who, "interpolation", method, {"nearest_keras2", "nearest_tf1", "bilinear_tf1"});
  DL_CHECK(o.validation_split >= 0.0 && o.validation_split < 1.0, who,
           ": validation_split must be in [0, 1), received ", o.validation_split);
  DL_CHECK(o.subset.empty() || o.validation_split > 0.0, who, ": subset \"", o.subset,
           "\" needs a validation_split");

  const ClassIndex index = index_directory(directory, o.classes, o.follow_links, who);
  class_names_ = index.class_names;
  if (o.class_mode == "binary") {
    DL_CHECK(class_names_.size() == 2, who, ": class_mode \"binary\" needs exactly 2 classes, '",
             directory, "' has ", class_names_.size());
  }
  for (size_t c = 0; c < index.files.size(); ++c) {
    class_indices_[class_names_[c]] = static_cast<int32_t>(c);
    const auto& files = index.files[c];
    const auto n = static_cast<int64_t>(files.size());
    int64_t begin = 0, end = n;
    if (!o.subset.empty()) {  // Keras 2 splits each class: validation first
      const auto split = static_cast<int64_t>(o.validation_split * static_cast<double>(n));
      if (o.subset == "validation")
        end = split;
      else
        begin = split;
    }
    for (int64_t i = begin; i < end; ++i) {
      filenames_.push_back(files[static_cast<size_t>(i)]);
      classes_.push_back(static_cast<int32_t>(c));
    }
  }
  DL_CHECK(!filenames_.empty(), who,
           ": no images (.jpg, .jpeg, .png) found in the class folders of '", directory, "'",
           o.subset.empty() ? "" : str_cat(" for subset \"", o.subset, "\""));

  LoadSpec spec;
  spec.who = who;
  spec.height = o.target_size[0];
  spec.width = o.target_size[1];
  spec.color_mode = o.color_mode;
  spec.keras2 = true;
  spec.resize_method = method;
  spec.rescale = static_cast<float>(o.rescale);
  spec.skip_corrupt = o.skip_corrupt;
  spec.label_mode = o.class_mode;
  spec.num_classes = num_classes();

  Dataset ds = Dataset::range(samples());
  if (o.shuffle) ds = ds.shuffle(samples(), o.seed ? *o.seed : nondeterministic_seed());
  ds = ds.batch(o.batch_size);
  dataset_ = loading_pipeline(ds, std::make_shared<const std::vector<std::string>>(filenames_),
                              std::make_shared<const std::vector<int32_t>>(classes_), spec,
                              o.num_parallel_calls);
  iterator_ = dataset_.make_iterator();
}

int64_t DirectoryIterator::batches_per_epoch() const {
  return (samples() + options_.batch_size - 1) / options_.batch_size;
}

Element DirectoryIterator::next() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (std::optional<Element> e = iterator_.next()) return std::move(*e);
    iterator_.reset();
  }
  throw DataLoss(str_cat("flow_from_directory: a whole epoch produced no batch (every one of the ",
                         samples(), " images was skipped as corrupt)"));
}

Generator DirectoryIterator::as_generator() {
  return [this]() -> std::optional<Element> { return next(); };
}

void DirectoryIterator::reset() { iterator_.reset_to_epoch(0); }

DirectoryIterator flow_from_directory(const std::string& directory, const FlowOptions& options) {
  return DirectoryIterator(directory, options);
}

}  // namespace dl::data
