#ifndef HOLO_UTILS_H
#define HOLO_UTILS_H

#include "alloc.h"
#include "error.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Lexically normalised absolute form of PATH ("a//b/./c/" -> "/a/b/c");
   ".." components are kept out of the result by clamping at "/" (Go's
   filepath.Clean of "/" + PATH, as runc's CleanPath).  */
char *holo_clean_path (const char *path); /* internal */

#pragma GCC visibility push(default)

/* Reads a whole file (NUL-terminated buffer).  */
int holo_read_file (const char *path, char **out, size_t *len, holo_error_t *err);
int holo_read_file_at (int dirfd, const char *path, char **out, size_t *len, holo_error_t *err);
/* Writes DATA to PATH (O_WRONLY|O_TRUNC, creating with MODE if missing).  */
int holo_write_file (const char *path, const void *data, size_t len, holo_error_t *err);
int holo_write_file_at (int dirfd, const char *path, const void *data, size_t len, holo_error_t *err);
/* Atomic replace: write to a temp file in the same dir then rename.  */
int holo_write_file_atomic_at (int dirfd, const char *name, const void *data, size_t len, holo_error_t *err);

/* write(2)/read(2) retrying on EINTR and short writes.  */
ssize_t holo_write_all (int fd, const void *buf, size_t len);
ssize_t holo_read_all (int fd, void *buf, size_t len);

int holo_mkdir_p (const char *path, mode_t mode, holo_error_t *err);

/* Start time of PID (field 22 of /proc/PID/stat) and its state letter;
   returns -1 (no error set) when the process does not exist.  */
int holo_proc_stat (pid_t pid, unsigned long long *starttime, char *state);

/* Signal name or number ("KILL", "SIGKILL", "9") to a number; -1 if unknown.  */
int holo_parse_signal (const char *s);

/* RFC 3339 UTC timestamp with nanoseconds, as runc writes "created".  */
char *holo_now_rfc3339 (void);

/* Send / receive one fd over an AF_UNIX socket with SCM_RIGHTS.  */
int holo_send_fd (int sock, int fd, holo_error_t *err);
int holo_recv_fd (int sock, holo_error_t *err);

/* Close every fd >= FIRST except those in KEEP (KEEP may be NULL).  */
void holo_close_fds_from (int first);
/* Mark every fd >= FIRST close-on-exec.  */
int holo_cloexec_fds_from (int first, holo_error_t *err);

/* Writes PID (no newline, as runc) to PATH atomically.  */
int holo_write_pid_file (const char *path, pid_t pid, holo_error_t *err);

#pragma GCC visibility pop

#endif
