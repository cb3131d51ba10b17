#pragma once
/// The one error policy of dl (docs/error_handling.md):
/// - user misuse throws a dl::Error subclass whose message names the node or layer, what was
///   expected and what was received;
/// - DL_CHECK(cond, parts...) throws InvalidArgument with the parts concatenated;
/// - DL_ASSERT(cond) marks a broken invariant (a dl bug) and throws InternalError;
/// - DL_DEBUG_ASSERT(cond) is DL_ASSERT in debug builds and nothing under NDEBUG.
#include <stdexcept>
#include <string>

#include "dl/core/str_cat.h"

namespace dl {

enum class ErrorCode {
  invalid_argument,
  not_found,
  failed_precondition,
  out_of_range,
  unimplemented,
  data_loss,
  internal
};

/// Base of every exception dl throws on purpose.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

/// A bad shape, dtype, attribute, feed or argument.
class InvalidArgument : public Error {
 public:
  explicit InvalidArgument(const std::string& w) : Error(ErrorCode::invalid_argument, w) {}
};
/// A name (node, fetch, file, variable in a checkpoint) that does not exist.
class NotFound : public Error {
 public:
  explicit NotFound(const std::string& w) : Error(ErrorCode::not_found, w) {}
};
/// The system is not in the state the call needs (an uninitialised variable).
class FailedPrecondition : public Error {
 public:
  explicit FailedPrecondition(const std::string& w) : Error(ErrorCode::failed_precondition, w) {}
};
/// Iteration past the end of the data.
class OutOfRange : public Error {
 public:
  explicit OutOfRange(const std::string& w) : Error(ErrorCode::out_of_range, w) {}
};
/// A feature dl does not provide (yet).
class Unimplemented : public Error {
 public:
  explicit Unimplemented(const std::string& w) : Error(ErrorCode::unimplemented, w) {}
};
/// A file that is truncated or corrupted.
class DataLoss : public Error {
 public:
  explicit DataLoss(const std::string& w) : Error(ErrorCode::data_loss, w) {}
};
/// A bug in dl: an invariant did not hold.
class InternalError : public Error {
 public:
  explicit InternalError(const std::string& w) : Error(ErrorCode::internal, w) {}
};

}  // namespace dl

#define DL_CHECK(cond, ...)                                               \
  do {                                                                    \
    if (!(cond)) throw ::dl::InvalidArgument(::dl::str_cat(__VA_ARGS__)); \
  } while (0)

#define DL_ASSERT(cond)                                                                            \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      throw ::dl::InternalError(::dl::str_cat("internal error at ", __FILE__, ":", __LINE__, ": ", \
                                              #cond, ". Please report."));                         \
  } while (0)

#ifdef NDEBUG
#define DL_DEBUG_ASSERT(cond) \
  do {                        \
  } while (0)
#else
#define DL_DEBUG_ASSERT(cond) DL_ASSERT(cond)
#endif
