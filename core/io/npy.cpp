#include "dl/core/io/npy.h"

#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

#include "dl/core/io/file_util.h"

namespace dl::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr uint64_t kMaxBytes = uint64_t{1} << 40;

struct Descr {
  DType dtype;
  char kind;         // 'f', 'i', 'u', 'b'
  size_t file_size;  // bytes per element in the file
  bool big_endian;
};

// The header is a Python dict literal; this reads exactly the subset np.save writes (and
// tolerates other spacing and quote styles), refusing anything else.
class HeaderParser {
 public:
  HeaderParser(std::string_view s, const std::string& name) : s_(s), name_(name) {}

  void parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') {
        ++i_;
        break;
      }
      const std::string key = string_literal();
      expect(':');
      skip_space();
      if (key == "descr") {
        *descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        *fortran = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        *shape = tuple();
        have_shape = true;
      } else {
        fail(str_cat("unexpected key '", key, "'"));
      }
      skip_space();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    skip_space();
    if (i_ != s_.size()) fail("unexpected text after the closing '}'");
    if (!have_descr || !have_fortran || !have_shape) {
      fail("the header must have the keys 'descr', 'fortran_order' and 'shape'");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataLoss(str_cat("NPY file '", name_, "' has a malformed header at character ", i_, ": ",
                           what, " (header: ", printable(), ")"));
  }
  std::string printable() const {
    std::string out;
    for (char c : s_.substr(0, 200)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    return out;
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n')) ++i_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(str_cat("expected '", c, "'"));
    ++i_;
  }
  std::string string_literal() {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    ++i_;
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] != q) ++i_;
    if (i_ >= s_.size()) fail("unterminated string");
    return std::string(s_.substr(start, i_++ - start));
  }
  bool boolean() {
    if (s_.substr(i_, 4) == "True") {
      i_ += 4;
      return true;
    }
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> dims;
    if (peek() != '(') fail("expected '(' starting the shape");
    ++i_;
    for (;;) {
      skip_space();
      if (peek() == ')') {
        ++i_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a dimension");
      uint64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        v = v * 10 + static_cast<uint64_t>(peek() - '0');
        if (v > (uint64_t{1} << 40)) fail("a dimension is implausibly large");
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2's long suffix
      dims.push_back(static_cast<int64_t>(v));
      skip_space();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
  }

  std::string_view s_;
  const std::string& name_;
  size_t i_ = 0;
};

std::optional<Descr> parse_descr(const std::string& d) {
  if (d.size() < 2) return std::nullopt;
  size_t i = 0;
  bool big = false;
  if (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') {
    big = d[0] == '>';
    i = 1;
  }
  const char kind = d[i];
  const std::string size = d.substr(i + 1);
  if (kind == 'f' && size == "4") return Descr{DType::f32, 'f', 4, big};
  if (kind == 'f' && size == "8") return Descr{DType::f64, 'f', 8, big};
  if (kind == 'i' && size == "1") return Descr{DType::i32, 'i', 1, big};
  if (kind == 'i' && size == "2") return Descr{DType::i32, 'i', 2, big};
  if (kind == 'i' && size == "4") return Descr{DType::i32, 'i', 4, big};
  if (kind == 'i' && size == "8") return Descr{DType::i64, 'i', 8, big};
  if (kind == 'u' && size == "1") return Descr{DType::u8, 'u', 1, big};
  if (kind == 'u' && size == "2") return Descr{DType::i32, 'u', 2, big};
  if (kind == 'u' && size == "4") return Descr{DType::i64, 'u', 4, big};
  if (kind == 'b' && size == "1") return Descr{DType::boolean, 'b', 1, big};
  return std::nullopt;
}

uint64_t load_uint(const unsigned char* p, size_t n, bool big) {
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k)
    v |= static_cast<uint64_t>(p[big ? k : n - 1 - k]) << (8 * (n - 1 - k));
  return v;
}

template <class T>
void store(Tensor& t, int64_t i, T v) {
  t.data<T>()[i] = v;
}

void decode_elements(const unsigned char* src, const Descr& d, Tensor& out) {
  const int64_t n = out.num_elements();
  const bool swap = d.big_endian && d.file_size > 1;
  if (!swap && size_of(d.dtype) == d.file_size && d.kind != 'b') {
    std::memcpy(out.raw_data(), src, out.num_bytes());
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const unsigned char* p = src + static_cast<size_t>(i) * d.file_size;
    const uint64_t bits = load_uint(p, d.file_size, d.big_endian);
    switch (d.dtype) {
      case DType::f32: {
        const auto b = static_cast<uint32_t>(bits);
        float f;
        std::memcpy(&f, &b, 4);
        store(out, i, f);
        break;
      }
      case DType::f64: {
        double f;
        std::memcpy(&f, &bits, 8);
        store(out, i, f);
        break;
      }
      case DType::i32: {
        int64_t v = static_cast<int64_t>(bits);
        if (d.kind == 'i' && d.file_size < 8) {
          const int shift = 64 - 8 * static_cast<int>(d.file_size);
          v = static_cast<int64_t>(bits << shift) >> shift;  // sign-extend
        }
        store(out, i, static_cast<int32_t>(v));
        break;
      }
      case DType::i64:
        store(out, i, static_cast<int64_t>(bits));
        break;
      case DType::u8:
        store(out, i, static_cast<uint8_t>(bits));
        break;
      case DType::boolean:
        store(out, i, bits != 0);
        break;
    }
  }
}

