#include "dl/core/io/idx.h"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "dl/core/io/file_util.h"

namespace dl::io {
namespace {

constexpr uint64_t kMaxDataBytes = uint64_t{1} << 40;

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

struct ElementType {
  DType dtype;
  size_t file_size;  // bytes per element in the file
};

bool element_type(uint8_t code, ElementType* t) {
  switch (code) {
    case 0x08:
      *t = {DType::u8, 1};
      return true;
    case 0x09:
      *t = {DType::i32, 1};
      return true;
    case 0x0B:
      *t = {DType::i32, 2};
      return true;
    case 0x0C:
      *t = {DType::i32, 4};
      return true;
    case 0x0D:
      *t = {DType::f32, 4};
      return true;
    case 0x0E:
      *t = {DType::f64, 8};
      return true;
    default:
      return false;
  }
}

std::string hex(uint64_t v, int digits) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = kDigits[v & 15];
  return s;
}

uint64_t big_endian(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

class Reader {
 public:
  Reader(const std::string& path, gzFile f) : path_(path), f_(f) {}

  // Reads up to n bytes into `out` (appending); returns how many arrived before the end.
  uint64_t read(uint64_t n, std::vector<unsigned char>& out) {
    uint64_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n - got, 1u << 22));
      const size_t old = out.size();
      out.resize(old + chunk);
      const int r = gzread(f_, out.data() + old, chunk);
      if (r < 0) {
        int errnum = 0;
        const char* msg = gzerror(f_, &errnum);
        throw DataLoss(str_cat("IDX file '", path_, "': corrupt data after ", total_ + got,
                               " bytes: ", msg ? msg : "unknown zlib error"));
      }
      out.resize(old + static_cast<size_t>(r));
      got += static_cast<uint64_t>(r);
      if (r == 0) break;
    }
    total_ += got;
    return got;
  }

 private:
  const std::string& path_;
  gzFile f_;
  uint64_t total_ = 0;
};

}  // namespace

Tensor read_idx(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw NotFound(str_cat("IDX file '", path, "' does not exist"));
  }
  if (std::filesystem::is_directory(status)) {
    throw InvalidArgument(str_cat("IDX file '", path, "' is a directory"));
  }
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) throw NotFound(str_cat("IDX file '", path, "' cannot be opened"));
  Reader in(path, file.get());

  std::vector<unsigned char> header;
  if (const uint64_t got = in.read(4, header); got < 4) {
    throw DataLoss(str_cat("IDX file '", path,
                           "' is truncated: expected a 4-byte header, received ", got, " bytes"));
  }
  if (header[0] != 0 || header[1] != 0) {
    throw DataLoss(str_cat("IDX file '", path, "' has a bad magic number 0x",
                           hex(big_endian(header.data(), 4), 8),
                           " (expected 0x0000 followed by a type byte and a rank byte)"));
  }
  ElementType type;
  if (!element_type(header[2], &type)) {
    throw DataLoss(str_cat("IDX file '", path, "' has an unsupported element type 0x",
                           hex(header[2], 2), " (expected 08, 09, 0B, 0C, 0D or 0E)"));
  }
  const int rank = header[3];
  std::vector<unsigned char> dim_bytes;
  const uint64_t want_dims = 4u * static_cast<uint64_t>(rank);
  if (const uint64_t got = in.read(want_dims, dim_bytes); got < want_dims) {
    throw DataLoss(str_cat("IDX file '", path, "' is truncated in its dimensions: expected ",
                           want_dims, " bytes for ", rank, " dimensions, received ", got));
  }
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  uint64_t count = 1;
  bool overflow = false;
  for (int i = 0; i < rank; ++i) {
    const uint64_t d = big_endian(dim_bytes.data() + 4 * i, 4);
    dims[static_cast<size_t>(i)] = static_cast<int64_t>(d);
    overflow = overflow || __builtin_mul_overflow(count, d, &count);
  }
  uint64_t data_bytes = 0;
  overflow = overflow || __builtin_mul_overflow(count, type.file_size, &data_bytes);
  const Shape shape(dims);
  if (overflow || data_bytes > kMaxDataBytes) {
    throw DataLoss(str_cat("IDX file '", path, "' has implausible dimensions ", shape.to_string(),
                           ": their data would exceed 2^40 bytes"));
  }

  // Read what the header promises, growing the buffer only as data arrives, so that a
  // corrupted header cannot make us allocate terabytes.
  std::vector<unsigned char> data;
  // deflate expands at most ~1032:1, so no valid file holds more than that many bytes.
  const uint64_t on_disk = std::filesystem::file_size(path, ec);
  data.reserve(static_cast<size_t>(std::min<uint64_t>(data_bytes, ec ? 0 : 1032 * on_disk)));
  if (const uint64_t got = in.read(data_bytes, data); got < data_bytes) {
    throw DataLoss(str_cat("IDX file '", path, "' is truncated: expected ", data_bytes,
                           " data bytes for shape ", shape.to_string(), ", received ", got));
  }
  uint64_t trailing = 0;
  for (std::vector<unsigned char> scratch;;) {
    scratch.clear();
    const uint64_t got = in.read(1u << 16, scratch);
    trailing += got;
    if (got == 0) break;
  }
  // zlib returns the data of a gzip member whose 8-byte trailer (CRC and size) is cut off and
  // reports the truncation only through gzerror.
  int zerr = Z_OK;
  gzerror(file.get(), &zerr);
  if (zerr == Z_BUF_ERROR) {
    throw DataLoss(str_cat("IDX file '", path,
                           "' is truncated: its gzip stream ends before the gzip trailer"));
  }
  if (trailing) {
    throw DataLoss(str_cat("IDX file '", path, "' has ", trailing, " trailing bytes: expected ",
                           data_bytes, " data bytes for shape ", shape.to_string(), ", received ",
                           data_bytes + trailing));
  }

  Tensor t(type.dtype, shape);
  const unsigned char* src = data.data();
  const auto n = static_cast<int64_t>(count);
  switch (header[2]) {
    case 0x08:
      if (n) std::memcpy(t.raw_data(), src, static_cast<size_t>(n));
      break;
    case 0x09: {
      int32_t* dst = t.data<int32_t>();
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<int8_t>(src[i]);
      break;
    }
    case 0x0B: {
      int32_t* dst = t.data<int32_t>();
      for (int64_t i = 0; i < n; ++i)
        dst[i] = static_cast<int16_t>(static_cast<uint16_t>(big_endian(src + 2 * i, 2)));
      break;
    }
    case 0x0C: {
      int32_t* dst = t.data<int32_t>();
      for (int64_t i = 0; i < n; ++i)
        dst[i] = static_cast<int32_t>(static_cast<uint32_t>(big_endian(src + 4 * i, 4)));
      break;
    }
    case 0x0D: {
      float* dst = t.data<float>();
      for (int64_t i = 0; i < n; ++i) {
        const auto bits = static_cast<uint32_t>(big_endian(src + 4 * i, 4));
        std::memcpy(dst + i, &bits, 4);
      }
      break;
    }
    case 0x0E: {
      double* dst = t.data<double>();
      for (int64_t i = 0; i < n; ++i) {
        const uint64_t bits = big_endian(src + 8 * i, 8);
        std::memcpy(dst + i, &bits, 8);
      }
      break;
    }
  }
  return t;
}

