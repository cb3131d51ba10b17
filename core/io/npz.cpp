#include "dl/core/io/npz.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "dl/core/io/file_util.h"
#include "dl/core/io/npy.h"

namespace dl::io {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;

// Bounds-checked little-endian reads over the archive; every offset comes from the file, so
// every read is checked.
class Bytes {
 public:
  Bytes(std::string_view b, const std::string& name) : b_(b), name_(name) {}
  size_t size() const { return b_.size(); }
  uint64_t u(uint64_t pos, size_t n, const char* what) const {
    if (pos > b_.size() || n > b_.size() - pos) {
      throw DataLoss(str_cat("NPZ file '", name_, "' is truncated or corrupt: the ", what,
                             " at byte ", pos, " lies outside the file (", b_.size(), " bytes)"));
    }
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(b_[pos + k])) << (8 * k);
    return v;
  }
  std::string_view view(uint64_t pos, uint64_t n, const char* what) const {
    if (pos > b_.size() || n > b_.size() - pos) {
      throw DataLoss(str_cat("NPZ file '", name_, "' is truncated or corrupt: the ", what, " (", n,
                             " bytes at byte ", pos, ") lies outside the file (", b_.size(),
                             " bytes)"));
    }
    return b_.substr(pos, n);
  }

 private:
  std::string_view b_;
  const std::string& name_;
};

struct Entry {
  std::string name;
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t csize = 0, usize = 0, offset = 0;
};

std::string inflate_member(std::string_view in, uint64_t usize, const std::string& archive,
                           const std::string& member) {
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw DataLoss("NPZ: zlib inflateInit2 failed");
  const auto fail = [&](const std::string& what) {
    inflateEnd(&zs);
    throw DataLoss(str_cat("NPZ file '", archive, "': member '", member, "' ", what));
  };
  // The output grows as data arrives (the declared size is never trusted for the allocation)
  // and may not exceed the declared size.
  std::string out;
  size_t produced = 0, in_pos = 0;
  for (;;) {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      const size_t n = std::min<size_t>(in.size() - in_pos, 1u << 30);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    if (produced == out.size()) {
      if (produced > usize)
        fail(str_cat("inflates to more than the ", usize, " bytes the directory declares"));
      out.resize(static_cast<size_t>(
          std::min<uint64_t>(std::max<size_t>(out.size() * 2, 4096), usize + 1)));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
    const uInt before = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR) {
      if (zs.avail_in == 0 && in_pos >= in.size()) fail("has truncated deflate data");
      continue;
    }
    if (rc != Z_OK) fail(str_cat("has corrupt deflate data: ", zs.msg ? zs.msg : "zlib error"));
  }
  inflateEnd(&zs);
  if (produced != usize) {
    throw DataLoss(str_cat("NPZ file '", archive, "': member '", member, "' inflates to ", produced,
                           " bytes, the directory declares ", usize));
  }
  out.resize(produced);
  return out;
}

void zip64_extra(std::string_view extra, Entry* e) {
  size_t p = 0;
  while (p + 4 <= extra.size()) {
    const auto get = [&](size_t at, size_t n) {
      uint64_t v = 0;
      for (size_t k = 0; k < n; ++k)
        v |= static_cast<uint64_t>(static_cast<unsigned char>(extra[at + k])) << (8 * k);
      return v;
    };
    const uint64_t id = get(p, 2), len = get(p + 2, 2);
    if (p + 4 + len > extra.size()) return;
    if (id == 0x0001) {
      size_t q = p + 4;
      const size_t end = q + len;
      if (e->usize == 0xFFFFFFFFu && q + 8 <= end) e->usize = get(q, 8), q += 8;
      if (e->csize == 0xFFFFFFFFu && q + 8 <= end) e->csize = get(q, 8), q += 8;
      if (e->offset == 0xFFFFFFFFu && q + 8 <= end) e->offset = get(q, 8), q += 8;
    }
    p += 4 + len;
  }
}

