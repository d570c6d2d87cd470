/* Unit tests of the config.json parser, the `holo spec` template and the
   features document.  JSON in this file is written with single quotes for
   readability; q() turns them into double quotes.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "unit.h"

#include "libcontainer/spec/spec.h"
#include "libcontainer/libcontainer.h"
#include "libcontainer/rootfs/rootfs.h"
#include "libcontainer/utils.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ioprio.h>

#define BASE "'ociVersion':'1.2.0','root':{'path':'rootfs'}"
#define PROC "'process':{'args':['sh'],'cwd':'/'}"

static char *
q (const char *s)
{
  char *r = holo_xstrdup (s);
  for (char *p = r; *p; p++)
    if (*p == '\'')
      *p = '"';
  return r;
}

/* Parses Q(JSON); returns the spec (NULL on failure, with *MSG set).  */
static struct holo_spec *
parse (const char *json, char **msg)
{
  cleanup_free char *text = q (json);
  holo_error_t err = NULL;
  struct holo_spec *spec = NULL;

  *msg = NULL;
  if (holo_spec_parse (text, strlen (text), &spec, &err) < 0)
    {
      *msg = holo_xstrdup (err ? err->msg : "(no error set)");
      holo_error_release (&err);
      return NULL;
    }
  return spec;
}

/* The error message for an invalid document, or NULL when it parsed.  */
static char *
parse_error (const char *json)
{
  char *msg = NULL;
  struct holo_spec *spec = parse (json, &msg);
  holo_spec_free (spec);
  return msg;
}

/* The same for LEN bytes of TEXT as they are (NUL bytes included).  */
static char *
parse_error_len (const char *text, size_t len)
{
  holo_error_t err = NULL;
  struct holo_spec *spec = NULL;
  if (holo_spec_parse (text, len, &spec, &err) == 0)
    {
      holo_spec_free (spec);
      return NULL;
    }
  char *msg = holo_xstrdup (err ? err->msg : "(no error set)");
  holo_error_release (&err);
  return msg;
}

#define EXPECT_ERROR_LEN(text, len, expected)                                                                          \
  do                                                                                                                   \
    {                                                                                                                  \
      cleanup_free char *unit_err_ = parse_error_len (text, len);                                                      \
      UNIT_ASSERT_STR_CONTAINS (unit_err_, expected);                                                                  \
    }                                                                                                                  \
  while (0)

#define EXPECT_ERROR(json, expected)                                                                                   \
  do                                                                                                                   \
    {                                                                                                                  \
      cleanup_free char *unit_err_ = parse_error (json);                                                               \
      UNIT_ASSERT_STR_CONTAINS (unit_err_, expected);                                                                  \
    }                                                                                                                  \
  while (0)

static void
test_minimal (void)
{
  cleanup_free char *msg = NULL;
  cleanup_spec struct holo_spec *spec = parse ("{" BASE "}", &msg);

  UNIT_ASSERT (spec != NULL);
  UNIT_ASSERT_STR_EQ (spec->oci_version, "1.2.0");
  UNIT_ASSERT_STR_EQ (spec->root_path, "rootfs");
  UNIT_ASSERT (!spec->root_readonly);
  UNIT_ASSERT (!spec->has_process);
  UNIT_ASSERT (spec->hostname == NULL);
  UNIT_ASSERT_INT_EQ (spec->n_mounts, 0);
  UNIT_ASSERT (spec->linux_.masked_paths != NULL && spec->linux_.masked_paths[0] == NULL);
  UNIT_ASSERT (spec->linux_.readonly_paths != NULL && spec->linux_.readonly_paths[0] == NULL);
  UNIT_ASSERT (!spec->linux_.namespaces[HOLO_NS_PID].present);
  UNIT_ASSERT (spec->linux_.resources == NULL && spec->linux_.seccomp == NULL);
  UNIT_ASSERT (spec->tree != NULL);
}

static const char full_config[]
    = "{'ociVersion':'1.2.0','root':{'path':'/abs/rootfs','readonly':true},"
      "'hostname':'box','domainname':'example.org',"
      "'process':{'terminal':true,'consoleSize':{'height':24,'width':80},"
      " 'user':{'uid':1000,'gid':1001,'umask':18,'additionalGids':[5,6]},"
      " 'args':['sh','-c','true'],'env':['PATH=/bin','A=b=c'],'cwd':'/home',"
      " 'capabilities':{'bounding':['CAP_KILL','CAP_CHOWN'],'effective':['CAP_KILL'],'inheritable':[],"
      "  'permitted':['CAP_KILL','CAP_NO_SUCH_THING'],'ambient':['CAP_NET_BIND_SERVICE']},"
      " 'rlimits':[{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
      "  {'type':'RLIMIT_CORE','soft':18446744073709551615,'hard':18446744073709551615}],"
      " 'noNewPrivileges':true,'apparmorProfile':'prof','selinuxLabel':'lbl','oomScoreAdj':-500,"
      " 'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':4},"
      " 'scheduler':{'policy':'SCHED_FIFO','nice':-5,'priority':10,"
      "  'flags':['SCHED_FLAG_RESET_ON_FORK','SCHED_FLAG_KEEP_PARAMS'],'runtime':1,'deadline':2,'period':3}},"
      "'mounts':[{'destination':'/proc','type':'proc','source':'proc'},"
      " {'destination':'/data','type':'none','source':'/srv','options':['rbind','ro'],"
      "  'uidMappings':[{'containerID':0,'hostID':100000,'size':65536}]}],"
      "'hooks':{'prestart':[{'path':'/bin/pre','args':['pre','x'],'env':['K=V'],'timeout':5}],"
      " 'createRuntime':[{'path':'/bin/cr'}],'createContainer':[{'path':'/bin/cc'}],"
      " 'startContainer':[{'path':'/bin/sc'}],'poststart':[{'path':'/bin/ps'}],"
      " 'poststop':[{'path':'/bin/stop1'},{'path':'/bin/stop2'}]},"
      "'annotations':{'io.example.a':'1','b':'two'},"
      "'linux':{'namespaces':[{'type':'pid'},{'type':'network','path':'/proc/1/ns/net'},{'type':'mount'},"
      "  {'type':'ipc'},{'type':'uts'},{'type':'user'},{'type':'cgroup'},{'type':'time'}],"
      " 'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
      " 'gidMappings':[{'containerID':0,'hostID':2000,'size':10}],"
      " 'timeOffsets':{'monotonic':{'secs':-10,'nanosecs':5},'boottime':{'secs':20}},"
      " 'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,'uid':0,'gid':0},"
      "  {'path':'/dev/fifo','type':'p'},{'path':'/dev/sda','type':'b','major':8,'minor':0}],"
      " 'cgroupsPath':'/holo/box','rootfsPropagation':'rslave',"
      " 'maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys','/proc/bus'],"
      " 'mountLabel':'mlabel','sysctl':{'net.ipv4.ip_forward':'1','kernel.shmmax':'100'},"
      " 'personality':{'domain':'LINUX32','flags':[]},"
      " 'resources':{'pids':{'limit':10}},'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'},"
      " 'intelRdt':{'closID':'x'}},"
      "'someFutureField':{'anything':[1,2,3]}}";

