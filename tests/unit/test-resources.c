/* Unit tests for linux.resources: the parser and its errors, the cgroup v2
   conversions, size parsing for `update` flags, the device rule list and
   its semantics, and (as root, with a cgroup2 hierarchy) the eBPF device
   program enforced by the kernel on a scratch cgroup.  */
#define _GNU_SOURCE
#include "libcontainer/cgroups/cgroups.h"
#include "libcontainer/cgroups/convert.h"
#include "libcontainer/cgroups/resources.h"
#include "libcontainer/utils.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct holo_resources *
parse (const char *json, char **error)
{
  holo_error_t err = NULL;
  struct holo_resources *r = NULL;
  *error = NULL;
  if (holo_resources_parse_json (json, strlen (json), "config.json", &r, &err) < 0)
    {
      *error = holo_xstrdup (err->msg);
      holo_error_release (&err);
      return NULL;
    }
  return r;
}

#define PARSE_FAILS(json, text)                                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      char *e_;                                                                                                        \
      struct holo_resources *r_ = parse (json, &e_);                                                                   \
      holo_resources_free (r_);                                                                                        \
      UNIT_ASSERT (r_ == NULL);                                                                                        \
      bool ok_ = strstr (e_, text) != NULL;                                                                            \
      if (!ok_)                                                                                                        \
        fprintf (stdout, "# error: %s (want %s)\n", e_, text);                                                         \
      free (e_);                                                                                                       \
      UNIT_ASSERT (ok_);                                                                                               \
    }                                                                                                                  \
  while (0)

static void
test_parse_everything (void)
{
  char *e;
  struct holo_resources *r = parse (
      "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
      "\"access\":\"rw\"}],"
      "\"memory\":{\"limit\":104857600,\"reservation\":1,\"swap\":-1,\"kernel\":2,\"kernelTCP\":3,"
      "\"swappiness\":0,\"disableOOMKiller\":true,\"useHierarchy\":false},"
      "\"cpu\":{\"shares\":512,\"quota\":-1,\"period\":100000,\"realtimeRuntime\":10,\"realtimePeriod\":20,"
      "\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":1,\"burst\":5},"
      "\"pids\":{\"limit\":-1},"
      "\"blockIO\":{\"weight\":500,\"leafWeight\":300,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":20}],"
      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
      "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":7}]},"
      "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
      "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
      "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}},"
      "\"unified\":{\"memory.high\":\"1000000\"}}",
      &e);
  if (r == NULL)
    fprintf (stdout, "# %s\n", e);
  UNIT_ASSERT (r != NULL);
  UNIT_ASSERT_INT_EQ (r->n_devices, 2);
  UNIT_ASSERT (!r->devices[0].allow);
  UNIT_ASSERT_INT_EQ (r->devices[0].type, 'a');
  UNIT_ASSERT_INT_EQ (r->devices[0].major, HOLO_DEV_WILDCARD);
  UNIT_ASSERT_INT_EQ (r->devices[1].access, HOLO_DEV_ACC_READ | HOLO_DEV_ACC_WRITE);
  UNIT_ASSERT (r->memory.limit.set && r->memory.limit.v == 104857600);
  UNIT_ASSERT (r->memory.swap.set && r->memory.swap.v == -1);
  UNIT_ASSERT (r->memory.swappiness.set && r->memory.swappiness.v == 0);
  UNIT_ASSERT (r->memory.disable_oom_killer.set && r->memory.disable_oom_killer.v);
  UNIT_ASSERT (r->memory.use_hierarchy.set && !r->memory.use_hierarchy.v);
  UNIT_ASSERT (r->cpu.quota.set && r->cpu.quota.v == -1);
  UNIT_ASSERT_STR_EQ (r->cpu.cpus, "0-1");
  UNIT_ASSERT (r->cpu.idle.set && r->cpu.idle.v == 1);
  UNIT_ASSERT (r->pids_limit.set && r->pids_limit.v == -1);
  UNIT_ASSERT_INT_EQ (r->blkio.n_weight_devices, 1);
  UNIT_ASSERT (r->blkio.weight_devices[0].weight.set && !r->blkio.weight_devices[0].leaf_weight.set);
  UNIT_ASSERT_INT_EQ (r->blkio.read_bps.n, 1);
  UNIT_ASSERT_INT_EQ (r->blkio.write_iops.v[0].minor, 16);
  UNIT_ASSERT_STR_EQ (r->hugepages[0].page_size, "2MB");
  UNIT_ASSERT_INT_EQ (r->net_class_id.v, 1048577);
  UNIT_ASSERT_STR_EQ (r->net_priorities[0].name, "eth0");
  UNIT_ASSERT_STR_EQ (r->rdma[0].device, "mlx5_1");
  UNIT_ASSERT (r->rdma[0].hca_handles.set && !r->rdma[0].hca_objects.set);
  UNIT_ASSERT_STR_EQ (r->unified[0].key, "memory.high");
  holo_resources_free (r);
}

