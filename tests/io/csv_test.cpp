#include "dl/core/io/csv.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../testing/test_util.h"
#include "io_test_util.h"

namespace dl {
namespace {

using testing::contains;
using testing::error_of;
using testing::write_bytes;

TEST(Csv, InfersColumnTypesAndUnquotes) {
  const std::string text =
      "\xEF\xBB\xBF"
      "id,height,name,comment\r\n"
      "1,1.5,ann,\"likes \"\"quotes\"\", commas\"\r\n"
      "\r\n"
      "2,,bob,\"two\nlines\"\r\n"
      "-3,2e3,\"cy\",plain\r\n";
  io::CsvTable t = io::parse_csv(text, "people.csv");
  EXPECT_EQ(t.num_rows, 3);
  ASSERT_EQ(t.columns.size(), 4u);
  EXPECT_EQ(t.column("id").values.dtype(), DType::i64);
  EXPECT_EQ(t.column("id").values.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, -3}));
  const Tensor& h = t.column("height").values;
  EXPECT_EQ(h.dtype(), DType::f64);
  EXPECT_EQ(h.data<double>()[0], 1.5);
  EXPECT_TRUE(std::isnan(h.data<double>()[1]));
  EXPECT_EQ(h.data<double>()[2], 2000.0);
  EXPECT_FALSE(t.column("name").is_numeric());
  EXPECT_EQ(t.column("name").strings, (std::vector<std::string>{"ann", "bob", "cy"}));
  EXPECT_EQ(t.column("comment").strings,
            (std::vector<std::string>{"likes \"quotes\", commas", "two\nlines", "plain"}));

  Tensor m = t.to_tensor({"height", "id"});
  EXPECT_EQ(m.shape(), Shape({3, 2}));
  EXPECT_EQ(m.data<float>()[1], 1.0f);
  EXPECT_EQ(m.data<float>()[5], -3.0f);
  std::string msg = error_of([&] { t.to_tensor({"name"}); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "column 'name' is not numeric")) << msg;
  msg = error_of([&] { t.column("age"); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(msg, "people.csv")) << msg;
  EXPECT_TRUE(contains(msg, "id, height, name, comment")) << msg;
}

TEST(Csv, AWrongFieldCountNamesTheFileLineAndRow) {
  const std::string text = "a,b,c\n1,2,3\n4,5,6\n\n7,8\n";
  const std::string msg =
      error_of([&] { io::parse_csv(text, "data/train.csv"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "'data/train.csv'")) << msg;
  EXPECT_TRUE(contains(msg, "line 5 (data row 3)")) << msg;
  EXPECT_TRUE(contains(msg, "expected 3 fields as in the header, received 2")) << msg;

  const std::string open_quote = "a,b\n1,\"never closed\n2,3\n";
  const std::string m2 =
      error_of([&] { io::parse_csv(open_quote, "q.csv"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m2, "q.csv', line 2")) << m2;
  EXPECT_TRUE(contains(m2, "not closed")) << m2;

  const std::string after = "a,b\n\"x\"y,1\n";
  const std::string m3 = error_of([&] { io::parse_csv(after, "r.csv"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m3, "after a closing quote")) << m3;
}

TEST(Csv, OptionsHeaderlessAndDtype) {
  io::CsvTable t = io::parse_csv("1;2\n3;4.5\n", "x.csv",
                                 {.delimiter = ';', .header = false, .dtype = DType::f32});
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[0].name, "0");
  EXPECT_EQ(t.columns[1].values.dtype(), DType::f32);
  EXPECT_EQ(t.columns[1].values.to_vector<float>(), (std::vector<float>{2.0f, 4.5f}));
}

class CsvFiles : public testing::TempDirTest {};

TEST_F(CsvFiles, RoundTripsNumbersAndStringsExactly) {
  io::CsvTable t;
  t.num_rows = 3;
  t.columns.push_back({"f", Tensor::from_vector<float>(Shape({3}), {0.1f, -1e-30f, 3.4e38f}), {}});
  t.columns.push_back(
      {"d", Tensor::from_vector<double>(Shape({3}), {0.1, 1.0 / 3.0, -2.5e-300}), {}});
  t.columns.push_back(
      {"i", Tensor::from_vector<int64_t>(Shape({3}), {(int64_t{1} << 62) + 1, -1, 0}), {}});
  t.columns.push_back({"s, quoted", Tensor(), {"plain", "with, comma", "with \"quote\""}});
  io::write_csv(path("t.csv"), t);
  io::CsvTable r = io::read_csv(path("t.csv"));
  ASSERT_EQ(r.columns.size(), 4u);
  EXPECT_EQ(r.columns[3].name, "s, quoted");
  EXPECT_TRUE(testing::tensors_equal(r.column("f").values.cast(DType::f32), t.columns[0].values));
  EXPECT_TRUE(testing::tensors_equal(r.column("d").values, t.columns[1].values));
  EXPECT_TRUE(testing::tensors_equal(r.column("i").values, t.columns[2].values));
  EXPECT_EQ(r.columns[3].strings, t.columns[3].strings);

  write_bytes(path("bad.csv"), "x,y\n1,2\n3\n");
  const std::string msg = error_of([&] { io::read_csv(path("bad.csv")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, path("bad.csv"))) << msg;
  EXPECT_TRUE(contains(msg, "line 3 (data row 2)")) << msg;
  EXPECT_TRUE(contains(error_of([&] { io::read_csv(path("none.csv")); }, ErrorCode::not_found),
                       "none.csv"));
}

}  // namespace
}  // namespace dl
