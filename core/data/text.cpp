#include "dl/core/data/text.h"

#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include "dl/core/dtype_visit.h"
#include "dl/core/io/file_util.h"

namespace dl::data {

std::vector<std::string> text_to_word_sequence(std::string_view text, std::string_view filters,
                                               bool lower, std::string_view split) {
  DL_CHECK(!split.empty(), "text_to_word_sequence: split must not be empty");
  bool is_filter[256] = {};
  for (char c : filters) is_filter[static_cast<unsigned char>(c)] = true;
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    if (lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (is_filter[static_cast<unsigned char>(c)]) {
      s += split;
    } else {
      s.push_back(c);
    }
  }
  std::vector<std::string> words;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find(split, start);
    const size_t stop = end == std::string::npos ? s.size() : end;
    if (stop > start) words.emplace_back(s.substr(start, stop - start));
    if (end == std::string::npos) break;
    start = end + split.size();
  }
  return words;
}

Tokenizer::Tokenizer(TokenizerOptions options) : options_(std::move(options)) {
  DL_CHECK(options_.num_words >= 0, "Tokenizer: num_words must be >= 0 (0 = all), received ",
           options_.num_words);
  DL_CHECK(!options_.split.empty(), "Tokenizer: split must not be empty");
  index_word_.emplace_back();
}

std::vector<std::string> Tokenizer::tokens(std::string_view text) const {
  if (!options_.char_level) {
    return text_to_word_sequence(text, options_.filters, options_.lower, options_.split);
  }
  std::vector<std::string> chars;
  for (char c : text) {
    if (options_.lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    chars.emplace_back(1, c);
  }
  return chars;
}

void Tokenizer::fit_on_texts(const std::vector<std::string>& texts) {
  for (const std::string& text : texts) {
    ++document_count_;
    const std::vector<std::string> seq = tokens(text);
    for (const std::string& w : seq) {
      auto [it, inserted] = count_slot_.emplace(w, word_counts_.size());
      if (inserted) word_counts_.emplace_back(w, 0);
      ++word_counts_[it->second].second;
    }
    for (const std::string& w : std::unordered_set<std::string>(seq.begin(), seq.end())) {
      ++word_docs_[w];
    }
  }
  // Keras: list(word_counts.items()).sort(key=count, reverse=True), a stable sort.
  std::vector<size_t> order(word_counts_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return word_counts_[a].second > word_counts_[b].second;
  });
  word_index_.clear();
  index_word_.assign(1, std::string());
  // dict(zip(sorted_voc, range(1, ...))): a word listed twice (the oov_token also occurring
  // in the texts) keeps the later index, while index_word maps both indices to it.
  if (options_.oov_token) index_word_.push_back(*options_.oov_token);
  for (size_t i : order) index_word_.push_back(word_counts_[i].first);
  for (size_t i = 1; i < index_word_.size(); ++i) {
    word_index_[index_word_[i]] = static_cast<int32_t>(i);
  }
}

