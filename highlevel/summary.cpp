// model.summary(): Keras 3's table (keras/src/utils/summary_utils.py rendered by rich, captured
// without colours) and Keras 2.2.4's plain layout (keras/utils/layer_utils.py print_summary).
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "dl/highlevel/internal/training_state.h"
#include "dl/highlevel/model.h"

namespace dl::keras {
namespace {

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string readable_memory_size(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  char buf[64];
  for (const char* u : units) {
    if (bytes / 1024 < 1) {
      std::snprintf(buf, sizeof buf, "%.2f %s", bytes, u);
      return buf;
    }
    bytes /= 1024;
  }
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, "PB");
  return buf;
}

/// Keras 3's format_shape: "(None, 28, 28, 1)" (a join: a 1-D shape prints as "(None)").
std::string keras3_shape(const Shape& s) {
  std::string out = "(";
  for (int i = 0; i < s.rank(); ++i) {
    if (i) out += ", ";
    out += s[i] < 0 ? std::string("None") : std::to_string(s[i]);
  }
  return out + ")";
}

std::string keras3_output_shape(const Layer& l) {
  const auto& calls = l.inbound_nodes();
  if (calls.empty()) return "?";
  const auto& outs = calls.back().outputs;
  if (outs.size() == 1) return keras3_shape(outs[0].shape());
  std::string s = "[";
  for (size_t i = 0; i < outs.size(); ++i) s += (i ? ", " : "") + keras3_shape(outs[i].shape());
  return s + "]";
}

// ---- rich's table layout for fixed-width columns ----

/// Python's round(): half to even.
int64_t py_round(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

std::vector<int64_t> ratio_reduce(int64_t total, std::vector<int64_t> ratios,
                                  const std::vector<int64_t>& maximums,
                                  const std::vector<int64_t>& values) {
  for (size_t i = 0; i < ratios.size(); ++i) {
    if (!maximums[i]) ratios[i] = 0;
  }
  int64_t total_ratio = 0;
  for (int64_t r : ratios) total_ratio += r;
  if (!total_ratio) return values;
  int64_t remaining = total;
  std::vector<int64_t> result;
  for (size_t i = 0; i < ratios.size(); ++i) {
    if (ratios[i] && total_ratio > 0) {
      const int64_t distributed = std::min<int64_t>(
          maximums[i], py_round(double(ratios[i]) * double(remaining) / double(total_ratio)));
      result.push_back(values[i] - distributed);
      remaining -= distributed;
      total_ratio -= ratios[i];
    } else {
      result.push_back(values[i]);
    }
  }
  return result;
}

std::vector<int64_t> ratio_distribute(int64_t total, const std::vector<int64_t>& ratios) {
  int64_t total_ratio = 0;
  for (int64_t r : ratios) total_ratio += r;
  int64_t remaining = total;
  std::vector<int64_t> out;
  for (int64_t r : ratios) {
    int64_t d;
    if (total_ratio > 0) {
      d = std::max<int64_t>(
          0, static_cast<int64_t>(std::ceil(double(r) * double(remaining) / double(total_ratio))));
    } else {
      d = remaining;
    }
    out.push_back(d);
    total_ratio -= r;
    remaining -= d;
  }
  return out;
}

/// UTF-8 aware cell length.
size_t cell_len(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

/// The first `n` cells of s.
std::string cell_prefix(const std::string& s, size_t n) {
  size_t cells = 0, i = 0;
  while (i < s.size() && cells < n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++cells;
  }
  return s.substr(0, i);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/// rich's Text.wrap for one paragraph with overflow="ellipsis": words are "\s*\S+\s*"; a word
/// that does not fit starts a new line; a word longer than the width is cropped with "…".
/// `justify`: 'l' left, 'r' right, 'c' center.
std::vector<std::string> wrap_cell(const std::string& text, size_t width, char justify) {
  const bool right = justify != 'l';
  // divide_line(text, width, fold=False)
  std::vector<size_t> breaks;
  size_t offset = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (pos >= text.size()) break;
    while (pos < text.size() && !is_space(text[pos])) ++pos;
    const size_t word_end = pos;
    while (pos < text.size() && is_space(text[pos])) ++pos;
    const std::string word = text.substr(start, pos - start);
    const size_t word_len = cell_len(text.substr(start, word_end - start));
    const size_t remaining = width >= offset ? width - offset : 0;
    if (remaining >= word_len && width >= offset) {
      offset += cell_len(word);
    } else if (word_len > width) {
      if (start) breaks.push_back(start);
      offset = cell_len(word);
    } else if (offset && start) {
      breaks.push_back(start);
      offset = cell_len(word);
    }
  }
  std::vector<std::string> lines;
  size_t prev = 0;
  for (size_t b : breaks) {
    lines.push_back(text.substr(prev, b - prev));
    prev = b;
  }
  lines.push_back(text.substr(prev));
  for (std::string& line : lines) {
    // rstrip_end(width): drop trailing whitespace beyond the width.
    const size_t len = cell_len(line);
    if (len > width) {
      size_t stripped = line.size();
      while (stripped > 0 && is_space(line[stripped - 1])) --stripped;
      const size_t ws = line.size() - stripped;
      if (ws) line.resize(line.size() - std::min(ws, len - width));
    }
    if (right) {
      while (!line.empty() && is_space(line.back())) line.pop_back();
    }
    if (cell_len(line) > width) line = cell_prefix(line, width - 1) + "…";
    const size_t l = cell_len(line);
    if (l < width) {
      if (justify == 'r') {
        line = std::string(width - l, ' ') + line;
      } else if (justify == 'c') {
        const size_t left = (width - l) / 2;
        line = std::string(left, ' ') + line + std::string(width - l - left, ' ');
      } else {
        line += std::string(width - l, ' ');
      }
    }
  }
  return lines;
}

std::string repeat(const std::string& s, int64_t n) {
  std::string out;
  for (int64_t i = 0; i < n; ++i) out += s;
  return out;
}

/// The columns of the terminal (shutil.get_terminal_size: $COLUMNS, then the terminal, else
/// 80).
int terminal_columns() {
  if (const char* c = std::getenv("COLUMNS")) {
    const int v = std::atoi(c);
    if (v > 0) return v;
  }
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string render_table(const std::vector<std::string>& header, const std::vector<char>& justify,
                         const std::vector<std::vector<std::string>>& rows, int line_length,
                         const std::vector<double>& positions) {
  const size_t n = header.size();
  std::vector<int64_t> col;
  int64_t current = 0;
  for (double p : positions) {
    const int64_t w = static_cast<int64_t>(p * line_length) - current;
    if (w < 4) throw InvalidArgument("Insufficient console width to print summary.");
    col.push_back(w);
    current += w;
  }
  const int64_t extra = static_cast<int64_t>(n) + 1;
  const int64_t max_width = line_length - extra;
  std::vector<int64_t> widths;
  for (int64_t w : col) widths.push_back(std::min(w + 2, max_width));
  int64_t table_width = 0;
  for (int64_t w : widths) table_width += w;
  if (table_width > max_width) {
    widths = ratio_reduce(table_width - max_width, std::vector<int64_t>(n, 1), widths, widths);
    table_width = 0;
    for (int64_t w : widths) table_width += w;
  }
  if (table_width < max_width) {
    const auto pad = ratio_distribute(max_width - table_width, widths);
    for (size_t i = 0; i < n; ++i) widths[i] += pad[i];
  }
  auto rule = [&](const char* l, const char* fill, const char* mid, const char* r) {
    std::string s = l;
    for (size_t i = 0; i < n; ++i) {
      if (i) s += mid;
      s += repeat(fill, widths[i]);
    }
    return s + r + "\n";
  };
  auto row_lines = [&](const std::vector<std::string>& cells, const char* edge) {
    std::vector<std::vector<std::string>> wrapped;
    size_t height = 1;
    for (size_t i = 0; i < n; ++i) {
      wrapped.push_back(wrap_cell(cells[i], static_cast<size_t>(widths[i] - 2), justify[i]));
      height = std::max(height, wrapped.back().size());
    }
    std::string s;
    for (size_t h = 0; h < height; ++h) {
      s += edge;
      for (size_t i = 0; i < n; ++i) {
        if (i) s += edge;
        const std::string cell = h < wrapped[i].size()
                                     ? wrapped[i][h]
                                     : std::string(static_cast<size_t>(widths[i] - 2), ' ');
        s += " " + cell + " ";
      }
      s += std::string(edge) + "\n";
    }
    return s;
  };
  std::string out = rule("┏", "━", "┳", "┓");
  out += row_lines(header, "┃");
  out += rule("┡", "━", "╇", "┩");
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r) out += rule("├", "─", "┼", "┤");
    out += row_lines(rows[r], "│");
  }
  out += rule("└", "─", "┴", "┘");
  return out;
}

}  // namespace

bool Model::sequential_like() const {
  if (is_sequential()) return true;
  std::map<int, int> per_depth;
  for (const NodeRef& n : nodes_) {
    ++per_depth[n.depth];
    if (n.layer->inbound_nodes()[static_cast<size_t>(n.node_index)].inputs.size() > 1) {
      return false;
    }
  }
  for (const auto& [d, c] : per_depth) {
    if (c > 1) return false;
  }
  std::set<const Layer*> seen;
  for (const NodeRef& n : nodes_) {
    if (!seen.insert(n.layer.get()).second) return false;  // a shared layer
  }
  return true;
}

std::string Model::summary(SummaryOptions o) const {
  return profile_ == Profile::keras2 ? summary_keras2(o) : summary_keras3(o);
}

std::string Model::summary_keras3(const SummaryOptions& o) const {
  const bool seq = sequential_like();
  int line_length = seq ? 88 : 108;
  std::vector<double> positions =
      seq ? std::vector<double>{0.45, 0.80, 1.0} : std::vector<double>{0.3, 0.56, 0.74, 1.0};
  std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
  std::vector<char> justify = {'l', 'l', 'r'};
  if (!seq) {
    header.push_back("Connected to");
    justify.push_back('l');
  }
  if (o.show_trainable) {
    line_length += 12;
    for (double& p : positions) p *= 0.90;
    positions.push_back(1.0);
    header.push_back("Trainable");
    justify.push_back('c');
  }
  line_length = std::min(line_length, terminal_columns() - 4);
  if (o.line_length > 0) line_length = o.line_length;
  if (!o.positions.empty()) positions = o.positions;

  std::set<std::pair<const Layer*, int>> relevant;
  for (const NodeRef& n : nodes_) relevant.insert({n.layer.get(), n.node_index});
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : layers()) {
    std::vector<std::string> row;
    row.push_back(l->name() + " (" + l->class_name() + ")");
    row.push_back(keras3_output_shape(*l));
    row.push_back(l->built() ? with_commas(l->count_params()) : std::string("0 (unbuilt)"));
    if (!seq) {
      std::string connections;
      const auto& calls = l->inbound_nodes();
      for (size_t k = 0; k < calls.size(); ++k) {
        if (!relevant.empty() && !relevant.count({l.get(), static_cast<int>(k)})) continue;
        for (const KerasTensor& t : calls[k].inputs) {
          if (!connections.empty()) connections += ", ";
          connections +=
              str_cat(t.layer()->name(), "[", t.node_index(), "][", t.tensor_index(), "]");
        }
      }
      row.push_back(connections.empty() ? "-" : connections);
    }
    if (o.show_trainable) {
      row.push_back(l->weights().empty() ? "-" : (l->trainable() ? "Y" : "N"));
    }
    rows.push_back(row);
  }
  std::string out = "Model: \"" + name_ + "\"\n";
  out += render_table(header, justify, rows, line_length, positions);

