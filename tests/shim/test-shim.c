/* Unit tests of containerd-shim-holo-v2's pieces that need no containerd:
   SHA-256 (the socket name), ttrpc framing, runtime options, the argv
   vector, JSON reading, the process state machine, the reaper, and
   runtime commands on the loop (a shell script as the runtime).  */
#define _GNU_SOURCE
#include "../unit/unit.h"
#include "shim/shim.h"
#include "libcontainer/sha256.h"
#include "shim/argv.h"
#include "shim/json.h"
#include "shim/reaper.h"
#include "shim/runtime.h"
#include "shim/state.h"
#include "shim/toml.h"
#include "shim/ttrpc/ttrpc.h"
#include "options.pb-c.h"
#include "libcontainer/utils.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>

static void
hex (const uint8_t d[32], char out[65])
{
  for (int i = 0; i < 32; i++)
    sprintf (out + 2 * i, "%02x", d[i]);
}

/* Inputs of N 'a's around the padding boundaries (55/56, 63/64, 119/120).  */
static void
test_sha256 (void)
{
  static const struct
  {
    size_t n;
    const char *digest;
  } v[] = {
    { 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { 3, "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0" },
    { 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
    { 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
    { 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
    { 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
    { 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
    { 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
    { 1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3" },
  };
  char buf[1000], out[65];
  uint8_t d[32];

  memset (buf, 'a', sizeof buf);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    {
      holo_sha256 (buf, v[i].n, d);
      hex (d, out);
      UNIT_ASSERT_STR_EQ (out, v[i].digest);
    }
}

/* A frame written on one end of a socketpair reads back whole, also when
   it arrives a byte at a time.  */
static void
test_frame_roundtrip (void)
{
  struct ttrpc_writer w = { 0 };
  struct ttrpc_reader r = { 0 };
  const char payload[] = "hello ttrpc";
  uint8_t raw[64];
  ssize_t n;
  int sv[2];

  UNIT_ASSERT (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  UNIT_ASSERT_INT_EQ (
      ttrpc_write_frame (sv[0], &w, 7, TTRPC_TYPE_RESPONSE, 0, (const uint8_t *) payload, sizeof payload), 0);
  n = read (sv[1], raw, sizeof raw);
  UNIT_ASSERT_INT_EQ (n, TTRPC_HEADER_LEN + sizeof payload);
  for (ssize_t i = 0; i < n; i++)
    {
      UNIT_ASSERT_INT_EQ (ttrpc_read_frame (sv[1], &r), 0);
      UNIT_ASSERT_INT_EQ (write (sv[0], raw + i, 1), 1);
    }
  UNIT_ASSERT_INT_EQ (ttrpc_read_frame (sv[1], &r), 1);
  UNIT_ASSERT_INT_EQ (r.stream, 7);
  UNIT_ASSERT_INT_EQ (r.type, TTRPC_TYPE_RESPONSE);
  UNIT_ASSERT_INT_EQ (r.len, sizeof payload);
  UNIT_ASSERT_STR_EQ ((const char *) r.payload, payload);
  ttrpc_reader_reset (&r);
  close (sv[0]);
  /* The peer went away: EOF is -1 with errno 0.  */
  UNIT_ASSERT_INT_EQ (ttrpc_read_frame (sv[1], &r), -1);
  UNIT_ASSERT_INT_EQ (errno, 0);
  ttrpc_reader_reset (&r);
  close (sv[1]);
}

static void
test_frame_too_large (void)
{
  struct ttrpc_reader r = { 0 };
  uint8_t hdr[TTRPC_HEADER_LEN] = { 0 };
  uint32_t len = htonl (TTRPC_MAX_MESSAGE + 1);
  int sv[2];

  UNIT_ASSERT (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  memcpy (hdr, &len, 4);
  hdr[8] = TTRPC_TYPE_REQUEST;
  UNIT_ASSERT_INT_EQ (write (sv[0], hdr, sizeof hdr), sizeof hdr);
  UNIT_ASSERT_INT_EQ (ttrpc_read_frame (sv[1], &r), -1);
  UNIT_ASSERT_INT_EQ (errno, EMSGSIZE);
  ttrpc_reader_reset (&r);
  close (sv[0]);
  close (sv[1]);
}

/* A reply queued behind a full socket goes out with ttrpc_flush.  */
static void
test_frame_backpressure (void)
{
  struct ttrpc_writer w = { 0 };
  size_t big = 1 << 20, got = 0;
  uint8_t *payload = holo_xmalloc (big), buf[65536];
  int sv[2], r;

  UNIT_ASSERT (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  r = ttrpc_write_frame (sv[0], &w, 1, TTRPC_TYPE_RESPONSE, 0, payload, big);
  UNIT_ASSERT_INT_EQ (r, 1);
  while (r == 1)
    {
      ssize_t n = read (sv[1], buf, sizeof buf);
      if (n > 0)
        got += n;
      r = ttrpc_flush (sv[0], &w);
    }
  UNIT_ASSERT_INT_EQ (r, 0);
  for (ssize_t n; (n = read (sv[1], buf, sizeof buf)) > 0;)
    got += n;
  UNIT_ASSERT_INT_EQ (got, TTRPC_HEADER_LEN + big);
  free (payload);
  close (sv[0]);
  close (sv[1]);
}

static void
test_options (void)
{
  Hs__Options o = HS__OPTIONS__INIT;
  Hs__Any any = HS__ANY__INIT;
  struct shim_options opts = { 0 }, loaded = { 0 };
  holo_error_t err = NULL;
  char dir[] = "/tmp/holo-shim-unit.XXXXXX";
  size_t len;

  o.binary_name = (char *) "/opt/holo";
  o.root = (char *) "/run/holo-root";
  o.systemd_cgroup = true;
  any.type_url = (char *) "containerd.runc.v1.Options";
  any.value.data = ttrpc_pack (&o.base, &len);
  any.value.len = len;
  UNIT_ASSERT_INT_EQ (shim_options_from_any (&opts, &any, &err), 0);
  free (any.value.data);
  UNIT_ASSERT_STR_EQ (shim_options_binary (&opts), "/opt/holo");
  UNIT_ASSERT (opts.systemd_cgroup);
  {
    char *root = shim_options_state_root (&opts, "k8s.io");
    UNIT_ASSERT_STR_EQ (root, "/run/holo-root/k8s.io");
    free (root);
  }
  /* CRI's runtimeoptions without a ConfigPath carry nothing; a TypeUrl
     naming another type of options is refused, naming it.  */
  any.type_url = (char *) "runtimeoptions.v1.Options";
  any.value.data = NULL;
  any.value.len = 0;
  UNIT_ASSERT_INT_EQ (shim_options_from_any (&opts, &any, &err), 0);
  UNIT_ASSERT_STR_EQ (shim_options_binary (&opts), "/opt/holo");
  any.value.data = (uint8_t *) "\x0a\x03xyz";
  any.value.len = 5;
  UNIT_ASSERT_INT_EQ (shim_options_from_any (&opts, &any, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "runtime options: TypeUrl \"xyz\" is not a type this shim reads");
  holo_error_release (&err);
  /* Another type altogether is ignored, as containerd's runc shim does.  */
  any.type_url = (char *) "example.com/other.Options";
  UNIT_ASSERT_INT_EQ (shim_options_from_any (&opts, &any, &err), 0);
  UNIT_ASSERT_STR_EQ (shim_options_binary (&opts), "/opt/holo");

  UNIT_ASSERT (mkdtemp (dir) != NULL);
  UNIT_ASSERT_INT_EQ (shim_options_save (&opts, dir, &err), 0);
  UNIT_ASSERT_INT_EQ (shim_options_load (&loaded, dir, &err), 1);
  UNIT_ASSERT_STR_EQ (shim_options_binary (&loaded), "/opt/holo");
  UNIT_ASSERT_STR_EQ (loaded.root, "/run/holo-root");
  UNIT_ASSERT (loaded.systemd_cgroup);
  {
    char *path = holo_xasprintf ("%s/holo-shim-options", dir);
    unlink (path);
    free (path);
  }
  rmdir (dir);
  shim_options_free (&opts);
  shim_options_free (&loaded);
  /* Defaults.  */
  UNIT_ASSERT_STR_EQ (shim_options_binary (&opts), "holo");
}

struct toml_seen
{
  char text[512];
};

static int
record_toml (void *data, const char *key, const struct shim_toml_value *v, holo_error_t *err)
{
  struct toml_seen *t = data;
  size_t n = strlen (t->text);

  if (v->type == SHIM_TOML_STRING)
    snprintf (t->text + n, sizeof (t->text) - n, "%s=s:%s;", key, v->str);
  else if (v->type == SHIM_TOML_BOOL)
    snprintf (t->text + n, sizeof (t->text) - n, "%s=b:%d;", key, v->b);
  else
    snprintf (t->text + n, sizeof (t->text) - n, "%s=i:%lld;", key, v->i);
  return 0;
}

/* The error of parsing TEXT, or "" when it parses.  */
static char *
toml_error (const char *text)
{
  struct toml_seen t = { { 0 } };
  holo_error_t err = NULL;
  char *msg;

  if (shim_toml_parse (text, "f.toml", record_toml, &t, &err) == 0)
    return holo_xstrdup ("");
  msg = holo_xstrdup (err->msg);
  holo_error_release (&err);
  return msg;
}

#define ASSERT_TOML_ERROR(text, want)                                                                                  \
  do                                                                                                                   \
    {                                                                                                                  \
      char *got_ = toml_error (text);                                                                                  \
      bool ok_ = strcmp (got_, want) == 0;                                                                             \
      if (!ok_)                                                                                                        \
        fprintf (stdout, "# got: %s\n", got_);                                                                         \
      free (got_);                                                                                                     \
      UNIT_ASSERT (ok_);                                                                                               \
    }                                                                                                                  \
  while (0)

/* The flat TOML of a ConfigPath: what it reads, and a clear refusal
   naming the line of everything else.  */
static void
test_toml (void)
{
  struct toml_seen t = { { 0 } };
  holo_error_t err = NULL;
  const char *text = "# runtime options\n"
                     "\n"
                     "BinaryName = \"/usr/bin/holo\"  # the runtime\n"
                     "\tRoot='/run/x\\y'\r\n"
                     "SystemdCgroup = true\n"
                     "IoUid = 1_000\n"
                     "\"quoted key\" = \"tab\\there \\u00e9 \\U0001F600 \\\"q\\\"\"\n"
                     "neg = -5\n"
                     "last = false";

  UNIT_ASSERT_INT_EQ (shim_toml_parse (text, "f.toml", record_toml, &t, &err), 0);
  UNIT_ASSERT_STR_EQ (t.text, "BinaryName=s:/usr/bin/holo;Root=s:/run/x\\y;SystemdCgroup=b:1;IoUid=i:1000;"
                              "quoted key=s:tab\there \xc3\xa9 \xf0\x9f\x98\x80 \"q\";neg=i:-5;last=b:0;");

  ASSERT_TOML_ERROR ("[plugins]\n", "f.toml:1: tables are not supported here: the options are top-level keys");
  ASSERT_TOML_ERROR ("a = 1\nb.c = 2\n",
                     "f.toml:2: dotted keys are not supported here: the options are top-level keys");
  ASSERT_TOML_ERROR ("a = 1\na = 2\n", "f.toml:2: \"a\" is given twice");
  ASSERT_TOML_ERROR ("a 1\n", "f.toml:1: expected '=' after the key \"a\"");
  ASSERT_TOML_ERROR ("= 1\n", "f.toml:1: expected a key (letters, digits, '_' or '-') or a [table]");
  ASSERT_TOML_ERROR ("a =\n", "f.toml:1: \"a\" has no value");
  ASSERT_TOML_ERROR ("a = \"open\n", "f.toml:1: the string does not end on its line");
  ASSERT_TOML_ERROR ("a = \"\"\"x\"\"\"\n", "f.toml:1: multi-line strings are not supported here");
  ASSERT_TOML_ERROR ("a = \"\\q\"\n", "f.toml:1: unknown escape \\q in a string");
  ASSERT_TOML_ERROR ("a = \"\\u00\"\n", "f.toml:1: \\u needs 4 hexadecimal digits");
  ASSERT_TOML_ERROR ("a = \"\\u0000\"\n", "f.toml:1: \\u0000 is not a character a value may hold");
  ASSERT_TOML_ERROR ("a = \"\\ud800\"\n", "f.toml:1: \\ud800 is not a character a value may hold");
  ASSERT_TOML_ERROR ("a = \"x\x01\"\n", "f.toml:1: a control character (0x01) in a string must be escaped");
  ASSERT_TOML_ERROR ("a = \"x\" y\n", "f.toml:1: unexpected text after the value");
  ASSERT_TOML_ERROR ("a = yes\n", "f.toml:1: the value of \"a\" must be a string, true, false or an integer");
  ASSERT_TOML_ERROR ("a = 1.5\n", "f.toml:1: the value of \"a\" must be a string, true, false or an integer");
  ASSERT_TOML_ERROR ("a = [1]\n", "f.toml:1: the value of \"a\" must be a string, true, false or an integer");
  ASSERT_TOML_ERROR ("a = 1__0\n", "f.toml:1: the value of \"a\" must be a string, true, false or an integer");
  ASSERT_TOML_ERROR ("a = 007\n", "f.toml:1: the integer of \"a\" has a leading zero");
  ASSERT_TOML_ERROR ("a = 99999999999999999999\n", "f.toml:1: the integer of \"a\" is out of range");
  ASSERT_TOML_ERROR ("\"a\\n\" = 1\nx\n", "f.toml:2: expected '=' after the key \"x\"");
  ASSERT_TOML_ERROR ("\"k\\u0001\" y\n", "f.toml:1: expected '=' after the key \"k\\x01\"");
}

static int
write_text (const char *path, const char *text)
{
  return holo_write_file (path, text, strlen (text), NULL);
}

/* A ConfigPath file sets runc's options by their CRI names; what it gets
   wrong is named with the file, the line and the cause.  */
static void
test_options_file (void)
{
  char dir[] = "/tmp/holo-shim-unit.XXXXXX";
  struct shim_options o = { 0 };
  holo_error_t err = NULL;
  char *path, *fifo;

  UNIT_ASSERT (mkdtemp (dir) != NULL);
  path = holo_xasprintf ("%s/holo.toml", dir);
  fifo = holo_xasprintf ("%s/fifo", dir);
#define WRITE(text) UNIT_ASSERT (write_text (path, text) == 0)
  WRITE ("BinaryName = \"/opt/holo\"\nroot = \"/run/r\"\nsystemd_cgroup = true\nNoPivotRoot = true\n"
         "IOUID = 1000\nIoGid = 1001\nShimCgroup = \"/shim\"\nCriuWorkPath = \"/w\"\n");
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), 0);
  UNIT_ASSERT_STR_EQ (shim_options_binary (&o), "/opt/holo");
  UNIT_ASSERT_STR_EQ (o.root, "/run/r");
  UNIT_ASSERT (o.systemd_cgroup && o.no_pivot_root && !o.no_new_keyring);
  UNIT_ASSERT_INT_EQ (o.io_uid, 1000);
  UNIT_ASSERT_INT_EQ (o.io_gid, 1001);
  UNIT_ASSERT_STR_EQ (o.shim_cgroup, "/shim");
  UNIT_ASSERT_STR_EQ (o.criu_work_path, "/w");

  WRITE ("Root = \"/r\"\nBinaryNme = \"x\"\n");
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), -1);
  {
    char *want = holo_xasprintf ("runtime options: %s:2: unknown option \"BinaryNme\" (the options are BinaryName, "
                                 "Root, SystemdCgroup, NoPivotRoot, NoNewKeyring, ShimCgroup, IoUid, IoGid, "
                                 "CriuImagePath, CriuWorkPath)",
                                 path);
    UNIT_ASSERT_STR_EQ (err->msg, want);
    free (want);
  }
  holo_error_release (&err);
  WRITE ("SystemdCgroup = \"true\"\n");
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "holo.toml:1: SystemdCgroup must be true or false");
  holo_error_release (&err);
  WRITE ("BinaryName = 1\n");
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "holo.toml:1: BinaryName must be a string");
  holo_error_release (&err);
  WRITE ("IoUid = -1\n");
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "holo.toml:1: IoUid must be an integer from 0 to 4294967295");
  holo_error_release (&err);
  WRITE ("Root = \"/r\"\n[x]\n");
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "holo.toml:2: tables are not supported here");
  holo_error_release (&err);
  {
    int fd = open (path, O_WRONLY | O_TRUNC);
    UNIT_ASSERT (fd >= 0);
    UNIT_ASSERT_INT_EQ (write (fd, "a = 1\n\0", 7), 7);
    close (fd);
  }
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "a NUL byte in the file");
  holo_error_release (&err);
#undef WRITE

  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, "holo.toml", &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "runtime options: ConfigPath \"holo.toml\" is not an absolute path");
  holo_error_release (&err);
  unlink (path);
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, path, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "holo.toml: open: no such file or directory");
  holo_error_release (&err);
  /* A FIFO would block the shim: refused without opening it for good.  */
  UNIT_ASSERT_INT_EQ (mkfifo (fifo, 0600), 0);
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, fifo, &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "fifo: not a regular file");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_options_from_file (&o, "/dev/zero", &err), -1);
  UNIT_ASSERT_STR_CONTAINS (err->msg, "/dev/zero: not a regular file");
  holo_error_release (&err);
  unlink (fifo);
  rmdir (dir);
  free (path);
  free (fifo);
  shim_options_free (&o);
}