static void
test_parse_empty_and_absent (void)
{
  char *e;
  struct holo_resources *r = parse ("{}", &e);
  UNIT_ASSERT (r != NULL);
  UNIT_ASSERT (!r->memory.limit.set && !r->cpu.shares.set && r->cpu.cpus == NULL && r->n_devices == 0);
  holo_resources_free (r);
  holo_error_t err = NULL;
  UNIT_ASSERT_INT_EQ (holo_resources_parse (NULL, "config.json", "linux.resources", &r, &err), 0);
  UNIT_ASSERT (!r->pids_limit.set);
  holo_resources_free (r);
  /* null is absent, as Go's decoder has it */
  r = parse ("{\"memory\":null,\"cpu\":{\"shares\":null}}", &e);
  UNIT_ASSERT (r != NULL && !r->cpu.shares.set);
  holo_resources_free (r);
}

static void
test_parse_errors_name_the_path (void)
{
  PARSE_FAILS ("{\"memory\":{\"limit\":\"1g\"}}", "config.json: memory.limit: must be an integer");
  PARSE_FAILS ("{\"memory\":{\"limit\":-2}}", "memory.limit: must be an integer between -1");
  PARSE_FAILS ("{\"memory\":{\"swappiness\":101}}", "memory.swappiness: invalid memory swappiness value 101");
  PARSE_FAILS ("{\"memory\":[]}", "memory: must be an object");
  PARSE_FAILS ("{\"cpu\":{\"shares\":-1}}", "cpu.shares: must be a non-negative integer");
  PARSE_FAILS ("{\"cpu\":{\"cpus\":\"0;rm\"}}", "cpu.cpus: `0;rm`");
  PARSE_FAILS ("{\"cpu\":{\"idle\":2}}", "cpu.idle: must be 0 or 1");
  PARSE_FAILS ("{\"devices\":[{\"access\":\"r\"}]}", "devices[0].allow: must be specified");
  PARSE_FAILS ("{\"devices\":[{\"allow\":true,\"type\":\"x\",\"access\":\"r\"}]}", "devices[0].type: `x`");
  PARSE_FAILS ("{\"devices\":[{\"allow\":true,\"access\":\"r\"},{\"allow\":true,\"access\":\"rwx\"}]}",
               "devices[1].access: `rwx`");
  /* Without access a rule used to mean "rwm": {"allow":true} opened every
     device.  runc refuses it ("device access at 1 field cannot be empty"). */
  PARSE_FAILS ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\"}]}",
               "config.json: devices[1].access: must be specified");
  PARSE_FAILS ("{\"devices\":[{\"allow\":false,\"access\":\"\"}]}",
               "config.json: devices[0].access: must not be empty");
  /* update -r documents go through the same parser as config.json.  */
  PARSE_FAILS ("{\"pids\":{\"limit\":1,\"limit\":2}}", "config.json: pids.limit: duplicate key");
  PARSE_FAILS ("{\"devices\":{}}", "devices: must be an array");
  PARSE_FAILS ("{\"blockIO\":{\"weight\":1001}}", "blockIO.weight: must be an integer between 0 and 1000");
  PARSE_FAILS ("{\"blockIO\":{\"weightDevice\":[{\"minor\":0}]}}", "blockIO.weightDevice[0].major: must be specified");
  PARSE_FAILS ("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0}]}}",
               "blockIO.throttleReadBpsDevice[0].rate: must be specified");
  PARSE_FAILS ("{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}", "hugepageLimits[0].pageSize: `2M`");
  PARSE_FAILS ("{\"network\":{\"classID\":4294967296}}", "network.classID: must be an integer between 0 and");
  PARSE_FAILS ("{\"rdma\":{\"mlx\":{\"hcaHandles\":\"x\"}}}", "rdma.mlx.hcaHandles: must be a non-negative integer");
  PARSE_FAILS ("{\"unified\":{\"../../etc/passwd\":\"x\"}}", "must name a cgroup file");
  PARSE_FAILS ("{\"unified\":{\"memory.max\":1}}", "unified[\"memory.max\"]: must be a string");
  PARSE_FAILS ("{\"pids\":{\"limit\":1.5}}", "pids.limit: must be an integer");
  PARSE_FAILS ("[1]", "must be a JSON object");
}

