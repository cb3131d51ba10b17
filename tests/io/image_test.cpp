#include "dl/core/io/image.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../testing/test_util.h"
#include "io_test_util.h"

namespace dl {
namespace {

using testing::contains;
using testing::error_of;
using testing::read_bytes;
using testing::write_bytes;

const std::string kDir = DL_FIXTURES_DIR "/images/";

const nlohmann::json& fixtures() {
  static const nlohmann::json j = [] {
    std::ifstream in(kDir + "image_fixtures.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

std::string base64_decode(const std::string& s) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// A uint8 image from a fixture entry {"shape": [...], "pixels": base64}.
Tensor expected_pixels(const nlohmann::json& e) {
  const std::string bytes = base64_decode(e["pixels"].get<std::string>());
  Tensor t(DType::u8, Shape(e["shape"].get<std::vector<int64_t>>()));
  EXPECT_EQ(bytes.size(), t.num_bytes());
  std::memcpy(t.raw_data(), bytes.data(), std::min(bytes.size(), t.num_bytes()));
  return t;
}

Tensor expected_u8(const std::string& b64, Shape shape) {
  return expected_pixels({{"shape", shape.dims()}, {"pixels", b64}});
}

Tensor expected_f32(const std::string& b64, Shape shape) {
  const std::string bytes = base64_decode(b64);
  Tensor t(DType::f32, std::move(shape));
  EXPECT_EQ(bytes.size(), t.num_bytes());
  std::memcpy(t.raw_data(), bytes.data(), std::min(bytes.size(), t.num_bytes()));
  return t;
}

std::string fixture_bytes(const std::string& name) { return read_bytes(kDir + name); }

TEST(ImageDecode, JpegMatchesTensorFlowDecodeJpeg) {
  for (const char* name : {"rgb_420.jpg", "rgb_444.jpg", "gray.jpg", "cmyk.jpg"}) {
    const auto& e = fixtures()["decode"][name];
    for (int ch : {0, 1, 3}) {
      SCOPED_TRACE(std::string(name) + " channels " + std::to_string(ch));
      const auto& want = e["tf_channels_" + std::to_string(ch)];
      if (want.contains("error")) continue;  // TF refuses CMYK -> grey; checked against Pillow
      Tensor got = io::decode_jpeg(fixture_bytes(name), {.channels = ch}, name);
      EXPECT_TRUE(testing::tensors_equal(got, expected_pixels(want)));
    }
    SCOPED_TRACE(name);
    Tensor accurate =
        io::decode_jpeg(fixture_bytes(name), {.channels = 3, .dct_method = "INTEGER_ACCURATE"});
    EXPECT_TRUE(testing::tensors_equal(accurate, expected_pixels(e["tf_accurate_channels_3"])));
  }
}

TEST(ImageDecode, JpegWithTheAccurateDctMatchesPillow) {
  for (const char* name : {"rgb_420.jpg", "rgb_444.jpg", "gray.jpg", "cmyk.jpg"}) {
    SCOPED_TRACE(name);
    const auto& e = fixtures()["decode"][name];
    Tensor rgb =
        io::decode_jpeg(fixture_bytes(name), {.channels = 3, .dct_method = "INTEGER_ACCURATE"});
    EXPECT_TRUE(testing::tensors_equal(rgb, expected_pixels(e["pil_rgb"])));
    // Pillow's convert('L'): from the decoded RGB, or the file's own grey channel.
    Tensor grey = e["pil_mode"] == "L"
                      ? io::decode_jpeg(fixture_bytes(name),
                                        {.channels = 1, .dct_method = "INTEGER_ACCURATE"})
                      : io::rgb_to_grayscale_pil(rgb);
    EXPECT_TRUE(testing::tensors_equal(grey, expected_pixels(e["pil_l"])));
  }
  // CMYK -> grey (TensorFlow refuses it): Pillow's luma of the RGB conversion.
  Tensor cmyk_grey = io::decode_jpeg(fixture_bytes("cmyk.jpg"), {.channels = 1});
  EXPECT_EQ(cmyk_grey.shape(), Shape({13, 21, 1}));
}

TEST(ImageDecode, PngMatchesTensorFlowDecodePngAndPillow) {
  for (const char* name : {"rgb.png", "rgba.png", "gray.png", "palette.png", "rgb16.png"}) {
    const auto& e = fixtures()["decode"][name];
    for (int ch : {0, 1, 3, 4}) {
      SCOPED_TRACE(std::string(name) + " channels " + std::to_string(ch));
      // TF gives an opaque 4-bit palette image alpha 15 (its file bit depth's maximum); dl 255.
      if (std::string(name) == "palette.png" && ch == 4) continue;
      Tensor got = io::decode_png(fixture_bytes(name), {.channels = ch}, name);
      EXPECT_TRUE(
          testing::tensors_equal(got, expected_pixels(e["tf_channels_" + std::to_string(ch)])));
    }
    if (e.contains("pil_rgb")) {
      SCOPED_TRACE(std::string(name) + " Pillow RGB");
      EXPECT_TRUE(testing::tensors_equal(io::decode_png(fixture_bytes(name), {.channels = 3}),
                                         expected_pixels(e["pil_rgb"])));
    }
  }
}

TEST(ImageDecode, PaletteWithoutTransparencyGetsOpaqueAlpha) {
  Tensor rgba = io::decode_png(fixture_bytes("palette.png"), {.channels = 4});
  Tensor rgb = io::decode_png(fixture_bytes("palette.png"), {.channels = 3});
  for (int64_t i = 0; i < 9 * 11; ++i) {
    ASSERT_EQ(rgba.data<uint8_t>()[4 * i + 3], 255);
    ASSERT_EQ(rgba.data<uint8_t>()[4 * i], rgb.data<uint8_t>()[3 * i]);
  }
}

TEST(ImageResize, EveryMethodMatchesItsFramework) {
  const auto& j = fixtures();
  const auto& src = j["decode"]["rgb_420.jpg"];
  const Tensor tf_image = expected_pixels(src["tf_channels_3"]);
  const Tensor pil_image = expected_pixels(src["pil_rgb"]);
  for (const auto& [size, r] : j["resize"].items()) {
    const int64_t h = std::stoll(size.substr(0, size.find('x')));
    const int64_t w = std::stoll(size.substr(size.find('x') + 1));
    const Shape shape({h, w, 3});
    SCOPED_TRACE(size);
    EXPECT_TRUE(testing::tensors_equal(io::resize(tf_image, h, w, "bilinear"),
                                       expected_f32(r["bilinear"], shape)))
        << "bilinear";
    EXPECT_TRUE(testing::tensors_equal(io::resize(tf_image, h, w, "bilinear_tf1"),
                                       expected_f32(r["bilinear_tf1"], shape)))
        << "bilinear_tf1";
    EXPECT_TRUE(testing::tensors_equal(io::resize(tf_image, h, w, "nearest"),
                                       expected_u8(r["nearest"], shape)))
        << "nearest";
    EXPECT_TRUE(testing::tensors_equal(io::resize(tf_image, h, w, "nearest_tf1"),
                                       expected_u8(r["nearest_tf1"], shape)))
        << "nearest_tf1";
    EXPECT_TRUE(testing::tensors_equal(io::resize(pil_image, h, w, "nearest_keras2"),
                                       expected_u8(r["nearest_keras2"], shape)))
        << "nearest_keras2";
  }
}

TEST(ImageResize, BatchesDtypesAndErrors) {
  const Tensor img = expected_pixels(fixtures()["decode"]["rgb_420.jpg"]["tf_channels_3"]);
  Tensor batch(DType::u8, Shape({2, 13, 21, 3}));
  std::memcpy(batch.raw_data(), img.raw_data(), img.num_bytes());
  std::memcpy(static_cast<char*>(batch.raw_data()) + img.num_bytes(), img.raw_data(),
              img.num_bytes());
  Tensor r = io::resize(batch, 7, 9, "bilinear");
  EXPECT_EQ(r.shape(), Shape({2, 7, 9, 3}));
  Tensor single = io::resize(img, 7, 9, "bilinear");
  EXPECT_TRUE(testing::tensors_equal(r.slice_rows(1, 2).reshaped(Shape({7, 9, 3})), single));
  // float input gives the same numbers as uint8 input.
  EXPECT_TRUE(testing::tensors_equal(io::resize(io::to_float(img), 7, 9, "bilinear"), single));
  EXPECT_EQ(io::resize(io::to_float(img), 7, 9, "nearest").dtype(), DType::f32);

  std::string msg =
      error_of([&] { io::resize(img, 7, 9, "bicubic"); }, ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "\"bicubic\"")) << msg;
  EXPECT_TRUE(contains(msg, "nearest_keras2")) << msg;
  msg = error_of(
      [&] {
        io::resize(Tensor::zeros(DType::u8, Shape({4, 4})), 2, 2);
      },
      ErrorCode::invalid_argument);
  EXPECT_TRUE(contains(msg, "uint8[4,4]")) << msg;
  EXPECT_THROW(io::resize(img, 0, 3), InvalidArgument);
}

TEST(ImageConvert, ScalingMatchesTf1DivisionAndKerasRescaling) {
  const auto& j = fixtures();
  const Tensor img = expected_pixels(j["decode"]["rgb_420.jpg"]["tf_channels_3"]);
  const Tensor first30 = img.reshaped(Shape({img.num_elements()})).slice_rows(0, 30).clone();
  EXPECT_TRUE(testing::tensors_equal(io::to_float(first30, 255.0),
                                     expected_f32(j["scale"]["div_255"], Shape({30}))));
  EXPECT_TRUE(testing::tensors_equal(io::rescale(first30, 1.0 / 255.0),
                                     expected_f32(j["scale"]["mul_1_over_255"], Shape({30}))));
}

TEST(ImageCodec, EncodeRoundTrips) {
  const Tensor img = expected_pixels(fixtures()["decode"]["rgb_420.jpg"]["tf_channels_3"]);
  for (int c : {1, 2, 3, 4}) {
    Tensor t = io::resize(img, 13, 21, "nearest");  // a copy
    Tensor ch(DType::u8, Shape({13, 21, c}));
    for (int64_t i = 0; i < 13 * 21; ++i) {
      for (int k = 0; k < c; ++k) ch.data<uint8_t>()[i * c + k] = t.data<uint8_t>()[i * 3 + k % 3];
    }
    EXPECT_TRUE(testing::tensors_equal(io::decode_png(io::encode_png(ch)), ch)) << c;
  }
  const std::string jpg = io::encode_jpeg(img, 100);
  Tensor back = io::decode_jpeg(jpg, {.dct_method = "INTEGER_ACCURATE"});
  ASSERT_EQ(back.shape(), img.shape());
  int max_diff = 0;
  for (int64_t i = 0; i < img.num_elements(); ++i) {
    max_diff =
        std::max(max_diff, std::abs(int(back.data<uint8_t>()[i]) - int(img.data<uint8_t>()[i])));
  }
  EXPECT_LE(max_diff, 40);  // 4:2:0 chroma subsampling of a noisy image
  Tensor grey = io::decode_jpeg(io::encode_jpeg(io::rgb_to_grayscale_pil(img), 95));
  EXPECT_EQ(grey.shape(), Shape({13, 21, 1}));

  EXPECT_THROW(io::encode_jpeg(Tensor::zeros(DType::u8, Shape({4, 4, 2}))), InvalidArgument);
  EXPECT_THROW(io::encode_jpeg(img, 0), InvalidArgument);
  EXPECT_THROW(io::encode_png(Tensor::zeros(DType::f32, Shape({4, 4, 3}))), InvalidArgument);
}

class CorruptImages : public testing::TempDirTest {};

TEST_F(CorruptImages, TruncatedOrCorruptFilesAreDataLossNamingTheFile) {
  const std::string jpg = fixture_bytes("rgb_444.jpg");
  write_bytes(path("cut.jpg"), jpg.substr(0, 700));
  std::string msg = error_of([&] { io::read_image(path("cut.jpg")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, path("cut.jpg"))) << msg;
  EXPECT_TRUE(contains(msg, "truncated")) << msg;
  Tensor recovered = io::decode_jpeg(jpg.substr(0, 700), {.try_recover_truncated = true});
  EXPECT_EQ(recovered.shape(), Shape({13, 21, 3}));

  write_bytes(path("head.jpg"), jpg.substr(0, 40));
  msg = error_of([&] { io::read_image(path("head.jpg")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, path("head.jpg"))) << msg;
  EXPECT_TRUE(contains(msg, "truncated")) << msg;

  std::string garbled = jpg;
  for (size_t i = 2; i < 200 && i < garbled.size(); ++i) garbled[i] = static_cast<char>(i * 7);
  msg = error_of([&] { io::decode_jpeg(garbled, {}, "garbled.jpg"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "JPEG 'garbled.jpg'")) << msg;

  const std::string png = fixture_bytes("rgb.png");
  write_bytes(path("cut.png"), png.substr(0, png.size() - 30));
  msg = error_of([&] { io::read_image(path("cut.png")); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, path("cut.png"))) << msg;
  std::string bad_crc = png;
  bad_crc[png.find("IDAT") + 10] ^= 0x55;
  msg = error_of([&] { io::decode_png(bad_crc, {}, "crc.png"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "PNG 'crc.png'")) << msg;

  msg = error_of([&] { io::decode_image("GIF89a....", {}, "anim.gif"); }, ErrorCode::unimplemented);
  EXPECT_TRUE(contains(msg, "'anim.gif' is GIF")) << msg;
  msg = error_of([&] { io::decode_jpeg(png, {}, "x.png"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "not a JPEG")) << msg;

  msg =
      error_of([&] { io::decode_jpeg(jpg, {.max_pixels = 100}, "big.jpg"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "21x13")) << msg;
  msg = error_of([&] { io::decode_png(png, {.max_pixels = 10}, "big.png"); }, ErrorCode::data_loss);
  EXPECT_TRUE(contains(msg, "11x9")) << msg;
  EXPECT_THROW(io::decode_jpeg(jpg, {.channels = 4}), InvalidArgument);
  EXPECT_THROW(io::decode_jpeg(jpg, {.dct_method = "FLOAT"}), InvalidArgument);
  EXPECT_THROW(io::read_image(path("missing.png")), NotFound);
}

}  // namespace
}  // namespace dl