/* The vector grows past any fixed size and stays NULL-terminated.  */
static void
test_argv (void)
{
  struct shim_argv a = { 0 };
  char *const more[] = { (char *) "x", (char *) "y", NULL };
  char **v;

  for (int i = 0; i < 100; i++)
    shim_argv_addf (&a, "--flag-%d", i);
  shim_argv_add_all (&a, more);
  UNIT_ASSERT_INT_EQ (a.n, 102);
  UNIT_ASSERT (a.v[102] == NULL);
  v = shim_argv_steal (&a);
  UNIT_ASSERT (a.v == NULL && a.n == 0);
  UNIT_ASSERT_STR_EQ (v[0], "--flag-0");
  UNIT_ASSERT_STR_EQ (v[99], "--flag-99");
  UNIT_ASSERT_STR_EQ (v[101], "y");
  UNIT_ASSERT_INT_EQ (holo_strv_len (v), 102);
  holo_strv_free (v);
  /* An empty vector steals as an empty, terminated one.  */
  v = shim_argv_steal (&a);
  UNIT_ASSERT (v != NULL && v[0] == NULL);
  holo_strv_free (v);
}

/* Only a namespaces entry decides; keys and values elsewhere, and
   whitespace inside strings, do not.  */
static void
test_json_pid_namespace (void)
{
  static const struct
  {
    const char *config;
    bool own;
  } v[] = {
    { "{\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}]}}", true },
    { "{\"linux\": {\"namespaces\": [ {\"type\": \"pid\",\n \"path\": \"/proc/1/ns/pid\"} ]}}", false },
    { "{\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}", false },
    /* An annotation named "type" is not a namespace.  */
    { "{\"annotations\":{\"type\":\"pid\"},\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/proc/1/ns/"
      "pid\"}]}}",
      false },
    /* "p i d" is not "pid".  */
    { "{\"annotations\":{\"type\":\"p i d\"},\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/proc/1/"
      "ns/pid\"}]}}",
      false },
    /* An empty path means a new namespace (as runc reads it).  */
    { "{\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"\"}]}}", true },
    /* The path key, not the word "path" somewhere in the entry.  */
    { "{\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"x\":\"path\"}]}}", true },
    { "{\"process\":{}}", false },
    { "not json", true },
    { "{\"linux\":{\"namespaces\":{\"type\":\"pid\"}}}", true },
  };

  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    if (shim_json_own_pid_namespace (v[i].config) != v[i].own)
      {
        fprintf (stdout, "# config %zu: %s\n", i, v[i].config);
        UNIT_ASSERT (shim_json_own_pid_namespace (v[i].config) == v[i].own);
      }
}

