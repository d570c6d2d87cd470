/* holo shim — what the shim reads from the container's cgroup itself:
   the pids (Pids), the metrics (Stats, as io.containerd.cgroups.v1.Metrics
   on cgroup v1 hosts and io.containerd.cgroups.v2.Metrics on v2), and OOM
   notifications (v1: eventfd on memory.oom_control; v2: inotify on
   memory.events).  The cgroup is found from /proc/<init>/cgroup.  */
#define _GNU_SOURCE
#include "shim.h"
#include "metrics.pb-c.h"
#include "events.pb-c.h"
#include "libcontainer/utils.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

static bool
cgroup2_host (void)
{
  struct statfs st;
  return statfs (CGROUP_ROOT, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

/* The directory of PID's cgroup for CONTROLLER (v1) or its unified cgroup.  */
static char *
cgroup_dir (pid_t pid, const char *controller)
{
  cleanup_free char *path = holo_xasprintf ("/proc/%d/cgroup", pid);
  cleanup_free char *text = NULL;
  bool v2 = cgroup2_host ();
  char *line, *save = NULL;

  if (holo_read_file (path, &text, NULL, NULL) < 0)
    return NULL;
  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *ctrls = strchr (line, ':'), *rel;
      if (ctrls == NULL || (rel = strchr (ctrls + 1, ':')) == NULL)
        continue;
      *rel++ = '\0';
      ctrls++;
      if (v2)
        {
          if (*ctrls == '\0')
            return holo_xasprintf (CGROUP_ROOT "%s", rel);
          continue;
        }
      for (char *c = ctrls, *s2 = NULL, *tok; (tok = strtok_r (c, ",", &s2)); c = NULL)
        if (strcmp (tok, controller) == 0)
          return holo_xasprintf (CGROUP_ROOT "/%s%s", controller, rel);
    }
  return NULL;
}

static uint64_t
read_u64 (const char *dir, const char *file)
{
  cleanup_free char *path = holo_xasprintf ("%s/%s", dir, file);
  cleanup_free char *text = NULL;

  if (holo_read_file (path, &text, NULL, NULL) < 0 || strncmp (text, "max", 3) == 0)
    return 0;
  return strtoull (text, NULL, 10);
}

/* The value of KEY in a "key value" per line file (memory.stat, cpu.stat).  */
static uint64_t
stat_value (const char *text, const char *key)
{
  size_t n = strlen (key);

  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, key, n) == 0 && p[n] == ' ')
      return strtoull (p + n + 1, NULL, 10);
  return 0;
}

static char *
read_text (const char *dir, const char *file)
{
  cleanup_free char *path = holo_xasprintf ("%s/%s", dir, file);
  char *text = NULL;

  if (holo_read_file (path, &text, NULL, NULL) < 0)
    return holo_xstrdup ("");
  return text;
}

int
shim_cgroup_pids (pid_t pid, pid_t **pids, size_t *n, holo_error_t *err)
{
  cleanup_free char *dir = cgroup_dir (pid, "pids");
  cleanup_free char *text = NULL;
  size_t cap = 0;

  *pids = NULL;
  *n = 0;
  if (dir == NULL)
    dir = cgroup_dir (pid, "memory");
  if (dir == NULL)
    return holo_make_error (err, 0, "cannot find the cgroup of pid %d", pid);
  text = read_text (dir, "cgroup.procs");
  for (char *p = text; *p;)
    {
      char *end;
      long v = strtol (p, &end, 10);
      if (end == p)
        break;
      if (*n == cap)
        {
          cap = cap ? cap * 2 : 16;
          *pids = holo_xrealloc (*pids, cap * sizeof (pid_t));
        }
      (*pids)[(*n)++] = (pid_t) v;
      p = end;
      while (*p == '\n')
        p++;
    }
  return 0;
}

static void
pack_any (Hs__Any *out, const char *type, const ProtobufCMessage *msg)
{
  size_t len;
  out->type_url = holo_xstrdup (type);
  out->value.data = ttrpc_pack (msg, &len);
  out->value.len = len;
}

