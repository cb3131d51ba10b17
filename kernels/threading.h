#pragma once
/// Thread-count control for every kernel back end (OpenMP, oneDNN, OpenBLAS).
namespace dl {
/// Sets the threads used inside one kernel; n <= 0 means all cores.
void set_intra_op_threads(int n);
/// The threads a kernel may use now.
int intra_op_threads();
}  // namespace dl