/* The last error line's msg, every escape decoded (UTF-8 for \u).  */
static void
test_json_last_error (void)
{
  cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  a = shim_json_last_error ("{\"level\":\"info\",\"msg\":\"starting\"}\n"
                            "{\"level\":\"error\",\"msg\":\"first\"}\n"
                            "not json at all\n"
                            "{\"level\":\"error\",\"msg\":\"caf\\u00e9 \\u2028 \\ud83d\\ude00 \\\"q\\\" \\\\ "
                            "tab\\tend\",\"time\":\"2024-01-01T00:00:00Z\"}\n"
                            "{\"level\":\"warning\",\"msg\":\"later\"}\n");
  UNIT_ASSERT (a != NULL);
  UNIT_ASSERT_STR_EQ (a, "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \"q\" \\ tab\tend");
  /* Spaces between tokens, keys in another order (other runtimes).  */
  b = shim_json_last_error ("{\"msg\": \"boom\", \"level\": \"error\"}");
  UNIT_ASSERT (b != NULL);
  UNIT_ASSERT_STR_EQ (b, "boom");
  /* A msg that only mentions an error level is not an error line.  */
  c = shim_json_last_error ("{\"level\":\"info\",\"msg\":\"x \\\"level\\\":\\\"error\\\" y\"}\n");
  UNIT_ASSERT (c == NULL);
  d = shim_json_last_error ("");
  UNIT_ASSERT (d == NULL);
}

