#include "dl/core/io/text_escape.h"

namespace dl::io {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      const char oct[] = {'\\', static_cast<char>('0' + (c >> 6)),
                          static_cast<char>('0' + ((c >> 3) & 7)),
                          static_cast<char>('0' + (c & 7))};
      out.append(oct, 4);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool unquote(std::string_view s, std::string* out) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  out->clear();
  const size_t end = s.size() - 1;  // the closing quote
  for (size_t i = 1; i < end; ++i) {
    char c = s[i];
    if (c == '"') return false;
    if (c != '\\') {
      *out += c;
      continue;
    }
    if (++i >= end) return false;  // the backslash escapes the closing quote
    c = s[i];
    if (c >= '0' && c <= '7') {
      int v = 0;
      for (int k = 0; k < 3 && i < end && s[i] >= '0' && s[i] <= '7'; ++k, ++i) {
        v = v * 8 + (s[i] - '0');
      }
      --i;
      if (v > 255) return false;
      *out += static_cast<char>(v);
    } else if (c == 'n') {
      *out += '\n';
    } else if (c == 't') {
      *out += '\t';
    } else if (c == 'r') {
      *out += '\r';
    } else if (c == '"' || c == '\\' || c == '\'') {
      *out += c;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace dl::io
