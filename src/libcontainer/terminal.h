#ifndef HOLO_TERMINAL_H
#define HOLO_TERMINAL_H

#include "libcontainer.h"
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

/* holo_terminal_proxy and holo_terminal_copy_window_size (foreground
   run/exec) are public: libcontainer.h.  */

#endif