/* Refusals carry containerd's code and text; the table has only the
   transitions that exist.  */
static void
test_state_machine (void)
{
  struct shim_fsm init, ex;
  holo_error_t err = NULL;
  int code = 0;

  shim_fsm_init (&init, false, SHIM_STATE_CREATING);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_START, &code, &err), -1);
  UNIT_ASSERT_INT_EQ (code, TTRPC_NOT_FOUND);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&init, SHIM_STATE_RUNNING), -1);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&init, SHIM_STATE_CREATED), 0);

  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_PAUSE, &code, &err), -1);
  UNIT_ASSERT_INT_EQ (code, TTRPC_UNKNOWN);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot pause task in created state");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_KILL, &code, &err), 0);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_UPDATE, &code, &err), 0);

  /* One exclusive operation at a time; others go on.  */
  UNIT_ASSERT_INT_EQ (shim_fsm_begin (&init, SHIM_ACT_START, &code, &err), 0);
  UNIT_ASSERT_INT_EQ (shim_fsm_begin (&init, SHIM_ACT_DELETE, &code, &err), -1);
  UNIT_ASSERT_INT_EQ (code, TTRPC_FAILED_PRECONDITION);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot delete while a start is in progress: failed precondition");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_begin (&init, SHIM_ACT_KILL, &code, &err), 0);
  shim_fsm_end (&init);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&init, SHIM_STATE_RUNNING), 0);

  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_START, &code, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot start a running process");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_DELETE, &code, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot delete a running process");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_RESUME, &code, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot resume a running process");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&init, SHIM_STATE_PAUSED), 0);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_EXEC, &code, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot exec in a paused state");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_PAUSE, &code, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot pause a paused container");
  holo_error_release (&err);

  UNIT_ASSERT (shim_fsm_exited (&init));
  UNIT_ASSERT (!shim_fsm_exited (&init));
  UNIT_ASSERT_INT_EQ (init.state, SHIM_STATE_STOPPED);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_KILL, &code, &err), -1);
  UNIT_ASSERT_INT_EQ (code, TTRPC_NOT_FOUND);
  UNIT_ASSERT_STR_EQ (err->msg, "process already finished: not found");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_UPDATE, &code, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot update a stopped container");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&init, SHIM_STATE_RUNNING), -1);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&init, SHIM_STATE_DELETED), 0);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&init, SHIM_ACT_DELETE, &code, &err), -1);
  UNIT_ASSERT_INT_EQ (code, TTRPC_NOT_FOUND);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot delete a deleted process: not found");
  holo_error_release (&err);

  shim_fsm_init (&ex, true, SHIM_STATE_CREATED);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&ex, SHIM_ACT_KILL, &code, &err), -1);
  UNIT_ASSERT_INT_EQ (code, TTRPC_FAILED_PRECONDITION);
  UNIT_ASSERT_STR_EQ (err->msg, "process not created: failed precondition");
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&ex, SHIM_STATE_PAUSED), -1);
  UNIT_ASSERT_INT_EQ (shim_fsm_move (&ex, SHIM_STATE_RUNNING), 0);
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&ex, SHIM_ACT_RESIZE, &code, &err), 0);
  UNIT_ASSERT (shim_fsm_exited (&ex));
  UNIT_ASSERT_INT_EQ (shim_fsm_check (&ex, SHIM_ACT_RESIZE, &code, &err), -1);
  UNIT_ASSERT_STR_EQ (err->msg, "cannot resize a stopped container");
  holo_error_release (&err);
}

/* ---------------------------------------------------------- reaper, runtime */

static char test_dir[] = "/tmp/holo-shim-unit-rt.XXXXXX";

/* A runtime for the tests: the command is the 7th argument (after go-runc's
   global flags).  */
static const char fake_runtime[] = "#!/bin/sh\n"
                                   "log=$4\n"
                                   "case $7 in\n"
                                   "hang) sleep 30 & echo $! >\"$HOLO_TEST_DIR/child.pid\"; wait ;;\n"
                                   "fail) printf '%s\\n' '{\"level\":\"info\",\"msg\":\"starting\"}' "
                                   "'{\"level\":\"error\",\"msg\":\"caf\\u00e9 broke\"}' >>\"$log\"; exit 1 ;;\n"
                                   "input) cat >\"$HOLO_TEST_DIR/input.out\" ;;\n"
                                   "touch) : >\"$HOLO_TEST_DIR/ran\" ;;\n"
                                   "signal) kill -TERM $$ ;;\n"
                                   "esac\n";

struct rt_env
{
  struct shim_loop loop;
  struct shim_reaper reaper;
  struct shim_runtime rt;
  struct shim_options opts;
  struct shim_timer guard;
};

struct rt_done
{
  struct shim_loop *loop;
  bool called;
  int code;
  char *msg;
};

