#pragma once
/// Cases: pairs of programs that should train the same, and the registry behind
/// `parity_check list` and `parity_check run <case>`.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dl/tools/parity_check/lib/dataset.h"
#include "dl/tools/parity_check/lib/program.h"

namespace dl::parity {

/// What a factory varies between runs: the seed drives the graph's random seed (initial
/// weights, dropout masks) and the data order.
struct BuildOptions {
  int64_t seed = 0;
};
/// Builds a fresh, finalized program (a new Graph each call).
using ProgramFactory = std::function<TrainingProgram(const BuildOptions&)>;

/// The short training schedule of a case.
struct Schedule {
  int epochs = 2;
  int64_t steps_per_epoch = 0;  ///< 0: whole epochs
};

/// A pair: program A (the reference, usually the one that trains as expected) and program B.
/// parity_check explains how B differs from A.
struct Case {
  std::string name;
  std::string description;
  ProgramFactory a;
  ProgramFactory b;
  std::function<Dataset()> data;
  Schedule schedule;
};

/// Registers a case under `name` (replacing one of the same name). The factory is called each
/// time the case is listed or run.
void register_case(const std::string& name, std::function<Case()> factory);
/// Registered names, sorted.
std::vector<std::string> case_names();
/// The case `name`; throws NotFound listing the registered names.
Case make_case(const std::string& name);
/// Registers the built-in example cases (idempotent).
void register_builtin_cases();

}  // namespace dl::parity
