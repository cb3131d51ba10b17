// The text format written and read here is specified in docs/graph_format.md; keep both in
// step. Reading is a small tokenizer plus a recursive-descent parser that builds each node as
// soon as its block closes, so that errors point at the line that caused them.
#include "dl/graph/graph_io.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "dl/core/dtype_visit.h"
#include "dl/core/io/file_util.h"
#include "dl/core/io/text_escape.h"
#include "dl/graph/op_registry.h"

namespace dl::io {
namespace {

constexpr int kFormatVersion = 1;
constexpr size_t kValuesPerLine = 8;

const DType kAllDTypes[] = {DType::f32, DType::f64, DType::i32,
                            DType::i64, DType::u8,  DType::boolean};

// ---------------------------------------------------------------- writing

template <class T>
std::string number(T v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string join(const std::vector<std::string>& parts) {
  std::string s = "[";
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s + "]";
}

std::string shape_text(const Shape& s) {
  std::vector<std::string> parts;
  for (int64_t d : s.dims()) parts.push_back(number(d));
  return join(parts);
}

std::vector<std::string> tensor_values(const Tensor& t) {
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(t.num_elements()));
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (T v : t.values<T>()) {
      if constexpr (std::is_same_v<T, bool>) {
        out.push_back(v ? "true" : "false");
      } else if constexpr (std::is_same_v<T, uint8_t>) {
        out.push_back(number(static_cast<int>(v)));
      } else {
        out.push_back(number(v));
      }
    }
  });
  return out;
}

void write_attr(std::string& out, const std::string& key, const AttrValue& value) {
  const std::string head = "  attr { key: " + quote(key) + " ";
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          out += head + "i: " + number(v) + " }\n";
        } else if constexpr (std::is_same_v<T, double>) {
          out += head + "f: " + number(v) + " }\n";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += head + "b: " + (v ? "true" : "false") + " }\n";
        } else if constexpr (std::is_same_v<T, std::string>) {
          out += head + "s: " + quote(v) + " }\n";
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<double>>) {
          std::vector<std::string> parts;
          for (auto x : v) parts.push_back(number(x));
          out += head + (std::is_same_v<T, std::vector<int64_t>> ? "list_i: " : "list_f: ") +
                 join(parts) + " }\n";
        } else if constexpr (std::is_same_v<T, DType>) {
          out += head + "type: " + std::string(name(v)) + " }\n";
        } else if constexpr (std::is_same_v<T, Shape>) {
          out += head + "shape: " + shape_text(v) + " }\n";
        } else if constexpr (std::is_same_v<T, Tensor>) {
          const std::vector<std::string> vals = tensor_values(v);
          const std::string spec =
              "dtype: " + std::string(name(v.dtype())) + " shape: " + shape_text(v.shape());
          if (vals.size() <= kValuesPerLine) {
            out += head + "tensor { " + spec + " values: " + join(vals) + " } }\n";
            return;
          }
          // Long tensors: a fixed number of values per line keeps diffs local.
          out += head + "tensor {\n    " + spec + "\n    values: [\n";
          for (size_t i = 0; i < vals.size(); i += kValuesPerLine) {
            out += "      ";
            const size_t end = std::min(vals.size(), i + kValuesPerLine);
            for (size_t j = i; j < end; ++j) {
              out += vals[j];
              if (j + 1 < end) out += ", ";
            }
            out += end < vals.size() ? ",\n" : "\n";
          }
          out += "    ]\n  } }\n";
        }
      },
      value);
}

// ---------------------------------------------------------------- reading

struct Token {
  enum Kind { kEnd, kWord, kString, kPunct } kind = kEnd;
  std::string text;  // a string token holds its unescaped value
  int line = 0;
};

class Parser {
 public:
  Parser(Graph& g, const std::string& text, const std::string& source, const std::string& prefix)
      : g_(g), text_(text), source_(source) {
    prefix_ = g.current_name_scope() + (prefix.empty() ? "" : prefix + "/");
  }

  std::vector<Node*> parse();