static void
rt_done_cb (void *data, int code, holo_error_t *err)
{
  struct rt_done *d = data;

  d->called = true;
  d->code = code;
  d->msg = *err ? holo_xstrdup ((*err)->msg) : NULL;
  d->loop->quit = true;
}

static void
guard_fired (struct shim_loop *loop, struct shim_timer *t)
{
  loop->quit = true;
}

static bool
rt_setup (struct rt_env *e, const char *binary)
{
  holo_error_t err = NULL;

  memset (e, 0, sizeof (*e));
  e->opts.binary_name = holo_xstrdup (binary);
  e->opts.root = holo_xasprintf ("%s/root", test_dir);
  if (shim_loop_init (&e->loop, &err) < 0 || shim_reaper_init (&e->reaper, &e->loop, NULL, NULL, &err) < 0)
    {
      holo_log_release_error (&err);
      return false;
    }
  shim_runtime_init (&e->rt, &e->loop, &e->reaper, &e->opts, "ns");
  e->guard.cb = guard_fired;
  return true;
}

/* Runs the loop until D is answered, at most 10 s.  */
static void
rt_wait (struct rt_env *e, struct rt_done *d)
{
  holo_error_t err = NULL;

  d->loop = &e->loop;
  shim_timer_arm (&e->loop, &e->guard, 10000);
  e->loop.quit = false;
  while (!d->called && shim_loop_run (&e->loop, &err) == 0 && e->guard.armed)
    e->loop.quit = false;
  shim_timer_disarm (&e->loop, &e->guard);
  holo_error_release (&err);
}

static void
rt_teardown (struct rt_env *e)
{
  shim_runtime_close (&e->rt);
  shim_reaper_close (&e->reaper);
  shim_loop_close (&e->loop);
  shim_options_free (&e->opts);
}

static char *
fake_runtime_path (void)
{
  char *path = holo_xasprintf ("%s/runtime", test_dir);
  holo_write_file (path, fake_runtime, strlen (fake_runtime), NULL);
  chmod (path, 0755);
  return path;
}

static struct shim_runtime_cmd
rt_cmd (char **args, struct rt_done *d)
{
  return (struct shim_runtime_cmd){
    .bundle = test_dir, .args = args, .stdio = { -1, -1, -1 }, .done = rt_done_cb, .data = d
  };
}

static int
count_fds (void)
{
  cleanup_dir DIR *d = opendir ("/proc/self/fd");
  int n = 0;

  for (struct dirent *de; d && (de = readdir (d));)
    if (de->d_name[0] != '.')
      n++;
  return n;
}

/* A hung command is killed with its process group at its deadline and
   answered DeadlineExceeded at once.  */
static void
test_runtime_deadline (void)
{
  cleanup_free char *bin = fake_runtime_path ();
  cleanup_free char *child_file = holo_xasprintf ("%s/child.pid", test_dir);
  cleanup_free char *child_text = NULL;
  char *args[] = { (char *) "hang", (char *) "id", NULL };
  struct rt_done d = { 0 };
  struct rt_env e;
  holo_error_t err = NULL;
  struct shim_runtime_cmd cmd = rt_cmd (args, &d);
  uint64_t t0;
  pid_t child;

  UNIT_ASSERT (rt_setup (&e, bin));
  UNIT_ASSERT_INT_EQ (shim_runtime_set_deadlines (&e.rt, "kill=5,hang=400ms", &err), 0);
  t0 = shim_now_ms ();
  UNIT_ASSERT_INT_EQ (shim_runtime_start (&e.rt, &cmd, &err), 0);
  UNIT_ASSERT (!d.called);
  rt_wait (&e, &d);
  UNIT_ASSERT (d.called);
  UNIT_ASSERT_INT_EQ (d.code, TTRPC_DEADLINE_EXCEEDED);
  UNIT_ASSERT (strstr (d.msg, " hang: no answer within 400ms, killed: context deadline exceeded") != NULL);
  UNIT_ASSERT (shim_now_ms () - t0 >= 400 && shim_now_ms () - t0 < 3000);
  /* The script's own child went with the group.  */
  UNIT_ASSERT_INT_EQ (holo_read_file (child_file, &child_text, NULL, NULL), 0);
  child = (pid_t) strtol (child_text, NULL, 10);
  for (int i = 0; i < 50 && kill (child, 0) == 0; i++)
    {
      usleep (50000);
      shim_reaper_collect (&e.reaper);
      shim_reaper_dispatch (&e.reaper);
    }
  UNIT_ASSERT (kill (child, 0) < 0);
  /* A caller's deadline earlier than the configured one wins.  */
  free (d.msg);
  memset (&d, 0, sizeof d);
  cmd.deadline_ms = shim_now_ms () + 200;
  UNIT_ASSERT_INT_EQ (shim_runtime_start (&e.rt, &cmd, &err), 0);
  rt_wait (&e, &d);
  UNIT_ASSERT_INT_EQ (d.code, TTRPC_DEADLINE_EXCEEDED);
  free (d.msg);
  rt_teardown (&e);
}

/* A failing command's error is the last error line it logged, decoded.  */
static void
test_runtime_error (void)
{
  cleanup_free char *bin = fake_runtime_path ();
  char *fail[] = { (char *) "fail", NULL };
  char *sig[] = { (char *) "signal", NULL };
  char *ok[] = { (char *) "touch", NULL };
  struct rt_done d = { 0 };
  struct rt_env e;
  holo_error_t err = NULL;
  struct shim_runtime_cmd cmd = rt_cmd (fail, &d);

  UNIT_ASSERT (rt_setup (&e, bin));
  UNIT_ASSERT_INT_EQ (shim_runtime_start (&e.rt, &cmd, &err), 0);
  rt_wait (&e, &d);
  UNIT_ASSERT_INT_EQ (d.code, TTRPC_UNKNOWN);
  UNIT_ASSERT (strstr (d.msg, " fail failed: caf\xc3\xa9 broke") != NULL);
  free (d.msg);
  memset (&d, 0, sizeof d);
  cmd.args = sig;
  UNIT_ASSERT_INT_EQ (shim_runtime_start (&e.rt, &cmd, &err), 0);
  rt_wait (&e, &d);
  UNIT_ASSERT (strstr (d.msg, " signal failed: killed by signal 15") != NULL);
  free (d.msg);
  memset (&d, 0, sizeof d);
  cmd.args = ok;
  UNIT_ASSERT_INT_EQ (shim_runtime_start (&e.rt, &cmd, &err), 0);
  rt_wait (&e, &d);
  UNIT_ASSERT (d.called);
  UNIT_ASSERT_INT_EQ (d.code, TTRPC_OK);
  UNIT_ASSERT (d.msg == NULL);
  rt_teardown (&e);

  /* A binary that cannot be run.  */
  UNIT_ASSERT (rt_setup (&e, "/nonexistent/holo"));
  memset (&d, 0, sizeof d);
  UNIT_ASSERT_INT_EQ (shim_runtime_start (&e.rt, &cmd, &err), 0);
  rt_wait (&e, &d);
  UNIT_ASSERT (strstr (d.msg, "/nonexistent/holo touch: cannot run the runtime: no such file or directory") != NULL);
  free (d.msg);
  rt_teardown (&e);
}

