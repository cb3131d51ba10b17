// JPEG and PNG codecs. libjpeg's and libpng's default error handlers print and call exit();
// dl installs handlers that record the message and longjmp back. The setjmp functions below
// hold only plain C data, so the jump skips no C++ destructor; C++ objects (the output tensor,
// row pointers) are created between the protected stages, and the C++ exception is thrown
// only after the codec's state is destroyed.
#include "dl/core/io/image.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

// clang-format off
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
// clang-format on

#include "dl/core/io/file_util.h"

namespace dl::io {
namespace {

// ---------------------------------------------------------------------------------------------
// JPEG

struct JpegError {
  jpeg_error_mgr pub;  // first member: libjpeg passes a pointer to it
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int truncated;
};

extern "C" void jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

extern "C" void jpeg_emit_message(j_common_ptr cinfo, int level) {
  if (level < 0) {  // a warning: only a premature end of the data matters to us
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) err->truncated = 1;
    cinfo->err->num_warnings++;
  }
}

extern "C" void jpeg_output_message(j_common_ptr) {}

struct JpegDecoder {
  jpeg_decompress_struct cinfo;
  JpegError err;
  int created;
};

// Stage 1: header and output settings. Returns false after a libjpeg error.
bool jpeg_stage_header(JpegDecoder* d, const unsigned char* data, size_t size, int channels,
                       J_DCT_METHOD dct, int fancy) {
  if (setjmp(d->err.jump)) return false;
  jpeg_create_decompress(&d->cinfo);
  d->created = 1;
  jpeg_mem_src(&d->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d->cinfo, TRUE);
  const J_COLOR_SPACE in = d->cinfo.jpeg_color_space;
  if (in == JCS_CMYK || in == JCS_YCCK) {
    d->cinfo.out_color_space = JCS_CMYK;  // converted to RGB / grey afterwards
  } else if (channels == 1) {
    d->cinfo.out_color_space = JCS_GRAYSCALE;
  } else if (channels == 3 || in != JCS_GRAYSCALE) {
    d->cinfo.out_color_space = JCS_RGB;
  } else {
    d->cinfo.out_color_space = JCS_GRAYSCALE;
  }
  d->cinfo.dct_method = dct;
  d->cinfo.do_fancy_upsampling = fancy ? TRUE : FALSE;
  jpeg_calc_output_dimensions(&d->cinfo);
  return true;
}

// Stage 2: the pixels, into `dst` (output_height rows of `stride` bytes).
bool jpeg_stage_pixels(JpegDecoder* d, unsigned char* dst, size_t stride) {
  if (setjmp(d->err.jump)) return false;
  jpeg_start_decompress(&d->cinfo);
  while (d->cinfo.output_scanline < d->cinfo.output_height) {
    JSAMPROW row = dst + static_cast<size_t>(d->cinfo.output_scanline) * stride;
    if (jpeg_read_scanlines(&d->cinfo, &row, 1) != 1) break;
  }
  if (d->err.truncated) return true;  // finish_decompress would only add more warnings
  jpeg_finish_decompress(&d->cinfo);
  return true;
}

J_DCT_METHOD dct_method(const std::string& m) {
  if (m.empty() || m == "INTEGER_FAST") return JDCT_IFAST;
  if (m == "INTEGER_ACCURATE") return JDCT_ISLOW;
  throw InvalidArgument(str_cat("decode_jpeg: dct_method must be \"\", \"INTEGER_FAST\" or ",
                                "\"INTEGER_ACCURATE\", received \"", m, "\""));
}

// Adobe CMYK JPEGs store inverted values (255 = no ink); others store plain CMYK.
void cmyk_to_rgb(const unsigned char* cmyk, int64_t pixels, bool inverted, unsigned char* rgb) {
  for (int64_t i = 0; i < pixels; ++i) {
    const unsigned char* p = cmyk + 4 * i;
    const int k = inverted ? p[3] : 255 - p[3];
    for (int c = 0; c < 3; ++c) {
      const int v = inverted ? p[c] : 255 - p[c];
      rgb[3 * i + c] = static_cast<unsigned char>((v * k + 127) / 255);
    }
  }
}

void check_channels(const char* who, int channels, bool allow4) {
  DL_CHECK(channels == 0 || channels == 1 || channels == 3 || (allow4 && channels == 4), who,
           ": channels must be 0, 1, 3", allow4 ? " or 4" : "", ", received ", channels);
}

// ---------------------------------------------------------------------------------------------
// PNG

struct PngDecoder {
  png_structp png;
  png_infop info;
  const unsigned char* data;
  size_t size;
  size_t pos;
  char message[256];
  png_uint_32 width, height;
  int channels;
};

// The error pointer is the decoder's or encoder's 256-byte message buffer.
extern "C" void png_error_handler(png_structp png, png_const_charp msg) {
  std::snprintf(static_cast<char*>(png_get_error_ptr(png)), 256, "%s",
                msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}

extern "C" void png_warning_handler(png_structp, png_const_charp) {}

extern "C" void png_read_from_memory(png_structp png, png_bytep out, size_t n) {
  auto* d = static_cast<PngDecoder*>(png_get_io_ptr(png));
  if (n > d->size - d->pos) png_error(png, "the file is truncated");
  std::memcpy(out, d->data + d->pos, n);
  d->pos += n;
}

bool png_stage_header(PngDecoder* d, const int requested, const int64_t max_pixels) {
  if (setjmp(png_jmpbuf(d->png))) return false;
  png_set_read_fn(d->png, d, png_read_from_memory);
  png_read_info(d->png, d->info);
  d->width = png_get_image_width(d->png, d->info);
  d->height = png_get_image_height(d->png, d->info);
  if (static_cast<int64_t>(d->width) * static_cast<int64_t>(d->height) > max_pixels) {
    std::snprintf(d->message, sizeof d->message,
                  "declares %ux%u pixels, more than the limit of %lld", d->width, d->height,
                  static_cast<long long>(max_pixels));
    return false;
  }
  const int color = png_get_color_type(d->png, d->info);
  const int depth = png_get_bit_depth(d->png, d->info);
  const bool trns = png_get_valid(d->png, d->info, PNG_INFO_tRNS) != 0;
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(d->png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(d->png);
  if (trns) png_set_tRNS_to_alpha(d->png);
  if (depth == 16) png_set_strip_16(d->png);
  const bool is_color = (color & PNG_COLOR_MASK_COLOR) != 0;
  const bool has_alpha = (color & PNG_COLOR_MASK_ALPHA) != 0 || trns;
  const int file_channels = (is_color ? 3 : 1) + (has_alpha ? 1 : 0);
  const int want = requested == 0 ? file_channels : requested;
  if (want == 1 || want == 2) {
    if (is_color) png_set_rgb_to_gray_fixed(d->png, 1, 29900, 58700);  // as TF: 0.299, 0.587
    if (has_alpha && want == 1) png_set_strip_alpha(d->png);
    if (!has_alpha && want == 2) png_set_add_alpha(d->png, 0xff, PNG_FILLER_AFTER);
  } else {
    if (!is_color) png_set_gray_to_rgb(d->png);
    if (has_alpha && want == 3) png_set_strip_alpha(d->png);
    if (!has_alpha && want == 4) png_set_add_alpha(d->png, 0xff, PNG_FILLER_AFTER);
  }
  png_set_interlace_handling(d->png);
  png_read_update_info(d->png, d->info);
  d->channels = png_get_channels(d->png, d->info);
  if (d->channels != want ||
      png_get_rowbytes(d->png, d->info) != d->width * static_cast<size_t>(want)) {
    std::snprintf(d->message, sizeof d->message, "unexpected layout after conversion (%d channels)",
                  d->channels);
    return false;
  }
  return true;
}

bool png_stage_pixels(PngDecoder* d, png_bytep* rows) {
  if (setjmp(png_jmpbuf(d->png))) return false;
  png_read_image(d->png, rows);
  png_read_end(d->png, nullptr);
  return true;
}

struct PngEncoder {
  png_structp png;
  png_infop info;
  char message[256];
};

extern "C" void png_write_to_string(png_structp png, png_bytep data, size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}
extern "C" void png_flush_nothing(png_structp) {}

bool png_stage_encode(PngEncoder* e, std::string* out, png_uint_32 w, png_uint_32 h, int color,
                      int compression, png_bytep* rows) {
  if (setjmp(png_jmpbuf(e->png))) return false;
  png_set_write_fn(e->png, out, png_write_to_string, png_flush_nothing);
  png_set_IHDR(e->png, e->info, w, h, 8, color, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (compression >= 0) png_set_compression_level(e->png, compression);
  png_write_info(e->png, e->info);
  png_write_image(e->png, rows);
  png_write_end(e->png, nullptr);
  return true;
}

struct JpegEncoder {
  jpeg_compress_struct cinfo;
  JpegError err;
  int created;
  unsigned char* buffer;
  unsigned long size;
};

bool jpeg_stage_encode(JpegEncoder* e, const unsigned char* pixels, int w, int h, int c,
                       int quality) {
  if (setjmp(e->err.jump)) return false;
  jpeg_create_compress(&e->cinfo);
  e->created = 1;
  jpeg_mem_dest(&e->cinfo, &e->buffer, &e->size);
  e->cinfo.image_width = static_cast<JDIMENSION>(w);
  e->cinfo.image_height = static_cast<JDIMENSION>(h);
  e->cinfo.input_components = c;
  e->cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&e->cinfo);
  jpeg_set_quality(&e->cinfo, quality, TRUE);
  jpeg_start_compress(&e->cinfo, TRUE);
  while (e->cinfo.next_scanline < e->cinfo.image_height) {
    JSAMPROW row = const_cast<unsigned char*>(pixels) +
                   static_cast<size_t>(e->cinfo.next_scanline) * static_cast<size_t>(w * c);
    jpeg_write_scanlines(&e->cinfo, &row, 1);
  }
  jpeg_finish_compress(&e->cinfo);
  return true;
}

void check_image_to_encode(const char* who, const Tensor& image, int max_channels) {
  const Shape& s = image.shape();
  DL_CHECK(image.valid() && image.dtype() == DType::u8 && s.rank() == 3 && s.dim(2) >= 1 &&
               s.dim(2) <= max_channels && s.dim(0) >= 1 && s.dim(1) >= 1 && s.dim(0) <= 65535 &&
               s.dim(1) <= 65535,
           who, ": expected a uint8 image [h, w, c] with c in ",
           max_channels == 3 ? "{1, 3}" : "1..4", " and sides 1..65535, received ",
           image.valid() ? image.spec_string() : std::string("an empty tensor"));
}

}  // namespace

Tensor decode_jpeg(std::string_view bytes, const ImageDecodeOptions& o, const std::string& name) {
  check_channels("decode_jpeg", o.channels, false);
  const J_DCT_METHOD dct = dct_method(o.dct_method);
  JpegDecoder d;
  std::memset(&d, 0, sizeof d);
  d.cinfo.err = jpeg_std_error(&d.err.pub);
  d.err.pub.error_exit = jpeg_error_exit;
  d.err.pub.emit_message = jpeg_emit_message;
  d.err.pub.output_message = jpeg_output_message;
  const auto fail = [&](const std::string& what) {
    if (d.created) jpeg_destroy_decompress(&d.cinfo);
    throw DataLoss(str_cat("JPEG '", name, "': ", what));
  };
  if (bytes.size() < 3 || static_cast<unsigned char>(bytes[0]) != 0xFF ||
      static_cast<unsigned char>(bytes[1]) != 0xD8) {
    fail("not a JPEG file (it does not start with the SOI marker FF D8)");
  }
  // A libjpeg error after the data ran out is reported as truncation, its real cause.
  const auto libjpeg_error = [&] {
    return d.err.truncated ? str_cat("the file is truncated (libjpeg: ", d.err.message, ")")
                           : str_cat("corrupt data: ", d.err.message);
  };
  if (!jpeg_stage_header(&d, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                         o.channels, dct, o.fancy_upscaling)) {
    fail(libjpeg_error());
  }
  const int64_t h = d.cinfo.output_height, w = d.cinfo.output_width;
  const int comps = d.cinfo.out_color_components;
  if (h * w > o.max_pixels || h == 0 || w == 0) {
    fail(str_cat("declares ", w, "x", h, " pixels (accepted: 1 to ", o.max_pixels, ")"));
  }
  Tensor decoded(DType::u8, Shape({h, w, comps}));
  if (!jpeg_stage_pixels(&d, decoded.data<uint8_t>(), static_cast<size_t>(w * comps))) {
    fail(libjpeg_error());
  }
  const bool truncated = d.err.truncated != 0;
  const bool adobe = d.cinfo.saw_Adobe_marker != 0;
  jpeg_destroy_decompress(&d.cinfo);
  d.created = 0;
  if (truncated && !o.try_recover_truncated) {
    throw DataLoss(str_cat("JPEG '", name, "': the file is truncated (premature end of data)"));
  }
  if (comps == 4) {  // CMYK / YCCK
    Tensor rgb(DType::u8, Shape({h, w, 3}));
    cmyk_to_rgb(decoded.data<uint8_t>(), h * w, adobe, rgb.data<uint8_t>());
    if (o.channels == 1) {
      Tensor grey = rgb_to_grayscale_pil(rgb);
      return grey;
    }
    return rgb;
  }
  return decoded;
}

Tensor decode_png(std::string_view bytes, const ImageDecodeOptions& o, const std::string& name) {
  check_channels("decode_png", o.channels, true);
  if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0) {
    throw DataLoss(str_cat("PNG '", name, "': not a PNG file (bad signature)"));
  }
  PngDecoder d;
  std::memset(&d, 0, sizeof d);
  d.data = reinterpret_cast<const unsigned char*>(bytes.data());
  d.size = bytes.size();
  d.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d.message, png_error_handler,
                                 png_warning_handler);
  if (d.png) d.info = png_create_info_struct(d.png);
  if (!d.png || !d.info) {
    png_destroy_read_struct(d.png ? &d.png : nullptr, nullptr, nullptr);
    throw DataLoss(str_cat("PNG '", name, "': libpng could not allocate its state"));
  }
  const auto fail = [&]() {
    png_destroy_read_struct(&d.png, &d.info, nullptr);
    throw DataLoss(str_cat("PNG '", name, "': ", d.message));
  };
  if (!png_stage_header(&d, o.channels, o.max_pixels)) fail();
  Tensor out(DType::u8, Shape({static_cast<int64_t>(d.height), static_cast<int64_t>(d.width),
                               static_cast<int64_t>(d.channels)}));
  std::vector<png_bytep> rows(d.height);
  for (png_uint_32 y = 0; y < d.height; ++y) {
    rows[y] =
        out.data<uint8_t>() + static_cast<size_t>(y) * d.width * static_cast<size_t>(d.channels);
  }
  if (!png_stage_pixels(&d, rows.data())) fail();
  png_destroy_read_struct(&d.png, &d.info, nullptr);
  return out;
}

