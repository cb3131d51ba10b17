#pragma once
/// A training program as two files, so a user can check a pair without writing C++: the graph
/// in dl's text format (docs/graph_format.md, dl::io::write_graph) and its roles as JSON (which
/// tensors are the input, labels, loss, metrics, logits...; the train op; the training flag;
/// the data recipe). docs/parity_check.md documents the roles file.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dl/highlevel/backend.h"
#include "dl/tools/parity_check/lib/keras_program.h"
#include "dl/tools/parity_check/lib/registry.h"

namespace dl::parity {

/// Writes the program's graph and roles. Throws as dl::io::write_graph, and FailedPrecondition
/// when the roles file cannot be written.
void write_program(const TrainingProgram& p, const std::string& graph_path,
                   const std::string& roles_path);

/// The roles of a program as JSON text.
std::string roles_json(const TrainingProgram& p);

/// Reads a program from its two files. With opts.seed 0 the file's initial weights are drawn
/// as written; another seed redraws every random initial value from the same distribution with
/// seeds derived from it (after the variables are initialised), and sets the recipe's shuffle
/// seed. Throws NotFound for a missing file or tensor, InvalidArgument for a bad roles file
/// (naming the field).
TrainingProgram load_program(const std::string& graph_path, const std::string& roles_path,
                             const BuildOptions& opts);

/// How a Keras model read from a config file is trained: model.fit's arguments, and the
/// files that complete the config.
struct KerasFileOptions {
  /// batch_size, shuffle, validation_split, scale (the preprocessing before fit) and
  /// evaluate()'s batch size; shuffle_seed is set from each build's seed.
  KerasFit fit = {};
  /// A file holding a Keras compile_config as JSON ({"optimizer": ..., "loss": ...,
  /// "metrics": [...]}), for a config that has none (dl's to_json writes none) or to replace
  /// the config's own; empty: the config's own compile_config.
  std::string compile_config = {};
  /// A weights file (Keras .h5, or dl's format) loaded as the initial weights, the same for
  /// every seed; empty: the config's initializers, drawn from each build's seed.
  std::string weights = {};
  keras::Profile profile = keras::Profile::keras3;
};

/// A Keras-tier program from a Keras model config file (model.to_json() of Keras 3 or Keras 2,
/// or dl's), compiled from its compile_config (or o.compile_config), trained as model.fit with
/// o.fit. Throws NotFound for a missing file, InvalidArgument for a config model_from_json
/// refuses (naming the layer and key), for a model that is not compiled by either, and as
/// keras_program for a model with several inputs or outputs.
TrainingProgram load_keras_program(const std::string& config_path, const KerasFileOptions& o,
                                   const BuildOptions& opts);

/// One program of a files case: a graph and its roles file, or a Keras model config.
struct ProgramFiles {
  std::string graph = {}, roles = {};  ///< a graph-tier program (both set)
  std::string keras_config = {};       ///< or a Keras model config
};

/// The programs named on a command line: "X.graph X.roles.json" (an argument ending in
/// ".graph" takes the next as its roles file) or "M.json" (a Keras model config). Throws
/// InvalidArgument unless the arguments name exactly two programs.
std::pair<ProgramFiles, ProgramFiles> program_files_from_args(const std::vector<std::string>& args);

/// A case of two programs read from files.
Case case_from_files(const ProgramFiles& a, const ProgramFiles& b, const std::string& data_spec,
                     const KerasFileOptions& keras = {});
Case case_from_files(const std::string& a_graph, const std::string& a_roles,
                     const std::string& b_graph, const std::string& b_roles,
                     const std::string& data_spec);

/// A data set from a short spec:
///   "fashion_mnist[:n_train[:n_val]]"             (defaults 2000 and 500)
///   "clusters:features:classes[:n_train[:n_val]]" (synthetic_classification)
///   "images:h:w:c:classes[:n_train[:n_val]]"      (synthetic_images)
///   "sort:size[:n_train[:n_val]]"                 (synthetic_sort)
/// Throws InvalidArgument for another spec.
std::function<Dataset()> dataset_from_spec(const std::string& spec);

}  // namespace dl::parity
