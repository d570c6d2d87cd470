/* Conversions of linux.resources (cgroup v1 units) for cgroup v2.  */
#ifndef HOLO_CGROUP_CONVERT_H
#define HOLO_CGROUP_CONVERT_H

#include "../error.h"
#include <stdbool.h>
#include <stdint.h>

/* cpu.shares [2, 262144] to cpu.weight [1, 10000], mapping 1024 to 100
   (the quadratic mapping runc >= 1.3.2 and crun >= 1.23 use); 0 stays 0. */
uint64_t holo_cpu_shares_to_weight (uint64_t shares);
/* blkio.weight [10, 1000] to io.weight [1, 10000]; 0 stays 0.  */
uint64_t holo_blkio_weight_to_io_weight (uint64_t weight);
/* memory.swap (memory + swap) to memory.swap.max (swap alone); -1 = "max";
   nothing to write (SET false) when the swap limit is unset.  */
int holo_memory_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out, bool *set, holo_error_t *err);

#endif
