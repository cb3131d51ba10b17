// The sources of a pipeline: tensor slices, ranges, strings, generators, file lists, zip.
#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "dl/core/data/dataset.h"
#include "dl/core/data/internal/dataset_impl.h"

namespace dl::data {
namespace {

using detail::DatasetImpl;
using detail::IteratorImpl;

class TensorSlicesDataset final : public DatasetImpl {
 public:
  TensorSlicesDataset(std::vector<Tensor> tensors, int64_t rows)
      : tensors_(std::move(tensors)), rows_(rows) {
    for (const Tensor& t : tensors_) {
      element_shapes_.emplace_back(
          std::vector<int64_t>(t.shape().dims().begin() + 1, t.shape().dims().end()));
    }
  }
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t) const override {
    struct It final : IteratorImpl {
      const TensorSlicesDataset* ds;
      int64_t i = 0;
      explicit It(const TensorSlicesDataset* d) : ds(d) {}
      std::optional<Element> next() override {
        if (i >= ds->rows_) return std::nullopt;
        Element e;
        e.reserve(ds->tensors_.size());
        for (size_t c = 0; c < ds->tensors_.size(); ++c) {
          e.push_back(ds->tensors_[c].slice_rows(i, i + 1).reshaped(ds->element_shapes_[c]));
        }
        ++i;
        return e;
      }
    };
    return std::make_unique<It>(this);
  }
  int64_t cardinality() const override { return rows_; }
  std::string describe() const override { return str_cat("TensorSlices(", rows_, ")"); }

 private:
  std::vector<Tensor> tensors_;
  std::vector<Shape> element_shapes_;
  int64_t rows_;
};

class ElementsDataset final : public DatasetImpl {
 public:
  ElementsDataset(std::vector<Element> elements, std::string name)
      : elements_(std::move(elements)), name_(std::move(name)) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t) const override {
    struct It final : IteratorImpl {
      const ElementsDataset* ds;
      size_t i = 0;
      explicit It(const ElementsDataset* d) : ds(d) {}
      std::optional<Element> next() override {
        if (i >= ds->elements_.size()) return std::nullopt;
        return ds->elements_[i++];
      }
    };
    return std::make_unique<It>(this);
  }
  int64_t cardinality() const override { return static_cast<int64_t>(elements_.size()); }
  std::string describe() const override { return str_cat(name_, "(", elements_.size(), ")"); }

 private:
  std::vector<Element> elements_;
  std::string name_;
};

class RangeDataset final : public DatasetImpl {
 public:
  RangeDataset(int64_t start, int64_t stop, int64_t step)
      : start_(start), stop_(stop), step_(step) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t) const override {
    struct It final : IteratorImpl {
      int64_t v, stop, step;
      std::optional<Element> next() override {
        if (step > 0 ? v >= stop : v <= stop) return std::nullopt;
        Element e{Tensor::scalar<int64_t>(v)};
        v += step;
        return e;
      }
    };
    auto it = std::make_unique<It>();
    it->v = start_;
    it->stop = stop_;
    it->step = step_;
    return it;
  }
  int64_t cardinality() const override {
    if (step_ > 0) return stop_ > start_ ? (stop_ - start_ + step_ - 1) / step_ : 0;
    return stop_ < start_ ? (start_ - stop_ - step_ - 1) / -step_ : 0;
  }
  std::string describe() const override {
    return str_cat("Range(", start_, ", ", stop_, ", ", step_, ")");
  }

 private:
  int64_t start_, stop_, step_;
};

class GeneratorDataset final : public DatasetImpl {
 public:
  explicit GeneratorDataset(std::function<Generator()> make) : make_(std::move(make)) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t) const override {
    struct It final : IteratorImpl {
      Generator gen;
      std::optional<Element> next() override { return gen(); }
    };
    auto it = std::make_unique<It>();
    it->gen = make_();
    DL_CHECK(static_cast<bool>(it->gen), "from_generator_factory: the factory returned an empty ",
             "generator function");
    return it;
  }
  int64_t cardinality() const override { return kUnknownCardinality; }
  std::string describe() const override { return "Generator"; }

 private:
  std::function<Generator()> make_;
};

