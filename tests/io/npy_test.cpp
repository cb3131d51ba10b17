#include "dl/core/io/npy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../testing/test_util.h"
#include "dl/core/io/npz.h"
#include "io_test_util.h"

namespace dl {
namespace {

using testing::contains;
using testing::error_of;
using testing::read_bytes;
using testing::write_bytes;

const std::string kDir = DL_FIXTURES_DIR "/npy/";

nlohmann::json fixtures() {
  std::ifstream in(kDir + "npy_fixtures.json");
  return nlohmann::json::parse(in);
}

std::vector<double> as_doubles(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.value_at(i));
  return v;
}

TEST(Npy, ReadsWhatNumpyWrites) {
  const auto j = fixtures();
  const std::map<std::string, DType> expected_dtype = {
      {"f32_2x3", DType::f32},    {"f64_3", DType::f64},     {"i32_2x2", DType::i32},
      {"i64_3", DType::i64},      {"u8_2x2x2", DType::u8},   {"bool_4", DType::boolean},
      {"scalar_f32", DType::f32}, {"empty_0x3", DType::f32}, {"big_endian_f4", DType::f32},
      {"i16_3", DType::i32},      {"u16_2", DType::i32},     {"u32_2", DType::i64}};
  for (const auto& [name, dtype] : expected_dtype) {
    SCOPED_TRACE(name);
    const auto& c = j["arrays"][name];
    Tensor t = io::read_npy(kDir + c["file"].get<std::string>());
    EXPECT_EQ(t.dtype(), dtype);
    EXPECT_EQ(t.shape(), Shape(c["shape"].get<std::vector<int64_t>>()));
    EXPECT_EQ(as_doubles(t), c["values"].get<std::vector<double>>());
  }
}

TEST(Npy, SerializesTheExactBytesOfNpSave) {
  for (const char* name :
       {"f32_2x3", "f64_3", "i32_2x2", "i64_3", "u8_2x2x2", "bool_4", "scalar_f32", "empty_0x3"}) {
    SCOPED_TRACE(name);
    const std::string file = kDir + name + ".npy";
    EXPECT_EQ(io::serialize_npy(io::read_npy(file)), read_bytes(file));
  }
}

TEST(Npy, RefusesFortranOrderAndUnknownDtypesByName) {
  std::string msg =
      error_of([] { io::read_npy(kDir + "fortran_2x3.npy"); }, ErrorCode::unimplemented);
  EXPECT_TRUE(contains(msg, "fortran_2x3.npy")) << msg;
  EXPECT_TRUE(contains(msg, "Fortran-order")) << msg;
  EXPECT_TRUE(contains(msg, "np.ascontiguousarray")) << msg;
  msg = error_of([] { io::read_npy(kDir + "f16_2.npy"); }, ErrorCode::unimplemented);
  EXPECT_TRUE(contains(msg, "'<f2'")) << msg;
  EXPECT_TRUE(contains(msg, "f16_2.npy")) << msg;
}

class NpyFiles : public testing::TempDirTest {};

TEST_F(NpyFiles, RoundTripsEveryDtype) {
  for (DType t : {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8, DType::boolean}) {
    Tensor a = testing::random_tensor(Shape({3, 5, 2}), 7, -100, 100, DType::f64).cast(t);
    io::write_npy(path("a.npy"), a);
    EXPECT_TRUE(testing::tensors_equal(io::read_npy(path("a.npy")), a)) << name(t);
  }
}

TEST_F(NpyFiles, CorruptFilesAreDataLossNamingTheFile) {
  const std::string good = read_bytes(kDir + "f32_2x3.npy");
  write_bytes(path("truncated.npy"), good.substr(0, good.size() - 3));
  std::string msg = error_of([&] { io::read_npy(path("truncated.npy")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, path("truncated.npy"))) << msg;
  EXPECT_TRUE(contains(msg, "needs 24 data bytes, the file has 21")) << msg;

  write_bytes(path("trailing.npy"), good + "xx");
  msg = error_of([&] { io::read_npy(path("trailing.npy")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "trailing")) << msg;

  write_bytes(path("magic.npy"), "PK\x03\x04 not npy at all");
  msg = error_of([&] { io::read_npy(path("magic.npy")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "magic")) << msg;

  std::string bad_header = good;
  bad_header.replace(bad_header.find("'shape'"), 7, "'shope'");
  write_bytes(path("header.npy"), bad_header);
  msg = error_of([&] { io::read_npy(path("header.npy")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "unexpected key 'shope'")) << msg;
  EXPECT_TRUE(contains(msg, path("header.npy"))) << msg;

  EXPECT_TRUE(contains(error_of([&] { io::read_npy(path("missing.npy")); }, ErrorCode::not_found),
                       "missing.npy"));
}

TEST(Npz, ReadsStoredZip64AndDeflatedArchives) {
  const auto j = fixtures();
  for (const char* file : {"stored.npz", "deflated.npz"}) {
    SCOPED_TRACE(file);
    io::Npz z = io::read_npz(kDir + file);
    EXPECT_EQ(z.names(), (std::vector<std::string>{"x", "y"}));
    for (const char* key : {"x", "y"}) {
      const auto& c = j["archives"][file][key];
      EXPECT_EQ(z.at(key).shape(), Shape(c["shape"].get<std::vector<int64_t>>()));
      EXPECT_EQ(as_doubles(z.at(key)), c["values"].get<std::vector<double>>());
    }
    EXPECT_EQ(z.at("y").dtype(), DType::u8);
    const std::string msg = error_of([&] { z.at("z"); }, ErrorCode::not_found);
    EXPECT_TRUE(contains(msg, "no array 'z'")) << msg;
    EXPECT_TRUE(contains(msg, "x, y")) << msg;
  }
}

class NpzFiles : public testing::TempDirTest {};

TEST_F(NpzFiles, RoundTripsAndChecksCrcs) {
  Tensor x = testing::random_tensor(Shape({4, 3}), 1);
  Tensor y = Tensor::from_vector<int64_t>(Shape({4}), {3, 1, 4, 1});
  io::write_npz(path("a.npz"), {{"x_train", x}, {"y_train", y}});
  io::Npz z = io::read_npz(path("a.npz"));
  EXPECT_EQ(z.names(), (std::vector<std::string>{"x_train", "y_train"}));
  EXPECT_TRUE(testing::tensors_equal(z.at("x_train"), x));
  EXPECT_TRUE(testing::tensors_equal(z.at("y_train"), y));

  // Flip one data byte of the first member: its CRC no longer matches.
  std::string bytes = read_bytes(path("a.npz"));
  bytes[30 + 11 + 130] ^= 0x40;
  write_bytes(path("bad.npz"), bytes);
  std::string msg = error_of([&] { io::read_npz(path("bad.npz")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "x_train.npy")) << msg;
  EXPECT_TRUE(contains(msg, "CRC")) << msg;
  EXPECT_TRUE(contains(msg, path("bad.npz"))) << msg;

  const std::string deflated = read_bytes(kDir + "deflated.npz");
  write_bytes(path("cut.npz"), deflated.substr(0, deflated.size() / 2));
  msg = error_of([&] { io::read_npz(path("cut.npz")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, path("cut.npz"))) << msg;

  EXPECT_THROW(io::write_npz(path("dup.npz"), {{"x", x}, {"x", y}}), InvalidArgument);
}

}  // namespace
}  // namespace dl
