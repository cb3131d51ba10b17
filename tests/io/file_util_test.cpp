// read_file: exact bytes for any size, files whose size stat does not know, and its errors.
#include "dl/core/io/file_util.h"

#include <gtest/gtest.h>

#include "io_test_util.h"

namespace dl::testing {
namespace {

using ReadFileTest = TempDirTest;

TEST_F(ReadFileTest, ReturnsTheExactBytesOfAnySize) {
  for (const size_t n : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{100003}}) {
    std::string bytes(n, '\0');
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>((i * 131 + 7) % 256);
    write_bytes(path("f.bin"), bytes);
    EXPECT_EQ(io::read_file(path("f.bin")), bytes) << n << " bytes";
  }
}

TEST_F(ReadFileTest, ReadsFilesWhoseStatSizeIsZero) {
  // /proc files report st_size 0; their content must still be read to the end.
  const std::string stat = io::read_file("/proc/self/status");
  EXPECT_NE(stat.find("Name:"), std::string::npos);
  EXPECT_EQ(stat.back(), '\n');
}

TEST_F(ReadFileTest, MissingFileIsNotFoundAndDirectoryIsInvalidArgument) {
  EXPECT_THROW(io::read_file(path("missing.jpg")), NotFound);
  EXPECT_THROW(io::read_file(path("missing/dir/x.jpg")), NotFound);
  EXPECT_THROW(io::read_file(dir_.string()), InvalidArgument);
}

}  // namespace
}  // namespace dl::testing