/* Input larger than a pipe reaches the command whole, fed by the loop.  */
static void
test_runtime_input (void)
{
  cleanup_free char *bin = fake_runtime_path ();
  cleanup_free char *out = holo_xasprintf ("%s/input.out", test_dir);
  cleanup_free char *input = holo_xmalloc (300001);
  cleanup_free char *got = NULL;
  char *args[] = { (char *) "input", NULL };
  struct rt_done d = { 0 };
  struct rt_env e;
  holo_error_t err = NULL;
  struct shim_runtime_cmd cmd = rt_cmd (args, &d);
  size_t len = 0;

  for (size_t i = 0; i < 300000; i++)
    input[i] = (char) ('a' + i % 26);
  cmd.input = input;
  UNIT_ASSERT (rt_setup (&e, bin));
  UNIT_ASSERT_INT_EQ (shim_runtime_start (&e.rt, &cmd, &err), 0);
  rt_wait (&e, &d);
  UNIT_ASSERT_INT_EQ (d.code, TTRPC_OK);
  UNIT_ASSERT_INT_EQ (holo_read_file (out, &got, &len, NULL), 0);
  UNIT_ASSERT_INT_EQ (len, 300000);
  UNIT_ASSERT (memcmp (got, input, len) == 0);
  rt_teardown (&e);
}

/* Leaves exactly FREE_SLOTS fd numbers free below the soft limit;
   returns the old limit in *OLD.  */
static void
limit_free_fds (int free_slots, struct rlimit *old)
{
  static bool used[4096];
  struct rlimit rl;
  int dir_fd, lim, free_below = 0;
  DIR *d = opendir ("/proc/self/fd");

  memset (used, 0, sizeof used);
  dir_fd = dirfd (d);
  for (struct dirent *de; (de = readdir (d));)
    if (de->d_name[0] != '.' && atoi (de->d_name) < 4096 && atoi (de->d_name) != dir_fd)
      used[atoi (de->d_name)] = true;
  closedir (d);
  for (lim = 0; lim < 4096; lim++)
    {
      if (free_below == free_slots)
        break;
      if (!used[lim])
        free_below++;
    }
  getrlimit (RLIMIT_NOFILE, old);
  rl = *old;
  rl.rlim_cur = (rlim_t) lim;
  setrlimit (RLIMIT_NOFILE, &rl);
}

/* Without fds for its input pipe the command does not run (it used to run
   with no input); nothing is left open.  */
static void
test_runtime_no_pipe (void)
{
  cleanup_free char *bin = fake_runtime_path ();
  cleanup_free char *ran = holo_xasprintf ("%s/ran", test_dir);
  char *args[] = { (char *) "touch", NULL };
  struct rt_done d = { 0 };
  struct rt_env e;
  holo_error_t err = NULL;
  struct shim_runtime_cmd cmd = rt_cmd (args, &d);
  struct rlimit old;
  int before, ret;

  unlink (ran);
  cmd.input = "{}";
  UNIT_ASSERT (rt_setup (&e, bin));
  before = count_fds ();
  /* Room for the exec-report pipe, not for the input pipe.  */
  limit_free_fds (3, &old);
  ret = shim_runtime_start (&e.rt, &cmd, &err);
  setrlimit (RLIMIT_NOFILE, &old);
  UNIT_ASSERT_INT_EQ (ret, -1);
  UNIT_ASSERT (strstr (err->msg, "pipe for its input: too many open files") != NULL);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
  usleep (100000);
  UNIT_ASSERT (!d.called);
  UNIT_ASSERT (access (ran, F_OK) < 0);
  rt_teardown (&e);
}

/* The reaper hands a watched pid to its watcher; other exits go to the
   handler, and are kept while held until the handler takes them.  */
static pid_t reaper_wanted;
static int reaper_taken;

static bool
take_wanted (void *data, const struct shim_exit *ex)
{
  if (ex->pid != reaper_wanted)
    return false;
  reaper_taken++;
  return true;
}

static void
watched (struct shim_pid_watch *w, int status)
{
  *(int *) w->data = WEXITSTATUS (status) + 1;
}

static pid_t
exit_child (int code)
{
  pid_t pid = fork ();
  if (pid == 0)
    _exit (code);
  return pid;
}

static void
reap_all (struct shim_reaper *r, int n_children)
{
  for (int i = 0; i < 50; i++)
    {
      usleep (20000);
      shim_reaper_collect (r);
    }
  (void) n_children;
}

static void
test_reaper (void)
{
  struct shim_loop loop;
  struct shim_reaper r;
  holo_error_t err = NULL;
  struct shim_pid_watch w = { 0 };
  int watched_status = 0;
  pid_t a, b;

  UNIT_ASSERT_INT_EQ (shim_loop_init (&loop, &err), 0);
  UNIT_ASSERT_INT_EQ (shim_reaper_init (&r, &loop, take_wanted, NULL, &err), 0);
  reaper_taken = 0;
  reaper_wanted = 0;
  shim_reaper_hold (&r);
  a = exit_child (3);
  b = exit_child (4);
  w.pid = b;
  w.fn = watched;
  w.data = &watched_status;
  shim_reaper_watch (&r, &w);
  reap_all (&r, 2);
  shim_reaper_dispatch (&r);
  UNIT_ASSERT_INT_EQ (watched_status, 5);
  /* A's pid is not known yet: kept while held.  */
  UNIT_ASSERT (r.exits != NULL && r.exits->pid == a && r.exits->next == NULL);
  reaper_wanted = a;
  shim_reaper_release (&r);
  UNIT_ASSERT_INT_EQ (reaper_taken, 1);
  UNIT_ASSERT (r.exits == NULL);
  /* Not held: an exit nobody takes is dropped.  */
  reaper_wanted = 0;
  exit_child (0);
  reap_all (&r, 1);
  shim_reaper_dispatch (&r);
  UNIT_ASSERT (r.exits == NULL);
  shim_reaper_close (&r);
  shim_loop_close (&loop);
}

