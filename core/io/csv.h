#pragma once
/// CSV files with a header row (RFC 4180 quoting: "a, b" and "say ""hi""" are one field;
/// quoted fields may span lines). Columns whose every field is a number become tensors, the
/// others stay strings: the shape of a pandas.read_csv result, without pandas.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dl/core/tensor.h"

namespace dl::io {

struct CsvOptions {
  char delimiter = ',';
  /// The first row names the columns; without it the columns are named "0", "1", ...
  bool header = true;
  /// dtype of the numeric columns; nullopt infers int64 when every field of a column is an
  /// integer and float64 otherwise. Empty fields of a numeric column read as NaN (which makes
  /// an integer column float64, as pandas does).
  std::optional<DType> dtype;
};

struct CsvColumn {
  std::string name;
  Tensor values;                     ///< a numeric column: [rows]
  std::vector<std::string> strings;  ///< any other column: the fields, unquoted
  bool is_numeric() const { return values.valid(); }
};

struct CsvTable {
  std::string source;  ///< the file name, for messages
  int64_t num_rows = 0;
  std::vector<CsvColumn> columns;

  /// Throws: NotFound naming the file, the column and the columns it has.
  const CsvColumn& column(std::string_view name) const;
  /// The named numeric columns side by side as a [rows, names.size()] tensor of `dtype`
  /// (the feature matrix of a model). Throws: NotFound for an unknown name; InvalidArgument
  /// naming a column that is not numeric.
  Tensor to_tensor(const std::vector<std::string>& names, DType dtype = DType::f32) const;
};

/// Parses CSV text (`name` is used in messages). Line ends may be \n or \r\n; a UTF-8 byte
/// order mark and empty lines are skipped.
/// Throws: DataLoss naming the file and the line (1-based, counting the header) and data row
/// for a row whose field count differs from the header's (both counts given), a quote left
/// open at the end of the file, or text after a closing quote.
CsvTable parse_csv(std::string_view text, const std::string& name = "<memory>",
                   const CsvOptions& options = {});

/// Reads a CSV file. Throws: NotFound naming a missing file; as parse_csv.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

/// Writes a table with a header row, atomically. Numbers are written so that they read back
/// exactly (9 significant digits for float32, 17 for float64); fields holding the delimiter,
/// a quote, a line break or outer spaces are quoted.
/// Throws: InvalidArgument when a column's length differs from num_rows (naming it).
void write_csv(const std::string& path, const CsvTable& table, char delimiter = ',');

}  // namespace dl::io
