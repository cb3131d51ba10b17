#include "dl/core/io/csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "dl/core/dtype_visit.h"
#include "dl/core/io/file_util.h"

namespace dl::io {
namespace {

struct Record {
  std::vector<std::string> fields;
  int64_t line = 0;  // 1-based line where the record starts
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& name, char delim)
      : s_(text), name_(name), delim_(delim) {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  // The next non-empty record, or false at the end.
  bool next(Record* r) {
    for (;;) {
      if (pos_ >= s_.size()) return false;
      r->fields.clear();
      r->line = line_;
      if (at_line_end()) {  // an empty line
        skip_line_end();
        continue;
      }
      for (;;) {
        r->fields.push_back(field(r->line));
        if (pos_ >= s_.size()) return true;
        if (s_[pos_] == delim_) {
          ++pos_;
          if (pos_ >= s_.size() || at_line_end()) {  // a trailing delimiter: one empty field
            r->fields.emplace_back();
            skip_line_end();
            return true;
          }
          continue;
        }
        skip_line_end();
        return true;
      }
    }
  }

 private:
  bool at_line_end() const {
    return s_[pos_] == '\n' ||
           (s_[pos_] == '\r' && (pos_ + 1 == s_.size() || s_[pos_ + 1] == '\n'));
  }
  void skip_line_end() {
    if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
    ++line_;
  }
  std::string field(int64_t record_line) {
    std::string out;
    if (pos_ < s_.size() && s_[pos_] == '"') {
      const int64_t start_line = line_;
      ++pos_;
      for (;;) {
        if (pos_ >= s_.size()) {
          throw DataLoss(str_cat("CSV file '", name_, "', line ", start_line,
                                 ": a quoted field is not closed before the end of the file"));
        }
        const char c = s_[pos_++];
        if (c == '"') {
          if (pos_ < s_.size() && s_[pos_] == '"') {
            out.push_back('"');
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        out.push_back(c);
      }
      if (pos_ < s_.size() && s_[pos_] != delim_ && !at_line_end()) {
        throw DataLoss(str_cat("CSV file '", name_, "', line ", line_, " (record starting on line ",
                               record_line, "): unexpected character '", s_[pos_],
                               "' after a closing quote (expected the delimiter or a line end)"));
      }
      return out;
    }
    while (pos_ < s_.size() && s_[pos_] != delim_ && !at_line_end()) out.push_back(s_[pos_++]);
    return out;
  }

  std::string_view s_;
  const std::string& name_;
  char delim_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int64_t* v) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double* v) {
  s = trim(s);
  if (s.empty()) {
    *v = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool needs_quotes(const std::string& s, char delim) {
  if (s.empty()) return false;
  if (s.front() == ' ' || s.back() == ' ') return true;
  for (char c : s) {
    if (c == delim || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

std::string quoted(const std::string& s, char delim) {
  if (!needs_quotes(s, delim)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

const CsvColumn& CsvTable::column(std::string_view name) const {
  for (const CsvColumn& c : columns) {
    if (c.name == name) return c;
  }
  std::string have;
  for (const CsvColumn& c : columns) have += (have.empty() ? "" : ", ") + c.name;
  throw NotFound(
      str_cat("CSV file '", source, "' has no column '", name, "' (columns: ", have, ")"));
}

Tensor CsvTable::to_tensor(const std::vector<std::string>& names, DType dtype) const {
  Tensor out(dtype, Shape({num_rows, static_cast<int64_t>(names.size())}));
  for (size_t j = 0; j < names.size(); ++j) {
    const CsvColumn& c = column(names[j]);
    DL_CHECK(c.is_numeric(), "CSV file '", source, "': column '", c.name,
             "' is not numeric (its first field is '", c.strings.empty() ? "" : c.strings[0], "')");
    const Tensor v = c.values.cast(dtype);
    visit_dtype(dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* src = v.data<T>();
      T* dst = out.data<T>();
      for (int64_t i = 0; i < num_rows; ++i)
        dst[i * static_cast<int64_t>(names.size()) + static_cast<int64_t>(j)] = src[i];
    });
  }
  return out;
}

CsvTable parse_csv(std::string_view text, const std::string& name, const CsvOptions& options) {
  Reader reader(text, name, options.delimiter);
  CsvTable table;
  table.source = name;
  Record r;
  std::vector<std::string> names;
  std::vector<Record> rows;
  if (options.header) {
    if (!reader.next(&r))
      throw DataLoss(str_cat("CSV file '", name, "' is empty: expected a header row"));
    names = r.fields;
  }
  while (reader.next(&r)) {
    if (names.empty() && !options.header) {
      for (size_t i = 0; i < r.fields.size(); ++i) names.push_back(std::to_string(i));
    }
    if (r.fields.size() != names.size()) {
      throw DataLoss(str_cat("CSV file '", name, "', line ", r.line, " (data row ", rows.size() + 1,
                             "): expected ", names.size(), " fields",
                             options.header ? " as in the header" : " as in the first row",
                             ", received ", r.fields.size()));
    }
    rows.push_back(std::move(r));
    r = Record();
  }
  const auto n = static_cast<int64_t>(rows.size());
  table.num_rows = n;
  for (size_t j = 0; j < names.size(); ++j) {
    CsvColumn col;
    col.name = names[j];
    bool all_int = true, all_num = true;
    std::vector<int64_t> ints(static_cast<size_t>(n));
    std::vector<double> reals(static_cast<size_t>(n));
    for (int64_t i = 0; i < n && all_num; ++i) {
      const std::string& f = rows[static_cast<size_t>(i)].fields[j];
      if (all_int && !parse_int(f, &ints[static_cast<size_t>(i)])) all_int = false;
      if (!parse_double(f, &reals[static_cast<size_t>(i)])) all_num = false;
    }
    if (all_num && n > 0) {
      Tensor v = all_int ? Tensor::from_vector<int64_t>(Shape({n}), ints)
                         : Tensor::from_vector<double>(Shape({n}), reals);
      col.values = options.dtype ? v.cast(*options.dtype) : v;
    } else {
      col.strings.reserve(static_cast<size_t>(n));
      for (const Record& row : rows) col.strings.push_back(row.fields[j]);
    }
    table.columns.push_back(std::move(col));
  }
  return table;
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  return parse_csv(read_file(path), path, options);
}

void write_csv(const std::string& path, const CsvTable& table, char delimiter) {
  for (const CsvColumn& c : table.columns) {
    const int64_t len =
        c.is_numeric() ? c.values.num_elements() : static_cast<int64_t>(c.strings.size());
    DL_CHECK(len == table.num_rows, "write_csv: column '", c.name, "' has ", len,
             " values but the table has ", table.num_rows, " rows ('", path, "')");
  }
  std::string out;
  for (size_t j = 0; j < table.columns.size(); ++j) {
    if (j) out.push_back(delimiter);
    out += quoted(table.columns[j].name, delimiter);
  }
  out.push_back('\n');
  char buf[64];
  for (int64_t i = 0; i < table.num_rows; ++i) {
    for (size_t j = 0; j < table.columns.size(); ++j) {
      if (j) out.push_back(delimiter);
      const CsvColumn& c = table.columns[j];
      if (!c.is_numeric()) {
        out += quoted(c.strings[static_cast<size_t>(i)], delimiter);
        continue;
      }
      switch (c.values.dtype()) {
        case DType::f32: {
          const float v = c.values.data<float>()[i];
          if (!std::isnan(v))
            std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v)), out += buf;
          break;
        }
        case DType::f64: {
          const double v = c.values.data<double>()[i];
          if (!std::isnan(v)) std::snprintf(buf, sizeof buf, "%.17g", v), out += buf;
          break;
        }
        case DType::i64:
          std::snprintf(buf, sizeof buf, "%lld",
                        static_cast<long long>(c.values.data<int64_t>()[i]));
          out += buf;
          break;
        default:
          std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(c.values.value_at(i)));
          out += buf;
      }
    }
    out.push_back('\n');
  }
  write_file_atomically(path, out);
}

}  // namespace dl::io
