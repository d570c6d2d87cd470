/* Unit tests for the systemd driver's pure parts: the naming of
   "slice:prefix:name" (runc's rules, systemd's characters), the slice
   expansion, linux.resources as unit properties (runc's conversions), the
   device rules as DevicePolicy/DeviceAllow, the GVariant text of
   org.systemd.property.* annotations.  What systemd does with them is
   tested against a real systemd in the VM (tests/vm/systemd.bats).  */
#define _GNU_SOURCE
#include "libcontainer/libcontainer.h"
#include "libcontainer/cgroups/resources.h"
#include "libcontainer/cgroups/systemd.h"
#include "libcontainer/utils.h"
#include "unit.h"

#include <stdlib.h>

/* The error text of a failed call, or "" (malloc'ed).  */
static char *
take_error (holo_error_t *err)
{
  char *s = holo_xstrdup (*err ? (*err)->msg : "");
  holo_error_release (err);
  return s;
}

static void
test_expand_slice (void)
{
  holo_error_t err = NULL;
  char *s = holo_systemd_expand_slice ("a-b-c.slice", &err);
  UNIT_ASSERT_STR_EQ (s, "/a.slice/a-b.slice/a-b-c.slice");
  free (s);
  s = holo_systemd_expand_slice ("system.slice", &err);
  UNIT_ASSERT_STR_EQ (s, "/system.slice");
  free (s);
  s = holo_systemd_expand_slice ("-.slice", &err);
  UNIT_ASSERT_STR_EQ (s, "");
  free (s);
  static const char *const bad[]
      = { "a--b.slice", "-a.slice", "a-.slice", ".slice", "a.scope", "a/b.slice", "x y.slice" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      s = holo_systemd_expand_slice (bad[i], &err);
      UNIT_ASSERT (s == NULL);
      char *e = take_error (&err);
      UNIT_ASSERT_STR_CONTAINS (e, "invalid systemd slice name");
      free (e);
    }
}

static void
test_parse_path (void)
{
  holo_error_t err = NULL;
  struct holo_systemd_unit u = { 0 };
  UNIT_ASSERT_INT_EQ (holo_systemd_parse_path ("machine.slice:libpod:abc", "id", false, &u, &err), 0);
  UNIT_ASSERT_STR_EQ (u.slice, "machine.slice");
  UNIT_ASSERT_STR_EQ (u.name, "libpod-abc.scope");
  holo_systemd_unit_clear (&u);
  /* Empty: the default slice and holo's prefix; the user instance's
     default slice is user.slice.  */
  UNIT_ASSERT_INT_EQ (holo_systemd_parse_path (NULL, "c1", false, &u, &err), 0);
  UNIT_ASSERT_STR_EQ (u.slice, "system.slice");
  UNIT_ASSERT_STR_EQ (u.name, "holo-c1.scope");
  holo_systemd_unit_clear (&u);
  UNIT_ASSERT_INT_EQ (holo_systemd_parse_path (":docker:c2", "c1", true, &u, &err), 0);
  UNIT_ASSERT_STR_EQ (u.slice, "user.slice");
  UNIT_ASSERT_STR_EQ (u.name, "docker-c2.scope");
  UNIT_ASSERT (u.user);
  holo_systemd_unit_clear (&u);
  /* runc's naming with an empty prefix.  */
  UNIT_ASSERT_INT_EQ (holo_systemd_parse_path ("a-b.slice::c3", "x", false, &u, &err), 0);
  UNIT_ASSERT_STR_EQ (u.name, "-c3.scope");
  holo_systemd_unit_clear (&u);
}

#define PATH_FAILS(path, text)                                                                                         \
  do                                                                                                                   \
    {                                                                                                                  \
      holo_error_t e_ = NULL;                                                                                          \
      struct holo_systemd_unit u_ = { 0 };                                                                             \
      UNIT_ASSERT (holo_systemd_parse_path (path, "id", false, &u_, &e_) < 0);                                         \
      UNIT_ASSERT (u_.name == NULL);                                                                                   \
      char *m_ = take_error (&e_);                                                                                     \
      bool ok_ = strstr (m_, text) != NULL && strstr (m_, "linux.cgroupsPath") != NULL;                                \
      if (!ok_)                                                                                                        \
        fprintf (stdout, "# error: %s (want %s)\n", m_, text);                                                         \
      free (m_);                                                                                                       \
      UNIT_ASSERT (ok_);                                                                                               \
    }                                                                                                                  \
  while (0)