 private:
  // -- tokens
  Token lex();
  const Token& peek() {
    if (!peeked_) {
      next_ = lex();
      peeked_ = true;
    }
    return next_;
  }
  Token take() {
    peek();
    peeked_ = false;
    return next_;
  }
  [[noreturn]] void fail(int line, const std::string& msg) const {
    throw InvalidArgument(str_cat(source_, ":", line, ": ", msg));
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::kEnd:
        return "the end of the file";
      case Token::kString:
        return "the string " + quote(t.text);
      default:
        return "'" + t.text + "'";
    }
  }
  void expect_punct(char c) {
    Token t = take();
    if (t.kind != Token::kPunct || t.text[0] != c) {
      fail(t.line, str_cat("expected '", c, "', found ", describe(t)));
    }
  }
  bool at_punct(char c) {
    const Token& t = peek();
    return t.kind == Token::kPunct && t.text[0] == c;
  }
  // "name:" before a scalar value, "name {" or "name: {" before a block.
  void begin_block() {
    if (at_punct(':')) take();
    expect_punct('{');
  }
  Token field_name() {
    Token t = take();
    if (t.kind != Token::kWord) fail(t.line, "expected a field name, found " + describe(t));
    return t;
  }
  Token scalar_word() {
    expect_punct(':');
    Token t = take();
    if (t.kind != Token::kWord) fail(t.line, "expected a value, found " + describe(t));
    return t;
  }
  Token scalar_string() {
    expect_punct(':');
    Token t = take();
    if (t.kind != Token::kString) fail(t.line, "expected a quoted string, found " + describe(t));
    return t;
  }
  std::vector<Token> word_list() {
    expect_punct(':');
    expect_punct('[');
    std::vector<Token> out;
    if (at_punct(']')) {
      take();
      return out;
    }
    for (;;) {
      Token t = take();
      if (t.kind != Token::kWord)
        fail(t.line, "expected a value in the list, found " + describe(t));
      out.push_back(std::move(t));
      Token sep = take();
      if (sep.kind == Token::kPunct && sep.text[0] == ']') return out;
      if (sep.kind != Token::kPunct || sep.text[0] != ',') {
        fail(sep.line, "expected ',' or ']' in the list, found " + describe(sep));
      }
    }
  }

  // -- values
  int64_t to_int(const Token& t, int64_t lo = std::numeric_limits<int64_t>::min(),
                 int64_t hi = std::numeric_limits<int64_t>::max()) const {
    int64_t v = 0;
    const char* end = t.text.data() + t.text.size();
    const auto r = std::from_chars(t.text.data(), end, v);
    if (r.ec != std::errc() || r.ptr != end) fail(t.line, "'" + t.text + "' is not an integer");
    if (v < lo || v > hi) {
      fail(t.line, str_cat("integer ", v, " is outside [", lo, ", ", hi, "]"));
    }
    return v;
  }
  template <class F>
  F to_float(const Token& t) const {
    F v = 0;
    const char* end = t.text.data() + t.text.size();
    const auto r = std::from_chars(t.text.data(), end, v);
    if (r.ec != std::errc() || r.ptr != end) {
      fail(t.line,
           "'" + t.text + "' is not a " + (sizeof(F) == 4 ? "float32" : "float64") + " number");
    }
    return v;
  }
  bool to_bool(const Token& t) const {
    if (t.text == "true") return true;
    if (t.text == "false") return false;
    fail(t.line, "expected true or false, found '" + t.text + "'");
  }
  DType to_dtype(const Token& t) const {
    for (DType d : kAllDTypes) {
      if (name(d) == t.text) return d;
    }
    fail(t.line,
         "unknown dtype '" + t.text + "' (expected float32, float64, int32, int64, uint8 or bool)");
  }
  Shape to_shape(const std::vector<Token>& dims) const {
    std::vector<int64_t> d;
    for (const Token& t : dims) d.push_back(to_int(t, -1));
    return Shape(std::move(d));
  }
  Tensor parse_tensor(int line);
  AttrValue parse_attr(std::string* key);

  // -- blocks
  void parse_node(int line);
  void parse_variable(int line);
  void parse_collection(int line);
  Node* lookup(const Token& t, const std::string& what) const {
    auto it = nodes_.find(t.text);
    if (it == nodes_.end()) fail(t.line, str_cat("unknown ", what, " node '", t.text, "'"));
    return it->second;
  }
  Output lookup_tensor(const Token& t, const std::string& what) const;

  Graph& g_;
  const std::string& text_;
  const std::string& source_;
  std::string prefix_;
  size_t pos_ = 0;
  int line_ = 1;
  int last_line_ = 1;
  Token next_;
  bool peeked_ = false;
  std::map<std::string, Node*> nodes_;  // by the names in the file
  std::vector<Node*> created_;
  struct PendingControl {
    Node* node;
    Token dep;
  };
  std::vector<PendingControl> pending_controls_;
};