static void
test_deadlines (void)
{
  struct shim_runtime rt = { 0 };
  holo_error_t err = NULL;

  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "create"), 120000);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "kill"), 10000);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "ps"), 60000);
  /* Not runtime commands, with deadlines of their own.  */
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "logger"), 10000);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "mount"), 60000);
  UNIT_ASSERT_INT_EQ (shim_runtime_set_deadlines (&rt, "kill=2, create=1.5s,pause=250ms,checkpoint=0", &err), 0);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "kill"), 2000);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "create"), 1500);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "pause"), 250);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "checkpoint"), 0);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "start"), 60000);
  /* "default" covers every command the spec does not name; the last
     entry wins.  */
  UNIT_ASSERT_INT_EQ (shim_runtime_set_deadlines (&rt, "default=7,kill=1,kill=3", &err), 0);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "create"), 7000);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "kill"), 3000);
  /* A bad spec is refused whole, naming the entry.  */
  UNIT_ASSERT_INT_EQ (shim_runtime_set_deadlines (&rt, "kill=1,start=soon", &err), -1);
  UNIT_ASSERT (strstr (err->msg, "HOLO_SHIM_TIMEOUTS: \"start=soon\"") != NULL);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_runtime_set_deadlines (&rt, "kill", &err), -1);
  UNIT_ASSERT (strstr (err->msg, "expected COMMAND=DURATION") != NULL);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_runtime_set_deadlines (&rt, "kill=-1", &err), -1);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (shim_runtime_deadline (&rt, "kill"), 3000);
  shim_runtime_free_deadlines (&rt);
}

/* A terminal's relays are never built on fd -1: with no fd left for the
   dup of the pty master, attach fails (it used to succeed with a dead
   relay, the output silently lost).  */
static int
attach_with_free_fds (bool fifo_out, bool with_stdin, int free_slots, holo_error_t *err)
{
  cleanup_free char *out = holo_xasprintf ("%s/tty-out%s", test_dir, fifo_out ? ".fifo" : ".log");
  cleanup_free char *in = holo_xasprintf ("%s/tty-in.fifo", test_dir);
  struct shim shim;
  struct shim_stdio st;
  struct rlimit old;
  int fds[3], ret, master, client;
  cleanup_free char *sock = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  memset (&shim, 0, sizeof shim);
  if (shim_loop_init (&shim.loop, err) < 0)
    return -2;
  unlink (out);
  unlink (in);
  if (fifo_out)
    mkfifo (out, 0600);
  mkfifo (in, 0600);
  shim_stdio_init (&st, with_stdin ? in : "", out, "", true);
  if (shim_stdio_prepare (&shim, &st, fds, err) < 0)
    return -2;
  /* What holo would do: connect and send the pty master.  */
  sock = shim_stdio_console_socket (&st);
  strcpy (addr.sun_path, sock);
  client = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (client < 0 || master < 0 || connect (client, (struct sockaddr *) &addr, sizeof addr) < 0
      || holo_send_fd (client, master, err) < 0)
    return -2;
  close (master);
  close (client);
  limit_free_fds (free_slots, &old);
  ret = shim_stdio_attach (&shim, &st, err);
  setrlimit (RLIMIT_NOFILE, &old);
  shim_stdio_free (&shim, &st);
  shim_loop_close (&shim.loop);
  return ret;
}

static void
test_stdio_dup_failure (void)
{
  holo_error_t err = NULL;
  int before = count_fds ();

  /* stdout a FIFO: two fds for it, none left for the dup.  */
  UNIT_ASSERT_INT_EQ (attach_with_free_fds (true, false, 2, &err), -1);
  UNIT_ASSERT (strstr (err->msg, "terminal output relay: dup the pty master: too many open files") != NULL);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
  /* stdout a file, stdin a FIFO: the stdin relay's dup fails.  */
  UNIT_ASSERT_INT_EQ (attach_with_free_fds (false, true, 3, &err), -1);
  UNIT_ASSERT (strstr (err->msg, "terminal input relay: dup the pty master: too many open files") != NULL);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
  /* With room, both relays are built.  */
  UNIT_ASSERT_INT_EQ (attach_with_free_fds (false, true, 16, &err), 0);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
}

static void
quit_loop (struct shim_loop *loop, struct shim_timer *t)
{
  loop->quit = true;
}

/* Runs LOOP for MS milliseconds.  */
static void
run_loop_for (struct shim_loop *loop, unsigned ms)
{
  struct shim_timer t = { .cb = quit_loop };
  holo_error_t err = NULL;

  loop->quit = false;
  shim_timer_arm (loop, &t, ms);
  UNIT_ASSERT_INT_EQ (shim_loop_run (loop, &err), 0);
}

/* Without a terminal the runtime command writes into pipes: nothing of
   what it wrote reaches stdout or stderr unless the command succeeded
   (attach), and then all of it does.  */
static void
test_stdio_output_pipes (void)
{
  cleanup_free char *out = holo_xasprintf ("%s/pipes-out.log", test_dir);
  cleanup_free char *errp = holo_xasprintf ("%s/pipes-err.log", test_dir);
  cleanup_free char *got = NULL;
  struct shim shim;
  struct shim_stdio st;
  holo_error_t err = NULL;
  int fds[3], before;
  size_t len;

  memset (&shim, 0, sizeof shim);
  UNIT_ASSERT_INT_EQ (shim_loop_init (&shim.loop, &err), 0);
  unlink (out);
  unlink (errp);
  before = count_fds ();
  /* A failed create: what it wrote is dropped with the pipes.  */
  shim_stdio_init (&st, "", out, errp, false);
  UNIT_ASSERT_INT_EQ (shim_stdio_prepare (&shim, &st, fds, &err), 0);
  UNIT_ASSERT (fds[0] < 0 && fds[1] >= 0 && fds[2] >= 0);
  UNIT_ASSERT_INT_EQ (write (fds[2], "the runtime's error\n", 20), 20);
  close (fds[1]);
  close (fds[2]);
  shim_stdio_release (&shim, &st);
  run_loop_for (&shim.loop, 100);
  UNIT_ASSERT_INT_EQ (holo_read_file (errp, &got, &len, NULL), 0);
  UNIT_ASSERT_INT_EQ (len, 0);
  shim_stdio_free (&shim, &st);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
  /* A create that succeeded: what waited in the pipes goes through.  */
  shim_stdio_init (&st, "", out, errp, false);
  UNIT_ASSERT_INT_EQ (shim_stdio_prepare (&shim, &st, fds, &err), 0);
  UNIT_ASSERT_INT_EQ (write (fds[1], "to stdout\n", 10), 10);
  UNIT_ASSERT_INT_EQ (write (fds[2], "to stderr\n", 10), 10);
  close (fds[1]);
  close (fds[2]);
  UNIT_ASSERT_INT_EQ (shim_stdio_attach (&shim, &st, &err), 0);
  run_loop_for (&shim.loop, 100);
  free (got);
  got = NULL;
  UNIT_ASSERT_INT_EQ (holo_read_file (out, &got, &len, NULL), 0);
  UNIT_ASSERT (len == 10 && memcmp (got, "to stdout\n", 10) == 0);
  free (got);
  got = NULL;
  UNIT_ASSERT_INT_EQ (holo_read_file (errp, &got, &len, NULL), 0);
  UNIT_ASSERT (len == 10 && memcmp (got, "to stderr\n", 10) == 0);
  /* The relays saw EOF and closed their ends.  */
  UNIT_ASSERT (st.out_relay->in.fd < 0 && st.err_relay->in.fd < 0);
  shim_stdio_free (&shim, &st);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
  shim_loop_close (&shim.loop);
}

