/* holo shim — the `start` and `delete` subcommands and the long-lived
   server.

   start: containerd runs `SHIM -namespace NS -address A -publish-binary P
   -id ID start` in the bundle with the runtime options on stdin.  The
   socket is unix:///run/containerd/s/<sha256(A/NS/ID)>, as containerd's own
   shims derive it.  The start process binds it, forks the server (which
   becomes a session leader with /dev/null on stdin and stdout, and the
   bundle's `log` FIFO as stderr), writes `address` into the bundle, prints
   the address and exits.  containerd 1.6 reads the plain address; 1.7+
   (which sets MAX_SHIM_VERSION) gets the JSON bootstrap.  */
#define _GNU_SOURCE
#include "shim.h"
#include "libcontainer/sha256.h"
#include "task.pb-c.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define SOCKET_DIR "/run/containerd/s"

/* filepath.Join(address, namespace, id), as containerd hashes it.  */
static char *
socket_path (struct shim *shim)
{
  cleanup_free char *joined = holo_xasprintf ("%s/%s/%s", shim->containerd_address, shim->namespace, shim->id);
  uint8_t digest[32];
  char hex[65];
  size_t o = 0, len = strlen (joined);

  /* Clean like Go's filepath.Clean for the common cases: no "//", no
     trailing "/".  */
  for (size_t i = 0; i < len; i++)
    if (!(joined[i] == '/' && o > 0 && joined[o - 1] == '/'))
      joined[o++] = joined[i];
  while (o > 1 && joined[o - 1] == '/')
    o--;
  joined[o] = '\0';
  holo_sha256 (joined, o, digest);
  holo_hex (digest, sizeof digest, hex);
  return holo_xasprintf (SOCKET_DIR "/%s", hex);
}

static int
unix_socket (const char *path, bool do_listen, holo_error_t *err)
{
  return do_listen ? ttrpc_unix_listen (path, 64, 0, err) : ttrpc_unix_connect (path, 0, err);
}

/* Binds PATH; 0 with *FD = -1 when a live shim already serves it.  */
static int
bind_shim_socket (const char *path, int *fd, holo_error_t *err)
{
  cleanup_error holo_error_t tmp = NULL;
  int probe;

  if (holo_mkdir_p (SOCKET_DIR, 0711, err) < 0)
    return -1;
  *fd = unix_socket (path, true, &tmp);
  if (*fd >= 0)
    return 0;
  if (tmp->status != EADDRINUSE)
    {
      *err = steal_pointer (&tmp);
      return -1;
    }
  probe = unix_socket (path, false, NULL);
  if (probe >= 0)
    {
      close (probe);
      *fd = -1;
      return 0;
    }
  unlink (path);
  *fd = unix_socket (path, true, err);
  return *fd < 0 ? -1 : 0;
}

static void
print_address (const char *address)
{
  const char *max = getenv ("MAX_SHIM_VERSION");

  if (max && *max)
    {
      int version = atoi (max) >= 3 ? 3 : 2;
      printf ("{\"version\":%d,\"address\":\"%s\",\"protocol\":\"ttrpc\"}", version, address);
    }
  else
    printf ("%s", address);
  fflush (stdout);
}

/* The server's stdio: nothing that containerd reads from start.  */
static void
detach_stdio (void)
{
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  int log = open ("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);

  dup2 (null, STDIN_FILENO);
  dup2 (null, STDOUT_FILENO);
  dup2 (log >= 0 ? log : null, STDERR_FILENO);
  if (log >= 0)
    close (log);
  close (null);
}

/* Like containerd's own shims: one point more likely than containerd to be
   chosen by the OOM killer, so that containerd outlives its shims.  */
static void
adjust_oom_score (void)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/oom_score_adj", getppid ());
  cleanup_free char *text = NULL;
  cleanup_free char *mine = NULL;
  long score;

  if (holo_read_file (path, &text, NULL, NULL) < 0)
    return;
  score = strtol (text, NULL, 10) + 1;
  if (score > 1000)
    score = 1000;
  mine = holo_xasprintf ("%ld", score);
  holo_write_file ("/proc/self/oom_score_adj", mine, strlen (mine), NULL);
}

/* A HOLO_SHIM_TIMEOUTS the server could not use fails the start, where
   containerd shows the error, rather than later.  */
static int
check_deadlines (holo_error_t *err)
{
  struct shim_runtime probe = { 0 };
  int ret = shim_runtime_set_deadlines (&probe, getenv ("HOLO_SHIM_TIMEOUTS"), err);

  shim_runtime_free_deadlines (&probe);
  return ret;
}

/* The reaper (with the task's exit handler, or none) and the runtime on
   the shim's loop.  */
static int
setup_runtime (struct shim *shim, shim_exit_handler handler, holo_error_t *err)
{
  if (shim_loop_init (&shim->loop, err) < 0)
    return -1;
  if (shim_reaper_init (&shim->reaper, &shim->loop, handler, shim, err) < 0)
    return -1;
  shim_runtime_init (&shim->runtime, &shim->loop, &shim->reaper, &shim->opts, shim->namespace);
  return shim_runtime_set_deadlines (&shim->runtime, getenv ("HOLO_SHIM_TIMEOUTS"), err);
}