Token Parser::lex() {
  for (;;) {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      continue;
    }
    break;
  }
  Token t;
  t.line = line_;
  if (pos_ >= text_.size()) {
    t.line = last_line_;  // the end of the file is reported where its content ends
    return t;
  }
  last_line_ = line_;
  const char c = text_[pos_];
  if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
    t.kind = Token::kPunct;
    t.text = std::string(1, c);
    ++pos_;
    return t;
  }
  if (c == '"') {
    size_t end = pos_ + 1;
    while (end < text_.size() && text_[end] != '"' && text_[end] != '\n') {
      end += text_[end] == '\\' && end + 1 < text_.size() ? 2 : 1;
    }
    if (end >= text_.size() || text_[end] != '"') fail(line_, "unterminated string");
    t.kind = Token::kString;
    if (!unquote(std::string_view(text_).substr(pos_, end + 1 - pos_), &t.text)) {
      fail(line_, "malformed escape in string");
    }
    pos_ = end + 1;
    return t;
  }
  const size_t start = pos_;
  while (pos_ < text_.size()) {
    const char d = text_[pos_];
    if (!(std::isalnum(static_cast<unsigned char>(d)) || d == '_' || d == '.' || d == '-' ||
          d == '+')) {
      break;
    }
    ++pos_;
  }
  if (pos_ == start) fail(line_, str_cat("unexpected character '", c, "'"));
  t.kind = Token::kWord;
  t.text = text_.substr(start, pos_ - start);
  return t;
}

Tensor Parser::parse_tensor(int line) {
  begin_block();
  std::optional<DType> dtype;
  std::optional<Shape> shape;
  std::optional<std::vector<Token>> values;
  int shape_line = line;
  while (!at_punct('}')) {
    const Token f = field_name();
    if (f.text == "dtype" && !dtype) {
      dtype = to_dtype(scalar_word());
    } else if (f.text == "shape" && !shape) {
      shape_line = f.line;
      shape = to_shape(word_list());
    } else if (f.text == "values" && !values) {
      values = word_list();
    } else {
      fail(f.line, "unexpected or repeated field '" + f.text + "' in a tensor");
    }
  }
  take();
  if (!dtype || !shape || !values) fail(line, "a tensor needs dtype, shape and values");
  int64_t count = 1;
  for (int64_t d : shape->dims()) {
    if (d < 0)
      fail(shape_line, "a tensor's shape must be fully defined, found " + shape->to_string());
    if (__builtin_mul_overflow(count, d, &count)) fail(shape_line, "tensor shape overflows");
  }
  // The count is checked before allocating, so a huge shape cannot exhaust memory.
  if (count != static_cast<int64_t>(values->size())) {
    fail(line, str_cat("tensor of shape ", shape->to_string(), " needs ", count, " values, found ",
                       values->size()));
  }
  Tensor t(*dtype, *shape);
  visit_dtype(*dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (size_t i = 0; i < values->size(); ++i) {
      const Token& v = (*values)[i];
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = to_bool(v);
      } else if constexpr (std::is_floating_point_v<T>) {
        p[i] = to_float<T>(v);
      } else {
        p[i] =
            static_cast<T>(to_int(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
      }
    }
  });
  return t;
}