void put(std::string& s, uint64_t v, int n) {
  for (int k = 0; k < n; ++k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

}  // namespace

bool Npz::contains(std::string_view n) const {
  return std::any_of(arrays.begin(), arrays.end(), [&](const auto& a) { return a.first == n; });
}

const Tensor& Npz::at(std::string_view n) const {
  for (const auto& a : arrays) {
    if (a.first == n) return a.second;
  }
  std::string have;
  for (const auto& a : arrays) have += (have.empty() ? "" : ", ") + a.first;
  throw NotFound(str_cat("NPZ file '", source, "' has no array '", n, "' (it holds: ", have, ")"));
}

std::vector<std::string> Npz::names() const {
  std::vector<std::string> out;
  for (const auto& a : arrays) out.push_back(a.first);
  return out;
}

Npz parse_npz(std::string_view bytes, const std::string& name) {
  Bytes b(bytes, name);
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  if (b.size() < 22) {
    throw DataLoss(
        str_cat("NPZ file '", name, "' is too short to be a ZIP archive (", b.size(), " bytes)"));
  }
  int64_t eocd = -1;
  const int64_t lowest = std::max<int64_t>(0, static_cast<int64_t>(b.size()) - 22 - 65535);
  for (int64_t p = static_cast<int64_t>(b.size()) - 22; p >= lowest; --p) {
    if (b.u(static_cast<uint64_t>(p), 4, "end record") == kEndSig) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) {
    throw DataLoss(
        str_cat("NPZ file '", name,
                "' has no ZIP end-of-central-directory record (not a ZIP archive, or truncated)"));
  }
  const auto e = static_cast<uint64_t>(eocd);
  uint64_t count = b.u(e + 10, 2, "entry count");
  uint64_t cd_offset = b.u(e + 16, 4, "directory offset");
  if (count == 0xFFFF || cd_offset == 0xFFFFFFFFu) {
    if (e >= 20 && b.u(e - 20, 4, "ZIP64 locator") == kZip64LocatorSig) {
      const uint64_t z = b.u(e - 20 + 8, 8, "ZIP64 end record offset");
      if (b.u(z, 4, "ZIP64 end record") != kZip64EndSig) {
        throw DataLoss(str_cat("NPZ file '", name, "' has a corrupt ZIP64 end record"));
      }
      count = b.u(z + 32, 8, "ZIP64 entry count");
      cd_offset = b.u(z + 48, 8, "ZIP64 directory offset");
    }
  }
  if (count > b.size() / 46) {
    throw DataLoss(str_cat("NPZ file '", name, "' claims ", count, " entries, more than its ",
                           b.size(), " bytes can hold"));
  }
  std::vector<Entry> entries;
  uint64_t p = cd_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (b.u(p, 4, "central directory entry") != kCentralSig) {
      throw DataLoss(str_cat("NPZ file '", name, "': central directory entry ", i, " at byte ", p,
                             " has a bad signature"));
    }
    Entry en;
    en.flags = static_cast<uint16_t>(b.u(p + 8, 2, "flags"));
    en.method = static_cast<uint16_t>(b.u(p + 10, 2, "method"));
    en.crc = static_cast<uint32_t>(b.u(p + 16, 4, "CRC"));
    en.csize = b.u(p + 20, 4, "compressed size");
    en.usize = b.u(p + 24, 4, "size");
    const uint64_t nlen = b.u(p + 28, 2, "name length");
    const uint64_t elen = b.u(p + 30, 2, "extra length");
    const uint64_t clen = b.u(p + 32, 2, "comment length");
    en.offset = b.u(p + 42, 4, "local header offset");
    en.name = std::string(b.view(p + 46, nlen, "member name"));
    zip64_extra(b.view(p + 46 + nlen, elen, "extra field"), &en);
    entries.push_back(std::move(en));
    p += 46 + nlen + elen + clen;
  }

  Npz out;
  out.source = name;
  std::set<std::string> seen;
  for (const Entry& en : entries) {
    if (en.name.size() < 4 || en.name.compare(en.name.size() - 4, 4, ".npy") != 0) continue;
    const std::string key = en.name.substr(0, en.name.size() - 4);
    if (en.flags & 1) {
      throw Unimplemented(str_cat("NPZ file '", name, "': member '", en.name, "' is encrypted"));
    }
    if (en.method != 0 && en.method != 8) {
      throw Unimplemented(str_cat("NPZ file '", name, "': member '", en.name,
                                  "' uses ZIP compression method ", en.method,
                                  " (dl reads stored (0) and deflate (8))"));
    }
    if (b.u(en.offset, 4, "local header") != kLocalSig) {
      throw DataLoss(str_cat("NPZ file '", name, "': member '", en.name,
                             "' has a bad local header signature"));
    }
    const uint64_t data = en.offset + 30 + b.u(en.offset + 26, 2, "name length") +
                          b.u(en.offset + 28, 2, "extra length");
    const std::string_view raw = b.view(data, en.csize, "member data");
    std::string inflated;
    std::string_view member = raw;
    if (en.method == 8) {
      inflated = inflate_member(raw, en.usize, name, en.name);
      member = inflated;
    } else if (en.csize != en.usize) {
      throw DataLoss(str_cat("NPZ file '", name, "': stored member '", en.name, "' has size ",
                             en.csize, " but the directory says ", en.usize));
    }
    const uLong crc = crc32_z(0L, reinterpret_cast<const Bytef*>(member.data()), member.size());
    if (static_cast<uint32_t>(crc) != en.crc) {
      throw DataLoss(str_cat("NPZ file '", name, "': member '", en.name,
                             "' fails its CRC check (corrupt data)"));
    }
    if (!seen.insert(key).second) {
      throw DataLoss(str_cat("NPZ file '", name, "' holds '", en.name, "' twice"));
    }
    out.arrays.emplace_back(key, parse_npy(member, name + ":" + en.name));
  }
  return out;
}