int
shim_cmd_start (struct shim *shim, holo_error_t *err)
{
  cleanup_free char *path = socket_path (shim);
  cleanup_free char *address = holo_xasprintf ("unix://%s", path);
  int fd;
  pid_t pid;

  if (shim_options_read_stdin (&shim->opts, err) < 0)
    return -1;
  if (check_deadlines (err) < 0)
    return -1;
  if (bind_shim_socket (path, &fd, err) < 0)
    return -1;
  if (holo_write_file ("address", address, strlen (address), err) < 0)
    return -1;
  if (fd >= 0)
    {
      adjust_oom_score ();
      pid = fork ();
      if (pid < 0)
        return holo_make_error (err, errno, "fork");
      if (pid == 0)
        {
          cleanup_error holo_error_t serr = NULL;
          setsid ();
          detach_stdio ();
          /* Only the socket goes on: containerd's own inherited fds do not.  */
          if (fd != 3)
            {
              dup2 (fd, 3);
              close (fd);
              fd = 3;
            }
          holo_close_fds_from (4);
          if (shim->opts.shim_cgroup && shim_join_cgroup (shim->opts.shim_cgroup, &serr) < 0)
            {
              holo_log_warning ("%s", serr->msg);
              holo_error_release (&serr);
            }
          shim->socket_path = holo_xstrdup (path);
          if (shim_serve (shim, fd, &serr) < 0)
            {
              holo_log_error ("%s", serr->msg);
              _exit (1);
            }
          _exit (0);
        }
      close (fd);
      /* Written before the address is printed: who reads the address may
         look for the server by it.  */
      {
        cleanup_free char *pidstr = holo_xasprintf ("%d", pid);
        holo_write_file ("shim.pid", pidstr, strlen (pidstr), NULL);
      }
    }
  print_address (address);
  return 0;
}

struct delete_result
{
  struct shim *shim;
  bool done;
  holo_error_t err;
};

static void
deleted (void *data, int code, holo_error_t *err)
{
  struct delete_result *r = data;

  r->done = true;
  r->err = steal_pointer (err);
  r->shim->loop.quit = true;
}

/* `holo delete --force ID` on a loop of its own, with its deadline.  */
static int
force_delete (struct shim *shim, holo_error_t *err)
{
  char *args[] = { (char *) "delete", (char *) "--force", shim->id, NULL };
  struct delete_result r = { .shim = shim };
  struct shim_runtime_cmd cmd
      = { .bundle = shim->bundle, .args = args, .stdio = { -1, -1, -1 }, .done = deleted, .data = &r };
  int ret;

  if (setup_runtime (shim, NULL, err) < 0 || shim_runtime_start (&shim->runtime, &cmd, err) < 0)
    return -1;
  ret = shim_loop_run (&shim->loop, err);
  shim_runtime_close (&shim->runtime);
  shim_reaper_close (&shim->reaper);
  shim_loop_close (&shim->loop);
  if (ret < 0)
    {
      holo_error_release (&r.err);
      return -1;
    }
  if (r.err)
    *err = steal_pointer (&r.err);
  return r.done && *err == NULL ? 0 : -1;
}

/* delete: containerd's clean-up after a shim that died: force-delete the
   container, unmount its rootfs, and print a DeleteResponse.  */
int
shim_cmd_delete (struct shim *shim, holo_error_t *err)
{
  Hs__DeleteResponse resp = HS__DELETE_RESPONSE__INIT;
  Hs__Timestamp ts = HS__TIMESTAMP__INIT;
  cleanup_error holo_error_t rt_err = NULL;
  cleanup_free uint8_t *buf = NULL;
  struct timespec now;
  size_t len;
  int saved;

  saved = shim_options_load (&shim->opts, shim->bundle, err);
  if (saved < 0)
    return -1;
  /* Without the options a Create saves first, no container was made (the
     start failed, or so did reading the options): nothing for the runtime
     to delete, and no reason to guess its root.  */
  if (saved && force_delete (shim, &rt_err) < 0 && rt_err && strstr (rt_err->msg, "does not exist") == NULL)
    holo_log_warning ("%s", rt_err->msg);
  shim_unmount_rootfs (shim->bundle);
  /* The dead server's socket, unless a live shim still answers there.  */
  {
    cleanup_free char *path = socket_path (shim);
    int probe = unix_socket (path, false, NULL);
    if (probe >= 0)
      close (probe);
    else
      unlink (path);
  }
  clock_gettime (CLOCK_REALTIME, &now);
  shim_timestamp (&ts, &now);
  resp.exit_status = 128 + SIGKILL;
  resp.exited_at = &ts;
  buf = ttrpc_pack (&resp.base, &len);
  if (holo_write_all (STDOUT_FILENO, buf, len) < 0)
    return holo_make_error (err, errno, "write");
  return 0;
}

int
shim_serve (struct shim *shim, int listen_fd, holo_error_t *err)
{
  signal (SIGPIPE, SIG_IGN);
  if (setup_runtime (shim, shim_task_reaped, err) < 0)
    return -1;
  shim_events_init (shim);
  if (ttrpc_server_init (&shim->server, &shim->loop, listen_fd, shim_service_handle, shim, err) < 0)
    return -1;
  if (shim_loop_run (&shim->loop, err) < 0)
    return -1;
  /* Shutdown: the last answers and events go out, then the socket goes.  */
  ttrpc_server_drain (&shim->server, 1000);
  shim_events_flush (shim, 3000);
  ttrpc_server_close (&shim->server);
  if (shim->socket_path)
    unlink (shim->socket_path);
  return 0;
}