  int64_t trainable = 0, non_trainable = 0;
  double trainable_bytes = 0, non_trainable_bytes = 0;
  for (const Weight& w : trainable_weights()) {
    trainable += w.shape().num_elements();
    trainable_bytes += double(w.shape().num_elements() * int64_t(size_of(w.variable.dtype())));
  }
  for (const Weight& w : non_trainable_weights()) {
    non_trainable += w.shape().num_elements();
    non_trainable_bytes += double(w.shape().num_elements() * int64_t(size_of(w.variable.dtype())));
  }
  int64_t opt_count = 0;
  double opt_bytes = 0;
  // Keras builds the optimizer at the first training step, and only then lists its variables.
  const bool opt_built = compiled_ && compiled_->optimizer && compiled_->optimizer->built() &&
                         compiled_->optimizer->iteration_count() > 0;
  if (opt_built) {
    for (const Variable& v : compiled_->optimizer->variables()) {
      opt_count += v.shape().num_elements();
      opt_bytes += double(v.shape().num_elements() * int64_t(size_of(v.dtype())));
    }
  }
  out += " Total params: " + with_commas(trainable + non_trainable + opt_count) + " (" +
         readable_memory_size(trainable_bytes + non_trainable_bytes + opt_bytes) + ")\n";
  out += " Trainable params: " + with_commas(trainable) + " (" +
         readable_memory_size(trainable_bytes) + ")\n";
  out += " Non-trainable params: " + with_commas(non_trainable) + " (" +
         readable_memory_size(non_trainable_bytes) + ")\n";
  if (opt_built) {
    out += " Optimizer params: " + with_commas(opt_count) + " (" + readable_memory_size(opt_bytes) +
           ")\n";
  }
  return out;
}

