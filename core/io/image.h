#pragma once
/// Images: JPEG (libjpeg-turbo) and PNG (libpng) decoding and encoding, resizing with the
/// exact arithmetic of TensorFlow 2, TensorFlow 1 and Pillow (Keras 2), and conversion to
/// float. Images are uint8 tensors [height, width, channels]; batches are [n, h, w, c].
///
/// Which decoder settings and resize method match which framework:
///   tf.image.decode_jpeg (TF1, TF2, Keras 3)   dct_method "" (= INTEGER_FAST)
///   PIL Image.open (Keras 2 load_img)          dct_method "INTEGER_ACCURATE"
///   tf.image.resize (TF2, Keras 3)             "bilinear" / "nearest" (half-pixel centres)
///   tf.compat.v1.image.resize_images (TF1)     "bilinear_tf1" / "nearest_tf1"
///   Keras 2 flow_from_directory (PIL NEAREST)  "nearest_keras2"
#include <cstdint>
#include <string>
#include <string_view>

#include "dl/core/tensor.h"

namespace dl::io {

struct ImageDecodeOptions {
  /// 0: the file's channel count (JPEG: 1 or 3; PNG: 1, 2 (grey + alpha), 3 or 4);
  /// 1: grey; 3: RGB; 4: RGBA (PNG only). Alpha is dropped for 1 and 3 (not composited).
  int channels = 0;
  /// JPEG inverse DCT: "" (TensorFlow's default, which is INTEGER_FAST), "INTEGER_FAST" or
  /// "INTEGER_ACCURATE" (libjpeg's own default, which Pillow uses).
  std::string dct_method;
  /// JPEG chroma upsampling: true for the smooth ("fancy") filter, as TF and Pillow do.
  bool fancy_upscaling = true;
  /// A JPEG that ends early decodes with its missing rows grey instead of failing
  /// (decode_jpeg's try_recover_truncated).
  bool try_recover_truncated = false;
  /// Images with more pixels are refused before any pixel memory is allocated, so that a
  /// corrupt header cannot make the decoder allocate gigabytes.
  int64_t max_pixels = int64_t{1} << 28;
};

/// Decodes a JPEG into uint8 [h, w, c]. `name` (a file name) is used in messages.
/// CMYK and YCCK JPEGs are converted to RGB (Adobe's inverted CMYK).
/// Throws: InvalidArgument for channels other than 0, 1, 3; DataLoss naming `name` for data
/// that is not a JPEG, is corrupt (with libjpeg's message), is truncated (unless
/// try_recover_truncated) or declares more than max_pixels pixels.
Tensor decode_jpeg(std::string_view bytes, const ImageDecodeOptions& options = {},
                   const std::string& name = "<memory>");

/// Decodes a PNG into uint8 [h, w, c]: palettes expand to RGB (RGBA with transparency),
/// grey below 8 bits expands to 8 bits, 16-bit samples keep their high byte (as
/// tf.image.decode_png and Pillow), interlaced files are de-interlaced. Colour to grey uses
/// libpng with ITU-R 601 weights (0.299, 0.587, 0.114), truncating, as tf.image.decode_png.
/// Asked for 4 channels, an image without alpha gets alpha 255 (TensorFlow gives a palette
/// image of bit depth b the alpha 2^b - 1, a TF quirk dl does not copy).
/// Throws: InvalidArgument for channels other than 0, 1, 3, 4; DataLoss naming `name` for
/// data that is not a PNG, is corrupt or truncated (with libpng's message), or declares more
/// than max_pixels pixels.
Tensor decode_png(std::string_view bytes, const ImageDecodeOptions& options = {},
                  const std::string& name = "<memory>");

/// decode_jpeg or decode_png, chosen from the first bytes (tf.io.decode_image).
/// Throws: Unimplemented naming `name` for another format (GIF, BMP, ...); as the decoders.
Tensor decode_image(std::string_view bytes, const ImageDecodeOptions& options = {},
                    const std::string& name = "<memory>");

/// Reads and decodes an image file (decode_image on its bytes; messages name the file).
Tensor read_image(const std::string& path, const ImageDecodeOptions& options = {});

/// Encodes uint8 [h, w, 1 or 3] as a baseline JPEG of the given quality (1..100; TF's
/// default is 95) with libjpeg's default 4:2:0 chroma subsampling for colour.
/// Throws: InvalidArgument for another dtype, rank or channel count or quality.
std::string encode_jpeg(const Tensor& image, int quality = 95);

/// Encodes uint8 [h, w, 1..4] as an 8-bit PNG (grey, grey+alpha, RGB, RGBA).
/// `compression` is zlib's level, 0..9, or -1 for libpng's default.
/// Throws: InvalidArgument for another dtype, rank or channel count.
std::string encode_png(const Tensor& image, int compression = -1);

/// Resizes [h, w, c] or [n, h, w, c] images to height x width.
/// Methods:
///  - "bilinear": tf.image.resize(method='bilinear') in TF2 and Keras 3 (half-pixel centres).
///  - "bilinear_tf1": TF1's tf.image.resize_images / resize_bilinear(align_corners=False).
///  - "nearest": tf.image.resize(method='nearest') (half-pixel centres).
///  - "nearest_tf1": TF1's resize_nearest_neighbor(align_corners=False).
///  - "nearest_keras2": Pillow's Image.resize(NEAREST), used by Keras 2's load_img and
///    flow_from_directory.
/// The bilinear methods compute in float32 exactly as TensorFlow's kernels and return float32
/// for any input dtype (uint8, int32, int64, float32, float64). The nearest methods copy
/// pixels and keep the input dtype.
/// Throws: InvalidArgument for an unknown method (listing the valid ones), a rank other than
/// 3 or 4, an empty input image or a target size below 1.
Tensor resize(const Tensor& images, int64_t height, int64_t width,
              std::string_view method = "bilinear");

/// float32(v) / divisor for every value: `tf.to_float(image) / 255.0` with divisor 255.
Tensor to_float(const Tensor& image, double divisor = 1.0);
/// float32(v) * float32(scale) + float32(offset): Keras's Rescaling(scale, offset) layer and
/// ImageDataGenerator(rescale=scale).
Tensor rescale(const Tensor& image, double scale, double offset = 0.0);
/// Pillow's convert('L') of uint8 RGB or RGBA [.., 3 or 4] -> uint8 [.., 1]:
/// (R * 19595 + G * 38470 + B * 7471 + 32768) >> 16 (ITU-R 601-2 luma), alpha ignored.
Tensor rgb_to_grayscale_pil(const Tensor& image);

}  // namespace dl::io
