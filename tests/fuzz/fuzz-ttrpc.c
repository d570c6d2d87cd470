/* clang-format off */
/* fuzz-sources: src/shim/ttrpc/frame.c src/shim/options.c src/shim/proto/ttrpc.pb-c.c src/shim/proto/types.pb-c.c src/shim/proto/task.pb-c.c src/shim/proto/options.pb-c.c */
/* fuzz-libs: -lprotobuf-c */
/* clang-format on */
/* libFuzzer target: what containerd-shim-holo-v2 does with the bytes a
   client writes on its socket.  The input is a byte stream as the server
   reads it: ttrpc frames (ttrpc_reader_feed, the parser ttrpc_read_frame
   runs), each request decoded as ttrpc.Request and its payload as the
   task request its method names (as service.c does), the runtime options
   of a Create and a Checkpoint decoded as the shim decodes them
   (shim_options_from_any, CheckpointOptions), and response frames as
   the events client decodes them.  Every decoded message is packed
   again (see repack).  The stream is parsed twice, whole and in 7-byte
   pieces: both must see the same frames.

   Seeds (tests/fuzz/corpus/ttrpc/) are frames made with tests/shim/ttrpc.py's
   encoder: Create with runc options, Start, Kill, Exec with a process
   spec, Checkpoint with CheckpointOptions, State, a response, a data
   frame, two requests in one stream, and a truncated one; regress-* are
   inputs that once crashed.  */
#define _GNU_SOURCE
#include "shim/shim.h"
#include "shim/ttrpc/ttrpc.h"
#include "options.pb-c.h"
#include "task.pb-c.h"
#include "ttrpc.pb-c.h"
#include "libcontainer/utils.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct
{
  const char *method;
  const ProtobufCMessageDescriptor *desc;
} methods[] = {
  { "Create", &hs__create_task_request__descriptor },
  { "Start", &hs__start_request__descriptor },
  { "Delete", &hs__delete_request__descriptor },
  { "Exec", &hs__exec_process_request__descriptor },
  { "ResizePty", &hs__resize_pty_request__descriptor },
  { "State", &hs__state_request__descriptor },
  { "Kill", &hs__kill_request__descriptor },
  { "CloseIO", &hs__close_iorequest__descriptor },
  { "Pids", &hs__pids_request__descriptor },
  { "Checkpoint", &hs__checkpoint_task_request__descriptor },
  { "Update", &hs__update_task_request__descriptor },
  { "Wait", &hs__wait_request__descriptor },
  { "Stats", &hs__stats_request__descriptor },
  { "Connect", &hs__connect_request__descriptor },
  { "Shutdown", &hs__shutdown_request__descriptor },
  { "Pause", &hs__pause_request__descriptor },
  { "Resume", &hs__resume_request__descriptor },
};

/* Packs M and decodes the result again; when it decodes, it packs to the
   same size.  It may not decode: protobuf-c keeps some malformed fields as
   unknown fields and writes them back in a form it refuses (field number
   0 in a two-byte tag, corpus file regress-field0-roundtrip, found by this
   target).  The shim once copied a Create request that way and crashed;
   it never round-trips what it receives now (shim-protocol.bats has the
   regression test).  */
static void
repack (const ProtobufCMessage *m)
{
  size_t len;
  uint8_t *buf = ttrpc_pack (m, &len);
  ProtobufCMessage *again = protobuf_c_message_unpack (m->descriptor, NULL, len, buf);

  if (again && protobuf_c_message_get_packed_size (again) != len)
    abort ();
  if (again)
    protobuf_c_message_free_unpacked (again, NULL);
  free (buf);
}

static void
decode_options (const Hs__Any *any)
{
  struct shim_options opts = { 0 };
  holo_error_t err = NULL;

  shim_options_from_any (&opts, any, &err);
  holo_error_release (&err);
  shim_options_free (&opts);
}

static void
decode_task_request (const char *method, const ProtobufCBinaryData *payload)
{
  for (size_t i = 0; i < sizeof (methods) / sizeof (methods[0]); i++)
    {
      ProtobufCMessage *m;

      if (strcmp (method, methods[i].method) != 0)
        continue;
      m = protobuf_c_message_unpack (methods[i].desc, NULL, payload->len, payload->data);
      if (m == NULL)
        return;
      repack (m);
      if (methods[i].desc == &hs__create_task_request__descriptor)
        decode_options (((Hs__CreateTaskRequest *) m)->options);
      if (methods[i].desc == &hs__checkpoint_task_request__descriptor)
        {
          const Hs__Any *o = ((Hs__CheckpointTaskRequest *) m)->options;
          Hs__CheckpointOptions *co = o ? hs__checkpoint_options__unpack (NULL, o->value.len, o->value.data) : NULL;
          if (co)
            {
              repack (&co->base);
              hs__checkpoint_options__free_unpacked (co, NULL);
            }
        }
      protobuf_c_message_free_unpacked (m, NULL);
      return;
    }
}

static void
handle_frame (const struct ttrpc_reader *r)
{
  if (r->type == TTRPC_TYPE_REQUEST)
    {
      Ttrpc__Request *req = ttrpc__request__unpack (NULL, r->len, r->payload);
      if (req == NULL)
        return;
      repack (&req->base);
      decode_task_request (req->method, &req->payload);
      ttrpc__request__free_unpacked (req, NULL);
    }
  else if (r->type == TTRPC_TYPE_RESPONSE)
    {
      Ttrpc__Response *resp = ttrpc__response__unpack (NULL, r->len, r->payload);
      if (resp == NULL)
        return;
      repack (&resp->base);
      ttrpc__response__free_unpacked (resp, NULL);
    }
}

/* Parses DATA in pieces of CHUNK bytes; returns the frames seen, each
   folded into *DIGEST (length, stream, type, flags).  */
static size_t
parse_stream (const uint8_t *data, size_t size, size_t chunk, bool decode, uint64_t *digest)
{
  struct ttrpc_reader r = { 0 };
  size_t off = 0, frames = 0;

  *digest = 0;
  while (off < size)
    {
      size_t n = size - off < chunk ? size - off : chunk, used = 0;
      int ret = ttrpc_reader_feed (&r, data + off, n, &used);

      if (used > n)
        abort ();
      off += used;
      if (ret < 0)
        break;
      if (ret == 1)
        {
          frames++;
          *digest = *digest * 1000003u + ((uint64_t) r.len << 40 ^ (uint64_t) r.stream << 16 ^ r.type << 8 ^ r.flags);
          if (r.got != r.len || r.hdr_got != TTRPC_HEADER_LEN)
            abort ();
          if (decode)
            handle_frame (&r);
          ttrpc_reader_reset (&r);
        }
      else if (used < n)
        abort (); /* "more needed" must take everything offered */
    }
  ttrpc_reader_reset (&r);
  return frames;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint64_t whole, pieces;

  if (parse_stream (data, size, size ? size : 1, true, &whole) != parse_stream (data, size, 7, false, &pieces)
      || whole != pieces)
    abort ();
  return 0;
}