static void
test_config_path_prefix (void)
{
  holo_error_t err = NULL;
  yajl_val tree = yajl_tree_parse ("{\"memory\":{\"limit\":true}}", NULL, 0);
  struct holo_resources *r = NULL;
  UNIT_ASSERT (holo_resources_parse (tree, "config.json", "linux.resources", &r, &err) < 0);
  UNIT_ASSERT_STR_EQ (err->msg, "config.json: linux.resources.memory.limit: must be an integer");
  holo_error_release (&err);
  yajl_tree_free (tree);
}

static void
test_cpu_shares_to_weight (void)
{
  UNIT_ASSERT_INT_EQ (holo_cpu_shares_to_weight (0), 0);
  UNIT_ASSERT_INT_EQ (holo_cpu_shares_to_weight (1), 1);
  UNIT_ASSERT_INT_EQ (holo_cpu_shares_to_weight (2), 1);
  UNIT_ASSERT_INT_EQ (holo_cpu_shares_to_weight (1024), 100);
  UNIT_ASSERT_INT_EQ (holo_cpu_shares_to_weight (262144), 10000);
  UNIT_ASSERT_INT_EQ (holo_cpu_shares_to_weight (1000000), 10000);
  /* monotonic and inside [1, 10000] */
  uint64_t last = 0;
  for (uint64_t s = 2; s <= 262144; s += 97)
    {
      uint64_t w = holo_cpu_shares_to_weight (s);
      UNIT_ASSERT (w >= last && w >= 1 && w <= 10000);
      last = w;
    }
  UNIT_ASSERT (holo_cpu_shares_to_weight (512) < 100 && holo_cpu_shares_to_weight (2048) > 100);
}

static void
test_blkio_weight_conversion (void)
{
  UNIT_ASSERT_INT_EQ (holo_blkio_weight_to_io_weight (0), 0);
  UNIT_ASSERT_INT_EQ (holo_blkio_weight_to_io_weight (10), 1);
  UNIT_ASSERT_INT_EQ (holo_blkio_weight_to_io_weight (500), 1 + 490 * 9999 / 990);
  UNIT_ASSERT_INT_EQ (holo_blkio_weight_to_io_weight (1000), 10000);
}

