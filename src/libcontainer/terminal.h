#ifndef HOLO_TERMINAL_H
#define HOLO_TERMINAL_H

#include "error.h"
#include <stdbool.h>

/* Inside the container (after pivot_root, /dev/pts mounted): opens a new pty
   from /dev/ptmx, applies the console size, bind-mounts the slave on
   /dev/console (if BIND_CONSOLE and /dev/console can be created; `exec`
   leaves the container's console alone), sends the master over
   CONSOLE_SOCK (one SCM_RIGHTS message), closes it, and makes the slave the
   controlling terminal and fds 0,1,2 of the calling process.  */
int holo_terminal_setup_in_container (int console_sock, bool has_size, unsigned rows, unsigned cols, bool bind_console,
                                      holo_error_t *err);

/* Connects to the --console-socket path; returns the connected fd.  */
int holo_terminal_connect_socket (const char *path, holo_error_t *err);

/* Foreground `run`/`exec` with a terminal and no console socket: copies
   between our stdin/stdout and the pty MASTER until the master hangs up,
   with our tty in raw mode and SIGWINCH forwarded as resizes.  Returns when
   the container side closes.  */
int holo_terminal_proxy (int master, holo_error_t *err);

/* Copies the window size of our terminal (stdin, else stdout) to MASTER;
   a no-op when neither is a terminal.  `run` calls it before starting the
   container so the first thing the process reads is the right size, not
   0x0 (holo_terminal_proxy copies it again, and on every SIGWINCH).  */
void holo_terminal_copy_window_size (int master);

#endif
