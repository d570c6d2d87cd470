/* Unit tests for the CRIU glue that needs no working CRIU: the flags, the
   CriuOpts builders (packed and unpacked again), the external mounts of a
   restore, the stdio record (a real child with a pipe), mountinfo.  */
#define _GNU_SOURCE
#include "libcontainer/criu/criu.h"
#include "libcontainer/utils.h"
#include "unit.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *config_json
    = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
      " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
      " \"mounts\": [{\"destination\": \"/data/\", \"type\": \"bind\", \"source\": \"vol\","
      "               \"options\": [\"rbind\"]},"
      "              {\"destination\": \"/abs\", \"source\": \"/srv/x\", \"options\": [\"bind\"]},"
      "              {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}],"
      " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\"}],"
      "            \"maskedPaths\": [\"/proc/kcore\"]}}";

static struct holo_spec *
parse_config (void)
{
  struct holo_spec *spec = NULL;
  holo_error_t err = NULL;
  if (holo_spec_parse (config_json, strlen (config_json), &spec, &err) < 0)
    {
      fprintf (stdout, "# %s\n", err->msg);
      holo_error_release (&err);
      return NULL;
    }
  return spec;
}

static const char *
ext_mount (const CriuOpts *o, const char *key)
{
  for (size_t i = 0; i < o->n_ext_mnt; i++)
    if (strcmp (o->ext_mnt[i]->key, key) == 0)
      return o->ext_mnt[i]->val;
  return NULL;
}