AttrValue Parser::parse_attr(std::string* key) {
  const int line = peek().line;
  begin_block();
  std::optional<std::string> k;
  std::optional<AttrValue> value;
  while (!at_punct('}')) {
    const Token f = field_name();
    if (f.text == "key") {
      if (k) fail(f.line, "repeated field 'key' in an attr");
      k = scalar_string().text;
      continue;
    }
    if (value) fail(f.line, "an attr has one value, found a second one ('" + f.text + "')");
    if (f.text == "i") {
      value = to_int(scalar_word());
    } else if (f.text == "f") {
      value = to_float<double>(scalar_word());
    } else if (f.text == "b") {
      value = to_bool(scalar_word());
    } else if (f.text == "s") {
      value = scalar_string().text;
    } else if (f.text == "list_i") {
      std::vector<int64_t> v;
      for (const Token& t : word_list()) v.push_back(to_int(t));
      value = std::move(v);
    } else if (f.text == "list_f") {
      std::vector<double> v;
      for (const Token& t : word_list()) v.push_back(to_float<double>(t));
      value = std::move(v);
    } else if (f.text == "type") {
      value = to_dtype(scalar_word());
    } else if (f.text == "shape") {
      value = to_shape(word_list());
    } else if (f.text == "tensor") {
      value = parse_tensor(f.line);
    } else {
      fail(f.line, "unknown attr value kind '" + f.text +
                       "' (expected i, f, b, s, list_i, list_f, type, shape or tensor)");
    }
  }
  take();
  if (!k) fail(line, "an attr needs a key");
  if (!value) fail(line, "attr '" + *k + "' has no value");
  *key = *k;
  return std::move(*value);
}

Output Parser::lookup_tensor(const Token& t, const std::string& what) const {
  const size_t colon = t.text.rfind(':');
  if (colon == std::string::npos) {
    fail(t.line, str_cat(what, " '", t.text, "' must name a tensor as \"node:index\""));
  }
  Token node_tok = t;
  node_tok.text = t.text.substr(0, colon);
  Token index_tok = t;
  index_tok.text = t.text.substr(colon + 1);
  Node* n = lookup(node_tok, what);
  const int64_t index = to_int(index_tok, 0);
  if (index >= n->num_outputs()) {
    fail(t.line, str_cat(what, " '", t.text, "': node '", node_tok.text, "' has ", n->num_outputs(),
                         " outputs"));
  }
  return n->output(static_cast<int>(index));
}

[[noreturn]] void rethrow_located(const Error& e, const std::string& where) {
  const std::string msg = where + e.what();
  switch (e.code()) {
    case ErrorCode::invalid_argument:
      throw InvalidArgument(msg);
    case ErrorCode::not_found:
      throw NotFound(msg);
    case ErrorCode::failed_precondition:
      throw FailedPrecondition(msg);
    case ErrorCode::out_of_range:
      throw OutOfRange(msg);
    case ErrorCode::unimplemented:
      throw Unimplemented(msg);
    case ErrorCode::data_loss:
      throw DataLoss(msg);
    case ErrorCode::internal:
      throw InternalError(msg);
  }
  throw InternalError(msg);
}