static int
stats_v1 (pid_t pid, Hs__Any *out, holo_error_t *err)
{
  cleanup_free char *mem = cgroup_dir (pid, "memory");
  cleanup_free char *cpu = cgroup_dir (pid, "cpuacct");
  cleanup_free char *cpuc = cgroup_dir (pid, "cpu");
  cleanup_free char *pidsd = cgroup_dir (pid, "pids");
  cleanup_free char *memstat = NULL, *cpustat = NULL, *throttle = NULL, *percpu = NULL;
  cleanup_free uint64_t *per_cpu = NULL;
  Hs__V1Metrics m = HS__V1_METRICS__INIT;
  Hs__V1PidsStat pids = HS__V1_PIDS_STAT__INIT;
  Hs__V1CPUStat cpust = HS__V1_CPUSTAT__INIT;
  Hs__V1CPUUsage usage = HS__V1_CPUUSAGE__INIT;
  Hs__V1Throttle thr = HS__V1_THROTTLE__INIT;
  Hs__V1MemoryStat ms = HS__V1_MEMORY_STAT__INIT;
  Hs__V1MemoryEntry mu = HS__V1_MEMORY_ENTRY__INIT, sw = HS__V1_MEMORY_ENTRY__INIT, kern = HS__V1_MEMORY_ENTRY__INIT;
  size_t n_cpu = 0;

  if (mem == NULL && cpu == NULL && pidsd == NULL)
    return holo_make_error (err, 0, "cannot find the cgroup of pid %d", pid);
  if (pidsd)
    {
      pids.current = read_u64 (pidsd, "pids.current");
      pids.limit = read_u64 (pidsd, "pids.max");
      m.pids = &pids;
    }
  if (cpu)
    {
      usage.total = read_u64 (cpu, "cpuacct.usage");
      cpustat = read_text (cpu, "cpuacct.stat");
      /* cpuacct.stat counts USER_HZ ticks.  */
      usage.user = stat_value (cpustat, "user") * 10000000ull;
      usage.kernel = stat_value (cpustat, "system") * 10000000ull;
      percpu = read_text (cpu, "cpuacct.usage_percpu");
      for (char *p = percpu, *end;; p = end)
        {
          uint64_t v = strtoull (p, &end, 10);
          if (end == p)
            break;
          per_cpu = holo_xrealloc (per_cpu, (n_cpu + 1) * sizeof (uint64_t));
          per_cpu[n_cpu++] = v;
        }
      usage.per_cpu = per_cpu;
      usage.n_per_cpu = n_cpu;
      cpust.usage = &usage;
      if (cpuc)
        {
          throttle = read_text (cpuc, "cpu.stat");
          thr.periods = stat_value (throttle, "nr_periods");
          thr.throttled_periods = stat_value (throttle, "nr_throttled");
          thr.throttled_time = stat_value (throttle, "throttled_time");
          cpust.throttling = &thr;
        }
      m.cpu = &cpust;
    }
  if (mem)
    {
      memstat = read_text (mem, "memory.stat");
      ms.cache = stat_value (memstat, "cache");
      ms.rss = stat_value (memstat, "rss");
      ms.rss_huge = stat_value (memstat, "rss_huge");
      ms.mapped_file = stat_value (memstat, "mapped_file");
      ms.dirty = stat_value (memstat, "dirty");
      ms.writeback = stat_value (memstat, "writeback");
      ms.pg_pg_in = stat_value (memstat, "pgpgin");
      ms.pg_pg_out = stat_value (memstat, "pgpgout");
      ms.pg_fault = stat_value (memstat, "pgfault");
      ms.pg_maj_fault = stat_value (memstat, "pgmajfault");
      ms.inactive_anon = stat_value (memstat, "inactive_anon");
      ms.active_anon = stat_value (memstat, "active_anon");
      ms.inactive_file = stat_value (memstat, "inactive_file");
      ms.active_file = stat_value (memstat, "active_file");
      ms.unevictable = stat_value (memstat, "unevictable");
      ms.hierarchical_memory_limit = stat_value (memstat, "hierarchical_memory_limit");
      ms.hierarchical_swap_limit = stat_value (memstat, "hierarchical_memsw_limit");
      mu.usage = read_u64 (mem, "memory.usage_in_bytes");
      mu.limit = read_u64 (mem, "memory.limit_in_bytes");
      mu.max = read_u64 (mem, "memory.max_usage_in_bytes");
      mu.failcnt = read_u64 (mem, "memory.failcnt");
      sw.usage = read_u64 (mem, "memory.memsw.usage_in_bytes");
      sw.limit = read_u64 (mem, "memory.memsw.limit_in_bytes");
      kern.usage = read_u64 (mem, "memory.kmem.usage_in_bytes");
      kern.limit = read_u64 (mem, "memory.kmem.limit_in_bytes");
      ms.usage = &mu;
      ms.swap = &sw;
      ms.kernel = &kern;
      m.memory = &ms;
    }
  pack_any (out, "io.containerd.cgroups.v1.Metrics", &m.base);
  return 0;
}