static void
test_memory_swap_conversion (void)
{
  holo_error_t err = NULL;
  int64_t v = 0;
  bool set;
  UNIT_ASSERT_INT_EQ (holo_memory_swap_to_v2 (0, -1, &v, &set, &err), 0);
  UNIT_ASSERT (set && v == -1);
  UNIT_ASSERT_INT_EQ (holo_memory_swap_to_v2 (-1, 100, &v, &set, &err), 0);
  UNIT_ASSERT (set && v == -1);
  UNIT_ASSERT_INT_EQ (holo_memory_swap_to_v2 (0, 100, &v, &set, &err), 0);
  UNIT_ASSERT (!set);
  UNIT_ASSERT_INT_EQ (holo_memory_swap_to_v2 (300, 100, &v, &set, &err), 0);
  UNIT_ASSERT (set && v == 200);
  UNIT_ASSERT_INT_EQ (holo_memory_swap_to_v2 (100, 100, &v, &set, &err), 0);
  UNIT_ASSERT (set && v == 0);
  UNIT_ASSERT (holo_memory_swap_to_v2 (50, 100, &v, &set, &err) < 0);
  holo_error_release (&err);
  UNIT_ASSERT (holo_memory_swap_to_v2 (50, 0, &v, &set, &err) < 0);
  holo_error_release (&err);
}

static void
test_parse_size (void)
{
  int64_t v;
  UNIT_ASSERT (holo_parse_size ("42", &v) == 0 && v == 42);
  UNIT_ASSERT (holo_parse_size ("512m", &v) == 0 && v == 512LL << 20);
  UNIT_ASSERT (holo_parse_size ("512M", &v) == 0 && v == 512LL << 20);
  UNIT_ASSERT (holo_parse_size ("1g", &v) == 0 && v == 1LL << 30);
  UNIT_ASSERT (holo_parse_size ("1GiB", &v) == 0 && v == 1LL << 30);
  UNIT_ASSERT (holo_parse_size ("100kb", &v) == 0 && v == 102400);
  UNIT_ASSERT (holo_parse_size ("1.5k", &v) == 0 && v == 1536);
  UNIT_ASSERT (holo_parse_size ("-1", &v) == 0 && v == -1);
  UNIT_ASSERT (holo_parse_size ("1x", &v) < 0);
  UNIT_ASSERT (holo_parse_size ("", &v) < 0);
  UNIT_ASSERT (holo_parse_size ("-5", &v) < 0);
  UNIT_ASSERT (holo_parse_size ("m", &v) < 0);
  UNIT_ASSERT (holo_parse_size ("99999999999p", &v) < 0);
}

/* ---- the eBPF program, enforced by the kernel ---- */

static char *
cgroup2_root (void)
{
  struct statfs sf;
  if (statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    return holo_xstrdup ("/sys/fs/cgroup");
  if (statfs ("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    return holo_xstrdup ("/sys/fs/cgroup/unified");
  return NULL;
}

/* In a child moved into DIR: 0 when open(PATH, FLAGS) works, else errno. */
static int
open_in_cgroup (const char *dir, const char *path, int flags)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      char *procs = holo_xasprintf ("%s/cgroup.procs", dir);
      if (holo_write_file (procs, "0", 1, NULL) < 0)
        _exit (200);
      int fd = open (path, flags | O_CLOEXEC);
      _exit (fd >= 0 ? 0 : errno);
    }
  int status;
  waitpid (pid, &status, 0);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 255;
}

static int
mknod_in_cgroup (const char *dir, const char *path, dev_t dev)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      char *procs = holo_xasprintf ("%s/cgroup.procs", dir);
      if (holo_write_file (procs, "0", 1, NULL) < 0)
        _exit (200);
      _exit (mknod (path, S_IFCHR | 0600, dev) == 0 ? 0 : errno);
    }
  int status;
  waitpid (pid, &status, 0);
  unlink (path);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 255;
}

/* ---- device rules as the kernel applies them, on either backend ---- */

/* A scratch cgroup with the devices controller: cgroup2 (the eBPF program)
   or the v1 devices hierarchy.  */
struct dev_cgroup
{
  const char *backend;
  char *dir;
  int (*apply) (const char *dir, const struct holo_device_rule *rules, size_t n, holo_error_t *err);
};

