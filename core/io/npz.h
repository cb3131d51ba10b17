#pragma once
/// NumPy's .npz archives (np.savez, np.savez_compressed): a ZIP file of .npy members, stored
/// or deflated, with or without ZIP64 records (np.savez writes ZIP64 local headers).
/// Keras's datasets (mnist.npz: x_train, y_train, x_test, y_test) come in this format.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dl/core/tensor.h"

namespace dl::io {

/// The arrays of an .npz archive, in archive order.
struct Npz {
  std::string source;                                  ///< the file name, for messages
  std::vector<std::pair<std::string, Tensor>> arrays;  ///< names without the ".npy" suffix

  bool contains(std::string_view name) const;
  /// Throws: NotFound naming the archive, the name and the names it holds.
  const Tensor& at(std::string_view name) const;
  std::vector<std::string> names() const;
};

/// Parses the bytes of an .npz archive (`name` is used in messages). Members whose name does
/// not end in ".npy" are skipped.
/// Throws: DataLoss naming the archive (and the member) for a missing end-of-directory record,
/// records that point outside the file, a CRC mismatch, corrupt deflate data or a size that
/// differs from the directory's; Unimplemented for encrypted members or compression methods
/// other than stored (0) and deflate (8); anything parse_npy throws for a member, naming it.
Npz parse_npz(std::string_view bytes, const std::string& name = "<memory>");

/// Reads an .npz file. Throws: NotFound naming a missing file; as parse_npz.
Npz read_npz(const std::string& path);

/// Writes the arrays as an .npz archive (stored members "<name>.npy", as np.savez), atomically.
/// Throws: InvalidArgument for an empty or duplicate name, or a member over 4 GiB.
void write_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays);

}  // namespace dl::io
