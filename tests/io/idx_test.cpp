#include "dl/core/io/idx.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "../testing/test_util.h"
#include "dl/core/io/fashion_mnist.h"
#include "io_test_util.h"

namespace dl {
namespace {

using testing::contains;
using testing::error_of;
using testing::read_bytes;
using testing::write_bytes;

std::string header(uint8_t type, std::initializer_list<uint32_t> dims) {
  std::string s = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((d >> (8 * i)) & 0xFF));
  }
  return s;
}

class Idx : public testing::TempDirTest {};

TEST_F(Idx, ReadsHandWrittenBigEndianFiles) {
  write_bytes(path("u8"), header(0x08, {2, 3}) + std::string("\x01\x02\x03\xfd\xfe\xff", 6));
  Tensor u8 = io::read_idx(path("u8"));
  EXPECT_EQ(u8.dtype(), DType::u8);
  EXPECT_EQ(u8.shape(), Shape({2, 3}));
  EXPECT_EQ(u8.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 2, 3, 253, 254, 255}));

  write_bytes(path("i32"), header(0x0C, {2}) + std::string("\x00\x00\x01\x02\xff\xff\xff\xfe", 8));
  EXPECT_EQ(io::read_idx(path("i32")).to_vector<int32_t>(), (std::vector<int32_t>{258, -2}));

  write_bytes(path("i8"), header(0x09, {2}) + std::string("\x7f\xff", 2));
  Tensor i8 = io::read_idx(path("i8"));
  EXPECT_EQ(i8.dtype(), DType::i32);
  EXPECT_EQ(i8.to_vector<int32_t>(), (std::vector<int32_t>{127, -1}));

  write_bytes(path("i16"), header(0x0B, {2}) + std::string("\x01\x00\xff\xfe", 4));
  EXPECT_EQ(io::read_idx(path("i16")).to_vector<int32_t>(), (std::vector<int32_t>{256, -2}));

  write_bytes(path("f32"), header(0x0D, {2}) + std::string("\x3f\x80\x00\x00\xc0\x20\x00\x00", 8));
  EXPECT_EQ(io::read_idx(path("f32")).to_vector<float>(), (std::vector<float>{1.0f, -2.5f}));

  write_bytes(path("f64"), header(0x0E, {1}) + std::string("\x3f\xf8\x00\x00\x00\x00\x00\x00", 8));
  EXPECT_EQ(io::read_idx(path("f64")).to_vector<double>(), (std::vector<double>{1.5}));

  write_bytes(path("scalar"), header(0x08, {}) + "\x07");
  Tensor s = io::read_idx(path("scalar"));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.to_vector<uint8_t>(), (std::vector<uint8_t>{7}));

  write_bytes(path("empty"), header(0x0D, {0, 5}));
  EXPECT_EQ(io::read_idx(path("empty")).shape(), Shape({0, 5}));
}

TEST_F(Idx, RoundTripsPlainAndGzipped) {
  const std::vector<Tensor> tensors = {
      Tensor::from_vector<uint8_t>(Shape({3, 2, 2}), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 254, 255}),
      Tensor::from_vector<int32_t>(Shape({4}), {0, -1, std::numeric_limits<int32_t>::min(),
                                                std::numeric_limits<int32_t>::max()}),
      Tensor::from_vector<float>(
          Shape({2, 3}),
          {0.1f, -0.0f, 1e-40f, 3.4e38f, std::numeric_limits<float>::infinity(), std::nanf("")}),
      testing::random_tensor(Shape({5, 7}), 3, -1, 1, DType::f64),
  };
  for (bool gz : {false, true}) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      const std::string p = path(str_cat("t", i, gz ? ".gz" : ""));
      io::write_idx(p, tensors[i], gz);
      EXPECT_EQ(read_bytes(p).substr(0, 2) == "\x1f\x8b", gz) << p;  // gzip magic
      EXPECT_TRUE(testing::tensors_equal(io::read_idx(p), tensors[i])) << p;
    }
  }
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_FALSE(contains(e.path().string(), ".tmp-")) << e.path();
  }
}

TEST_F(Idx, GzipIsDetectedFromTheContentNotTheName) {
  const Tensor t = Tensor::from_vector<uint8_t>(Shape({2}), {4, 5});
  io::write_idx(path("compressed_without_suffix"), t, /*gzip=*/true);
  io::write_idx(path("plain.gz"), t, /*gzip=*/false);
  EXPECT_TRUE(testing::tensors_equal(io::read_idx(path("compressed_without_suffix")), t));
  EXPECT_TRUE(testing::tensors_equal(io::read_idx(path("plain.gz")), t));
}

