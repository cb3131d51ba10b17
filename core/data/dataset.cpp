#include "dl/core/data/dataset.h"

#include <cstring>

#include "dl/core/data/internal/dataset_impl.h"
#include "dl/core/data/permutation.h"

namespace dl::data {

namespace detail {
uint64_t repetition_key(uint64_t key, int64_t k) {
  return mix_seed(key, static_cast<uint64_t>(k) + 0x7265706561ull);  // "repea"
}
}  // namespace detail

const detail::DatasetImpl& Dataset::checked() const {
  if (!impl_) throw FailedPrecondition("Dataset: this handle is empty (default-constructed)");
  return *impl_;
}

int64_t Dataset::cardinality() const { return checked().cardinality(); }
std::string Dataset::describe() const { return checked().describe(); }
Iterator Dataset::make_iterator(int64_t epoch) const { return Iterator(*this, epoch); }

Iterator::Iterator() = default;
Iterator::~Iterator() = default;
Iterator::Iterator(Iterator&&) noexcept = default;
Iterator& Iterator::operator=(Iterator&&) noexcept = default;

Iterator::Iterator(Dataset dataset, int64_t epoch) : dataset_(std::move(dataset)) {
  if (!dataset_.valid()) throw FailedPrecondition("Iterator: the dataset handle is empty");
  reset_to_epoch(epoch);
}

std::optional<Element> Iterator::next() {
  if (!impl_) throw FailedPrecondition("Iterator: not initialised (default-constructed)");
  if (ended_) return std::nullopt;
  std::optional<Element> e = impl_->next();
  if (!e) {
    ended_ = true;
    return std::nullopt;
  }
  ++position_;
  return e;
}

Element Iterator::get_next() {
  std::optional<Element> e = next();
  if (!e) {
    throw OutOfRange(
        str_cat("End of sequence (epoch ", epoch_, " ended after ", position_, " elements)"));
  }
  return std::move(*e);
}

void Iterator::reset() { reset_to_epoch(epoch_ + 1); }

void Iterator::reset_to_epoch(int64_t epoch) {
  if (!dataset_.valid())
    throw FailedPrecondition("Iterator: not initialised (default-constructed)");
  DL_CHECK(epoch >= 0, "Iterator: epoch must be >= 0, received ", epoch);
  impl_.reset();  // stop the old pipeline's threads before starting new ones
  ended_ = false;
  position_ = 0;
  epoch_ = epoch;
  impl_ = dataset_.impl()->make_iterator(static_cast<uint64_t>(epoch));
}

Tensor string_tensor(std::string_view s) {
  Tensor t(DType::u8, Shape({static_cast<int64_t>(s.size())}));
  if (!s.empty()) std::memcpy(t.raw_data(), s.data(), s.size());
  return t;
}

std::string tensor_string(const Tensor& t) {
  DL_CHECK(t.valid() && t.dtype() == DType::u8 && t.shape().rank() == 1,
           "tensor_string: expected a uint8 tensor of rank 1 holding a string's bytes, received ",
           t.valid() ? t.spec_string() : std::string("an empty tensor"));
  return std::string(static_cast<const char*>(t.raw_data()), t.num_bytes());
}

Tensor stack(const std::vector<Tensor>& tensors) {
  DL_CHECK(!tensors.empty(), "stack: no tensors given");
  const Tensor& first = tensors[0];
  for (size_t i = 1; i < tensors.size(); ++i) {
    DL_CHECK(tensors[i].dtype() == first.dtype() && tensors[i].shape() == first.shape(),
             "stack: tensor ", i, " is ", tensors[i].spec_string(), " but tensor 0 is ",
             first.spec_string(), "; stacked tensors must have one dtype and shape");
  }
  std::vector<int64_t> dims;
  dims.reserve(static_cast<size_t>(first.shape().rank()) + 1);
  dims.push_back(static_cast<int64_t>(tensors.size()));
  for (int64_t d : first.shape().dims()) dims.push_back(d);
  Tensor out(first.dtype(), Shape(dims));
  const size_t bytes = first.num_bytes();
  auto* dst = static_cast<char*>(out.raw_data());
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (bytes) std::memcpy(dst + i * bytes, tensors[i].raw_data(), bytes);
  }
  return out;
}

}  // namespace dl::data