static void
test_flags (void)
{
  struct holo_spec *spec = parse_config ();
  struct holo_criu_flags f = { .manage_cgroups_mode = "full", .tcp_established = true, .empty_ns = "network" };
  holo_error_t err = NULL;
  CriuOpts o;

  UNIT_ASSERT (spec != NULL);
  holo_criu_opts_init (&o);
  UNIT_ASSERT_INT_EQ (holo_criu_apply_flags (&o, &f, spec, &err), 0);
  UNIT_ASSERT (o.has_manage_cgroups_mode && o.manage_cgroups_mode == CRIU_CG_MODE__FULL);
  UNIT_ASSERT (o.manage_cgroups && o.tcp_established && !o.shell_job);
  UNIT_ASSERT_INT_EQ (o.empty_ns, CLONE_NEWNET);
  UNIT_ASSERT_INT_EQ (o.log_level, 4);
  holo_criu_opts_release (&o);

  f.manage_cgroups_mode = "ignore";
  f.empty_ns = NULL;
  UNIT_ASSERT_INT_EQ (holo_criu_apply_flags (&o, &f, spec, &err), 0);
  UNIT_ASSERT (o.manage_cgroups_mode == CRIU_CG_MODE__IGNORE && !o.manage_cgroups);
  holo_criu_opts_release (&o);

  f.manage_cgroups_mode = "sometimes";
  UNIT_ASSERT_INT_EQ (holo_criu_apply_flags (&o, &f, spec, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "invalid --manage-cgroups-mode `sometimes`");
  holo_error_release (&err);
  holo_criu_opts_release (&o);

  f.manage_cgroups_mode = NULL;
  f.empty_ns = "ipc";
  UNIT_ASSERT_INT_EQ (holo_criu_apply_flags (&o, &f, spec, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "only network");
  holo_error_release (&err);
  holo_criu_opts_release (&o);
  holo_spec_free (spec);
}

/* What the builders make survives protobuf: pack, unpack, compare.  */
static void
test_opts_pack (void)
{
  CriuOpts o;
  holo_criu_opts_init (&o);
  o.images_dir_fd = 7;
  holo_criu_set_string (&o.root, "/r");
  holo_criu_add_ext_mount (&o, "/data", "/srv/data");
  holo_criu_add_external (&o, "net[4026531992]:holo-netns");
  holo_criu_add_external (&o, "net[4026531992]:holo-netns"); /* once */
  holo_criu_add_inherit_fd (&o, "pipe:[42]", 1);
  holo_criu_add_join_ns (&o, "uts", "/proc/1/ns/uts");
  holo_criu_add_cg_root (&o, NULL, "/c1");

  size_t len = criu_opts__get_packed_size (&o);
  uint8_t *buf = holo_xmalloc (len);
  criu_opts__pack (&o, buf);
  CriuOpts *u = criu_opts__unpack (NULL, len, buf);
  free (buf);
  UNIT_ASSERT (u != NULL);
  UNIT_ASSERT_INT_EQ (u->images_dir_fd, 7);
  UNIT_ASSERT_STR_EQ (u->root, "/r");
  UNIT_ASSERT_INT_EQ (u->n_ext_mnt, 1);
  UNIT_ASSERT_STR_EQ (u->ext_mnt[0]->val, "/srv/data");
  UNIT_ASSERT_INT_EQ (u->n_external, 1);
  UNIT_ASSERT_INT_EQ (u->n_inherit_fd, 1);
  UNIT_ASSERT_STR_EQ (u->inherit_fd[0]->key, "pipe:[42]");
  UNIT_ASSERT_INT_EQ (u->inherit_fd[0]->fd, 1);
  UNIT_ASSERT_STR_EQ (u->join_ns[0]->ns_file, "/proc/1/ns/uts");
  UNIT_ASSERT (u->cg_root[0]->ctrl == NULL);
  UNIT_ASSERT_STR_EQ (u->cg_root[0]->path, "/c1");
  criu_opts__free_unpacked (u, NULL);
  holo_criu_opts_release (&o);
  UNIT_ASSERT_INT_EQ (o.n_ext_mnt, 0);
}

static void
test_restore_mounts (void)
{
  struct holo_spec *spec = parse_config ();
  holo_error_t err = NULL;
  CriuOpts o;

  UNIT_ASSERT (spec != NULL);
  holo_criu_opts_init (&o);
  UNIT_ASSERT_INT_EQ (holo_criu_restore_mounts (&o, spec, "/b", "/sys/fs/cgroup/c1", &err), 0);
  /* Keys are the clean destinations; relative sources are the bundle's.  */
  UNIT_ASSERT_STR_EQ (ext_mount (&o, "/data"), "/b/vol");
  UNIT_ASSERT_STR_EQ (ext_mount (&o, "/abs"), "/srv/x");
  UNIT_ASSERT_STR_EQ (ext_mount (&o, "/proc/kcore"), "/dev/null");
  UNIT_ASSERT_STR_EQ (ext_mount (&o, "/dev/null"), "/dev/null");
  UNIT_ASSERT (ext_mount (&o, "/tmp") == NULL);
  holo_criu_opts_release (&o);
  holo_spec_free (spec);
}

static void
test_read_mounts (void)
{
  struct holo_criu_mount *m = NULL;
  size_t n = 0;
  holo_error_t err = NULL;
  bool root = false;

  UNIT_ASSERT_INT_EQ (holo_criu_read_mounts (getpid (), &m, &n, &err), 0);
  for (size_t i = 0; i < n; i++)
    root |= strcmp (m[i].mount_point, "/") == 0 && m[i].id > 0 && m[i].fs_type[0] != '\0';
  holo_criu_mounts_free (m, n);
  UNIT_ASSERT (root);
  UNIT_ASSERT_INT_EQ (holo_criu_read_mounts (-1, &m, &n, &err), -1);
  holo_error_release (&err);
}

/* A child with /dev/null on 0 and one pipe on 1 and 2: the pipe is
   recorded (once), /dev/null is ours so it stays in the image.  */
static void
test_stdio_record (void)
{
  char dir[] = "/tmp/holo-test-criu.XXXXXX";
  int p[2];
  holo_error_t err = NULL;
  CriuOpts o;

  UNIT_ASSERT (mkdtemp (dir) != NULL);
  UNIT_ASSERT (pipe (p) == 0);
  pid_t child = fork ();
  if (child == 0)
    {
      int null = open ("/dev/null", O_RDONLY);
      dup2 (null, 0);
      dup2 (p[1], 1);
      dup2 (p[1], 2);
      pause ();
      _exit (0);
    }
  close (p[1]);
  /* Until the child's fds are in place: the pipe's write end shows up.  */
  char want[64], link[64];
  struct stat st;
  fstat (p[0], &st);
  snprintf (want, sizeof want, "pipe:[%lu]", (unsigned long) st.st_ino);
  cleanup_free char *fd2 = holo_xasprintf ("/proc/%d/fd/2", child);
  for (int i = 0; i < 500; i++)
    {
      ssize_t len = readlink (fd2, link, sizeof link - 1);
      if (len > 0 && (link[len] = '\0', strcmp (link, want) == 0))
        break;
      usleep (10000);
    }

  int images = open (dir, O_RDONLY | O_DIRECTORY);
  holo_criu_opts_init (&o);
  int ret = holo_criu_dump_stdio (&o, child, images, &err);
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  UNIT_ASSERT_INT_EQ (ret, 0);
  UNIT_ASSERT_INT_EQ (o.n_external, 0);
  holo_criu_opts_release (&o);

  UNIT_ASSERT_INT_EQ (holo_criu_restore_stdio (&o, images, &err), 0);
  UNIT_ASSERT_INT_EQ (o.n_inherit_fd, 1);
  UNIT_ASSERT_STR_EQ (o.inherit_fd[0]->key, want);
  UNIT_ASSERT_INT_EQ (o.inherit_fd[0]->fd, 1);
  holo_criu_opts_release (&o);

  unlinkat (images, HOLO_CRIU_STDIO_FILE, 0);
  close (images);
  close (p[0]);
  rmdir (dir);
}

static void
test_find (void)
{
  holo_error_t err = NULL;
  char *path = NULL;
  const char *saved = getenv ("PATH");
  char *copy = saved ? holo_xstrdup (saved) : NULL;

  setenv ("PATH", "/nonexistent", 1);
  UNIT_ASSERT_INT_EQ (holo_criu_find (&path, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "criu not found: install the criu package");
  holo_error_release (&err);
  UNIT_ASSERT (holo_criu_which ("sh") == NULL);
  setenv ("PATH", "/bin:/usr/bin", 1);
  path = holo_criu_which ("sh");
  UNIT_ASSERT (path != NULL && path[0] == '/');
  free (path);
  if (copy)
    setenv ("PATH", copy, 1);
  free (copy);
}

int
main (void)
{
  UNIT_RUN (test_flags);
  UNIT_RUN (test_opts_pack);
  UNIT_RUN (test_restore_mounts);
  UNIT_RUN (test_read_mounts);
  UNIT_RUN (test_stdio_record);
  UNIT_RUN (test_find);
  return unit_finish ();
}
