#pragma once
/// Small file helpers shared by the readers and writers of dl: whole-file reads and atomic
/// writes (write "<path>.tmp-<pid>", fsync, rename), so that a reader never sees half a file.
#include <cstddef>
#include <string>
#include <string_view>

namespace dl::io {

/// The whole content of `path`.
/// Throws: NotFound naming the file when it does not exist; InvalidArgument when it is a
/// directory; FailedPrecondition when it cannot be read (with the system's reason).
std::string read_file(const std::string& path);

/// Writes a file atomically: the bytes go to "<path>.tmp-<pid>", which is fsync'ed and renamed
/// over `path` by commit(). Destroying the writer without commit() removes the temporary file,
/// so a failed write leaves neither a partial file nor a temporary behind.
class AtomicFileWriter {
 public:
  /// Opens the temporary file.
  /// Throws: NotFound when the directory of `path` does not exist; FailedPrecondition when the
  /// file cannot be created (naming it and the system's reason).
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  /// Appends bytes. Throws FailedPrecondition naming the file on a write error (disk full).
  void write(const void* data, size_t n);
  void write(std::string_view s) { write(s.data(), s.size()); }
  /// Bytes written so far.
  size_t size() const { return written_; }
  /// fsync, close, rename onto the final path, fsync the directory.
  /// Throws FailedPrecondition naming the file when one of these fails.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }

 private:
  void abort() noexcept;
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
  size_t written_ = 0;
};

/// AtomicFileWriter in one call.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace dl::io
