#include "dl/kernels/threading.h"

#include <omp.h>

extern "C" void openblas_set_num_threads(int num_threads);

namespace dl {

void set_intra_op_threads(int n) {
  if (n <= 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int intra_op_threads() { return omp_get_max_threads(); }

}  // namespace dl
