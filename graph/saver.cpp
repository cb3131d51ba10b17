// The byte layout written and read here is specified in docs/checkpoint_format.md; keep both
// in step.
#include "dl/graph/saver.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <set>

#include "dl/core/io/file_util.h"
#include "dl/core/io/text_escape.h"

namespace dl::train {
namespace {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "checkpoints store tensors little-endian, as the host does");

constexpr char kMagic[8] = {'\x89', 'D', 'L', 'C', 'K', 'P', 'T', '\n'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 32;
constexpr size_t kFooterBytes = 4;
constexpr uint32_t kMaxRank = 64;
const char* const kStateFile = "checkpoint";

// TF's DataType enum values, so that the codes mean something outside dl too.
uint32_t dtype_code(DType t) {
  switch (t) {
    case DType::f32:
      return 1;
    case DType::f64:
      return 2;
    case DType::i32:
      return 3;
    case DType::u8:
      return 4;
    case DType::i64:
      return 9;
    case DType::boolean:
      return 10;
  }
  throw InternalError("dtype_code: invalid dtype");
}

bool dtype_from_code(uint32_t code, DType* t) {
  switch (code) {
    case 1:
      *t = DType::f32;
      return true;
    case 2:
      *t = DType::f64;
      return true;
    case 3:
      *t = DType::i32;
      return true;
    case 4:
      *t = DType::u8;
      return true;
    case 9:
      *t = DType::i64;
      return true;
    case 10:
      *t = DType::boolean;
      return true;
    default:
      return false;
  }
}

uint32_t crc32_of(const void* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {  // zlib takes uInt lengths
    const auto chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

// Bounds-checked little-endian reads from the file's bytes.
class Cursor {
 public:
  Cursor(const std::string& data, size_t begin, size_t end) : d_(data), pos_(begin), end_(end) {}
  template <class T>
  bool get(T* v) {
    if (end_ - pos_ < sizeof(T)) return false;
    std::memcpy(v, d_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool get_string(size_t n, std::string* s) {
    if (end_ - pos_ < n) return false;
    s->assign(d_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return end_ - pos_; }

 private:
  const std::string& d_;
  size_t pos_, end_;
};

std::string checkpoint_dir_of(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// ---- checkpoint state file (TF's CheckpointState in protobuf text format) ----

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

void write_checkpoint_state(const std::string& dir, const CheckpointState& st) {
  std::string text =
      "# dl checkpoint state: the newest checkpoint and the kept ones, oldest first\n"
      "# (docs/checkpoint_format.md)\n";
  text += "model_checkpoint_path: " + io::quote(st.model_checkpoint_path) + "\n";
  for (const std::string& p : st.all_model_checkpoint_paths) {
    text += "all_model_checkpoint_paths: " + io::quote(p) + "\n";
  }
  io::write_file_atomically((fs::path(dir) / kStateFile).string(), text);
}

// The name recorded in the state file: relative to its directory when inside it.
std::string state_entry(const std::string& checkpoint_path) {
  return fs::path(checkpoint_path).filename().string();
}

// ---- writing and reading checkpoint files ----

[[noreturn]] void data_loss(const std::string& path, const std::string& what) {
  throw DataLoss(str_cat("checkpoint '", path, "': ", what));
}

void write_checkpoint(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& values) {
  std::string table;
  uint64_t offset = 0;
  std::vector<uint32_t> crcs;
  for (const auto& [name, t] : values) crcs.push_back(crc32_of(t.raw_data(), t.num_bytes()));
  // Offsets are absolute, so the table is built twice: once to learn its size.
  for (int pass = 0; pass < 2; ++pass) {
    const uint64_t data_start = kHeaderBytes + table.size();
    table.clear();
    offset = data_start;
    for (size_t i = 0; i < values.size(); ++i) {
      const auto& [name, t] = values[i];
      put<uint32_t>(table, static_cast<uint32_t>(name.size()));
      table += name;
      put<uint32_t>(table, dtype_code(t.dtype()));
      put<uint32_t>(table, static_cast<uint32_t>(t.shape().rank()));
      for (int64_t d : t.shape().dims()) put<int64_t>(table, d);
      put<uint64_t>(table, offset);
      put<uint64_t>(table, t.num_bytes());
      put<uint32_t>(table, crcs[i]);
      offset += t.num_bytes();
    }
  }
  const uint64_t file_size = offset + kFooterBytes;
  std::string head(kMagic, sizeof(kMagic));
  put<uint32_t>(head, kVersion);
  put<uint32_t>(head, static_cast<uint32_t>(values.size()));
  put<uint64_t>(head, table.size());
  put<uint64_t>(head, file_size);
  DL_ASSERT(head.size() == kHeaderBytes);
  head += table;
  const uint32_t crc = crc32_of(head.data(), head.size());

  io::AtomicFileWriter out(path);
  out.write(head);
  for (const auto& [name, t] : values) out.write(t.raw_data(), t.num_bytes());
  std::string footer;
  put<uint32_t>(footer, crc);
  out.write(footer);
  DL_ASSERT(out.size() == file_size);
  out.commit();
}

}  // namespace

std::vector<CheckpointEntry> read_checkpoint(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw NotFound(str_cat("checkpoint '", path, "' does not exist"));
  const std::string d = io::read_file(path);
  const size_t size = d.size();

  // Header.
  if (std::memcmp(d.data(), kMagic, std::min(size, sizeof(kMagic))) != 0) {
    data_loss(path, "bad magic: not a dl checkpoint file");
  }
  if (size < kHeaderBytes) {
    data_loss(path, str_cat("truncated at byte ", size, ": the header alone needs ", kHeaderBytes,
                            " bytes"));
  }
  Cursor head(d, sizeof(kMagic), kHeaderBytes);
  uint32_t version = 0, num_entries = 0;
  uint64_t table_bytes = 0, file_size = 0;
  head.get(&version);
  head.get(&num_entries);
  head.get(&table_bytes);
  head.get(&file_size);
  if (version != kVersion) {
    data_loss(path, str_cat("unsupported format version ", version, " (this build reads version ",
                            kVersion, ")"));
  }
  if (size < file_size) {
    data_loss(path,
              str_cat("truncated at byte ", size, ": its header records ", file_size, " bytes"));
  }
  if (size > file_size) {
    data_loss(path,
              str_cat(size - file_size, " unexpected bytes after its end at byte ", file_size));
  }
  if (file_size < kHeaderBytes + kFooterBytes ||
      table_bytes > file_size - kHeaderBytes - kFooterBytes) {
    data_loss(path,
              str_cat("the table size ", table_bytes, " does not fit in ", file_size, " bytes"));
  }
  const size_t table_end = kHeaderBytes + static_cast<size_t>(table_bytes);
  uint32_t stored_crc = 0;
  std::memcpy(&stored_crc, d.data() + size - kFooterBytes, kFooterBytes);
  if (crc32_of(d.data(), table_end) != stored_crc) {
    data_loss(path, "CRC mismatch in the header and variable table");
  }

  // Table.
  struct Raw {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t offset, bytes;
    uint32_t crc;
  };
  std::vector<Raw> raws;
  std::set<std::string> names;
  Cursor tc(d, kHeaderBytes, table_end);
  uint64_t expected_offset = table_end;
  const uint64_t data_end = file_size - kFooterBytes;
  for (uint32_t i = 0; i < num_entries; ++i) {
    const std::string which = str_cat("table entry ", i);
    Raw r;
    uint32_t name_len = 0, code = 0, rank = 0;
    if (!tc.get(&name_len) || !tc.get_string(name_len, &r.name) || !tc.get(&code) ||
        !tc.get(&rank)) {
      data_loss(path, which + " is truncated");
    }
    if (!dtype_from_code(code, &r.dtype)) {
      data_loss(path, str_cat("variable '", r.name, "' has an unknown dtype code ", code));
    }
    if (rank > kMaxRank) data_loss(path, str_cat("variable '", r.name, "' has rank ", rank));
    std::vector<int64_t> dims(rank);
    uint64_t count = 1;
    bool bad = false;
    for (auto& dim : dims) {
      if (!tc.get(&dim)) data_loss(path, which + " is truncated");
      bad = bad || dim < 0 || __builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count);
    }
    r.shape = Shape(dims);
    uint64_t want_bytes = 0;
    bad = bad || __builtin_mul_overflow(count, size_of(r.dtype), &want_bytes);
    if (bad) data_loss(path, str_cat("variable '", r.name, "' has an invalid shape"));
    if (!tc.get(&r.offset) || !tc.get(&r.bytes) || !tc.get(&r.crc)) {
      data_loss(path, which + " is truncated");
    }
    if (r.bytes != want_bytes) {
      data_loss(path, str_cat("variable '", r.name, "' records ", r.bytes, " bytes for ",
                              name(r.dtype), r.shape.to_string(), ", expected ", want_bytes));
    }
    if (r.offset != expected_offset || r.bytes > data_end - r.offset) {
      data_loss(path,
                str_cat("variable '", r.name, "' has its data at bytes [", r.offset, ", +", r.bytes,
                        "), expected it at ", expected_offset, " within ", data_end));
    }
    expected_offset += r.bytes;
    if (!names.insert(r.name).second) {
      data_loss(path, str_cat("variable '", r.name, "' appears twice"));
    }
    raws.push_back(std::move(r));
  }
  if (tc.remaining() != 0) {
    data_loss(path, str_cat(tc.remaining(), " unexpected bytes at the end of the table"));
  }
  if (expected_offset != data_end) {
    data_loss(path, str_cat("the variables' data ends at byte ", expected_offset,
                            " but the footer starts at byte ", data_end));
  }

  // Data.
  std::vector<CheckpointEntry> out;
  out.reserve(raws.size());
  for (Raw& r : raws) {
    const char* src = d.data() + r.offset;
    if (crc32_of(src, r.bytes) != r.crc) {
      data_loss(path, str_cat("CRC mismatch for variable '", r.name, "'"));
    }
    if (r.dtype == DType::boolean) {
      for (uint64_t k = 0; k < r.bytes; ++k) {
        if (static_cast<unsigned char>(src[k]) > 1) {
          data_loss(path, str_cat("variable '", r.name, "' holds a bool that is neither 0 nor 1"));
        }
      }
    }
    Tensor t(r.dtype, r.shape);
    if (r.bytes) std::memcpy(t.raw_data(), src, r.bytes);
    out.push_back({std::move(r.name), std::move(t)});
  }
  return out;
}

// ---- Saver ----

Saver::Saver(const Graph& g, int max_to_keep) : Saver(g, global_variables(g), max_to_keep) {}

Saver::Saver(const Graph& g, const std::vector<Variable>& var_list, int max_to_keep)
    : graph_(&g), max_to_keep_(max_to_keep) {
  for (const Variable& v : var_list) {
    DL_CHECK(&v.op()->graph() == &g, "Saver: variable '", v.name(), "' belongs to another graph");
    vars_.emplace_back(v.name(), v.op());
  }
  std::sort(vars_.begin(), vars_.end());
  for (size_t i = 1; i < vars_.size(); ++i) {
    DL_CHECK(vars_[i].first != vars_[i - 1].first, "Saver: variable '", vars_[i].first,
             "' is listed twice");
  }
}

Saver::Saver(const Graph& g, const std::map<std::string, Variable>& var_list, int max_to_keep)
    : graph_(&g), max_to_keep_(max_to_keep) {
  for (const auto& [name, v] : var_list) {
    DL_CHECK(!name.empty(), "Saver: variable '", v.name(), "' has an empty checkpoint name");
    DL_CHECK(&v.op()->graph() == &g, "Saver: variable '", v.name(), "' belongs to another graph");
    vars_.emplace_back(name, v.op());
  }
}

std::string Saver::save(Session& sess, const std::string& save_path,
                        std::optional<int64_t> global_step) {
  DL_CHECK(&sess.graph() == graph_, "Saver.save: the session runs another graph");
  DL_CHECK(!save_path.empty(), "Saver.save: empty save_path");
  const std::string path = global_step ? str_cat(save_path, "-", *global_step) : save_path;
  std::vector<std::pair<std::string, Tensor>> values;
  for (const auto& [name, var] : vars_) {
    if (!sess.is_initialized(var)) {
      throw FailedPrecondition(
          str_cat("Saver.save('", path, "'): variable '", var->name(), "' is not initialized"));
    }
    values.emplace_back(name, sess.variable_value(var));
  }
  write_checkpoint(path, values);

  std::erase(last_checkpoints_, path);
  last_checkpoints_.push_back(path);
  std::vector<std::string> doomed;
  while (max_to_keep_ > 0 && last_checkpoints_.size() > static_cast<size_t>(max_to_keep_)) {
    doomed.push_back(last_checkpoints_.front());
    last_checkpoints_.erase(last_checkpoints_.begin());
  }
  // The state names only files that exist: written before the old files go.
  CheckpointState st{state_entry(path), {}};
  const std::string dir = checkpoint_dir_of(path);
  for (const std::string& p : last_checkpoints_) {
    if (checkpoint_dir_of(p) == dir) st.all_model_checkpoint_paths.push_back(state_entry(p));
  }
  write_checkpoint_state(dir, st);
  for (const std::string& p : doomed) {
    std::error_code ec;
    fs::remove(p, ec);
  }
  return path;
}

void Saver::restore(Session& sess, const std::string& save_path) const {
  DL_CHECK(&sess.graph() == graph_, "Saver.restore: the session runs another graph");
  std::vector<CheckpointEntry> entries = read_checkpoint(save_path);
  std::map<std::string, const Tensor*> by_name;
  for (const CheckpointEntry& e : entries) by_name[e.name] = &e.value;

  for (const auto& [name, var] : vars_) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      std::string held;
      int n = 0;
      for (const auto& e : entries) {
        if (n++ == 10) {
          held += ", ...";
          break;
        }
        held += (held.empty() ? "" : ", ") + e.name;
      }
      throw NotFound(str_cat("checkpoint '", save_path, "' has no variable '", name, "' (it holds ",
                             entries.size(), ": ", held.empty() ? "none" : held, ")"));
    }
    const TensorSpec& spec = var->output_specs()[0];
    const Tensor& t = *it->second;
    if (t.dtype() != spec.dtype || t.shape() != spec.shape) {
      throw InvalidArgument(str_cat("checkpoint '", save_path, "': variable '", name,
                                    "' is expected as ", spec.to_string(),
                                    " but the checkpoint holds ", t.spec_string()));
    }
  }
  for (const auto& [name, var] : vars_) sess.set_variable_value(var, *by_name.at(name));
}

// ---- checkpoint state ----

std::optional<CheckpointState> get_checkpoint_state(const std::string& checkpoint_dir) {
  const std::string file = (fs::path(checkpoint_dir) / kStateFile).string();
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  const std::string text = io::read_file(file);
  CheckpointState st;
  bool have_model = false;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = std::min(text.find('\n', pos), text.size());
    const std::string line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const auto fail = [&](const std::string& what) {
      throw DataLoss(str_cat("checkpoint state '", file, "' line ", line_no, ": ", what));
    };
    const size_t colon = line.find(':');
    if (colon == std::string::npos) fail("expected 'key: \"value\"', found '" + line + "'");
    const std::string key = trim(line.substr(0, colon));
    std::string value;
    if (!io::unquote(trim(line.substr(colon + 1)), &value)) fail("malformed quoted string");
    if (key == "model_checkpoint_path") {
      if (have_model) fail("model_checkpoint_path appears twice");
      have_model = true;
      st.model_checkpoint_path = value;
    } else if (key == "all_model_checkpoint_paths") {
      st.all_model_checkpoint_paths.push_back(value);
    } else {
      fail("unknown key '" + key + "'");
    }
  }
  if (!have_model) {
    throw DataLoss(str_cat("checkpoint state '", file, "' has no model_checkpoint_path"));
  }
  return st;
}

std::optional<std::string> latest_checkpoint(const std::string& checkpoint_dir) {
  const std::optional<CheckpointState> st = get_checkpoint_state(checkpoint_dir);
  if (!st) return std::nullopt;
  const fs::path p(st->model_checkpoint_path);
  const std::string full = p.is_absolute() ? p.string() : (fs::path(checkpoint_dir) / p).string();
  std::error_code ec;
  if (!fs::exists(full, ec)) return std::nullopt;
  return full;
}

}  // namespace dl::train