Npz read_npz(const std::string& path) { return parse_npz(read_file(path), path); }

void write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays) {
  std::set<std::string> names;
  std::string body, directory;
  uint64_t count = 0;
  for (const auto& [key, t] : arrays) {
    DL_CHECK(!key.empty(), "write_npz: an array name is empty ('", path, "')");
    DL_CHECK(names.insert(key).second, "write_npz: the name '", key, "' is given twice ('", path,
             "')");
    const std::string member = key + ".npy";
    const std::string npy = serialize_npy(t);
    DL_CHECK(npy.size() < 0xFFFFFFFFull && body.size() < 0xFFFFFFFFull, "write_npz: array '", key,
             "' (", npy.size(), " bytes) does not fit a ZIP archive without ZIP64 ('", path, "')");
    const uint32_t crc =
        static_cast<uint32_t>(crc32_z(0L, reinterpret_cast<const Bytef*>(npy.data()), npy.size()));
    const uint64_t offset = body.size();
    // Local header: version 2.0, no flags, stored, 1980-01-01 00:00 (reproducible bytes).
    put(body, kLocalSig, 4);
    put(body, 20, 2);
    put(body, 0, 2);
    put(body, 0, 2);
    put(body, 0, 2);
    put(body, 0x21, 2);
    put(body, crc, 4);
    put(body, npy.size(), 4);
    put(body, npy.size(), 4);
    put(body, member.size(), 2);
    put(body, 0, 2);
    body += member;
    body += npy;
    put(directory, kCentralSig, 4);
    put(directory, 20, 2);
    put(directory, 20, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0x21, 2);
    put(directory, crc, 4);
    put(directory, npy.size(), 4);
    put(directory, npy.size(), 4);
    put(directory, member.size(), 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0x81A4ull << 16, 4);  // -rw-r--r--
    put(directory, offset, 4);
    directory += member;
    ++count;
  }
  DL_CHECK(count < 0xFFFF && body.size() < 0xFFFFFFFFull, "write_npz: '", path,
           "' would need ZIP64 (too many or too large arrays)");
  std::string end;
  put(end, kEndSig, 4);
  put(end, 0, 2);
  put(end, 0, 2);
  put(end, count, 2);
  put(end, count, 2);
  put(end, directory.size(), 4);
  put(end, body.size(), 4);
  put(end, 0, 2);
  AtomicFileWriter w(path);
  w.write(body);
  w.write(directory);
  w.write(end);
  w.commit();
}

}  // namespace dl::io