std::string descr_of(DType t) {
  switch (t) {
    case DType::f32:
      return "<f4";
    case DType::f64:
      return "<f8";
    case DType::i32:
      return "<i4";
    case DType::i64:
      return "<i8";
    case DType::u8:
      return "|u1";
    case DType::boolean:
      return "|b1";
  }
  DL_ASSERT(false);
}

}  // namespace

Tensor parse_npy(std::string_view bytes, const std::string& name) {
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < kMagicLen + 4 || std::memcmp(bytes.data(), kMagic, kMagicLen) != 0) {
    throw DataLoss(str_cat("NPY file '", name,
                           "' does not start with the NPY magic \\x93NUMPY (is it a .npy file?)"));
  }
  const int major = u[6];
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = u[8] | (static_cast<size_t>(u[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      throw DataLoss(str_cat("NPY file '", name, "' is truncated in its header"));
    header_len = static_cast<size_t>(load_uint(u + 8, 4, false));
    offset = 12;
  } else {
    throw DataLoss(str_cat("NPY file '", name, "' has an unsupported format version ", major, ".",
                           static_cast<int>(u[7]), " (expected 1.0, 2.0 or 3.0)"));
  }
  if (header_len > bytes.size() - offset) {
    throw DataLoss(str_cat("NPY file '", name, "' is truncated: its header needs ", header_len,
                           " bytes, the file has ", bytes.size() - offset, " after the prefix"));
  }
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> dims;
  HeaderParser(bytes.substr(offset, header_len), name).parse(&descr, &fortran, &dims);
  if (fortran) {
    throw Unimplemented(str_cat("NPY file '", name,
                                "' holds a Fortran-order (column-major) array; dl reads C-order "
                                "arrays only: save it with np.save(f, np.ascontiguousarray(a))"));
  }
  const std::optional<Descr> d = parse_descr(descr);
  if (!d) {
    throw Unimplemented(str_cat("NPY file '", name, "' has dtype '", descr,
                                "', which dl does not read (supported: float32, float64, int8, "
                                "int16, int32, int64, uint8, uint16, uint32, bool)"));
  }
  uint64_t count = 1;
  bool overflow = false;
  for (int64_t v : dims)
    overflow = overflow || __builtin_mul_overflow(count, static_cast<uint64_t>(v), &count);
  uint64_t data_bytes = 0;
  overflow = overflow || __builtin_mul_overflow(count, d->file_size, &data_bytes);
  const Shape shape(dims);
  if (overflow || data_bytes > kMaxBytes) {
    throw DataLoss(str_cat("NPY file '", name, "' has implausible shape ", shape.to_string()));
  }
  const size_t data_offset = offset + header_len;
  const size_t available = bytes.size() - data_offset;
  if (available != data_bytes) {
    throw DataLoss(str_cat("NPY file '", name, "' ",
                           available < data_bytes ? "is truncated" : "has trailing bytes",
                           ": shape ", shape.to_string(), " of '", descr, "' needs ", data_bytes,
                           " data bytes, the file has ", available));
  }
  Tensor out(d->dtype, shape);
  decode_elements(u + data_offset, *d, out);
  return out;
}

Tensor read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::string serialize_npy(const Tensor& t) {
  DL_CHECK(t.valid(), "serialize_npy: the tensor is empty");
  std::string shape = "(";
  const auto& dims = t.shape().dims();
  for (size_t i = 0; i < dims.size(); ++i) shape += (i ? ", " : "") + std::to_string(dims[i]);
  if (dims.size() == 1) shape += ",";
  shape += ")";
  // np.save's exact header: sorted keys, repr() values, spare room for dimension 0 to grow.
  std::string header = str_cat("{'descr': '", descr_of(t.dtype()),
                               "', 'fortran_order': False, 'shape': ", shape, ", }");
  if (!dims.empty()) header.append(21 - std::to_string(dims[0]).size(), ' ');
  size_t prefix = kMagicLen + 2 + 2;
  int major = 1;
  size_t hlen = header.size() + 1;
  size_t pad = 64 - (prefix + hlen) % 64;
  if (hlen + pad > 65535) {
    major = 2;
    prefix = kMagicLen + 2 + 4;
    pad = 64 - (prefix + hlen) % 64;
  }
  const size_t total_header = hlen + pad;
  std::string out(kMagic, kMagicLen);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (size_t k = 0; k < (major == 1 ? 2u : 4u); ++k) {
    out.push_back(static_cast<char>((total_header >> (8 * k)) & 0xFF));
  }
  out += header;
  out.append(pad, ' ');
  out.push_back('\n');
  out.append(static_cast<const char*>(t.raw_data()), t.num_bytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  write_file_atomically(path, serialize_npy(t));
}

}  // namespace dl::io
