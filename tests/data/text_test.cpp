#include "dl/core/data/text.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../io/io_test_util.h"
#include "dl/core/io/file_util.h"

namespace dl {
namespace {

using testing::contains;
using testing::error_of;

nlohmann::json fixtures() {
  std::ifstream in(DL_FIXTURES_DIR "/text/text_fixtures.json");
  return nlohmann::json::parse(in);
}

data::TokenizerOptions options_from(const nlohmann::json& o) {
  data::TokenizerOptions t;
  if (o.contains("num_words")) t.num_words = o["num_words"];
  if (o.contains("filters")) t.filters = o["filters"];
  if (o.contains("lower")) t.lower = o["lower"];
  if (o.contains("split")) t.split = o["split"];
  if (o.contains("char_level")) t.char_level = o["char_level"];
  if (o.contains("oov_token")) t.oov_token = o["oov_token"].get<std::string>();
  return t;
}

TEST(Tokenizer, MatchesKerasOnEveryOptionSet) {
  const auto j = fixtures();
  const auto texts = j["texts"].get<std::vector<std::string>>();
  const auto queries = j["queries"].get<std::vector<std::string>>();
  for (const auto& c : j["tokenizer"]) {
    SCOPED_TRACE(c["options"].dump());
    data::Tokenizer tok(options_from(c["options"]));
    tok.fit_on_texts(texts);
    EXPECT_EQ(tok.word_index().size(), c["word_index"].size());
    for (const auto& [word, index] : c["word_index"].items()) {
      auto it = tok.word_index().find(word);
      ASSERT_NE(it, tok.word_index().end()) << word;
      EXPECT_EQ(it->second, index.get<int32_t>()) << word;
    }
    ASSERT_EQ(tok.word_counts().size(), c["word_counts"].size());
    for (size_t i = 0; i < tok.word_counts().size(); ++i) {
      EXPECT_EQ(tok.word_counts()[i].first, c["word_counts"][i][0].get<std::string>());
      EXPECT_EQ(tok.word_counts()[i].second, c["word_counts"][i][1].get<int64_t>());
    }
    const auto seqs = tok.texts_to_sequences(queries);
    EXPECT_EQ(seqs, c["sequences"].get<std::vector<std::vector<int32_t>>>());
    auto round = seqs;
    round.push_back({0, 1, 2, 999});
    EXPECT_EQ(tok.sequences_to_texts(round), c["texts"].get<std::vector<std::string>>());
    EXPECT_EQ(tok.document_count(), c["document_count"].get<int64_t>());
    EXPECT_EQ(tok.word_docs("the"), c["word_docs_the"].get<int64_t>());
  }
}

TEST(Tokenizer, FitsIncrementallyAndTextToWordSequence) {
  data::Tokenizer tok;
  tok.fit_on_texts({"b a"});
  tok.fit_on_texts({"a c"});
  EXPECT_EQ(tok.word_index().at("a"), 1);  // count 2
  EXPECT_EQ(tok.word_index().at("b"), 2);  // first appearance before c
  EXPECT_EQ(tok.word_index().at("c"), 3);
  EXPECT_EQ(tok.index_word(2), "b");
  EXPECT_EQ(tok.index_word(0), "");
  EXPECT_EQ(tok.index_word(99), "");
  EXPECT_EQ(data::text_to_word_sequence("Hello, World!  Hi"),
            (std::vector<std::string>{"hello", "world", "hi"}));
  EXPECT_EQ(data::text_to_word_sequence("a--b", "-", true, "::"),
            (std::vector<std::string>{"a", "b"}));
}

TEST(PadSequences, MatchesKeras) {
  const auto j = fixtures();
  const auto seqs = j["pad_sequences_input"].get<std::vector<std::vector<int32_t>>>();
  for (const auto& c : j["pad_sequences"]) {
    SCOPED_TRACE(c["kwargs"].dump());
    const auto& kw = c["kwargs"];
    std::optional<int64_t> maxlen;
    if (kw.contains("maxlen")) maxlen = kw["maxlen"].get<int64_t>();
    DType dtype = DType::i32;
    if (kw.contains("dtype")) dtype = kw["dtype"] == "int64" ? DType::i64 : DType::f32;
    Tensor t = data::pad_sequences(seqs, maxlen, dtype, kw.value("padding", "pre"),
                                   kw.value("truncating", "pre"), kw.value("value", 0.0));
    EXPECT_EQ(std::string(name(t.dtype())), c["dtype"].get<std::string>());
    EXPECT_EQ(t.shape(), Shape(c["shape"].get<std::vector<int64_t>>()));
    std::vector<double> v;
    for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.value_at(i));
    EXPECT_EQ(v, c["values"].get<std::vector<double>>());
  }
  EXPECT_EQ(data::pad_sequences({{1, 2}}, 0).shape(), Shape({1, 0}));
  const std::string msg = error_of([] { data::pad_sequences({{1}}, 2, DType::i32, "middle"); },
                                   ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "\"middle\"")) << msg;
}

class FortuneFiles : public testing::TempDirTest {};

TEST_F(FortuneFiles, EntriesAreSplitOnPercentLinesAndLabelledByCategory) {
  io::write_file_atomically(path("work"), "First one.\n%\nSecond\n  two lines.\n%\n%\nThird.\n");
  io::write_file_atomically(path("work.dat"), "");
  io::write_file_atomically(path("science"), "E = mc^2\r\n%\r\n");
  io::write_file_atomically(path("science.dat"), "");
  data::Fortunes f = data::load_fortunes({"science", "work"}, dir_.string());
  EXPECT_EQ(f.texts,
            (std::vector<std::string>{"E = mc^2", "First one.", "Second\n  two lines.", "Third."}));
  EXPECT_EQ(f.labels, (std::vector<int32_t>{0, 1, 1, 1}));
  EXPECT_EQ(f.label_tensor().shape(), Shape({4}));
  EXPECT_EQ(data::list_fortune_categories(dir_.string()),
            (std::vector<std::string>{"science", "work"}));
  const std::string msg = error_of(
      [&] {
        data::load_fortunes({"work", "poetry"}, dir_.string());
      },
      ErrorCode::not_found);
  EXPECT_TRUE(contains(msg, path("poetry"))) << msg;
  EXPECT_TRUE(contains(msg, "available: science, work")) << msg;
}

TEST(Fortunes, TheInstalledPackageGivesATextClassificationCorpus) {
  if (!std::filesystem::exists(std::string(data::kFortunesDir) + "/computers")) {
    GTEST_SKIP() << "the Debian package fortunes is not installed";
  }
  data::Fortunes f = data::load_fortunes({"computers", "science", "people"});
  EXPECT_GT(f.texts.size(), 2000u);
  EXPECT_EQ(f.texts.size(), f.labels.size());
  data::Tokenizer tok({.num_words = 1000, .oov_token = "<unk>"});
  tok.fit_on_texts(f.texts);
  Tensor x = data::pad_sequences(tok.texts_to_sequences(f.texts), 50);
  EXPECT_EQ(x.shape(), Shape({static_cast<int64_t>(f.texts.size()), 50}));
}

}  // namespace
}  // namespace dl