static void
test_full_top_level (void)
{
  cleanup_free char *msg = NULL;
  cleanup_spec struct holo_spec *spec = parse (full_config, &msg);

  UNIT_ASSERT_STR_EQ (msg ? msg : "", "");
  UNIT_ASSERT (spec != NULL);
  UNIT_ASSERT_STR_EQ (spec->root_path, "/abs/rootfs");
  UNIT_ASSERT (spec->root_readonly);
  UNIT_ASSERT_STR_EQ (spec->hostname, "box");
  UNIT_ASSERT_STR_EQ (spec->domainname, "example.org");
  UNIT_ASSERT_INT_EQ (spec->n_mounts, 2);
  UNIT_ASSERT_STR_EQ (spec->mounts[0].destination, "/proc");
  UNIT_ASSERT_STR_EQ (spec->mounts[0].type, "proc");
  UNIT_ASSERT (spec->mounts[0].options != NULL && spec->mounts[0].options[0] == NULL);
  UNIT_ASSERT_STR_EQ (spec->mounts[1].source, "/srv");
  UNIT_ASSERT_STR_EQ (spec->mounts[1].options[0], "rbind");
  UNIT_ASSERT_STR_EQ (spec->mounts[1].options[1], "ro");
  UNIT_ASSERT_INT_EQ (spec->mounts[1].n_uid_mappings, 1);
  UNIT_ASSERT_INT_EQ (spec->mounts[1].uid_mappings[0].host_id, 100000);
  UNIT_ASSERT_INT_EQ (spec->mounts[1].uid_mappings[0].size, 65536);
  UNIT_ASSERT_INT_EQ (spec->hooks.prestart.n, 1);
  UNIT_ASSERT_STR_EQ (spec->hooks.prestart.hooks[0].path, "/bin/pre");
  UNIT_ASSERT_STR_EQ (spec->hooks.prestart.hooks[0].args[1], "x");
  UNIT_ASSERT_STR_EQ (spec->hooks.prestart.hooks[0].env[0], "K=V");
  UNIT_ASSERT_INT_EQ (spec->hooks.prestart.hooks[0].timeout, 5);
  UNIT_ASSERT (spec->hooks.create_runtime.hooks[0].args == NULL);
  UNIT_ASSERT_INT_EQ (spec->hooks.create_runtime.hooks[0].timeout, 0);
  UNIT_ASSERT_STR_EQ (spec->hooks.create_container.hooks[0].path, "/bin/cc");
  UNIT_ASSERT_STR_EQ (spec->hooks.start_container.hooks[0].path, "/bin/sc");
  UNIT_ASSERT_STR_EQ (spec->hooks.poststart.hooks[0].path, "/bin/ps");
  UNIT_ASSERT_INT_EQ (spec->hooks.poststop.n, 2);
  UNIT_ASSERT_STR_EQ (spec->hooks.poststop.hooks[1].path, "/bin/stop2");
  UNIT_ASSERT_INT_EQ (spec->n_annotations, 2);
  UNIT_ASSERT_STR_EQ (holo_spec_annotation (spec, "io.example.a"), "1");
  UNIT_ASSERT_STR_EQ (holo_spec_annotation (spec, "b"), "two");
  UNIT_ASSERT (holo_spec_annotation (spec, "missing") == NULL);
}

static void
test_full_process (void)
{
  cleanup_free char *msg = NULL;
  cleanup_spec struct holo_spec *spec = parse (full_config, &msg);
  struct holo_process *p;

  UNIT_ASSERT (spec != NULL);
  p = &spec->process;
  UNIT_ASSERT (spec->has_process);
  UNIT_ASSERT (p->terminal);
  UNIT_ASSERT (p->has_console_size);
  UNIT_ASSERT_INT_EQ (p->console_height, 24);
  UNIT_ASSERT_INT_EQ (p->console_width, 80);
  UNIT_ASSERT_INT_EQ (p->uid, 1000);
  UNIT_ASSERT_INT_EQ (p->gid, 1001);
  UNIT_ASSERT (p->has_umask);
  UNIT_ASSERT_INT_EQ (p->umask, 022);
  UNIT_ASSERT_INT_EQ (p->n_additional_gids, 2);
  UNIT_ASSERT_INT_EQ (p->additional_gids[1], 6);
  UNIT_ASSERT_INT_EQ (holo_strv_len (p->args), 3);
  UNIT_ASSERT_STR_EQ (p->args[2], "true");
  UNIT_ASSERT_STR_EQ (p->env[1], "A=b=c");
  UNIT_ASSERT_STR_EQ (p->cwd, "/home");
  UNIT_ASSERT (p->caps.present);
  UNIT_ASSERT_INT_EQ (p->caps.bounding, (1ULL << 5) | (1ULL << 0)); /* CAP_KILL, CAP_CHOWN */
  UNIT_ASSERT_INT_EQ (p->caps.effective, 1ULL << 5);
  UNIT_ASSERT_INT_EQ (p->caps.inheritable, 0);
  UNIT_ASSERT_INT_EQ (p->caps.permitted, 1ULL << 5); /* the unknown one is ignored */
  UNIT_ASSERT_INT_EQ (p->caps.ambient, 1ULL << 10);  /* CAP_NET_BIND_SERVICE */
  UNIT_ASSERT_INT_EQ (p->n_rlimits, 2);
  UNIT_ASSERT_INT_EQ (p->rlimits[0].resource, RLIMIT_NOFILE);
  UNIT_ASSERT_STR_EQ (p->rlimits[0].name, "RLIMIT_NOFILE");
  UNIT_ASSERT_INT_EQ (p->rlimits[0].soft, 1024);
  UNIT_ASSERT_INT_EQ (p->rlimits[0].hard, 4096);
  UNIT_ASSERT (p->rlimits[1].soft == UINT64_MAX && p->rlimits[1].hard == UINT64_MAX);
  UNIT_ASSERT (p->no_new_privileges);
  UNIT_ASSERT_STR_EQ (p->apparmor_profile, "prof");
  UNIT_ASSERT_STR_EQ (p->selinux_label, "lbl");
  UNIT_ASSERT (p->has_oom_score_adj);
  UNIT_ASSERT_INT_EQ (p->oom_score_adj, -500);
  UNIT_ASSERT (p->has_io_priority);
  UNIT_ASSERT_INT_EQ (p->io_priority_class, IOPRIO_CLASS_BE);
  UNIT_ASSERT_INT_EQ (p->io_priority, 4);
  UNIT_ASSERT (p->has_scheduler);
  UNIT_ASSERT_INT_EQ (p->sched_policy, SCHED_FIFO);
  UNIT_ASSERT_INT_EQ (p->sched_nice, -5);
  UNIT_ASSERT_INT_EQ (p->sched_priority, 10);
  UNIT_ASSERT_INT_EQ (p->sched_flags, 0x01 | 0x10);
  UNIT_ASSERT_INT_EQ (p->sched_runtime, 1);
  UNIT_ASSERT_INT_EQ (p->sched_deadline, 2);
  UNIT_ASSERT_INT_EQ (p->sched_period, 3);
}