void Parser::parse_node(int line) {
  begin_block();
  std::optional<Token> name, op;
  std::vector<Token> inputs, outputs;
  AttrMap attrs;
  while (!at_punct('}')) {
    const Token f = field_name();
    if (f.text == "name" && !name) {
      name = scalar_string();
    } else if (f.text == "op" && !op) {
      op = scalar_string();
    } else if (f.text == "input") {
      inputs.push_back(scalar_string());
    } else if (f.text == "output") {
      outputs.push_back(scalar_string());
    } else if (f.text == "attr") {
      std::string key;
      AttrValue v = parse_attr(&key);
      if (attrs.has(key)) fail(f.line, "repeated attr '" + key + "'");
      attrs.set(key, std::move(v));
    } else {
      fail(f.line, "unexpected or repeated field '" + f.text + "' in a node");
    }
  }
  take();
  if (!name || !op) fail(line, "a node needs a name and an op");
  if (name->text.empty() || name->text.back() == '/' || name->text[0] == '^') {
    fail(name->line, "invalid node name " + quote(name->text));
  }
  if (nodes_.count(name->text)) fail(name->line, "node '" + name->text + "' is defined twice");
  if (!OpRegistry::global().find(op->text)) {
    fail(op->line, str_cat("unknown op '", op->text, "' for node '", name->text, "'"));
  }

  std::vector<Output> data_inputs;
  std::vector<Node*> controls;
  std::vector<Token> later_controls;
  for (const Token& in : inputs) {
    if (!in.text.empty() && in.text[0] == '^') {
      Token dep = in;
      dep.text = in.text.substr(1);
      auto it = nodes_.find(dep.text);
      if (it != nodes_.end()) {
        controls.push_back(it->second);
      } else {
        later_controls.push_back(dep);  // a control edge added after creation may point ahead
      }
    } else {
      if (!controls.empty() || !later_controls.empty()) {
        fail(in.line, "data inputs must come before control inputs (\"^node\")");
      }
      data_inputs.push_back(lookup_tensor(in, "input"));
    }
  }

  const std::string full = prefix_ + name->text;
  if (g_.find_node(full)) fail(name->line, "a node named '" + full + "' already exists");
  // Reserve the name and the name scopes it sits in ("a" and "a/b" for "a/b/c"), as building
  // the node would have, so that names generated later do not collide ("a_1"). A name already
  // reserved as a scope is fine: TF names a node after its scope ("mul" after "mul/y").
  for (size_t slash = full.find('/');; slash = full.find('/', slash + 1)) {
    const std::string part = full.substr(0, slash);
    if (g_.unique_name(part, /*mark_used=*/false) == part) g_.unique_name(part);
    if (slash == std::string::npos) break;
  }
  Node* n = nullptr;
  try {
    // The trailing '/' makes add_node take the name as is (unique_name above reserved it).
    n = g_.add_node(op->text, full + "/", std::move(data_inputs), std::move(attrs),
                    std::move(controls));
  } catch (const Error& e) {
    rethrow_located(e, str_cat(source_, ":", line, ": node '", name->text, "': "));
  }
  if (!outputs.empty()) {
    std::vector<std::string> got;
    for (const TensorSpec& s : n->output_specs()) got.push_back(s.to_string());
    std::vector<std::string> want;
    for (const Token& t : outputs) want.push_back(t.text);
    if (got != want) {
      fail(outputs[0].line,
           str_cat("node '", name->text, "' (", op->text, "): the file records ", "outputs ",
                   join(want), " but shape inference gives ", join(got)));
    }
  }
  nodes_[name->text] = n;
  created_.push_back(n);
  for (Token& dep : later_controls) pending_controls_.push_back({n, std::move(dep)});
}

void Parser::parse_variable(int line) {
  begin_block();
  std::optional<Token> name, initializer, initial_value;
  std::optional<bool> trainable;
  while (!at_punct('}')) {
    const Token f = field_name();
    if (f.text == "name" && !name) {
      name = scalar_string();
    } else if (f.text == "initializer" && !initializer) {
      initializer = scalar_string();
    } else if (f.text == "initial_value" && !initial_value) {
      initial_value = scalar_string();
    } else if (f.text == "trainable" && !trainable) {
      trainable = to_bool(scalar_word());
    } else {
      fail(f.line, "unexpected or repeated field '" + f.text + "' in a variable");
    }
  }
  take();
  if (!name) fail(line, "a variable needs a name");
  Node* var = lookup(*name, "variable");
  if (var->type() != "VariableV2") {
    fail(name->line, str_cat("'", name->text, "' is a ", var->type(), ", not a VariableV2"));
  }
  VariableInfo info;
  if (initializer) info.initializer = lookup(*initializer, "initializer");
  if (initial_value) info.initial_value = lookup_tensor(*initial_value, "initial_value");
  info.trainable = trainable.value_or(true);
  g_.set_variable_info(var, info);
}

void Parser::parse_collection(int line) {
  begin_block();
  std::optional<std::string> key;
  std::vector<Node*> members;
  while (!at_punct('}')) {
    const Token f = field_name();
    if (f.text == "key" && !key) {
      key = scalar_string().text;
    } else if (f.text == "node") {
      members.push_back(lookup(scalar_string(), "collection"));
    } else {
      fail(f.line, "unexpected or repeated field '" + f.text + "' in a collection");
    }
  }
  take();
  if (!key) fail(line, "a collection needs a key");
  for (Node* n : members) g_.add_to_collection(*key, n);
}