static int
stats_v2 (pid_t pid, Hs__Any *out, holo_error_t *err)
{
  cleanup_free char *dir = cgroup_dir (pid, NULL);
  cleanup_free char *memstat = NULL, *cpustat = NULL, *events = NULL;
  Hs__V2Metrics m = HS__V2_METRICS__INIT;
  Hs__V2PidsStat pids = HS__V2_PIDS_STAT__INIT;
  Hs__V2CPUStat cpu = HS__V2_CPUSTAT__INIT;
  Hs__V2MemoryStat ms = HS__V2_MEMORY_STAT__INIT;
  Hs__V2MemoryEvents me = HS__V2_MEMORY_EVENTS__INIT;

  if (dir == NULL)
    return holo_make_error (err, 0, "cannot find the cgroup of pid %d", pid);
  pids.current = read_u64 (dir, "pids.current");
  pids.limit = read_u64 (dir, "pids.max");
  cpustat = read_text (dir, "cpu.stat");
  cpu.usage_usec = stat_value (cpustat, "usage_usec");
  cpu.user_usec = stat_value (cpustat, "user_usec");
  cpu.system_usec = stat_value (cpustat, "system_usec");
  cpu.nr_periods = stat_value (cpustat, "nr_periods");
  cpu.nr_throttled = stat_value (cpustat, "nr_throttled");
  cpu.throttled_usec = stat_value (cpustat, "throttled_usec");
  memstat = read_text (dir, "memory.stat");
  ms.anon = stat_value (memstat, "anon");
  ms.file = stat_value (memstat, "file");
  ms.kernel_stack = stat_value (memstat, "kernel_stack");
  ms.slab = stat_value (memstat, "slab");
  ms.sock = stat_value (memstat, "sock");
  ms.shmem = stat_value (memstat, "shmem");
  ms.file_mapped = stat_value (memstat, "file_mapped");
  ms.file_dirty = stat_value (memstat, "file_dirty");
  ms.file_writeback = stat_value (memstat, "file_writeback");
  ms.anon_thp = stat_value (memstat, "anon_thp");
  ms.inactive_anon = stat_value (memstat, "inactive_anon");
  ms.active_anon = stat_value (memstat, "active_anon");
  ms.inactive_file = stat_value (memstat, "inactive_file");
  ms.active_file = stat_value (memstat, "active_file");
  ms.unevictable = stat_value (memstat, "unevictable");
  ms.slab_reclaimable = stat_value (memstat, "slab_reclaimable");
  ms.slab_unreclaimable = stat_value (memstat, "slab_unreclaimable");
  ms.pgfault = stat_value (memstat, "pgfault");
  ms.pgmajfault = stat_value (memstat, "pgmajfault");
  ms.usage = read_u64 (dir, "memory.current");
  ms.usage_limit = read_u64 (dir, "memory.max");
  ms.swap_usage = read_u64 (dir, "memory.swap.current");
  ms.swap_limit = read_u64 (dir, "memory.swap.max");
  events = read_text (dir, "memory.events");
  me.low = stat_value (events, "low");
  me.high = stat_value (events, "high");
  me.max = stat_value (events, "max");
  me.oom = stat_value (events, "oom");
  me.oom_kill = stat_value (events, "oom_kill");
  m.pids = &pids;
  m.cpu = &cpu;
  m.memory = &ms;
  m.memory_events = &me;
  pack_any (out, "io.containerd.cgroups.v2.Metrics", &m.base);
  return 0;
}

int
shim_cgroup_stats (pid_t pid, Hs__Any *out, holo_error_t *err)
{
  return cgroup2_host () ? stats_v2 (pid, out, err) : stats_v1 (pid, out, err);
}

/* ------------------------------------------------------------------ OOM */

static void
publish_oom (struct shim *shim, struct shim_container *c)
{
  Hs__TaskOOM ev = HS__TASK_OOM__INIT;

  ev.container_id = c->id;
  shim_publish (shim, "/tasks/oom", "TaskOOM", &ev.base);
}