Tensor decode_image(std::string_view bytes, const ImageDecodeOptions& o, const std::string& name) {
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() >= 2 && u[0] == 0xFF && u[1] == 0xD8) return decode_jpeg(bytes, o, name);
  if (bytes.size() >= 8 && png_sig_cmp(u, 0, 8) == 0) return decode_png(bytes, o, name);
  std::string kind = "an unknown format";
  if (bytes.substr(0, 3) == "GIF") kind = "GIF";
  if (bytes.substr(0, 2) == "BM") kind = "BMP";
  throw Unimplemented(
      str_cat("decode_image: '", name, "' is ", kind, "; dl decodes JPEG and PNG images"));
}

Tensor read_image(const std::string& path, const ImageDecodeOptions& options) {
  return decode_image(read_file(path), options, path);
}

std::string encode_jpeg(const Tensor& image, int quality) {
  check_image_to_encode("encode_jpeg", image, 3);
  DL_CHECK(image.shape().dim(2) != 2, "encode_jpeg: expected 1 or 3 channels, received ",
           image.spec_string());
  DL_CHECK(quality >= 1 && quality <= 100, "encode_jpeg: quality must be in 1..100, received ",
           quality);
  JpegEncoder e;
  std::memset(&e, 0, sizeof e);
  e.cinfo.err = jpeg_std_error(&e.err.pub);
  e.err.pub.error_exit = jpeg_error_exit;
  e.err.pub.emit_message = jpeg_emit_message;
  e.err.pub.output_message = jpeg_output_message;
  const bool ok = jpeg_stage_encode(
      &e, image.data<uint8_t>(), static_cast<int>(image.shape().dim(1)),
      static_cast<int>(image.shape().dim(0)), static_cast<int>(image.shape().dim(2)), quality);
  std::string out;
  if (ok && e.buffer) out.assign(reinterpret_cast<const char*>(e.buffer), e.size);
  if (e.created) jpeg_destroy_compress(&e.cinfo);
  std::free(e.buffer);
  if (!ok) throw InvalidArgument(str_cat("encode_jpeg: libjpeg failed: ", e.err.message));
  return out;
}

