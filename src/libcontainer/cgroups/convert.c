/* linux.resources values are cgroup v1's; cgroup v2 takes some of them in
   other units or meanings.  The conversions v2.c writes with.  */
#define _GNU_SOURCE
#include "convert.h"

#include <math.h>

uint64_t
holo_cpu_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  /* weight = 10^((log2(s)^2 + 125 log2(s)) / 612 - 7/34): a parabola in
     log space through (2, 1), (1024, 100) and (262144, 10000).  7/34 is
     126/612, kept in one fraction so 1024 gives exactly 100.  */
  double l = log2 ((double) shares);
  double w = ceil (pow (10.0, (l * l + 125.0 * l - 126.0) / 612.0));
  return w < 1 ? 1 : w > 10000 ? 10000 : (uint64_t) w;
}

uint64_t
holo_blkio_weight_to_io_weight (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight <= 10)
    return 1;
  if (weight >= 1000)
    return 10000;
  /* [10, 1000] onto [1, 10000], linearly.  */
  return 1 + (weight - 10) * 9999 / 990;
}

int
holo_memory_swap_to_v2 (int64_t swap, int64_t limit, int64_t *out, bool *set, holo_error_t *err)
{
  *set = true;
  /* "memory: -1" alone means both unlimited, as on cgroup v1.  */
  if (limit == -1 && swap == 0)
    {
      *out = -1;
      return 0;
    }
  if (swap == -1)
    {
      *out = -1;
      return 0;
    }
  if (swap == 0)
    {
      *set = false;
      return 0;
    }
  if (limit <= 0)
    return holo_make_error (err, 0, "invalid memory.swap %lld: a swap limit needs a memory limit", (long long) swap);
  if (swap < limit)
    return holo_make_error (err, 0, "invalid memory.swap %lld: memory+swap must not be below memory.limit %lld",
                            (long long) swap, (long long) limit);
  *out = swap - limit;
  return 0;
}