static bool
dev_cgroup_make (struct dev_cgroup *c, bool v2)
{
  cleanup_free char *root = v2 ? cgroup2_root () : holo_cgroup_controller_dir ("", "devices");
  if (root == NULL || (!v2 && holo_cgroup_mode () == HOLO_CGROUP_UNIFIED))
    return false;
  c->backend = v2 ? "eBPF" : "v1 devices";
  c->dir = holo_xasprintf ("%s/holo-unit-dev-%s-%d", root, v2 ? "bpf" : "v1", (int) getpid ());
  c->apply = v2 ? holo_cgroup_bpf_devices : holo_cgroup_v1_devices;
  return mkdir (c->dir, 0755) == 0;
}

/* Whether a process in C may open a node of TYPE MAJOR:MINOR for FLAGS, or
   (FLAGS -1) create one: the node is made outside the cgroup; opening a
   device that does not exist fails with ENXIO/ENODEV only after the
   cgroup check, which says EPERM.  */
static bool
dev_allowed (const struct dev_cgroup *c, char type, unsigned major, unsigned minor, int flags)
{
  cleanup_free char *node = holo_xasprintf ("/tmp/holo-unit-node-%d-%u-%u", (int) getpid (), major, minor);
  dev_t dev = makedev (major, minor);
  if (flags == -1)
    return mknod_in_cgroup (c->dir, node, dev) != EPERM;
  unlink (node);
  if (mknod (node, (type == 'b' ? S_IFBLK : S_IFCHR) | 0600, dev) < 0)
    return false;
  int r = open_in_cgroup (c->dir, node, flags);
  unlink (node);
  return r != EPERM;
}

