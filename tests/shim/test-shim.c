/* Unit tests of containerd-shim-holo-v2's pieces that need no containerd:
   SHA-256 (the socket name), ttrpc framing, runtime options.  */
#define _GNU_SOURCE
#include "../unit/unit.h"
#include "shim/shim.h"
#include "shim/sha256.h"
#include "shim/argv.h"
#include "shim/json.h"
#include "shim/ttrpc/ttrpc.h"
#include "options.pb-c.h"
#include "libcontainer/utils.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>

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
      shim_sha256 (buf, v[i].n, d);
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
  /* Another type (CRI's runtimeoptions) is ignored, not an error.  */
  any.type_url = (char *) "runtimeoptions.v1.Options";
  any.value.data = (uint8_t *) "\x0a\x03xyz";
  any.value.len = 5;
  UNIT_ASSERT_INT_EQ (shim_options_from_any (&opts, &any, &err), 0);
  UNIT_ASSERT_STR_EQ (shim_options_binary (&opts), "/opt/holo");

  UNIT_ASSERT (mkdtemp (dir) != NULL);
  UNIT_ASSERT_INT_EQ (shim_options_save (&opts, dir, &err), 0);
  UNIT_ASSERT_INT_EQ (shim_options_load (&loaded, dir, &err), 0);
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

int
main (void)
{
  UNIT_RUN (test_sha256);
  UNIT_RUN (test_frame_roundtrip);
  UNIT_RUN (test_frame_too_large);
  UNIT_RUN (test_frame_backpressure);
  UNIT_RUN (test_options);
  UNIT_RUN (test_argv);
  UNIT_RUN (test_json_pid_namespace);
  UNIT_RUN (test_json_last_error);
  return unit_finish ();
}