static void
test_full_linux (void)
{
  cleanup_free char *msg = NULL;
  cleanup_spec struct holo_spec *spec = parse (full_config, &msg);
  struct holo_linux *l;

  UNIT_ASSERT (spec != NULL);
  l = &spec->linux_;
  for (int k = 0; k < HOLO_NS_COUNT; k++)
    UNIT_ASSERT (l->namespaces[k].present);
  UNIT_ASSERT_STR_EQ (l->namespaces[HOLO_NS_NETWORK].path, "/proc/1/ns/net");
  UNIT_ASSERT (l->namespaces[HOLO_NS_PID].path == NULL);
  UNIT_ASSERT_INT_EQ (l->n_uid_mappings, 1);
  UNIT_ASSERT_INT_EQ (l->uid_mappings[0].host_id, 1000);
  UNIT_ASSERT_INT_EQ (l->gid_mappings[0].size, 10);
  UNIT_ASSERT (l->time_monotonic.present);
  UNIT_ASSERT_INT_EQ (l->time_monotonic.secs, -10);
  UNIT_ASSERT_INT_EQ (l->time_monotonic.nanosecs, 5);
  UNIT_ASSERT (l->time_boottime.present);
  UNIT_ASSERT_INT_EQ (l->time_boottime.secs, 20);
  UNIT_ASSERT_INT_EQ (l->n_devices, 3);
  UNIT_ASSERT_STR_EQ (l->devices[0].path, "/dev/fuse");
  UNIT_ASSERT_INT_EQ (l->devices[0].type, 'c');
  UNIT_ASSERT_INT_EQ (l->devices[0].major, 10);
  UNIT_ASSERT_INT_EQ (l->devices[0].minor, 229);
  UNIT_ASSERT (l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
  UNIT_ASSERT (l->devices[0].has_uid && l->devices[0].has_gid);
  UNIT_ASSERT_INT_EQ (l->devices[1].type, 'p');
  UNIT_ASSERT (!l->devices[1].has_file_mode);
  UNIT_ASSERT_INT_EQ (l->devices[2].type, 'b');
  UNIT_ASSERT_STR_EQ (l->cgroups_path, "/holo/box");
  UNIT_ASSERT_INT_EQ (l->rootfs_propagation, MS_SLAVE | MS_REC);
  UNIT_ASSERT_STR_EQ (l->masked_paths[0], "/proc/kcore");
  UNIT_ASSERT_INT_EQ (holo_strv_len (l->readonly_paths), 2);
  UNIT_ASSERT_STR_EQ (l->mount_label, "mlabel");
  UNIT_ASSERT_INT_EQ (l->n_sysctl, 2);
  UNIT_ASSERT_STR_EQ (l->sysctl[0].key, "net.ipv4.ip_forward");
  UNIT_ASSERT_STR_EQ (l->sysctl[0].value, "1");
  UNIT_ASSERT (l->has_personality);
  UNIT_ASSERT_INT_EQ (l->personality, PER_LINUX32);
  UNIT_ASSERT (YAJL_IS_OBJECT (l->resources));
  UNIT_ASSERT (YAJL_IS_OBJECT (l->seccomp));
}

static void
test_malformed_json (void)
{
  cleanup_free char *e1 = parse_error ("{'ociVersion': ");
  cleanup_free char *e2 = parse_error ("{'a':1} trailing");
  cleanup_free char *e3 = parse_error ("");

  UNIT_ASSERT_STR_CONTAINS (e1, "config.json: invalid JSON: ");
  UNIT_ASSERT (strchr (e1, '\n') == NULL);
  UNIT_ASSERT_STR_CONTAINS (e2, "config.json: invalid JSON: ");
  UNIT_ASSERT_STR_CONTAINS (e3, "config.json: invalid JSON: ");
  EXPECT_ERROR ("[1,2]", "config.json: must be a JSON object");
  EXPECT_ERROR ("'just a string'", "config.json: must be a JSON object");
}

static void
test_deep_nesting (void)
{
  size_t depth = 100000;
  cleanup_free char *text = holo_xmalloc (2 * depth + 1);
  holo_error_t err = NULL;
  struct holo_spec *spec = NULL;

  memset (text, '[', depth);
  memset (text + depth, ']', depth);
  UNIT_ASSERT_INT_EQ (holo_spec_parse (text, 2 * depth, &spec, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "config.json: invalid JSON: nested deeper than");
  holo_error_release (&err);
}

static void
test_required_top_level (void)
{
  EXPECT_ERROR ("{'root':{'path':'rootfs'}}", "config.json: ociVersion: must be specified");
  EXPECT_ERROR ("{'ociVersion':1,'root':{'path':'rootfs'}}", "config.json: ociVersion: must be a string");
  EXPECT_ERROR ("{'ociVersion':'','root':{'path':'rootfs'}}", "config.json: ociVersion: must not be empty");
  EXPECT_ERROR ("{'ociVersion':'1.2.0'}", "config.json: root: must be specified");
  EXPECT_ERROR ("{'ociVersion':'1.2.0','root':null}", "config.json: root: must be specified");
  EXPECT_ERROR ("{'ociVersion':'1.2.0','root':'rootfs'}", "config.json: root: must be an object");
  EXPECT_ERROR ("{'ociVersion':'1.2.0','root':{}}", "config.json: root.path: must be specified");
  EXPECT_ERROR ("{'ociVersion':'1.2.0','root':{'path':7}}", "config.json: root.path: must be a string");
  EXPECT_ERROR ("{'ociVersion':'1.2.0','root':{'path':'r','readonly':'yes'}}",
                "config.json: root.readonly: must be a boolean");
  EXPECT_ERROR ("{" BASE ",'process':[]}", "config.json: process: must be an object");
  EXPECT_ERROR ("{" BASE ",'linux':true}", "config.json: linux: must be an object");
}

static void
test_nulls_and_unknown_fields (void)
{
  cleanup_free char *msg = NULL;
  cleanup_spec struct holo_spec *spec
      = parse ("{" BASE ",'hostname':null,'mounts':null,'hooks':null,'annotations':null,'linux':null,"
               "'future':{'x':1},'process':{'args':['sh'],'cwd':'/','env':null,'capabilities':null,"
               "'user':{'uid':null},'newThing':[]}}",
               &msg);

  UNIT_ASSERT_STR_EQ (msg ? msg : "", "");
  UNIT_ASSERT (spec->hostname == NULL);
  UNIT_ASSERT_INT_EQ (spec->n_mounts, 0);
  UNIT_ASSERT (spec->process.env != NULL && spec->process.env[0] == NULL);
  UNIT_ASSERT (!spec->process.caps.present);
  UNIT_ASSERT_INT_EQ (spec->process.uid, 0);
}

/* A key given twice is refused (yajl and Go keep the last value, other
   readers the first: a tool that checked the file may have seen the other). */
static void
test_duplicate_keys_refused (void)
{
  EXPECT_ERROR ("{" BASE ",'hostname':'a','hostname':'b'}", "config.json: hostname: duplicate key");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','cwd':'/tmp'}}",
                "config.json: process.cwd: duplicate key");
  EXPECT_ERROR ("{" BASE ",'mounts':[{'destination':'/a'},{'destination':'/b','type':'x','type':'y'}]}",
                "config.json: mounts[1].type: duplicate key");
  EXPECT_ERROR ("{" BASE ",'annotations':{'a.b':'1','c':'2','a.b':'3'}}",
                "config.json: annotations[\"a.b\"]: duplicate key");
  EXPECT_ERROR ("{'ociVersion':'1.2.0','root':{'path':'rootfs','path':'x'}}", "config.json: root.path: duplicate key");
  /* Past a NUL byte yajl would stop reading, and the rest be ignored.  */
  EXPECT_ERROR_LEN ("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}}\0{", 49,
                    "config.json: invalid JSON: NUL byte at offset 47");
  /* Unique keys in a large object (sorted, not compared pairwise).  */
  cleanup_free char *big = holo_xstrdup ("{" BASE ",'annotations':{");
  for (int i = 0; i < 40; i++)
    {
      char *next = holo_xasprintf ("%s%s'k%d':'v'", big, i ? "," : "", i);
      free (big);
      big = next;
    }
  cleanup_free char *ok = holo_xasprintf ("%s}}", big);
  cleanup_free char *dup = holo_xasprintf ("%s,'k7':'w'}}", big);
  cleanup_free char *ok_msg = parse_error (ok);
  UNIT_ASSERT (ok_msg == NULL);
  EXPECT_ERROR (dup, "config.json: annotations.k7: duplicate key");
}

static void
test_process_args (void)
{
  EXPECT_ERROR ("{" BASE ",'process':{'cwd':'/'}}", "config.json: process.args: must be a non-empty array of strings");
  EXPECT_ERROR ("{" BASE ",'process':{'args':[],'cwd':'/'}}",
                "config.json: process.args: must be a non-empty array of strings");
  EXPECT_ERROR ("{" BASE ",'process':{'args':'sh','cwd':'/'}}",
                "config.json: process.args: must be a non-empty array of strings");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh',3],'cwd':'/'}}", "config.json: process.args[1]: must be a string");
}

static void
test_process_cwd_env (void)
{
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh']}}", "config.json: process.cwd: must be specified");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':''}}", "config.json: process.cwd: must be specified");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'home'}}",
                "config.json: process.cwd: must be an absolute path");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','env':['A=1','B']}}",
                "config.json: process.env[1]: invalid environment variable \"B\": missing '='");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','env':['=x']}}",
                "config.json: process.env[0]: invalid environment variable \"=x\": empty name");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','env':'A=1'}}",
                "config.json: process.env: must be an array of strings");
}