namespace {

std::string gzip_compress(const std::string& raw, const std::string& path) {
  z_stream z{};
  // windowBits 15 + 16 asks zlib for a gzip wrapper instead of a zlib one.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw FailedPrecondition(str_cat("write_idx '", path, "': zlib initialisation failed"));
  std::string out(deflateBound(&z, static_cast<uLong>(raw.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END)
    throw FailedPrecondition(str_cat("write_idx '", path, "': gzip compression failed"));
  out.resize(n);
  return out;
}

void put_big_endian(std::string& out, uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The element's bits as an integer, whatever the host's byte order.
uint64_t load_bits(const unsigned char* p, size_t n) {
  if (n == 1) return *p;
  if (n == 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

void write_idx(const std::string& path, const Tensor& t, bool gzip) {
  uint8_t code = 0;
  switch (t.dtype()) {
    case DType::u8:
      code = 0x08;
      break;
    case DType::i32:
      code = 0x0C;
      break;
    case DType::f32:
      code = 0x0D;
      break;
    case DType::f64:
      code = 0x0E;
      break;
    default:
      throw InvalidArgument(str_cat("write_idx '", path, "': IDX cannot hold ", t.spec_string(),
                                    " (expected uint8, int32, float32 or float64)"));
  }
  const Shape& s = t.shape();
  DL_CHECK(s.rank() <= 255, "write_idx '", path, "': rank ", s.rank(), " exceeds 255");
  std::string raw;
  raw.reserve(4 + 4 * static_cast<size_t>(s.rank()) + t.num_bytes());
  raw.append({'\0', '\0', static_cast<char>(code), static_cast<char>(s.rank())});
  for (int64_t d : s.dims()) {
    DL_CHECK(d <= 0xFFFFFFFFll, "write_idx '", path, "': dimension ", d, " of ", s.to_string(),
             " exceeds 2^32-1");
    put_big_endian(raw, static_cast<uint64_t>(d), 4);
  }
  const size_t esize = size_of(t.dtype());
  const auto* src = static_cast<const unsigned char*>(t.raw_data());
  for (size_t i = 0, n = static_cast<size_t>(t.num_elements()); i < n; ++i) {
    put_big_endian(raw, load_bits(src + i * esize, esize), esize);
  }
  write_file_atomically(path, gzip ? gzip_compress(raw, path) : raw);
}

}  // namespace dl::io
