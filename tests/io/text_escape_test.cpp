#include "dl/core/io/text_escape.h"

#include <gtest/gtest.h>

namespace dl {
namespace {

TEST(TextEscape, EveryByteRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string q = io::quote(all);
  for (char c : q.substr(1, q.size() - 2)) {
    EXPECT_TRUE(c != '\n' && c != '\0') << "raw control byte in " << q;
  }
  std::string back;
  ASSERT_TRUE(io::unquote(q, &back));
  EXPECT_EQ(back, all);
  EXPECT_EQ(io::quote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\001\"");
}

TEST(TextEscape, MalformedStringsAreRefused) {
  std::string out;
  for (const char* bad :
       {"", "\"", "abc", "\"abc", "\"a\"b\"", "\"a\\\"", "\"\\q\"", "\"\\777\""}) {
    EXPECT_FALSE(io::unquote(bad, &out)) << bad;
  }
  ASSERT_TRUE(io::unquote("\"\\'\\t\\r\\0\\12x\"", &out));
  EXPECT_EQ(out, std::string("'\t\r\0\nx", 6));
}

}  // namespace
}  // namespace dl