#define DEV_EXPECT(c, want, type, major, minor, flags)                                                                 \
  do                                                                                                                   \
    {                                                                                                                  \
      if (dev_allowed (c, type, major, minor, flags) != (want))                                                        \
        {                                                                                                              \
          fprintf (stdout, "# %s: %c %u:%u flags %d: expected %s\n", (c)->backend, type, major, minor, flags,          \
                   (want) ? "allowed" : "denied");                                                                     \
          failed = true;                                                                                               \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

/* What linux.resources.devices mean, checked where they are enforced: the
   last matching rule decides, an allow must grant every access asked for,
   a deny matches as soon as it takes one away; and the default rules come
   after the config's, so /dev/null stays usable after "deny everything". */
static void
test_device_rules_enforced (void)
{
  if (geteuid () != 0)
    {
      fprintf (stdout, "# skipped: needs root\n");
      return;
    }
  const struct holo_device_rule semantics[] = {
    { .allow = true, .type = 'a', .major = -1, .minor = -1, .access = HOLO_DEV_ACC_ALL },
    { .allow = false, .type = 'c', .major = 1, .minor = 3, .access = HOLO_DEV_ACC_WRITE },
    { .allow = true, .type = 'c', .major = 1, .minor = -1, .access = HOLO_DEV_ACC_READ },
  };
  char *e;
  struct holo_resources *r = parse ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}", &e);
  struct holo_device_rule *defaults;
  size_t n_defaults;
  holo_resources_device_rules (r, &defaults, &n_defaults);
  holo_resources_free (r);
  bool failed = false;
  int backends = 0;

  for (int v2 = 0; v2 <= 1; v2++)
    {
      struct dev_cgroup cg = { 0 };
      if (!dev_cgroup_make (&cg, v2))
        {
          fprintf (stdout, "# no %s cgroup here\n", v2 ? "cgroup2" : "v1 devices");
          free (cg.dir);
          continue;
        }
      backends++;
      holo_error_t err = NULL;
      if (cg.apply (cg.dir, semantics, 3, &err) < 0)
        {
          fprintf (stdout, "# %s: %s\n", cg.backend, err->msg);
          holo_error_release (&err);
          failed = true;
        }
      DEV_EXPECT (&cg, true, 'c', 1, 3, O_RDONLY);
      DEV_EXPECT (&cg, false, 'c', 1, 3, O_WRONLY);
      DEV_EXPECT (&cg, false, 'c', 1, 3, O_RDWR);
      DEV_EXPECT (&cg, true, 'c', 1, 5, O_WRONLY);
      DEV_EXPECT (&cg, true, 'b', 1, 3, O_WRONLY);

      if (cg.apply (cg.dir, defaults, n_defaults, &err) < 0)
        {
          fprintf (stdout, "# %s: %s\n", cg.backend, err->msg);
          holo_error_release (&err);
          failed = true;
        }
      DEV_EXPECT (&cg, true, 'c', 1, 3, O_RDWR);
      DEV_EXPECT (&cg, true, 'c', 136, 7, O_RDONLY);   /* a pty */
      DEV_EXPECT (&cg, false, 'c', 10, 229, O_RDONLY); /* fuse */
      DEV_EXPECT (&cg, true, 'b', 8, 0, -1);           /* mknod of anything */
      DEV_EXPECT (&cg, false, 'b', 8, 0, O_RDONLY);
      DEV_EXPECT (&cg, false, 'c', 1, 1, O_RDONLY); /* /dev/mem */
      rmdir (cg.dir);
      free (cg.dir);
    }
  free (defaults);
  UNIT_ASSERT (backends > 0);
  UNIT_ASSERT (!failed);
}

static void
test_bpf_program_enforced (void)
{
  cleanup_free char *root = cgroup2_root ();
  if (geteuid () != 0 || root == NULL)
    {
      fprintf (stdout, "# skipped: needs root and a cgroup2 hierarchy\n");
      return;
    }
  cleanup_free char *dir = holo_xasprintf ("%s/holo-unit-bpf-%d", root, (int) getpid ());
  UNIT_ASSERT (mkdir (dir, 0755) == 0);
  holo_error_t err = NULL;

  /* only /dev/null, read and write */
  const struct holo_device_rule only_null[] = {
    { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = HOLO_DEV_ACC_READ | HOLO_DEV_ACC_WRITE },
  };
  int ret = holo_cgroup_bpf_devices (dir, only_null, 1, &err);
  if (ret < 0)
    fprintf (stdout, "# %s\n", err->msg);
  int null_rw = open_in_cgroup (dir, "/dev/null", O_RDWR);
  int zero_r = open_in_cgroup (dir, "/dev/zero", O_RDONLY);
  cleanup_free char *node = holo_xasprintf ("/tmp/holo-unit-node-%d", (int) getpid ());
  int mknod_denied = mknod_in_cgroup (dir, node, makedev (1, 3));

  /* everything, then a deny of writes to null: replaces the first program */
  const struct holo_device_rule deny_write[] = {
    { .allow = true, .type = 'a', .major = -1, .minor = -1, .access = HOLO_DEV_ACC_ALL },
    { .allow = false, .type = 'c', .major = 1, .minor = 3, .access = HOLO_DEV_ACC_WRITE },
  };
  int ret2 = holo_cgroup_bpf_devices (dir, deny_write, 2, &err);
  int null_r = open_in_cgroup (dir, "/dev/null", O_RDONLY);
  int null_w = open_in_cgroup (dir, "/dev/null", O_WRONLY);
  int zero_r2 = open_in_cgroup (dir, "/dev/zero", O_RDONLY);

  /* the full list a container gets loads (the verifier accepts it) */
  struct holo_device_rule *rules;
  size_t n;
  holo_resources_device_rules (NULL, &rules, &n);
  int ret3 = holo_cgroup_bpf_devices (dir, rules, n, &err);
  int tty = open_in_cgroup (dir, "/dev/tty", O_RDONLY);
  free (rules);
  rmdir (dir);

  UNIT_ASSERT_INT_EQ (ret, 0);
  UNIT_ASSERT_INT_EQ (null_rw, 0);
  UNIT_ASSERT_INT_EQ (zero_r, EPERM);
  UNIT_ASSERT_INT_EQ (mknod_denied, EPERM);
  UNIT_ASSERT_INT_EQ (ret2, 0);
  UNIT_ASSERT_INT_EQ (null_r, 0);
  UNIT_ASSERT_INT_EQ (null_w, EPERM);
  UNIT_ASSERT_INT_EQ (zero_r2, 0);
  UNIT_ASSERT_INT_EQ (ret3, 0);
  /* no controlling terminal here: ENXIO means the cgroup let it through */
  UNIT_ASSERT (tty == 0 || tty == ENXIO);
}

/* A program that denies every access, attached beside the others, as
   another manager (or an older holo) may have left on the cgroup.  */
static int
attach_deny_all (int cgroup_fd)
{
  struct bpf_insn insns[] = {
    { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
    { .code = BPF_JMP | BPF_EXIT },
  };
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uintptr_t) insns;
  attr.insn_cnt = 2;
  attr.license = (uintptr_t) "Apache";
  int prog = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  if (prog < 0)
    return -1;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cgroup_fd;
  attr.attach_bpf_fd = (uint32_t) prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  int ret = (int) syscall (SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr);
  close (prog);
  return ret;
}

static int
count_attached (int cgroup_fd)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t) cgroup_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  if (syscall (SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr) < 0)
    return -1;
  return (int) attr.query.prog_cnt;
}

