/* Helpers the cgroup backends share: reading and writing the files of one
   cgroup directory, with errors that name the file and the value.  */
#ifndef HOLO_CGROUP_INTERNAL_H
#define HOLO_CGROUP_INTERNAL_H

#include "../utils.h"
#include <stdbool.h>
#include <stdint.h>

/* Writes VALUE to DIR/FILE: "write `VALUE` to `DIR/FILE`: strerror".  */
int holo_cg_write (const char *dir, const char *file, const char *value, holo_error_t *err);
int holo_cg_writef (const char *dir, const char *file, holo_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Reads DIR/FILE whole (NUL-terminated, trailing newline kept).  */
int holo_cg_read (const char *dir, const char *file, char **out, holo_error_t *err);
/* The first number in DIR/FILE ("max" reads as UINT64_MAX).  -1 without an
   error set when the file is missing or not a number.  */
int holo_cg_read_u64 (const char *dir, const char *file, uint64_t *out);
/* The value of KEY in a flat-keyed file ("key value" lines, memory.stat,
   cpu.stat, memory.events).  -1 when absent.  */
int holo_cg_read_keyed (const char *dir, const char *file, const char *key, uint64_t *out);
bool holo_cg_exists (const char *dir, const char *file);

struct holo_resources;
/* rdma.max, the same file on v1 and v2: "DEV hca_handle=N hca_object=M"
   with only the keys that are set (the kernel keeps the others).  */
int holo_cgroup_write_rdma (const char *dir, const struct holo_resources *r, holo_error_t *err);

/* "max" for a negative limit, the number otherwise (into BUF).  */
const char *holo_cg_limit_str (int64_t v, char *buf, size_t size);

#endif