/* v1: the eventfd fires on an OOM and when the cgroup goes away.  */
static bool
oom_v1_fired (struct shim_container *c)
{
  uint64_t n;

  if (read (c->oom.fd, &n, sizeof (n)) != sizeof (n))
    return false;
  return access (c->oom_events_path, F_OK) == 0;
}

/* v2: memory.events changed; an OOM when its oom_kill count went up.  */
static bool
oom_v2_fired (struct shim_container *c)
{
  char buf[4096];
  cleanup_free char *text = NULL;
  unsigned long long kills;

  while (read (c->oom.fd, buf, sizeof (buf)) > 0)
    ;
  if (holo_read_file (c->oom_events_path, &text, NULL, NULL) < 0)
    return false;
  kills = stat_value (text, "oom_kill");
  if (kills <= c->oom_kills)
    return false;
  c->oom_kills = kills;
  return true;
}

static void
oom_ready (struct shim_loop *loop, struct shim_watch *w, uint32_t events)
{
  struct shim *shim = w->data;
  struct shim_container *c = shim->container;
  bool fired;

  if (c == NULL)
    return;
  fired = c->oom_event_fd >= 0 ? oom_v1_fired (c) : oom_v2_fired (c);
  if (fired)
    publish_oom (shim, c);
  else if (c->oom_event_fd >= 0 && access (c->oom_events_path, F_OK) < 0)
    shim_oom_unwatch (shim, c);
}

static int
oom_watch_v1 (struct shim_container *c, const char *dir, holo_error_t *err)
{
  cleanup_free char *ctl = holo_xasprintf ("%s/cgroup.event_control", dir);
  cleanup_free char *line = NULL;
  int efd, ofd;

  c->oom_events_path = holo_xasprintf ("%s/memory.oom_control", dir);
  ofd = open (c->oom_events_path, O_RDONLY | O_CLOEXEC);
  if (ofd < 0)
    return holo_make_error (err, errno, "open %s", c->oom_events_path);
  efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0)
    {
      close (ofd);
      return holo_make_error (err, errno, "eventfd");
    }
  line = holo_xasprintf ("%d %d", efd, ofd);
  if (holo_write_file (ctl, line, strlen (line), err) < 0)
    {
      close (ofd);
      close (efd);
      return -1;
    }
  c->oom.fd = efd;
  c->oom_event_fd = ofd;
  return 0;
}

static int
oom_watch_v2 (struct shim_container *c, const char *dir, holo_error_t *err)
{
  cleanup_free char *text = NULL;
  int fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);

  if (fd < 0)
    return holo_make_error (err, errno, "inotify_init1");
  c->oom_events_path = holo_xasprintf ("%s/memory.events", dir);
  if (inotify_add_watch (fd, c->oom_events_path, IN_MODIFY) < 0)
    {
      close (fd);
      return holo_make_error (err, errno, "inotify %s", c->oom_events_path);
    }
  if (holo_read_file (c->oom_events_path, &text, NULL, NULL) == 0)
    c->oom_kills = stat_value (text, "oom_kill");
  c->oom.fd = fd;
  c->oom_event_fd = -1;
  return 0;
}

int
shim_oom_watch (struct shim *shim, struct shim_container *c, holo_error_t *err)
{
  bool v2 = cgroup2_host ();
  cleanup_free char *dir = cgroup_dir (c->init.pid, v2 ? NULL : "memory");

  if (dir == NULL)
    return 0; /* no memory cgroup: nothing to watch */
  c->oom.cb = oom_ready;
  c->oom.data = shim;
  if ((v2 ? oom_watch_v2 (c, dir, err) : oom_watch_v1 (c, dir, err)) < 0)
    return -1;
  return shim_watch_set (&shim->loop, &c->oom, EPOLLIN, err);
}

void
shim_oom_unwatch (struct shim *shim, struct shim_container *c)
{
  shim_watch_clear (&shim->loop, &c->oom);
  if (c->oom.fd >= 0)
    close (c->oom.fd);
  if (c->oom_event_fd >= 0)
    close (c->oom_event_fd);
  c->oom.fd = c->oom_event_fd = -1;
  free (c->oom_events_path);
  c->oom_events_path = NULL;
}