static void
test_process_user (void)
{
#define USER(u) "{" BASE ",'process':{'args':['sh'],'cwd':'/','user':" u "}}"
  EXPECT_ERROR (USER ("{'uid':-1}"), "config.json: process.user.uid: must be a non-negative integer");
  EXPECT_ERROR (USER ("{'uid':'0'}"), "config.json: process.user.uid: must be a non-negative integer");
  EXPECT_ERROR (USER ("{'uid':1.5}"), "config.json: process.user.uid: must be a non-negative integer");
  EXPECT_ERROR (USER ("{'uid':1e3}"), "config.json: process.user.uid: must be a non-negative integer");
  EXPECT_ERROR (USER ("{'uid':4294967295}"),
                "config.json: process.user.uid: must be an integer between 0 and 4294967294");
  EXPECT_ERROR (USER ("{'uid':99999999999999999999999}"), "config.json: process.user.uid: must be an integer between");
  EXPECT_ERROR (USER ("{'gid':-3}"), "config.json: process.user.gid: must be a non-negative integer");
  EXPECT_ERROR (USER ("{'umask':512}"), "config.json: process.user.umask: must be an integer between 0 and 511");
  EXPECT_ERROR (USER ("{'additionalGids':[1,-2]}"),
                "config.json: process.user.additionalGids[1]: must be a non-negative integer");
  EXPECT_ERROR (USER ("'root'"), "config.json: process.user: must be an object");
#undef USER
}

static void
test_process_console_size (void)
{
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','consoleSize':{'height':3}}}",
                "config.json: process.consoleSize.width: must be specified");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','terminal':1}}",
                "config.json: process.terminal: must be a boolean");
}

static void
test_process_rlimits (void)
{
#define RL(r) "{" BASE ",'process':{'args':['sh'],'cwd':'/','rlimits':[" r "]}}"
  EXPECT_ERROR (RL ("{'type':'RLIMIT_FOO','soft':1,'hard':1}"),
                "config.json: process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\"");
  EXPECT_ERROR (RL ("{'type':'RLIMIT_CORE','soft':1,'hard':1},{'type':'RLIMIT_CORE','soft':2,'hard':2}"),
                "config.json: process.rlimits[1].type: duplicate rlimit type \"RLIMIT_CORE\"");
  EXPECT_ERROR (RL ("{'type':'RLIMIT_CORE','hard':1}"), "config.json: process.rlimits[0].soft: must be specified");
  EXPECT_ERROR (RL ("{'type':'RLIMIT_CORE','soft':18446744073709551616,'hard':1}"),
                "config.json: process.rlimits[0].soft: must be an integer between 0 and 18446744073709551615");
  EXPECT_ERROR (RL ("{'type':'RLIMIT_CORE','soft':1,'hard':-1}"),
                "config.json: process.rlimits[0].hard: must be a non-negative integer");
  EXPECT_ERROR (RL ("'RLIMIT_CORE'"), "config.json: process.rlimits[0]: must be an object");
  EXPECT_ERROR (RL ("{'soft':1,'hard':1}"), "config.json: process.rlimits[0].type: must be specified");
#undef RL
}

