#pragma once
/// tf.train.Saver: saves variable values of a Session to checkpoint files and restores them,
/// keeping the newest `max_to_keep` checkpoints and a "checkpoint" state file in their
/// directory (tf.train.latest_checkpoint reads it). The file formats are documented in
/// docs/checkpoint_format.md: one binary file per checkpoint with CRC32s over the header, the
/// table and each variable's bytes, written atomically (temporary file, fsync, rename).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dl/graph/session.h"
#include "dl/graph/variable.h"

namespace dl::train {

class Saver {
 public:
  /// Saves every variable of GraphKeys::GLOBAL_VARIABLES under its node name. Variables created
  /// after the Saver are not included (as in TF). max_to_keep <= 0 keeps every checkpoint.
  explicit Saver(const Graph& g, int max_to_keep = 5);
  /// Saves `var_list` under the variables' node names.
  /// Throws InvalidArgument for a variable of another graph or a variable listed twice.
  Saver(const Graph& g, const std::vector<Variable>& var_list, int max_to_keep = 5);
  /// Saves each variable under the checkpoint name it is mapped from (TF's dict var_list), so
  /// that a checkpoint written by another graph with other node names can be restored.
  /// Throws InvalidArgument for an empty name or a variable of another graph.
  Saver(const Graph& g, const std::map<std::string, Variable>& var_list, int max_to_keep = 5);

  /// Writes the variables' values to `save_path` ("<save_path>-<global_step>" when a step is
  /// given, as TF) and returns that path. Then records it in "<dir>/checkpoint" and deletes
  /// the oldest checkpoints this Saver wrote beyond max_to_keep.
  /// Throws: InvalidArgument when `sess` runs another graph; FailedPrecondition naming the
  /// variable when one is not initialised (nothing is written then); NotFound when the
  /// directory does not exist; FailedPrecondition when the file cannot be written.
  std::string save(Session& sess, const std::string& save_path,
                   std::optional<int64_t> global_step = std::nullopt);

  /// Loads every variable of the Saver from the checkpoint file `save_path`. All checks run
  /// before any variable changes, so a failed restore leaves the Session as it was.
  /// Throws: NotFound when the file does not exist or lacks a variable the Saver needs (naming
  /// it); DataLoss naming the file and the problem (bad magic, truncated at byte N, CRC
  /// mismatch for variable X, ...) for a corrupted file; InvalidArgument naming the variable,
  /// the expected and the received dtype and shape when they differ, or when `sess` runs
  /// another graph.
  void restore(Session& sess, const std::string& save_path) const;

  /// The checkpoints this Saver wrote and kept, oldest first.
  const std::vector<std::string>& last_checkpoints() const { return last_checkpoints_; }

 private:
  const Graph* graph_;
  std::vector<std::pair<std::string, Node*>> vars_;  // checkpoint name -> variable, sorted
  int max_to_keep_;
  std::vector<std::string> last_checkpoints_;
};

/// The content of a checkpoint state file (TF's CheckpointState): paths relative to the
/// directory of the state file unless absolute.
struct CheckpointState {
  std::string model_checkpoint_path;
  std::vector<std::string> all_model_checkpoint_paths;
};

/// Reads "<checkpoint_dir>/checkpoint"; nullopt when it does not exist.
/// Throws DataLoss naming the file and line when it is malformed.
std::optional<CheckpointState> get_checkpoint_state(const std::string& checkpoint_dir);

/// The path of the newest checkpoint recorded in `checkpoint_dir`, joined to the directory
/// when relative; nullopt when there is no state file or the checkpoint file is gone.
/// Throws DataLoss when the state file is malformed.
std::optional<std::string> latest_checkpoint(const std::string& checkpoint_dir);

/// One variable of a checkpoint file.
struct CheckpointEntry {
  std::string name;
  Tensor value;
};

/// Every variable of a checkpoint file, in the file's order, after checking all its CRCs
/// (tf.train.load_checkpoint).
/// Throws NotFound when the file does not exist, DataLoss when it is truncated or corrupted.
std::vector<CheckpointEntry> read_checkpoint(const std::string& path);

}  // namespace dl::train