TEST_F(Idx, MissingFileIsNotFound) {
  const std::string m = error_of([&] { io::read_idx(path("nope")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(m, path("nope"))) << m;
}

TEST_F(Idx, BadMagicAndUnsupportedTypeAreDataLoss) {
  write_bytes(path("magic"), std::string("\x01\x00\x08\x01\x00\x00\x00\x01\x05", 9));
  std::string m = error_of([&] { io::read_idx(path("magic")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("magic")) && contains(m, "bad magic") && contains(m, "0x01000801"))
      << m;

  write_bytes(path("type"), header(0x0A, {1}) + "\x05");
  m = error_of([&] { io::read_idx(path("type")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("type")) && contains(m, "element type 0x0A")) << m;
}

TEST_F(Idx, TruncatedFilesAreDataLossWithByteCounts) {
  const std::string full = header(0x0C, {2, 3}) + std::string(24, '\x01');
  write_bytes(path("short_header"), full.substr(0, 3));
  std::string m = error_of([&] { io::read_idx(path("short_header")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("short_header")) && contains(m, "received 3")) << m;

  write_bytes(path("short_dims"), full.substr(0, 9));
  m = error_of([&] { io::read_idx(path("short_dims")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("short_dims")) && contains(m, "expected 8 bytes") &&
              contains(m, "received 5"))
      << m;

  write_bytes(path("short_data"), full.substr(0, full.size() - 5));
  m = error_of([&] { io::read_idx(path("short_data")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("short_data")) && contains(m, "expected 24 data bytes") &&
              contains(m, "received 19"))
      << m;

  // Every prefix of a valid file, plain or gzipped, is refused (never a crash).
  const Tensor t = testing::random_tensor(Shape({3, 4}), 7);
  io::write_idx(path("whole"), t, false);
  io::write_idx(path("whole.gz"), t, true);
  for (const char* name : {"whole", "whole.gz"}) {
    const std::string bytes = read_bytes(path(name));
    for (size_t n = 0; n < bytes.size(); ++n) {
      write_bytes(path("cut"), bytes.substr(0, n));
      try {
        io::read_idx(path("cut"));
        ADD_FAILURE() << name << " cut at " << n << " was accepted";
      } catch (const DataLoss& e) {
        EXPECT_TRUE(contains(e.what(), path("cut"))) << e.what();
      }
    }
  }
}

TEST_F(Idx, CorruptGzipIsDataLoss) {
  io::write_idx(path("t.gz"), testing::random_tensor(Shape({8, 8}), 1), true);
  std::string bytes = read_bytes(path("t.gz"));
  bytes[bytes.size() - 6] ^= 0x10;  // inside the CRC32 of the gzip trailer
  write_bytes(path("bad_crc.gz"), bytes);
  const std::string m = error_of([&] { io::read_idx(path("bad_crc.gz")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("bad_crc.gz")) && contains(m, "corrupt")) << m;
}

TEST_F(Idx, TrailingBytesAreDataLoss) {
  write_bytes(path("long"), header(0x08, {2}) + "abc");
  const std::string m = error_of([&] { io::read_idx(path("long")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("long")) && contains(m, "1 trailing bytes") &&
              contains(m, "expected 2 data bytes") && contains(m, "received 3"))
      << m;
}

TEST_F(Idx, HugeDimensionsAreDataLossWithoutAllocating) {
  write_bytes(path("overflow"), header(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}) + "x");
  std::string m = error_of([&] { io::read_idx(path("overflow")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("overflow")) && contains(m, "implausible dimensions")) << m;

  // 64 GiB promised, 4 bytes present: refused from the data actually there.
  write_bytes(path("promise"), header(0x0C, {0x10000, 0x40000}) + "abcd");
  m = error_of([&] { io::read_idx(path("promise")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, path("promise")) && contains(m, "expected 68719476736 data bytes") &&
              contains(m, "received 4"))
      << m;
}

TEST_F(Idx, RandomBytesNeverCrash) {
  std::mt19937 rng(123);
  const std::string valid = header(0x0D, {2, 2}) + std::string(16, '\x40');
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = valid;
    if (trial % 3 == 0) {
      bytes.resize(rng() % 40);
      for (char& c : bytes) c = static_cast<char>(rng());
    } else {
      for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    write_bytes(path("fuzz"), bytes);
    try {
      io::read_idx(path("fuzz"));
    } catch (const Error&) {
    }
  }
}

TEST_F(Idx, WriteRefusesTypesIdxCannotHold) {
  const std::string m =
      error_of([&] { io::write_idx(path("x"), Tensor::zeros(DType::i64, Shape({2}))); },
               ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(m, "int64[2]")) << m;
  EXPECT_FALSE(std::filesystem::exists(path("x")));
}

// ---- Fashion-MNIST ----

void write_fake_split(const std::string& dir, const std::string& prefix, int64_t n_images,
                      int64_t n_labels, bool gz) {
  Tensor x = Tensor::zeros(DType::u8, Shape({n_images, 28, 28}));
  Tensor y = Tensor::zeros(DType::u8, Shape({n_labels}));
  const std::string sfx = gz ? ".gz" : "";
  io::write_idx(dir + "/" + prefix + "-images-idx3-ubyte" + sfx, x, gz);
  io::write_idx(dir + "/" + prefix + "-labels-idx1-ubyte" + sfx, y, gz);
}

TEST_F(Idx, FashionMnistLoaderChecksFilesAndCounts) {
  const std::string d = dir_.string();
  std::string m = error_of([&] { io::load_fashion_mnist(path("absent")); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(m, path("absent"))) << m;

  write_fake_split(d, "train", 3, 3, /*gz=*/true);
  m = error_of([&] { io::load_fashion_mnist(d); }, ErrorCode::not_found);
  EXPECT_TRUE(contains(m, "t10k-images-idx3-ubyte.gz")) << m;

  write_fake_split(d, "t10k", 2, 2, /*gz=*/false);  // plain files work too
  io::FashionMnist f = io::load_fashion_mnist(d);
  EXPECT_EQ(f.x_train.shape(), Shape({3, 28, 28}));
  EXPECT_EQ(f.y_test.shape(), Shape({2}));

  write_fake_split(d, "t10k", 2, 5, false);
  m = error_of([&] { io::load_fashion_mnist(d); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, "2 images") && contains(m, "5 labels")) << m;

  write_fake_split(d, "t10k", 2, 2, false);
  io::write_idx(path("t10k-labels-idx1-ubyte"), Tensor::from_vector<uint8_t>(Shape({2}), {3, 10}));
  m = error_of([&] { io::load_fashion_mnist(d); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, "label 1 is 10")) << m;

  io::write_idx(path("t10k-images-idx3-ubyte"), Tensor::zeros(DType::u8, Shape({2, 28, 27})));
  m = error_of([&] { io::load_fashion_mnist(d); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(m, "uint8[2,28,27]")) << m;
}

TEST(FashionMnist, LoadsTheRealDataset) {
  if (!std::filesystem::is_directory(io::kFashionMnistDir)) {
    GTEST_SKIP() << io::kFashionMnistDir << " is absent (package dataset-fashion-mnist)";
  }
  const io::FashionMnist f = io::load_fashion_mnist();
  EXPECT_EQ(f.x_train.spec_string(), "uint8[60000,28,28]");
  EXPECT_EQ(f.y_train.spec_string(), "uint8[60000]");
  EXPECT_EQ(f.x_test.spec_string(), "uint8[10000,28,28]");
  EXPECT_EQ(f.y_test.spec_string(), "uint8[10000]");
  // The first training image is an ankle boot (Keras' fashion_mnist docs show it).
  EXPECT_EQ(f.y_train.data<uint8_t>()[0], 9);
  EXPECT_EQ(io::fashion_mnist_class_names()[9], "Ankle boot");
  // Balanced classes: 6000 per class in training, 1000 in test.
  std::vector<int> train(10), test(10);
  for (uint8_t l : f.y_train.values<uint8_t>()) ++train.at(l);
  for (uint8_t l : f.y_test.values<uint8_t>()) ++test.at(l);
  EXPECT_EQ(train, std::vector<int>(10, 6000));
  EXPECT_EQ(test, std::vector<int>(10, 1000));
  // Pixels use the full range.
  const auto px = f.x_train.values<uint8_t>();
  EXPECT_EQ(*std::max_element(px.begin(), px.end()), 255);
  EXPECT_EQ(*std::min_element(px.begin(), px.end()), 0);
}

}  // namespace
}  // namespace dl