class ZipDataset final : public DatasetImpl {
 public:
  explicit ZipDataset(std::vector<Dataset> inputs) : inputs_(std::move(inputs)) {}
  std::unique_ptr<IteratorImpl> make_iterator(uint64_t key) const override {
    struct It final : IteratorImpl {
      std::vector<std::unique_ptr<IteratorImpl>> inputs;
      std::optional<Element> next() override {
        Element out;
        for (auto& in : inputs) {
          std::optional<Element> e = in->next();
          if (!e) return std::nullopt;
          for (Tensor& t : *e) out.push_back(std::move(t));
        }
        return out;
      }
    };
    auto it = std::make_unique<It>();
    for (const Dataset& d : inputs_) it->inputs.push_back(d.impl()->make_iterator(key));
    return it;
  }
  int64_t cardinality() const override {
    int64_t n = kInfiniteCardinality;
    for (const Dataset& d : inputs_) {
      const int64_t c = d.cardinality();
      if (c == kUnknownCardinality) return kUnknownCardinality;
      if (c != kInfiniteCardinality) n = n == kInfiniteCardinality ? c : std::min(n, c);
    }
    return n;
  }
  std::string describe() const override {
    std::string s = "Zip(";
    for (size_t i = 0; i < inputs_.size(); ++i) {
      s += (i ? ", " : "") + inputs_[i].describe();
    }
    return s + ")";
  }

 private:
  std::vector<Dataset> inputs_;
};

std::vector<std::string> match_files(const std::string& pattern) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(pattern, ec)) {
    for (const auto& entry : fs::directory_iterator(pattern, ec)) {
      if (entry.is_regular_file(ec)) files.push_back(entry.path().string());
    }
  } else {
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        if (!fs::is_directory(g.gl_pathv[i], ec)) files.emplace_back(g.gl_pathv[i]);
      }
    }
    globfree(&g);
  }
  // Byte order, not the locale's collation, so that the order is the same everywhere.
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Dataset Dataset::from_tensor_slices(std::vector<Tensor> tensors) {
  DL_CHECK(!tensors.empty(), "from_tensor_slices: no tensors given");
  for (size_t i = 0; i < tensors.size(); ++i) {
    DL_CHECK(tensors[i].valid(), "from_tensor_slices: tensor ", i, " is empty");
    DL_CHECK(tensors[i].shape().rank() >= 1, "from_tensor_slices: tensor ", i, " is a scalar (",
             tensors[i].spec_string(), "); slicing needs a dimension 0");
  }
  const int64_t rows = tensors[0].shape().dim(0);
  for (size_t i = 1; i < tensors.size(); ++i) {
    DL_CHECK(tensors[i].shape().dim(0) == rows, "from_tensor_slices: tensor ", i, " has ",
             tensors[i].shape().dim(0), " rows (", tensors[i].spec_string(), ") but tensor 0 has ",
             rows, " (", tensors[0].spec_string(), "); all tensors need the same dimension 0");
  }
  return Dataset(std::make_shared<TensorSlicesDataset>(std::move(tensors), rows));
}

Dataset Dataset::from_tensors(Element element) {
  std::vector<Element> one;
  one.push_back(std::move(element));
  return Dataset(std::make_shared<ElementsDataset>(std::move(one), "Tensors"));
}

Dataset Dataset::range(int64_t start, int64_t stop, int64_t step) {
  DL_CHECK(step != 0, "range: step must not be 0");
  return Dataset(std::make_shared<RangeDataset>(start, stop, step));
}

Dataset Dataset::from_strings(std::vector<std::string> strings) {
  std::vector<Element> elements;
  elements.reserve(strings.size());
  for (const std::string& s : strings) elements.push_back({string_tensor(s)});
  return Dataset(std::make_shared<ElementsDataset>(std::move(elements), "Strings"));
}

Dataset Dataset::from_generator(Generator gen) {
  DL_CHECK(static_cast<bool>(gen), "from_generator: the generator function is empty");
  auto shared = std::make_shared<Generator>(std::move(gen));
  return from_generator_factory([shared] { return [shared] { return (*shared)(); }; });
}

Dataset Dataset::from_generator_factory(std::function<Generator()> make) {
  DL_CHECK(static_cast<bool>(make), "from_generator_factory: the factory function is empty");
  return Dataset(std::make_shared<GeneratorDataset>(std::move(make)));
}

Dataset Dataset::list_files(const std::string& pattern, bool shuffle,
                            std::optional<uint64_t> seed) {
  std::vector<std::string> files = match_files(pattern);
  if (files.empty()) throw NotFound(str_cat("list_files: no files match '", pattern, "'"));
  const auto n = static_cast<int64_t>(files.size());
  Dataset ds = from_strings(std::move(files));
  return shuffle ? ds.shuffle(n, seed) : ds;
}

Dataset Dataset::zip(std::vector<Dataset> datasets) {
  DL_CHECK(!datasets.empty(), "zip: no datasets given");
  for (size_t i = 0; i < datasets.size(); ++i) {
    DL_CHECK(datasets[i].valid(), "zip: dataset ", i, " is an empty handle");
  }
  return Dataset(std::make_shared<ZipDataset>(std::move(datasets)));
}

}  // namespace dl::data