/* No fds left for the stderr pipe: prepare fails naming it, and nothing
   it opened is left once the stdio is released.  */
static void
test_stdio_output_pipe_failure (void)
{
  cleanup_free char *out = holo_xasprintf ("%s/nofd-out.log", test_dir);
  cleanup_free char *errp = holo_xasprintf ("%s/nofd-err.log", test_dir);
  struct shim shim;
  struct shim_stdio st;
  holo_error_t err = NULL;
  struct rlimit old;
  int fds[3], before, ret;

  memset (&shim, 0, sizeof shim);
  UNIT_ASSERT_INT_EQ (shim_loop_init (&shim.loop, &err), 0);
  before = count_fds ();
  shim_stdio_init (&st, "", out, errp, false);
  /* stdout: the file and its pipe (3); stderr: the file, not its pipe.  */
  limit_free_fds (4, &old);
  ret = shim_stdio_prepare (&shim, &st, fds, &err);
  setrlimit (RLIMIT_NOFILE, &old);
  UNIT_ASSERT_INT_EQ (ret, -1);
  UNIT_ASSERT (err && strstr (err->msg, "output pipe: too many open files") != NULL);
  holo_error_release (&err);
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  shim_stdio_free (&shim, &st);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
  shim_loop_close (&shim.loop);
}

/* A logging binary that cannot get its pipes leaves no fd behind.  */
static void
test_logger_no_fds (void)
{
  struct shim shim;
  holo_error_t err = NULL;
  struct rlimit old;
  struct shim_logger *l;
  int out[2], before;

  memset (&shim, 0, sizeof shim);
  shim.id = (char *) "c1";
  shim.namespace = (char *) "ns";
  before = count_fds ();
  /* Room for the stdout and stderr pipes, one fd short for the third.  */
  limit_free_fds (5, &old);
  l = shim_logger_start (&shim, "binary:///bin/true", out, &err);
  setrlimit (RLIMIT_NOFILE, &old);
  UNIT_ASSERT (l == NULL);
  UNIT_ASSERT (strstr (err->msg, "too many open files") != NULL);
  holo_error_release (&err);
  UNIT_ASSERT_INT_EQ (count_fds (), before);
}

/* Frames from a buffer: two back to back, whole or a byte at a time, and
   a header over the limit.  */
static void
test_frame_feed (void)
{
  uint8_t buf[64] = { 0 };
  struct ttrpc_reader r = { 0 };
  uint32_t v;
  size_t used, off = 0;
  int frames = 0;

  v = htonl (3);
  memcpy (buf, &v, 4);
  v = htonl (1);
  memcpy (buf + 4, &v, 4);
  buf[8] = TTRPC_TYPE_REQUEST;
  memcpy (buf + 10, "abc", 3);
  memcpy (buf + 13, buf, 13);
  buf[13 + 7] = 3; /* stream 3 */
  UNIT_ASSERT_INT_EQ (ttrpc_reader_feed (&r, buf, 26, &used), 1);
  UNIT_ASSERT_INT_EQ (used, 13);
  UNIT_ASSERT_INT_EQ (r.len, 3);
  UNIT_ASSERT (memcmp (r.payload, "abc", 3) == 0);
  ttrpc_reader_reset (&r);
  UNIT_ASSERT_INT_EQ (ttrpc_reader_feed (&r, buf + 13, 13, &used), 1);
  UNIT_ASSERT_INT_EQ (r.stream, 3);
  ttrpc_reader_reset (&r);
  for (off = 0; off < 26; off++)
    {
      int ret = ttrpc_reader_feed (&r, buf + off, 1, &used);
      UNIT_ASSERT_INT_EQ (used, 1);
      if (ret == 1)
        {
          frames++;
          ttrpc_reader_reset (&r);
        }
      else
        UNIT_ASSERT_INT_EQ (ret, 0);
    }
  UNIT_ASSERT_INT_EQ (frames, 2);
  v = htonl (TTRPC_MAX_MESSAGE + 1);
  memcpy (buf, &v, 4);
  UNIT_ASSERT_INT_EQ (ttrpc_reader_feed (&r, buf, 26, &used), -1);
  UNIT_ASSERT_INT_EQ (errno, EMSGSIZE);
  UNIT_ASSERT_INT_EQ (used, TTRPC_HEADER_LEN);
  ttrpc_reader_reset (&r);
}

int
main (void)
{
  UNIT_RUN (test_sha256);
  UNIT_RUN (test_frame_roundtrip);
  UNIT_RUN (test_frame_too_large);
  UNIT_RUN (test_frame_backpressure);
  UNIT_RUN (test_frame_feed);
  UNIT_RUN (test_options);
  UNIT_RUN (test_toml);
  UNIT_RUN (test_options_file);
  UNIT_RUN (test_argv);
  UNIT_RUN (test_json_pid_namespace);
  UNIT_RUN (test_json_last_error);
  UNIT_RUN (test_state_machine);
  UNIT_RUN (test_deadlines);
  UNIT_RUN (test_reaper);
  if (mkdtemp (test_dir) == NULL)
    return 1;
  setenv ("HOLO_TEST_DIR", test_dir, 1);
  UNIT_RUN (test_runtime_deadline);
  UNIT_RUN (test_runtime_error);
  UNIT_RUN (test_runtime_input);
  UNIT_RUN (test_runtime_no_pipe);
  UNIT_RUN (test_stdio_dup_failure);
  UNIT_RUN (test_stdio_output_pipes);
  UNIT_RUN (test_stdio_output_pipe_failure);
  UNIT_RUN (test_logger_no_fds);
  {
    cleanup_free char *rm = holo_xasprintf ("rm -rf '%s'", test_dir);
    if (system (rm) != 0)
      return 1;
  }
  return unit_finish ();
}