std::string encode_png(const Tensor& image, int compression) {
  check_image_to_encode("encode_png", image, 4);
  DL_CHECK(compression >= -1 && compression <= 9,
           "encode_png: compression must be -1 or 0..9, received ", compression);
  static const int kColor[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
  const auto h = static_cast<png_uint_32>(image.shape().dim(0));
  const auto w = static_cast<png_uint_32>(image.shape().dim(1));
  const int c = static_cast<int>(image.shape().dim(2));
  std::vector<png_bytep> rows(h);
  for (png_uint_32 y = 0; y < h; ++y) {
    rows[y] = const_cast<png_bytep>(image.data<uint8_t>()) +
              static_cast<size_t>(y) * w * static_cast<size_t>(c);
  }
  PngEncoder e;
  std::memset(&e, 0, sizeof e);
  e.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, e.message, png_error_handler,
                                  png_warning_handler);
  if (e.png) e.info = png_create_info_struct(e.png);
  std::string out;
  const bool ok =
      e.png && e.info && png_stage_encode(&e, &out, w, h, kColor[c], compression, rows.data());
  png_destroy_write_struct(e.png ? &e.png : nullptr, e.info ? &e.info : nullptr);
  if (!ok) throw InvalidArgument(str_cat("encode_png: libpng failed: ", e.message));
  return out;
}

Tensor rgb_to_grayscale_pil(const Tensor& image) {
  const Shape& s = image.shape();
  DL_CHECK(image.valid() && image.dtype() == DType::u8 && s.rank() >= 1 &&
               (s.dim(s.rank() - 1) == 3 || s.dim(s.rank() - 1) == 4),
           "rgb_to_grayscale_pil: expected uint8 [..., 3 or 4], received ",
           image.valid() ? image.spec_string() : std::string("an empty tensor"));
  std::vector<int64_t> dims = s.dims();
  const int64_t c = dims.back();
  dims.back() = 1;
  Tensor out(DType::u8, Shape(dims));
  const uint8_t* in = image.data<uint8_t>();
  uint8_t* o = out.data<uint8_t>();
  for (int64_t i = 0, n = out.num_elements(); i < n; ++i) {
    const uint8_t* p = in + i * c;
    o[i] = static_cast<uint8_t>((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 0x8000u) >> 16);
  }
  return out;
}

}  // namespace dl::io