std::string Model::summary_keras2(const SummaryOptions& o) const {
  // Keras 2.2.4: print_row cuts each field at its column end and pads with spaces.
  const bool seq = sequential_like();
  const int line_length = o.line_length > 0 ? o.line_length : (seq ? 65 : 98);
  std::vector<double> rel = !o.positions.empty() ? o.positions
                                                 : (seq ? std::vector<double>{.45, .85, 1.}
                                                        : std::vector<double>{.33, .55, .67, 1.});
  std::vector<size_t> positions;
  for (double p : rel) positions.push_back(static_cast<size_t>(line_length * p));
  auto print_row = [&](const std::vector<std::string>& fields) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) line = line.substr(0, line.size() - 1) + " ";
      line += fields[i];
      line = line.substr(0, positions[i]);
      line += std::string(positions[i] - line.size(), ' ');
    }
    return line + "\n";
  };
  std::string out = std::string(static_cast<size_t>(line_length), '_') + "\n";
  out += seq ? print_row({"Layer (type)", "Output Shape", "Param #"})
             : print_row({"Layer (type)", "Output Shape", "Param #", "Connected to"});
  out += std::string(static_cast<size_t>(line_length), '=') + "\n";
  std::set<std::pair<const Layer*, int>> relevant;
  for (const NodeRef& n : nodes_) relevant.insert({n.layer.get(), n.node_index});
  const auto ls = layers();
  for (size_t i = 0; i < ls.size(); ++i) {
    const Layer& l = *ls[i];
    std::string shape =
        l.inbound_nodes().empty() ? std::string("multiple") : l.output_shape_string();
    const std::string name = l.name() + " (" + l.class_name() + ")";
    if (seq) {
      out += print_row({name, shape, std::to_string(l.count_params())});
    } else {
      std::vector<std::string> connections;
      const auto& calls = l.inbound_nodes();
      for (size_t k = 0; k < calls.size(); ++k) {
        if (!relevant.empty() && !relevant.count({&l, static_cast<int>(k)})) continue;
        for (const KerasTensor& t : calls[k].inputs) {
          connections.push_back(
              str_cat(t.layer()->name(), "[", t.node_index(), "][", t.tensor_index(), "]"));
        }
      }
      out += print_row({name, shape, std::to_string(l.count_params()),
                        connections.empty() ? std::string() : connections[0]});
      for (size_t k = 1; k < connections.size(); ++k) {
        out += print_row({"", "", "", connections[k]});
      }
    }
    out += std::string(static_cast<size_t>(line_length), i + 1 == ls.size() ? '=' : '_') + "\n";
  }
  int64_t trainable = 0, non_trainable = 0;
  for (const Weight& w : trainable_weights()) trainable += w.shape().num_elements();
  for (const Weight& w : non_trainable_weights()) non_trainable += w.shape().num_elements();
  out += "Total params: " + with_commas(trainable + non_trainable) + "\n";
  out += "Trainable params: " + with_commas(trainable) + "\n";
  out += "Non-trainable params: " + with_commas(non_trainable) + "\n";
  out += std::string(static_cast<size_t>(line_length), '_') + "\n";
  return out;
}

}  // namespace dl::keras
