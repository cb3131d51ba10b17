#pragma once
/// The built-in cases of the five reports in ../shared/seeds/: each seed's graph-tier program
/// written as its author wrote it (with the choices the report shows) and its Keras-tier
/// program as in the report, on real data available here (Fashion-MNIST for the images,
/// fortunes for the texts, the sort task's own generator for 004). docs/parity_check.md lists
/// what each case substitutes for data the report used and this machine does not have.
#include "dl/tools/parity_check/lib/registry.h"

namespace dl::parity {

/// Registers seed000 ... seed004 (idempotent; called by register_builtin_cases).
void register_seed_cases();

}  // namespace dl::parity
