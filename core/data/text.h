#pragma once
/// Text preprocessing as Keras's legacy keras.preprocessing.text / sequence modules (what the
/// Conv1D text classifiers of the Keras 2 era use): Tokenizer, pad_sequences, and a corpus of
/// labelled short texts from the Debian `fortunes` package.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dl/core/tensor.h"

namespace dl::data {

/// Keras's default Tokenizer / text_to_word_sequence filters.
inline constexpr std::string_view kKerasTextFilters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

/// keras.preprocessing.text.text_to_word_sequence: lower-cases (ASCII letters only; Python's
/// str.lower also lowers other letters), replaces every filter character by `split`, splits on
/// `split` and drops empty pieces.
std::vector<std::string> text_to_word_sequence(std::string_view text,
                                               std::string_view filters = kKerasTextFilters,
                                               bool lower = true, std::string_view split = " ");

struct TokenizerOptions {
  /// Keep only the num_words - 1 most frequent words in texts_to_sequences (0 = all).
  int64_t num_words = 0;
  std::string filters{kKerasTextFilters};
  bool lower = true;
  std::string split = " ";
  /// Every character is a token.
  bool char_level = false;
  /// When set, it gets index 1 and stands for words that are unknown or beyond num_words.
  std::optional<std::string> oov_token;
};

/// keras.preprocessing.text.Tokenizer.
class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options = {});

  /// Counts the words of `texts` (adding to earlier calls) and rebuilds word_index: index 1
  /// for the oov_token if set, then words by descending count, ties in order of first
  /// appearance (Python's stable sort). Index 0 is never assigned.
  void fit_on_texts(const std::vector<std::string>& texts);
  /// Word indices of each text. With num_words, indices >= num_words are dropped (or become
  /// the oov index when oov_token is set); unknown words likewise.
  std::vector<std::vector<int32_t>> texts_to_sequences(const std::vector<std::string>& texts) const;
  /// The words of each sequence joined by spaces (indices 0, unknown or beyond num_words are
  /// dropped, or become the oov_token when set).
  std::vector<std::string> sequences_to_texts(
      const std::vector<std::vector<int32_t>>& sequences) const;

  /// word -> index (1-based).
  const std::unordered_map<std::string, int32_t>& word_index() const { return word_index_; }
  /// The word of an index, or "" for 0 and unknown indices.
  const std::string& index_word(int32_t index) const;
  /// (word, count) in order of first appearance, as Keras's word_counts OrderedDict.
  const std::vector<std::pair<std::string, int64_t>>& word_counts() const { return word_counts_; }
  /// Number of documents each word appears in.
  int64_t word_docs(const std::string& word) const;
  int64_t document_count() const { return document_count_; }
  const TokenizerOptions& options() const { return options_; }

 private:
  std::vector<std::string> tokens(std::string_view text) const;

  TokenizerOptions options_;
  std::vector<std::pair<std::string, int64_t>> word_counts_;
  std::unordered_map<std::string, size_t> count_slot_;  // word -> position in word_counts_
  std::unordered_map<std::string, int64_t> word_docs_;
  std::unordered_map<std::string, int32_t> word_index_;
  std::vector<std::string> index_word_;  // index -> word; [0] is ""
  int64_t document_count_ = 0;
};

/// keras.preprocessing.sequence.pad_sequences: a [len(sequences), maxlen] tensor of `dtype`
/// (int32, int64, float32 or float64). maxlen defaults to the longest sequence. Shorter
/// sequences are padded with `value` at the front ("pre") or back ("post"); longer ones lose
/// values at the front ("pre") or back ("post").
/// Throws: InvalidArgument for a padding or truncating other than "pre"/"post" (naming it),
/// a negative maxlen, or another dtype.
Tensor pad_sequences(const std::vector<std::vector<int32_t>>& sequences,
                     std::optional<int64_t> maxlen = std::nullopt, DType dtype = DType::i32,
                     std::string_view padding = "pre", std::string_view truncating = "pre",
                     double value = 0.0);

inline constexpr const char* kFortunesDir = "/usr/share/games/fortunes";

/// Short labelled texts: the fortunes of each category, label = the category's position in
/// `categories`.
struct Fortunes {
  std::vector<std::string> texts;
  std::vector<int32_t> labels;
  std::vector<std::string> categories;
  /// The labels as an int32 tensor [n].
  Tensor label_tensor() const;
};

/// Reads the fortune files `dir`/<category> (the Debian packages `fortunes` and
/// `fortunes-min` install people, definitions, computers, politics, science, work,
/// songs-poems, ... in /usr/share/games/fortunes). Entries are separated by lines holding a
/// single '%'; each text keeps its inner line breaks, without the trailing one; empty entries
/// are skipped.
/// Throws: NotFound naming the missing file (and the directory's categories) for an unknown
/// category; InvalidArgument for no categories.
Fortunes load_fortunes(const std::vector<std::string>& categories,
                       const std::string& dir = kFortunesDir);

/// The categories in `dir`: the files that have a ".dat" index beside them, sorted.
std::vector<std::string> list_fortune_categories(const std::string& dir = kFortunesDir);

}  // namespace dl::data
