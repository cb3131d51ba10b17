#pragma once
/// Quoting of strings in dl's text formats (graph files, checkpoint state files), compatible
/// with protobuf's text format: "..." with \" \\ and octal \ooo escapes.
#include <string>
#include <string_view>

namespace dl::io {

/// `s` in double quotes; '"', '\\', newline, tab and carriage return are backslash-escaped
/// (\" \\ \n \t \r), other control bytes (< 0x20, 0x7f) written as octal \ooo. Other bytes
/// (UTF-8 included) are kept.
std::string quote(std::string_view s);

/// Reads a string written by quote() (the whole of `quoted`, quotes included); understands
/// \" \\ \' \n \t \r and octal \o, \oo, \ooo. Returns false when `quoted` is not such a string.
bool unquote(std::string_view quoted, std::string* out);

}  // namespace dl::io