std::vector<Node*> Parser::parse() {
  const Token v = field_name();
  if (v.text != "version")
    fail(v.line, "a graph file starts with 'version: " + std::to_string(kFormatVersion) + "'");
  const Token vv = scalar_word();
  if (to_int(vv) != kFormatVersion) {
    fail(vv.line, str_cat("unsupported graph format version ", vv.text, " (this build reads ",
                          kFormatVersion, ")"));
  }
  std::optional<int64_t> seed;
  while (peek().kind != Token::kEnd) {
    const Token f = field_name();
    if (f.text == "random_seed" && !seed) {
      seed = to_int(scalar_word());
    } else if (f.text == "node") {
      parse_node(f.line);
    } else if (f.text == "variable") {
      parse_variable(f.line);
    } else if (f.text == "collection") {
      parse_collection(f.line);
    } else {
      fail(f.line, "unexpected or repeated field '" + f.text + "'");
    }
  }
  for (const PendingControl& p : pending_controls_) {
    g_.add_control_input(p.node, lookup(p.dep, "control input"));
  }
  if (seed) g_.set_random_seed(*seed);
  return created_;
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string graph_to_text(const Graph& g) {
  std::string out = "# dl graph, text format (docs/graph_format.md)\n";
  out += "version: " + std::to_string(kFormatVersion) + "\n";
  if (g.random_seed()) out += "random_seed: " + number(*g.random_seed()) + "\n";
  for (const auto& up : g.nodes()) {
    const Node& n = *up;
    out += "node {\n  name: " + quote(n.name()) + "\n  op: " + quote(n.type()) + "\n";
    for (const Output& in : n.inputs()) out += "  input: " + quote(in.name()) + "\n";
    for (const Node* c : n.control_inputs()) out += "  input: " + quote("^" + c->name()) + "\n";
    for (const auto& [key, value] : n.attrs().items()) write_attr(out, key, value);
    for (const TensorSpec& s : n.output_specs()) out += "  output: " + quote(s.to_string()) + "\n";
    out += "}\n";
  }
  for (const auto& up : g.nodes()) {
    const VariableInfo* info = g.variable_info(up.get());
    if (!info) continue;
    out += "variable {\n  name: " + quote(up->name()) + "\n";
    if (info->initializer) out += "  initializer: " + quote(info->initializer->name()) + "\n";
    if (info->initial_value) out += "  initial_value: " + quote(info->initial_value.name()) + "\n";
    out += std::string("  trainable: ") + (info->trainable ? "true" : "false") + "\n}\n";
  }
  for (const std::string& key : g.collection_keys()) {
    out += "collection {\n  key: " + quote(key) + "\n";
    for (const Node* n : g.get_collection(key)) out += "  node: " + quote(n->name()) + "\n";
    out += "}\n";
  }
  return out;
}

void write_graph(const Graph& g, const std::string& path) {
  write_file_atomically(path, graph_to_text(g));
}

std::vector<Node*> import_graph_text(Graph& g, const std::string& text,
                                     const std::string& source_name, const std::string& prefix) {
  Parser p(g, text, source_name, prefix);
  return p.parse();
}

std::vector<Node*> import_graph(Graph& g, const std::string& path, const std::string& prefix) {
  return import_graph_text(g, read_file(path), path, prefix);
}

std::string to_dot(const Graph& g) {
  std::string out = "digraph dl {\n  node [shape=box, fontname=\"Helvetica\"];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (const auto& up : g.nodes()) {
    const Node& n = *up;
    const bool state = n.type() == "VariableV2" || n.type() == "Placeholder";
    out += "  \"" + dot_escape(n.name()) + "\" [label=\"" + dot_escape(n.name()) + "\\n" +
           dot_escape(n.type()) + "\"" + (state ? ", style=filled, fillcolor=lightgrey" : "") +
           "];\n";
  }
  for (const auto& up : g.nodes()) {
    const Node& n = *up;
    const std::string to = "\"" + dot_escape(n.name()) + "\"";
    for (const Output& in : n.inputs()) {
      const std::string label =
          (in.index ? str_cat(":", in.index, " ") : std::string()) + in.spec().to_string();
      out += "  \"" + dot_escape(in.node->name()) + "\" -> " + to + " [label=\"" +
             dot_escape(label) + "\"];\n";
    }
    for (const Node* c : n.control_inputs()) {
      out += "  \"" + dot_escape(c->name()) + "\" -> " + to + " [style=dashed];\n";
    }
  }
  return out + "}\n";
}

void write_dot(const Graph& g, const std::string& path) { write_file_atomically(path, to_dot(g)); }

}  // namespace dl::io
