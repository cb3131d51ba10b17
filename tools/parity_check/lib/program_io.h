#pragma once
/// A training program as two files, so a user can check a pair without writing C++: the graph
/// in dl's text format (docs/graph_format.md, dl::io::write_graph) and its roles as JSON (which
/// tensors are the input, labels, loss, metrics, logits...; the train op; the training flag;
/// the data recipe). docs/parity_check.md documents the roles file.
#include <functional>
#include <string>

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

/// A case of two programs read from files.
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