static void
test_parse_path_errors (void)
{
  PATH_FAILS ("bad", "expected \"slice:prefix:name\"");
  PATH_FAILS ("a:b", "expected \"slice:prefix:name\"");
  PATH_FAILS ("a.slice:b:c:d", "expected \"slice:prefix:name\"");
  PATH_FAILS ("a--b.slice:p:n", "invalid systemd slice name `a--b.slice`");
  PATH_FAILS ("system.slice:p:", "the name part is empty");
  PATH_FAILS ("system.slice:p:x.slice", "a container needs a scope");
  PATH_FAILS ("system.slice:p:a b", "not a valid systemd unit name");
  char longname[300];
  memset (longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  char path[400];
  snprintf (path, sizeof path, "system.slice:p:%s", longname);
  PATH_FAILS (path, "not a valid systemd unit name (at most 255");
}

static struct holo_resources *
resources (const char *json)
{
  holo_error_t err = NULL;
  struct holo_resources *r = NULL;
  if (holo_resources_parse_json (json, strlen (json), "config.json", &r, &err) < 0)
    {
      fprintf (stdout, "# %s\n", err->msg);
      holo_error_release (&err);
    }
  return r;
}

/* The text of property NAME in P ("" when absent; malloc'ed).  */
static char *
prop (const struct holo_sd_props *p, const char *name)
{
  const struct holo_sd_prop *x = holo_sd_props_find (p, name);
  return x ? holo_sd_prop_to_string (x) : holo_xstrdup ("");
}

#define PROP_IS(props, name, text)                                                                                     \
  do                                                                                                                   \
    {                                                                                                                  \
      char *s_ = prop (props, name);                                                                                   \
      bool ok_ = strcmp (s_, text) == 0;                                                                               \
      if (!ok_)                                                                                                        \
        fprintf (stdout, "# %s: got \"%s\", want \"%s\"\n", name, s_, text);                                           \
      free (s_);                                                                                                       \
      UNIT_ASSERT (ok_);                                                                                               \
    }                                                                                                                  \
  while (0)

static void
test_resource_props (void)
{
  holo_error_t err = NULL;
  struct holo_resources *r = resources ("{\"memory\":{\"limit\":104857600,\"swap\":209715200,\"reservation\":1000},"
                                        "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,"
                                        "\"cpus\":\"0-2,9\",\"mems\":\"0\"},"
                                        "\"pids\":{\"limit\":42},"
                                        "\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,"
                                        "\"weight\":1000}]}}");
  UNIT_ASSERT (r != NULL);
  struct holo_sd_props p = { 0 };
  UNIT_ASSERT_INT_EQ (holo_systemd_resource_props (r, NULL, false, &p, &err), 0);
  PROP_IS (&p, "MemoryMax", "MemoryMax=t 104857600");
  PROP_IS (&p, "MemoryLow", "MemoryLow=t 1000");
  /* memory+swap (v1) to swap alone.  */
  PROP_IS (&p, "MemorySwapMax", "MemorySwapMax=t 104857600");
  PROP_IS (&p, "CPUWeight", "CPUWeight=t 100");
  PROP_IS (&p, "CPUQuotaPeriodUSec", "CPUQuotaPeriodUSec=t 100000");
  PROP_IS (&p, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=t 500000");
  PROP_IS (&p, "TasksMax", "TasksMax=t 42");
  /* Bits 0, 1, 2 and 9: bytes 0x07 and 0x02.  */
  PROP_IS (&p, "AllowedCPUs", "AllowedCPUs=ay [7, 2]");
  PROP_IS (&p, "AllowedMemoryNodes", "AllowedMemoryNodes=ay [1]");
  PROP_IS (&p, "IOWeight", "IOWeight=t 4950");
  PROP_IS (&p, "IODeviceWeight", "IODeviceWeight=a(st) [(/dev/block/8:0, 10000)]");
  /* No device properties unless asked (update leaves them alone).  */
  PROP_IS (&p, "DevicePolicy", "");
  holo_sd_props_free (&p);
  holo_resources_free (r);
}

static void
test_cpu_quota_rounding (void)
{
  holo_error_t err = NULL;
  struct holo_sd_props p = { 0 };
  /* 12345 µs of every 100000: 123450 µs a second, rounded up to 130000
     (systemd keeps whole percents), as runc.  */
  struct holo_resources *r = resources ("{\"cpu\":{\"quota\":12345}}");
  UNIT_ASSERT_INT_EQ (holo_systemd_resource_props (r, NULL, false, &p, &err), 0);
  PROP_IS (&p, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=t 130000");
  PROP_IS (&p, "CPUQuotaPeriodUSec", "");
  holo_sd_props_free (&p);
  holo_resources_free (r);
  /* A quota of -1 (unlimited) with a period: USEC_INFINITY.  */
  r = resources ("{\"cpu\":{\"quota\":-1,\"period\":50000}}");
  UNIT_ASSERT_INT_EQ (holo_systemd_resource_props (r, NULL, false, &p, &err), 0);
  PROP_IS (&p, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=t 18446744073709551615");
  PROP_IS (&p, "CPUQuotaPeriodUSec", "CPUQuotaPeriodUSec=t 50000");
  holo_sd_props_free (&p);
  holo_resources_free (r);
  /* An update of the quota alone uses the cgroup's period.  */
  r = resources ("{\"cpu\":{\"quota\":20000}}");
  struct holo_sd_current cur = { .memory_limit = 0, .cpu_period = 200000 };
  UNIT_ASSERT_INT_EQ (holo_systemd_resource_props (r, &cur, false, &p, &err), 0);
  PROP_IS (&p, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=t 100000");
  holo_sd_props_free (&p);
  holo_resources_free (r);
}

static void
test_memory_props (void)
{
  holo_error_t err = NULL;
  struct holo_sd_props p = { 0 };
  struct holo_resources *r = resources ("{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":-1}}");
  UNIT_ASSERT_INT_EQ (holo_systemd_resource_props (r, NULL, false, &p, &err), 0);
  PROP_IS (&p, "MemoryMax", "MemoryMax=t 18446744073709551615");
  PROP_IS (&p, "MemorySwapMax", "MemorySwapMax=t 18446744073709551615");
  PROP_IS (&p, "TasksMax", "TasksMax=t 18446744073709551615");
  holo_sd_props_free (&p);
  holo_resources_free (r);
  /* An update of the swap alone counts on the cgroup's memory limit.  */
  r = resources ("{\"memory\":{\"swap\":3000}}");
  struct holo_sd_current cur = { .memory_limit = 1000, .cpu_period = 0 };
  UNIT_ASSERT_INT_EQ (holo_systemd_resource_props (r, &cur, false, &p, &err), 0);
  PROP_IS (&p, "MemorySwapMax", "MemorySwapMax=t 2000");
  holo_sd_props_free (&p);
  /* Without one it is an error.  */
  UNIT_ASSERT (holo_systemd_resource_props (r, NULL, false, &p, &err) < 0);
  char *e = take_error (&err);
  UNIT_ASSERT_STR_CONTAINS (e, "a swap limit needs a memory limit");
  free (e);
  holo_sd_props_free (&p);
  holo_resources_free (r);
}

static void
test_unified_props (void)
{
  holo_error_t err = NULL;
  struct holo_sd_props p = { 0 };
  struct holo_resources *r = resources ("{\"unified\":{\"memory.high\":\"1000\",\"memory.min\":\"max\","
                                        "\"pids.max\":\"7\",\"cpu.max\":\"25000 50000\",\"cpu.weight\":\"300\","
                                        "\"cpuset.cpus\":\"1\",\"io.weight\":\"default 50\"}}");
  UNIT_ASSERT (r != NULL);
  UNIT_ASSERT_INT_EQ (holo_systemd_resource_props (r, NULL, false, &p, &err), 0);
  PROP_IS (&p, "MemoryHigh", "MemoryHigh=t 1000");
  PROP_IS (&p, "MemoryMin", "MemoryMin=t 18446744073709551615");
  PROP_IS (&p, "TasksMax", "TasksMax=t 7");
  PROP_IS (&p, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=t 500000");
  PROP_IS (&p, "CPUQuotaPeriodUSec", "CPUQuotaPeriodUSec=t 50000");
  PROP_IS (&p, "CPUWeight", "CPUWeight=t 300");
  PROP_IS (&p, "AllowedCPUs", "AllowedCPUs=ay [2]");
  /* No property for io.weight: the cgroupfs code writes it.  */
  PROP_IS (&p, "IOWeight", "");
  holo_sd_props_free (&p);
  holo_resources_free (r);
  r = resources ("{\"unified\":{\"memory.high\":\"lots\"}}");
  UNIT_ASSERT (holo_systemd_resource_props (r, NULL, false, &p, &err) < 0);
  char *e = take_error (&err);
  UNIT_ASSERT_STR_CONTAINS (e, "linux.resources.unified: `memory.high`: `lots` is not a number");
  free (e);
  holo_sd_props_free (&p);
  holo_resources_free (r);
}

static void
test_cpuset_errors (void)
{
  holo_error_t err = NULL;
  struct holo_sd_props p = { 0 };
  struct holo_resources *r = resources ("{\"cpu\":{\"cpus\":\"0-99999\"}}");
  UNIT_ASSERT (r != NULL);
  UNIT_ASSERT (holo_systemd_resource_props (r, NULL, false, &p, &err) < 0);
  char *e = take_error (&err);
  UNIT_ASSERT_STR_CONTAINS (e, "linux.resources.cpu.cpus `0-99999`: CPU or node 99999 is out of range");
  free (e);
  holo_sd_props_free (&p);
  holo_resources_free (r);
}

static char *
device_allow (const char *json)
{
  struct holo_resources *r = resources (json);
  struct holo_device_rule *rules = NULL;
  size_t n = 0;
  holo_resources_device_rules (r, &rules, &n);
  struct holo_sd_props p = { 0 };
  holo_systemd_device_props (rules, n, &p);
  char *policy = prop (&p, "DevicePolicy");
  char *allow = prop (&p, "DeviceAllow");
  char *s = holo_xasprintf ("%s; %s", policy, allow);
  free (policy);
  free (allow);
  holo_sd_props_free (&p);
  free (rules);
  holo_resources_free (r);
  return s;
}

static void
test_device_props (void)
{
  /* What every container gets: deny-all, then runc's defaults, sorted by
     major and minor (runc's order).  */
  char *s = device_allow ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
  UNIT_ASSERT_STR_EQ (s, "DevicePolicy=s strict; DeviceAllow=a(ss) [(block-*, m), (char-*, m), (/dev/char/1:3, rwm), "
                         "(/dev/char/1:5, rwm), (/dev/char/1:7, rwm), (/dev/char/1:8, rwm), (/dev/char/1:9, rwm), "
                         "(/dev/char/5:0, rwm), (/dev/char/5:2, rwm), (/dev/char/10:200, rwm), (char-136, rwm)]");
  free (s);
  /* Allow-all: systemd's "auto" and no list.  */
  s = device_allow ("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}");
  UNIT_ASSERT_STR_EQ (s, "DevicePolicy=s auto; DeviceAllow=a(ss) []");
  free (s);
  /* A denial after a grant takes the grant away; partial access stays.  */
  s = device_allow ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                    "{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"rwm\"},"
                    "{\"allow\":false,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"w\"},"
                    "{\"allow\":true,\"type\":\"c\",\"major\":4,\"access\":\"rw\"},"
                    "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}");
  UNIT_ASSERT_STR_CONTAINS (s, "(char-4, rw)");
  UNIT_ASSERT_STR_CONTAINS (s, "(/dev/block/8:0, rm)");
  free (s);
  /* Allow-all with denials: systemd has no deny list, the unit allows
     everything (holo's own filter denies).  */
  s = device_allow ("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
                    "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}");
  UNIT_ASSERT_STR_EQ (s, "DevicePolicy=s auto; DeviceAllow=a(ss) []");
  free (s);
  /* "*:N" has no systemd form: the wider "char-*".  */
  s = device_allow ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                    "{\"allow\":true,\"type\":\"c\",\"minor\":3,\"access\":\"r\"}]}");
  UNIT_ASSERT_STR_CONTAINS (s, "(char-*, rm)");
  free (s);
}

static char *
variant (const char *text)
{
  holo_error_t err = NULL;
  struct holo_sd_prop p = { .name = (char *) "X", .sig = holo_xstrdup ("") };
  char *s;
  if (holo_gvariant_parse (text, &p, &err) < 0)
    s = holo_xasprintf ("error: %s", err->msg);
  else
    s = holo_sd_prop_to_string (&p);
  holo_error_release (&err);
  for (size_t i = 0; i < p.n_vals; i++)
    if (strchr ("sog", p.vals[i].type))
      free (p.vals[i].s);
  free (p.vals);
  free (p.sig);
  return s;
}

#define VARIANT_IS(text, want)                                                                                         \
  do                                                                                                                   \
    {                                                                                                                  \
      char *s_ = variant (text);                                                                                       \
      bool ok_ = strcmp (s_, want) == 0;                                                                               \
      if (!ok_)                                                                                                        \
        fprintf (stdout, "# %s: got \"%s\", want \"%s\"\n", text, s_, want);                                           \
      free (s_);                                                                                                       \
      UNIT_ASSERT (ok_);                                                                                               \
    }                                                                                                                  \
  while (0)

static void
test_gvariant (void)
{
  VARIANT_IS ("true", "X=b true");
  VARIANT_IS ("42", "X=i 42");
  VARIANT_IS ("-3", "X=i -3");
  VARIANT_IS ("1.5", "X=d 1.5");
  VARIANT_IS ("uint64 7", "X=t 7");
  VARIANT_IS ("@t 7", "X=t 7");
  VARIANT_IS ("byte 0x20", "X=y 32");
  VARIANT_IS ("'it''s'", "error: unexpected text after the value at offset 4");
  VARIANT_IS ("'a\\'b'", "X=s a'b");
  VARIANT_IS ("\"x y\"", "X=s x y");
  VARIANT_IS ("['a', 'b']", "X=as [a, b]");
  VARIANT_IS ("@as []", "X=as []");
  VARIANT_IS ("@au [1, 2]", "X=au [1, 2]");
  VARIANT_IS ("[1, 'b']", "error: a string where another type is expected at offset 4");
  VARIANT_IS ("[]", "error: an empty array needs a type annotation (\"@as []\") at offset 1");
  VARIANT_IS ("uint32 -1", "error: number out of range for its type at offset 9");
  VARIANT_IS ("int16 40000", "error: number out of range for its type at offset 11");
  VARIANT_IS ("{'a': 1}", "error: only basic values and arrays of them are supported at offset 0");
  VARIANT_IS ("'open", "error: unterminated string at offset 5");
  VARIANT_IS ("maybe", "error: unexpected text at offset 0");
}

static void
test_annotation_props (void)
{
  holo_error_t err = NULL;
  struct holo_kv a[] = {
    { (char *) "org.systemd.property.TimeoutStopSec", (char *) "uint64 7" },
    { (char *) "org.systemd.property.RuntimeMaxSec", (char *) "1.5" },
    { (char *) "org.systemd.property.CollectMode", (char *) "'inactive-or-failed'" },
    { (char *) "org.systemd.property.CPUQuotaPerSecUSec", (char *) "@t 3000" },
    { (char *) "other.annotation", (char *) "ignored" },
  };
  struct holo_sd_props p = { 0 };
  UNIT_ASSERT_INT_EQ (holo_systemd_annotation_props (a, 5, &p, &err), 0);
  UNIT_ASSERT_INT_EQ (p.n, 4);
  /* "...Sec" after a lowercase letter: microseconds, as runc.  */
  PROP_IS (&p, "TimeoutStopUSec", "TimeoutStopUSec=t 7000000");
  PROP_IS (&p, "RuntimeMaxUSec", "RuntimeMaxUSec=t 1500000");
  PROP_IS (&p, "CollectMode", "CollectMode=s inactive-or-failed");
  PROP_IS (&p, "CPUQuotaPerSecUSec", "CPUQuotaPerSecUSec=t 3000");
  holo_sd_props_free (&p);

  struct holo_kv bad_name[] = { { (char *) "org.systemd.property.Cpu1", (char *) "1" } };
  UNIT_ASSERT (holo_systemd_annotation_props (bad_name, 1, &p, &err) < 0);
  char *e = take_error (&err);
  UNIT_ASSERT_STR_CONTAINS (e, "config.json: annotations: `org.systemd.property.Cpu1`: the property name contains");
  free (e);
  holo_sd_props_free (&p);
  struct holo_kv short_name[] = { { (char *) "org.systemd.property.Ab", (char *) "1" } };
  UNIT_ASSERT (holo_systemd_annotation_props (short_name, 1, &p, &err) < 0);
  e = take_error (&err);
  UNIT_ASSERT_STR_CONTAINS (e, "the property name is too short");
  free (e);
  holo_sd_props_free (&p);
  struct holo_kv bad_value[] = { { (char *) "org.systemd.property.TimeoutStopSec", (char *) "'soon'" } };
  UNIT_ASSERT (holo_systemd_annotation_props (bad_value, 1, &p, &err) < 0);
  e = take_error (&err);
  UNIT_ASSERT_STR_CONTAINS (e, "`org.systemd.property.TimeoutStopSec='soon'`: value parse error: not a number");
  free (e);
  holo_sd_props_free (&p);
  /* Seconds that microseconds cannot hold (found by fuzz-systemd).  */
  struct holo_kv huge[]
      = { { (char *) "org.systemd.property.TimeoutStopSec", (char *) "7.7e27" },
          { (char *) "org.systemd.property.TimeoutStopSec", (char *) "-5" },
          { (char *) "org.systemd.property.TimeoutStopSec", (char *) "uint64 18446744073709551615" } };
  for (size_t i = 0; i < 3; i++)
    {
      UNIT_ASSERT (holo_systemd_annotation_props (&huge[i], 1, &p, &err) < 0);
      e = take_error (&err);
      UNIT_ASSERT_STR_CONTAINS (e, "value parse error: out of range");
      free (e);
      holo_sd_props_free (&p);
    }
  struct holo_kv unparsable[] = { { (char *) "org.systemd.property.Description", (char *) "no quotes" } };
  UNIT_ASSERT (holo_systemd_annotation_props (unparsable, 1, &p, &err) < 0);
  e = take_error (&err);
  UNIT_ASSERT_STR_CONTAINS (e, "org.systemd.property.Description=no quotes`: value parse error: unexpected text");
  free (e);
  holo_sd_props_free (&p);
}

static void
test_scope_props (void)
{
  struct holo_systemd_unit u = { .slice = (char *) "machine.slice", .name = (char *) "p-c.scope" };
  struct holo_sd_props p = { 0 };
  holo_systemd_scope_props (&u, "c", 1234, &p);
  PROP_IS (&p, "Slice", "Slice=s machine.slice");
  PROP_IS (&p, "Delegate", "Delegate=b true");
  PROP_IS (&p, "PIDs", "PIDs=au [1234]");
  PROP_IS (&p, "DefaultDependencies", "DefaultDependencies=b false");
  PROP_IS (&p, "MemoryAccounting", "MemoryAccounting=b true");
  PROP_IS (&p, "Description", "Description=s holo container c");
  holo_sd_props_free (&p);
}

int
main (void)
{
  UNIT_RUN (test_expand_slice);
  UNIT_RUN (test_parse_path);
  UNIT_RUN (test_parse_path_errors);
  UNIT_RUN (test_resource_props);
  UNIT_RUN (test_cpu_quota_rounding);
  UNIT_RUN (test_memory_props);
  UNIT_RUN (test_unified_props);
  UNIT_RUN (test_cpuset_errors);
  UNIT_RUN (test_device_props);
  UNIT_RUN (test_gvariant);
  UNIT_RUN (test_annotation_props);
  UNIT_RUN (test_scope_props);
  return unit_finish ();
}