/* The kernel takes at most 64 programs per cgroup: with that many already
   attached, ours still replaces them all (it used to fail with E2BIG and
   leave the old ones, so their rules stacked over the container's).  */
static void
test_bpf_program_replaces_a_full_list (void)
{
  cleanup_free char *root = cgroup2_root ();
  if (geteuid () != 0 || root == NULL)
    {
      fprintf (stdout, "# skipped: needs root and a cgroup2 hierarchy\n");
      return;
    }
  cleanup_free char *dir = holo_xasprintf ("%s/holo-unit-bpf-full-%d", root, (int) getpid ());
  UNIT_ASSERT (mkdir (dir, 0755) == 0);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int attached = 0;
  while (attached < 64 && attach_deny_all (fd) == 0)
    attached++;
  int before = open_in_cgroup (dir, "/dev/null", O_RDONLY);
  const struct holo_device_rule null_only[] = {
    { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = HOLO_DEV_ACC_READ | HOLO_DEV_ACC_WRITE },
  };
  holo_error_t err = NULL;
  int ret = holo_cgroup_bpf_devices (dir, null_only, 1, &err);
  if (ret < 0)
    fprintf (stdout, "# %s\n", err->msg);
  holo_error_release (&err);
  int after = open_in_cgroup (dir, "/dev/null", O_RDONLY);
  int zero = open_in_cgroup (dir, "/dev/zero", O_RDONLY);
  int left = count_attached (fd);
  close (fd);
  rmdir (dir);

  UNIT_ASSERT_INT_EQ (attached, 64);
  UNIT_ASSERT_INT_EQ (before, EPERM);
  UNIT_ASSERT_INT_EQ (ret, 0);
  UNIT_ASSERT_INT_EQ (left, 1);
  UNIT_ASSERT_INT_EQ (after, 0);
  UNIT_ASSERT_INT_EQ (zero, EPERM);
}

int
main (void)
{
  UNIT_RUN (test_parse_everything);
  UNIT_RUN (test_parse_empty_and_absent);
  UNIT_RUN (test_parse_errors_name_the_path);
  UNIT_RUN (test_config_path_prefix);
  UNIT_RUN (test_cpu_shares_to_weight);
  UNIT_RUN (test_blkio_weight_conversion);
  UNIT_RUN (test_memory_swap_conversion);
  UNIT_RUN (test_parse_size);
  UNIT_RUN (test_bpf_program_enforced);
  UNIT_RUN (test_device_rules_enforced);
  UNIT_RUN (test_bpf_program_replaces_a_full_list);
  return unit_finish ();
}