std::vector<std::vector<int32_t>> Tokenizer::texts_to_sequences(
    const std::vector<std::string>& texts) const {
  std::optional<int32_t> oov;
  if (options_.oov_token) {
    auto it = word_index_.find(*options_.oov_token);
    if (it != word_index_.end()) oov = it->second;
  }
  const int64_t num_words = options_.num_words;
  std::vector<std::vector<int32_t>> out;
  out.reserve(texts.size());
  for (const std::string& text : texts) {
    std::vector<int32_t> v;
    for (const std::string& w : tokens(text)) {
      auto it = word_index_.find(w);
      if (it != word_index_.end()) {
        if (num_words && it->second >= num_words) {
          if (oov) v.push_back(*oov);
        } else {
          v.push_back(it->second);
        }
      } else if (options_.oov_token) {
        // Keras appends word_index.get(oov_token), None when the tokenizer was never fitted;
        // dl drops the word then.
        if (oov) v.push_back(*oov);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::string> Tokenizer::sequences_to_texts(
    const std::vector<std::vector<int32_t>>& sequences) const {
  std::optional<int32_t> oov;
  if (options_.oov_token) {
    auto it = word_index_.find(*options_.oov_token);
    if (it != word_index_.end()) oov = it->second;
  }
  const int64_t num_words = options_.num_words;
  std::vector<std::string> out;
  for (const auto& seq : sequences) {
    std::vector<std::string> words;
    for (int32_t i : seq) {
      const bool known = i > 0 && static_cast<size_t>(i) < index_word_.size();
      if (known && !(num_words && i >= num_words)) {
        words.push_back(index_word_[static_cast<size_t>(i)]);
      } else if (oov) {
        words.push_back(index_word_[static_cast<size_t>(*oov)]);
      }
    }
    std::string s;
    for (size_t k = 0; k < words.size(); ++k) s += (k ? " " : "") + words[k];
    out.push_back(std::move(s));
  }
  return out;
}

const std::string& Tokenizer::index_word(int32_t index) const {
  static const std::string kNone;
  if (index <= 0 || static_cast<size_t>(index) >= index_word_.size()) return kNone;
  return index_word_[static_cast<size_t>(index)];
}

int64_t Tokenizer::word_docs(const std::string& word) const {
  auto it = word_docs_.find(word);
  return it == word_docs_.end() ? 0 : it->second;
}

Tensor pad_sequences(const std::vector<std::vector<int32_t>>& sequences,
                     std::optional<int64_t> maxlen, DType dtype, std::string_view padding,
                     std::string_view truncating, double value) {
  DL_CHECK(padding == "pre" || padding == "post",
           "pad_sequences: padding must be \"pre\" or \"post\", received \"", padding, "\"");
  DL_CHECK(truncating == "pre" || truncating == "post",
           "pad_sequences: truncating must be \"pre\" or \"post\", received \"", truncating, "\"");
  DL_CHECK(dtype == DType::i32 || dtype == DType::i64 || dtype == DType::f32 || dtype == DType::f64,
           "pad_sequences: dtype must be int32, int64, float32 or float64, received ", name(dtype));
  int64_t len = 0;
  if (maxlen) {
    DL_CHECK(*maxlen >= 0, "pad_sequences: maxlen must be >= 0, received ", *maxlen);
    len = *maxlen;
  } else {
    for (const auto& s : sequences) len = std::max<int64_t>(len, static_cast<int64_t>(s.size()));
  }
  const auto n = static_cast<int64_t>(sequences.size());
  Tensor out = Tensor::filled(dtype, Shape({n, len}), value);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      const auto& s = sequences[static_cast<size_t>(i)];
      const auto size = static_cast<int64_t>(s.size());
      const int64_t keep = std::min(size, len);
      const int64_t from = truncating == "pre" ? size - keep : 0;  // first value kept
      const int64_t at = padding == "post" ? 0 : len - keep;       // where it goes
      for (int64_t k = 0; k < keep; ++k) {
        o[i * len + at + k] = static_cast<T>(s[static_cast<size_t>(from + k)]);
      }
    }
  });
  return out;
}

Tensor Fortunes::label_tensor() const {
  return Tensor::from_vector<int32_t>(Shape({static_cast<int64_t>(labels.size())}), labels);
}

std::vector<std::string> list_fortune_categories(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".dat" && fs::exists(fs::path(p).replace_extension(""), ec)) {
      out.push_back(p.stem().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Fortunes load_fortunes(const std::vector<std::string>& categories, const std::string& dir) {
  namespace fs = std::filesystem;
  DL_CHECK(!categories.empty(), "load_fortunes: no categories given");
  Fortunes f;
  f.categories = categories;
  for (size_t c = 0; c < categories.size(); ++c) {
    const std::string path = (fs::path(dir) / categories[c]).string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      std::string have;
      for (const std::string& k : list_fortune_categories(dir))
        have += (have.empty() ? "" : ", ") + k;
      throw NotFound(str_cat("load_fortunes: the category file '", path, "' does not exist (",
                             have.empty() ? std::string("no fortune files there; install the "
                                                        "Debian package fortunes")
                                          : "available: " + have,
                             ")"));
    }
    const std::string text = io::read_file(path);
    std::string entry;
    size_t pos = 0;
    const auto flush = [&] {
      while (!entry.empty() && (entry.back() == '\n' || entry.back() == '\r')) entry.pop_back();
      if (!entry.empty()) {
        f.texts.push_back(std::move(entry));
        f.labels.push_back(static_cast<int32_t>(c));
      }
      entry.clear();
    };
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string_view line(text.data() + pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line == "%") {
        flush();
      } else {
        entry.append(line);
        entry.push_back('\n');
      }
      pos = end + 1;
    }
    flush();
  }
  return f;
}

}  // namespace dl::data
