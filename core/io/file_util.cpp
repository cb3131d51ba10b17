#include "dl/core/io/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dl/core/error.h"

namespace dl::io {
namespace {

std::string sys_error() { return std::strerror(errno); }

std::string parent_dir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace

std::string read_file(const std::string& path) {
  // open + fstat + read into a string of the file's size: the input pipeline reads a small
  // file per image, and std::filesystem::status plus an istreambuf_iterator copy cost ~20 us
  // per 6 KB JPEG, a sixth of decoding it (bench/bench_input_pipeline.cpp).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      throw NotFound(str_cat("file '", path, "' does not exist"));
    }
    throw FailedPrecondition(str_cat("cannot open '", path, "': ", sys_error()));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw FailedPrecondition(str_cat("cannot read '", path, "': ", sys_error()));
  }
  if (S_ISDIR(st.st_mode)) {
    throw InvalidArgument(str_cat("'", path, "' is a directory, expected a file"));
  }
  // st_size is a hint (0 for pipes and /proc files): read until the end of the file anyway.
  std::string data(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0, '\0');
  size_t used = 0;
  char extra[4096];
  for (;;) {
    const bool full = used == data.size();
    char* dst = full ? extra : data.data() + used;
    const ssize_t n = ::read(fd, dst, full ? sizeof extra : data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw FailedPrecondition(str_cat("cannot read '", path, "': ", sys_error()));
    }
    if (n == 0) break;
    if (full) data.append(extra, static_cast<size_t>(n));
    used += static_cast<size_t>(n);
  }
  data.resize(used);
  return data;
}

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), tmp_(str_cat(path_, ".tmp-", ::getpid())) {
  const std::string dir = parent_dir(path_);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw NotFound(str_cat("cannot write '", path_, "': directory '", dir, "' does not exist"));
  }
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw FailedPrecondition(str_cat("cannot create '", tmp_, "': ", sys_error()));
}

AtomicFileWriter::~AtomicFileWriter() { abort(); }

void AtomicFileWriter::abort() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
  }
}

void AtomicFileWriter::write(const void* data, size_t n) {
  DL_ASSERT(fd_ >= 0);
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string why = sys_error();
      abort();
      throw FailedPrecondition(str_cat("cannot write '", tmp_, "': ", why));
    }
    p += w;
    n -= static_cast<size_t>(w);
    written_ += static_cast<size_t>(w);
  }
}

void AtomicFileWriter::commit() {
  DL_ASSERT(fd_ >= 0);
  if (::fsync(fd_) != 0) {
    const std::string why = sys_error();
    abort();
    throw FailedPrecondition(str_cat("cannot sync '", tmp_, "': ", why));
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const std::string why = sys_error();
    ::unlink(tmp_.c_str());
    throw FailedPrecondition(str_cat("cannot close '", tmp_, "': ", why));
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string why = sys_error();
    ::unlink(tmp_.c_str());
    throw FailedPrecondition(str_cat("cannot rename '", tmp_, "' to '", path_, "': ", why));
  }
  // The rename is durable only once the directory entry is on disk; failing to sync the
  // directory (some file systems refuse) does not undo the write, so it is not an error.
  const int dfd = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicFileWriter w(path);
  w.write(contents);
  w.commit();
}

}  // namespace dl::io