static void
test_process_capabilities (void)
{
  cleanup_free char *msg = NULL;
  cleanup_spec struct holo_spec *spec
      = parse ("{" BASE ",'process':{'args':['sh'],'cwd':'/',"
               "'capabilities':{'bounding':['cap_chown','CAP_SYS_ADMIN','CAP_WHATEVER','12']}}}",
               &msg);

  UNIT_ASSERT (spec != NULL);
  /* Lower-case, numeric and unknown names are ignored, as runc does.  */
  UNIT_ASSERT_INT_EQ (spec->process.caps.bounding, 1ULL << 21);
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','capabilities':{'effective':'CAP_KILL'}}}",
                "config.json: process.capabilities.effective: must be an array of strings");
  EXPECT_ERROR ("{" BASE ",'process':{'args':['sh'],'cwd':'/','capabilities':{'ambient':[1]}}}",
                "config.json: process.capabilities.ambient[0]: must be a string");
}

static void
test_process_scheduling (void)
{
#define P(x) "{" BASE ",'process':{'args':['sh'],'cwd':'/'," x "}}"
  EXPECT_ERROR (P ("'oomScoreAdj':1001"),
                "config.json: process.oomScoreAdj: must be an integer between -1000 and 1000");
  EXPECT_ERROR (P ("'ioPriority':{'class':'IOPRIO_CLASS_FOO'}"),
                "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_FOO\"");
  EXPECT_ERROR (P ("'ioPriority':{'priority':1}"), "config.json: process.ioPriority.class: must be specified");
  EXPECT_ERROR (P ("'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}"),
                "config.json: process.ioPriority.priority: must be an integer between 0 and 7");
  EXPECT_ERROR (P ("'scheduler':{'policy':'SCHED_FOO'}"),
                "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"");
  EXPECT_ERROR (P ("'scheduler':{'nice':1}"), "config.json: process.scheduler.policy: must be specified");
  EXPECT_ERROR (P ("'scheduler':{'policy':'SCHED_OTHER','nice':20}"),
                "config.json: process.scheduler.nice: must be an integer between -20 and 19");
  EXPECT_ERROR (P ("'scheduler':{'policy':'SCHED_OTHER','priority':5}"),
                "config.json: process.scheduler.priority: can only be set with SCHED_FIFO or SCHED_RR");
  EXPECT_ERROR (P ("'scheduler':{'policy':'SCHED_DEADLINE','flags':['SCHED_FLAG_RECLAIM','SCHED_FLAG_X']}"),
                "config.json: process.scheduler.flags[1]: unknown scheduler flag \"SCHED_FLAG_X\"");
  EXPECT_ERROR (P ("'noNewPrivileges':'true'"), "config.json: process.noNewPrivileges: must be a boolean");
#undef P
}

static void
test_mounts (void)
{
#define M(m) "{" BASE ",'mounts':[{'destination':'/proc','type':'proc','source':'proc'}," m "]}"
  EXPECT_ERROR (M ("{'destination':'data','type':'tmpfs'}"),
                "config.json: mounts[1].destination: must be an absolute path");
  EXPECT_ERROR (M ("{'type':'tmpfs'}"), "config.json: mounts[1].destination: must be specified");
  EXPECT_ERROR (M ("{'destination':'/d','type':'bind'}"),
                "config.json: mounts[1].source: must be specified for bind mounts");
  EXPECT_ERROR (M ("{'destination':'/d','type':'none','options':['rbind']}"),
                "config.json: mounts[1].source: must be specified for bind mounts");
  EXPECT_ERROR (M ("{'destination':'/d','type':'tmpfs','options':['nosuid','']}"),
                "config.json: mounts[1]: options[1]: empty option");
  EXPECT_ERROR (M ("{'destination':'/d','type':'tmpfs','options':'ro'}"),
                "config.json: mounts[1].options: must be an array of strings");
  EXPECT_ERROR (M ("{'destination':'/d','options':['ro',5]}"), "config.json: mounts[1].options[1]: must be a string");
  EXPECT_ERROR (M ("{'destination':'/d','type':7}"), "config.json: mounts[1].type: must be a string");
  EXPECT_ERROR (M ("{'destination':'/d','uidMappings':[{'containerID':0,'hostID':1,'size':0}]}"),
                "config.json: mounts[1].uidMappings[0].size: must be greater than 0");
  EXPECT_ERROR (M ("'/d'"), "config.json: mounts[1]: must be an object");
  EXPECT_ERROR ("{" BASE ",'mounts':{}}", "config.json: mounts: must be an array");
#undef M
}

static void
test_hooks (void)
{
  EXPECT_ERROR ("{" BASE ",'hooks':{'prestart':[{'path':'hook'}]}}",
                "config.json: hooks.prestart[0].path: must be an absolute path");
  EXPECT_ERROR ("{" BASE ",'hooks':{'poststop':[{'path':'/a'},{'args':['x']}]}}",
                "config.json: hooks.poststop[1].path: must be specified");
  EXPECT_ERROR ("{" BASE ",'hooks':{'createRuntime':[{'path':'/a','timeout':0}]}}",
                "config.json: hooks.createRuntime[0].timeout: must be greater than 0");
  EXPECT_ERROR ("{" BASE ",'hooks':{'startContainer':[{'path':'/a','env':[1]}]}}",
                "config.json: hooks.startContainer[0].env[0]: must be a string");
  EXPECT_ERROR ("{" BASE ",'hooks':{'poststart':{}}}", "config.json: hooks.poststart: must be an array");
}

static void
test_annotations_and_names (void)
{
  EXPECT_ERROR ("{" BASE ",'annotations':{'io.example.x':1}}",
                "config.json: annotations[\"io.example.x\"]: must be a string");
  EXPECT_ERROR ("{" BASE ",'annotations':{'plain':true}}", "config.json: annotations.plain: must be a string");
  EXPECT_ERROR ("{" BASE ",'annotations':[]}", "config.json: annotations: must be an object");
  EXPECT_ERROR ("{" BASE ",'hostname':'h'}",
                "config.json: hostname: cannot be set without a UTS namespace in linux.namespaces");
  EXPECT_ERROR ("{" BASE ",'hostname':5}", "config.json: hostname: must be a string");
}

static void
test_namespaces (void)
{
#define NS(n) "{" BASE ",'linux':{'namespaces':[" n "]}}"
  EXPECT_ERROR (NS ("{'type':'pid'},{'type':'network'},{'type':'mount'},{'type':'pid'}"),
                "config.json: linux.namespaces[3].type: duplicate namespace type \"pid\"");
  EXPECT_ERROR (NS ("{'type':'pid'},{'type':'foo'}"),
                "config.json: linux.namespaces[1].type: unknown namespace type \"foo\"");
  EXPECT_ERROR (NS ("{'path':'/proc/1/ns/pid'}"), "config.json: linux.namespaces[0].type: must be specified");
  EXPECT_ERROR (NS ("'pid'"), "config.json: linux.namespaces[0]: must be an object");
#undef NS
}

static void
test_id_mappings_and_time (void)
{
  EXPECT_ERROR ("{" BASE ",'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
                "config.json: linux.uidMappings: requires a user namespace in linux.namespaces");
  EXPECT_ERROR ("{" BASE ",'linux':{'namespaces':[{'type':'user'}],'gidMappings':[{'containerID':0,'size':1}]}}",
                "config.json: linux.gidMappings[0].hostID: must be specified");
  EXPECT_ERROR ("{" BASE ",'linux':{'timeOffsets':{'monotonic':{'secs':1}}}}",
                "config.json: linux.timeOffsets: requires a time namespace in linux.namespaces");
  EXPECT_ERROR ("{" BASE ",'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'realtime':{'secs':1}}}}",
                "config.json: linux.timeOffsets: unknown clock \"realtime\"");
  EXPECT_ERROR ("{" BASE
                ",'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'boottime':{'nanosecs':1000000000}}}}",
                "config.json: linux.timeOffsets.boottime.nanosecs: must be an integer between 0 and 999999999");
}

static void
test_devices (void)
{
#define DEV(d) "{" BASE ",'linux':{'devices':[" d "]}}"
  EXPECT_ERROR (DEV ("{'path':'/dev/x','type':'x','major':1,'minor':1}"),
                "config.json: linux.devices[0].type: invalid device type \"x\"");
  EXPECT_ERROR (DEV ("{'path':'/dev/x','type':'cc','major':1,'minor':1}"),
                "config.json: linux.devices[0].type: invalid device type \"cc\"");
  EXPECT_ERROR (DEV ("{'path':'dev/x','type':'c','major':1,'minor':1}"),
                "config.json: linux.devices[0].path: must be an absolute path");
  EXPECT_ERROR (DEV ("{'path':'/dev/p','type':'p'},{'path':'/dev/x','type':'u','minor':1}"),
                "config.json: linux.devices[1].major: must be specified");
  EXPECT_ERROR (DEV ("{'path':'/dev/x','type':'b','major':1,'minor':'2'}"),
                "config.json: linux.devices[0].minor: must be an integer");
  EXPECT_ERROR (DEV ("{'path':'/dev/x','type':'c','major':1,'minor':2,'uid':-1}"),
                "config.json: linux.devices[0].uid: must be a non-negative integer");
#undef DEV
}

static void
test_linux_misc (void)
{
  EXPECT_ERROR ("{" BASE ",'linux':{'rootfsPropagation':'sideways'}}",
                "config.json: linux.rootfsPropagation: invalid propagation \"sideways\"");
  EXPECT_ERROR ("{" BASE ",'linux':{'maskedPaths':['/proc/kcore','proc/keys']}}",
                "config.json: linux.maskedPaths[1]: must be an absolute path");
  EXPECT_ERROR ("{" BASE ",'linux':{'readonlyPaths':[true]}}", "config.json: linux.readonlyPaths[0]: must be a string");
  EXPECT_ERROR ("{" BASE ",'linux':{'namespaces':[{'type':'network'}],'sysctl':{'net.ipv4.ip_forward':1}}}",
                "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string");
  EXPECT_ERROR ("{" BASE ",'linux':{'sysctl':{'../../x':'1'}}}",
                "config.json: linux.sysctl[\"../../x\"]: invalid sysctl name");
  EXPECT_ERROR ("{" BASE ",'linux':{'sysctl':[]}}", "config.json: linux.sysctl: must be an object");
  EXPECT_ERROR ("{" BASE ",'linux':{'personality':{'domain':'LINUX64'}}}",
                "config.json: linux.personality.domain: unknown personality domain \"LINUX64\"");
  EXPECT_ERROR ("{" BASE ",'linux':{'personality':{}}}", "config.json: linux.personality.domain: must be specified");
  EXPECT_ERROR ("{" BASE ",'linux':{'personality':{'domain':'LINUX','flags':['X']}}}",
                "config.json: linux.personality.flags: unsupported personality flag \"X\"");
  EXPECT_ERROR ("{" BASE ",'linux':{'resources':[]}}", "config.json: linux.resources: must be an object");
  EXPECT_ERROR ("{" BASE ",'linux':{'seccomp':'default'}}", "config.json: linux.seccomp: must be an object");
  EXPECT_ERROR ("{" BASE ",'linux':{'cgroupsPath':1}}", "config.json: linux.cgroupsPath: must be a string");
}

static void
test_propagation_values (void)
{
  static const struct
  {
    const char *name;
    unsigned long flags;
  } cases[] = {
    { "shared", MS_SHARED },
    { "slave", MS_SLAVE },
    { "private", MS_PRIVATE },
    { "unbindable", MS_UNBINDABLE },
    { "rshared", MS_SHARED | MS_REC },
    { "rslave", MS_SLAVE | MS_REC },
    { "rprivate", MS_PRIVATE | MS_REC },
    { "runbindable", MS_UNBINDABLE | MS_REC },
    { "", 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      cleanup_free char *json = holo_xasprintf ("{" BASE ",'linux':{'rootfsPropagation':'%s'}}", cases[i].name);
      cleanup_free char *msg = NULL;
      cleanup_spec struct holo_spec *spec = parse (json, &msg);
      UNIT_ASSERT (spec != NULL);
      UNIT_ASSERT_INT_EQ (spec->linux_.rootfs_propagation, cases[i].flags);
    }
}

static void
test_ns_helpers (void)
{
  UNIT_ASSERT_INT_EQ (holo_ns_clone_flag (HOLO_NS_USER), CLONE_NEWUSER);
  UNIT_ASSERT_INT_EQ (holo_ns_clone_flag (HOLO_NS_MOUNT), CLONE_NEWNS);
  UNIT_ASSERT_INT_EQ (holo_ns_clone_flag (HOLO_NS_NETWORK), CLONE_NEWNET);
  UNIT_ASSERT_INT_EQ (holo_ns_clone_flag (HOLO_NS_CGROUP), CLONE_NEWCGROUP);
  UNIT_ASSERT_INT_EQ (holo_ns_clone_flag (HOLO_NS_TIME), 0x80);
  UNIT_ASSERT_STR_EQ (holo_ns_proc_name (HOLO_NS_NETWORK), "net");
  UNIT_ASSERT_STR_EQ (holo_ns_proc_name (HOLO_NS_MOUNT), "mnt");
  UNIT_ASSERT_STR_EQ (holo_ns_proc_name (HOLO_NS_TIME), "time");
  UNIT_ASSERT (holo_ns_proc_name (HOLO_NS_COUNT) == NULL);
}

static void
test_load (void)
{
  char dir[] = "/tmp/holo-test-spec-XXXXXX";
  holo_error_t err = NULL;
  struct holo_spec *spec = NULL;

  UNIT_ASSERT (mkdtemp (dir) != NULL);
  cleanup_free char *good = holo_xasprintf ("%s/config.json", dir);
  cleanup_free char *bad = holo_xasprintf ("%s/other.json", dir);
  cleanup_free char *missing = holo_xasprintf ("%s/missing.json", dir);
  cleanup_free char *good_text = q ("{" BASE "}");
  cleanup_free char *bad_text = q ("{'ociVersion':'1.2.0'}");

  UNIT_ASSERT (holo_write_file (good, good_text, strlen (good_text), NULL) == 0);
  UNIT_ASSERT (holo_write_file (bad, bad_text, strlen (bad_text), NULL) == 0);
  UNIT_ASSERT_INT_EQ (holo_spec_load (good, &spec, &err), 0);
  UNIT_ASSERT_STR_EQ (spec->root_path, "rootfs");
  holo_spec_free (spec);
  spec = NULL;

  UNIT_ASSERT_INT_EQ (holo_spec_load (bad, &spec, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "other.json: root: must be specified");
  holo_error_release (&err);

  UNIT_ASSERT_INT_EQ (holo_spec_load (missing, &spec, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "missing.json");
  UNIT_ASSERT_STR_CONTAINS (err->msg, "No such file or directory");
  holo_error_release (&err);

  unlink (good);
  unlink (bad);
  rmdir (dir);
}

static void
test_parse_process (void)
{
  cleanup_free char *good = q ("{'args':['ls','-l'],'cwd':'/tmp','env':['A=1'],'user':{'uid':5},'terminal':true}");
  cleanup_free char *bad = q ("{'args':[],'cwd':'/'}");
  cleanup_free char *bad_cwd = q ("{'args':['ls'],'cwd':'tmp'}");
  struct holo_process *p = NULL;
  yajl_val tree = NULL;
  holo_error_t err = NULL;

  UNIT_ASSERT_INT_EQ (holo_spec_parse_process (good, strlen (good), &p, &tree, &err), 0);
  UNIT_ASSERT_STR_EQ (p->args[1], "-l");
  UNIT_ASSERT_STR_EQ (p->cwd, "/tmp");
  UNIT_ASSERT_INT_EQ (p->uid, 5);
  UNIT_ASSERT (p->terminal);
  UNIT_ASSERT (YAJL_IS_OBJECT (tree));
  holo_process_free (p);
  yajl_tree_free (tree);
  p = NULL;

  UNIT_ASSERT_INT_EQ (holo_spec_parse_process (good, strlen (good), &p, NULL, &err), 0);
  holo_process_free (p);
  p = NULL;

  UNIT_ASSERT_INT_EQ (holo_spec_parse_process (bad, strlen (bad), &p, NULL, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "process.json: args: must be a non-empty array of strings");
  holo_error_release (&err);

  UNIT_ASSERT_INT_EQ (holo_spec_parse_process (bad_cwd, strlen (bad_cwd), &p, NULL, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "process.json: cwd: must be an absolute path");
  holo_error_release (&err);

  UNIT_ASSERT_INT_EQ (holo_spec_parse_process ("{", 1, &p, NULL, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "process.json: invalid JSON: ");
  holo_error_release (&err);
}

static void
test_default_spec (void)
{
  cleanup_free char *json = holo_spec_default_json (false);
  holo_error_t err = NULL;
  cleanup_spec struct holo_spec *spec = NULL;

  UNIT_ASSERT (json != NULL);
  UNIT_ASSERT_STR_CONTAINS (json, "\n\t\"ociVersion\": \"1.2.0\"");
  UNIT_ASSERT_INT_EQ (holo_spec_parse (json, strlen (json), &spec, &err), 0);
  UNIT_ASSERT_STR_EQ (spec->hostname, "holo");
  UNIT_ASSERT (spec->root_readonly);
  UNIT_ASSERT_STR_EQ (spec->root_path, "rootfs");
  UNIT_ASSERT (spec->process.terminal);
  UNIT_ASSERT_STR_EQ (spec->process.args[0], "sh");
  UNIT_ASSERT_STR_EQ (spec->process.env[1], "TERM=xterm");
  UNIT_ASSERT (spec->process.no_new_privileges);
  UNIT_ASSERT_INT_EQ (spec->process.caps.bounding, (1ULL << 29) | (1ULL << 5) | (1ULL << 10));
  UNIT_ASSERT_INT_EQ (spec->process.caps.effective, spec->process.caps.bounding);
  UNIT_ASSERT_INT_EQ (spec->process.caps.permitted, spec->process.caps.bounding);
  UNIT_ASSERT_INT_EQ (spec->process.caps.ambient, 0);
  UNIT_ASSERT_INT_EQ (spec->process.rlimits[0].resource, RLIMIT_NOFILE);
  UNIT_ASSERT_INT_EQ (spec->n_mounts, 7);
  UNIT_ASSERT_STR_EQ (spec->mounts[2].options[5], "gid=5");
  UNIT_ASSERT_STR_EQ (spec->mounts[5].type, "sysfs");
  UNIT_ASSERT (spec->linux_.namespaces[HOLO_NS_NETWORK].present);
  UNIT_ASSERT (spec->linux_.namespaces[HOLO_NS_MOUNT].present);
  UNIT_ASSERT (!spec->linux_.namespaces[HOLO_NS_USER].present);
  UNIT_ASSERT (YAJL_IS_OBJECT (spec->linux_.resources));
  UNIT_ASSERT_STR_EQ (spec->linux_.masked_paths[0], "/proc/acpi");
  UNIT_ASSERT_STR_EQ (spec->linux_.readonly_paths[4], "/proc/sysrq-trigger");
}

static void
test_default_spec_rootless (void)
{
  cleanup_free char *json = holo_spec_default_json (true);
  holo_error_t err = NULL;
  cleanup_spec struct holo_spec *spec = NULL;

  UNIT_ASSERT_INT_EQ (holo_spec_parse (json, strlen (json), &spec, &err), 0);
  UNIT_ASSERT (spec->linux_.namespaces[HOLO_NS_USER].present);
  UNIT_ASSERT (!spec->linux_.namespaces[HOLO_NS_NETWORK].present);
  UNIT_ASSERT_INT_EQ (spec->linux_.n_uid_mappings, 1);
  UNIT_ASSERT_INT_EQ (spec->linux_.uid_mappings[0].host_id, geteuid ());
  UNIT_ASSERT_INT_EQ (spec->linux_.gid_mappings[0].host_id, getegid ());
  UNIT_ASSERT_INT_EQ (spec->linux_.uid_mappings[0].container_id, 0);
  UNIT_ASSERT_INT_EQ (spec->linux_.uid_mappings[0].size, 1);
  UNIT_ASSERT (spec->linux_.resources == NULL);
  UNIT_ASSERT_STR_EQ (spec->mounts[5].destination, "/sys");
  UNIT_ASSERT_STR_EQ (spec->mounts[5].source, "/sys");
  UNIT_ASSERT_STR_EQ (spec->mounts[5].options[0], "rbind");
  for (size_t i = 0; spec->mounts[2].options[i]; i++)
    UNIT_ASSERT (strncmp (spec->mounts[2].options[i], "gid=", 4) != 0);
  UNIT_ASSERT_STR_EQ (spec->mounts[6].type, "cgroup");
}

static bool
strv_has (yajl_val arr, const char *s)
{
  for (size_t i = 0; YAJL_IS_ARRAY (arr) && i < arr->u.array.len; i++)
    {
      const char *e = YAJL_GET_STRING (arr->u.array.values[i]);
      if (e != NULL && strcmp (e, s) == 0)
        return true;
    }
  return false;
}

static void
test_features (void)
{
  cleanup_free char *json = holo_features_json ();
  char errbuf[256];
  yajl_val tree = yajl_tree_parse (json, errbuf, sizeof errbuf);
  const char *min_path[] = { "ociVersionMin", NULL };
  const char *max_path[] = { "ociVersionMax", NULL };
  const char *opts_path[] = { "mountOptions", NULL };
  const char *hooks_path[] = { "hooks", NULL };
  const char *ns_path[] = { "linux", "namespaces", NULL };
  const char *caps_path[] = { "linux", "capabilities", NULL };
  const char *archs_path[] = { "linux", "seccomp", "archs", NULL };
  const char *idmap_path[] = { "linux", "mountExtensions", "idmap", "enabled", NULL };
  const char *ckpt_path[] = { "annotations", "org.opencontainers.runc.checkpoint.enabled", NULL };
  yajl_val opts;

  UNIT_ASSERT (tree != NULL);
  UNIT_ASSERT_STR_EQ (YAJL_GET_STRING (yajl_tree_get (tree, min_path, yajl_t_string)), "1.0.0");
  UNIT_ASSERT_STR_EQ (YAJL_GET_STRING (yajl_tree_get (tree, max_path, yajl_t_string)), "1.2.0");
  UNIT_ASSERT (strv_has (yajl_tree_get (tree, hooks_path, yajl_t_array), "createContainer"));
  opts = yajl_tree_get (tree, opts_path, yajl_t_array);
  UNIT_ASSERT (strv_has (opts, "rbind") && strv_has (opts, "rro"));
  /* idmap is advertised exactly when idmapped mounts are.  */
  UNIT_ASSERT (strv_has (opts, "idmap") == holo_idmap_supported ());
  UNIT_ASSERT (strv_has (opts, "ridmap") == holo_idmap_supported ());
  /* Every advertised option is one the parser knows.  */
  for (size_t i = 0; opts && i < opts->u.array.len; i++)
    {
      const char *name = YAJL_GET_STRING (opts->u.array.values[i]);
      bool known = false;
      for (size_t j = 0; holo_mount_option_names[j]; j++)
        known = known || strcmp (holo_mount_option_names[j], name) == 0;
      UNIT_ASSERT (known);
    }
  UNIT_ASSERT (strv_has (yajl_tree_get (tree, ns_path, yajl_t_array), "time"));
  UNIT_ASSERT (strv_has (yajl_tree_get (tree, caps_path, yajl_t_array), "CAP_CHOWN"));
  UNIT_ASSERT (strv_has (yajl_tree_get (tree, caps_path, yajl_t_array), "CAP_SYS_ADMIN"));
  UNIT_ASSERT (strv_has (yajl_tree_get (tree, archs_path, yajl_t_array), "SCMP_ARCH_X86_64"));
  UNIT_ASSERT (YAJL_IS_TRUE (yajl_tree_get (tree, idmap_path, yajl_t_any)) == holo_idmap_supported ());
  UNIT_ASSERT_STR_EQ (YAJL_GET_STRING (yajl_tree_get (tree, ckpt_path, yajl_t_string)), "true");
  yajl_tree_free (tree);
}

int
main (void)
{
  UNIT_RUN (test_minimal);
  UNIT_RUN (test_full_top_level);
  UNIT_RUN (test_full_process);
  UNIT_RUN (test_full_linux);
  UNIT_RUN (test_malformed_json);
  UNIT_RUN (test_deep_nesting);
  UNIT_RUN (test_required_top_level);
  UNIT_RUN (test_nulls_and_unknown_fields);
  UNIT_RUN (test_duplicate_keys_refused);
  UNIT_RUN (test_process_args);
  UNIT_RUN (test_process_cwd_env);
  UNIT_RUN (test_process_user);
  UNIT_RUN (test_process_console_size);
  UNIT_RUN (test_process_rlimits);
  UNIT_RUN (test_process_capabilities);
  UNIT_RUN (test_process_scheduling);
  UNIT_RUN (test_mounts);
  UNIT_RUN (test_hooks);
  UNIT_RUN (test_annotations_and_names);
  UNIT_RUN (test_namespaces);
  UNIT_RUN (test_id_mappings_and_time);
  UNIT_RUN (test_devices);
  UNIT_RUN (test_linux_misc);
  UNIT_RUN (test_propagation_values);
  UNIT_RUN (test_ns_helpers);
  UNIT_RUN (test_load);
  UNIT_RUN (test_parse_process);
  UNIT_RUN (test_default_spec);
  UNIT_RUN (test_default_spec_rootless);
  UNIT_RUN (test_features);
  return unit_finish ();
}
