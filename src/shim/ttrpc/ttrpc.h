/* holo shim — ttrpc: containerd's small RPC protocol over a unix socket.
   A frame is a 10-byte header (uint32 BE payload length, at most 4 MiB;
   uint32 BE stream id, odd when the client opened it; uint8 type: 1 request,
   2 response, 3 data; uint8 flags) and a protobuf payload: ttrpc.Request
   for requests and ttrpc.Response for responses.  The server answers unary
   calls, possibly later (Wait), on the stream they came in on; the client
   sends one call at a time and waits for its answer.  */
#ifndef HOLO_SHIM_TTRPC_H
#define HOLO_SHIM_TTRPC_H

#include "shim/loop.h"
#include "ttrpc.pb-c.h"
#include <stddef.h>
#include <stdint.h>

#define TTRPC_HEADER_LEN 10
#define TTRPC_MAX_MESSAGE (4u << 20)

enum ttrpc_type
{
  TTRPC_TYPE_REQUEST = 1,
  TTRPC_TYPE_RESPONSE = 2,
  TTRPC_TYPE_DATA = 3,
};

#define TTRPC_FLAG_REMOTE_CLOSED 0x1
#define TTRPC_FLAG_REMOTE_OPEN 0x2
#define TTRPC_FLAG_NO_DATA 0x4

/* gRPC status codes the shim answers with.  */
enum ttrpc_code
{
  TTRPC_OK = 0,
  TTRPC_CANCELLED = 1,
  TTRPC_UNKNOWN = 2,
  TTRPC_INVALID_ARGUMENT = 3,
  TTRPC_DEADLINE_EXCEEDED = 4,
  TTRPC_NOT_FOUND = 5,
  TTRPC_ALREADY_EXISTS = 6,
  TTRPC_FAILED_PRECONDITION = 9,
  TTRPC_UNIMPLEMENTED = 12,
  TTRPC_INTERNAL = 13,
  TTRPC_UNAVAILABLE = 14,
};

/* ---------------------------------------------------------------- frames */

/* Incremental reader of one frame from a non-blocking fd.  */
struct ttrpc_reader
{
  uint8_t hdr[TTRPC_HEADER_LEN];
  size_t hdr_got;
  uint8_t *payload;
  uint32_t len, got;
  uint32_t stream;
  uint8_t type, flags;
};

/* 1: a whole frame is in R (take it, then ttrpc_reader_reset); 0: would
   block; -1: EOF (errno 0), error, or a frame over the size limit.  */
int ttrpc_read_frame (int fd, struct ttrpc_reader *r);
/* The same from a buffer: takes what it needs of DATA (*USED bytes); 1
   a whole frame, 0 all taken and more needed, -1 a frame over the size
   limit (errno EMSGSIZE).  */
int ttrpc_reader_feed (struct ttrpc_reader *r, const uint8_t *data, size_t len, size_t *used);
void ttrpc_reader_reset (struct ttrpc_reader *r);

/* Bytes not yet written to a non-blocking fd.  */
struct ttrpc_writer
{
  uint8_t *buf;
  size_t len, off;
};

/* Writes (or queues behind what is pending) one frame.  Returns 1 when
   bytes remain (wait for EPOLLOUT, then ttrpc_flush), 0 when all went out,
   -1 on a write error.  */
int ttrpc_write_frame (int fd, struct ttrpc_writer *w, uint32_t stream, uint8_t type, uint8_t flags,
                       const uint8_t *payload, size_t len);
int ttrpc_flush (int fd, struct ttrpc_writer *w);
void ttrpc_writer_reset (struct ttrpc_writer *w);

/* Packs a protobuf-c message into a fresh buffer.  */
uint8_t *ttrpc_pack (const ProtobufCMessage *msg, size_t *len);

/* ---------------------------------------------------------------- sockets */

/* AF_UNIX stream sockets, close-on-exec; FLAGS adds to the type
   (SOCK_NONBLOCK).  The error's status is the errno (EADDRINUSE,
   ECONNREFUSED, ...).  */
int ttrpc_unix_listen (const char *path, int backlog, int flags, holo_error_t *err);
int ttrpc_unix_connect (const char *path, holo_error_t *err);

/* ---------------------------------------------------------------- server */

struct ttrpc_conn;
struct ttrpc_server;

/* Where a reply goes; valid after the connection closed (the reply is then
   dropped), so handlers may keep it to answer later.  */
struct ttrpc_call
{
  uint64_t conn_id;
  uint32_t stream;
  uint64_t deadline_ms; /* from the request's timeout (CLOCK_MONOTONIC); 0: none */
};

/* Called once per request; must eventually call ttrpc_reply for CALL.  */
typedef void (*ttrpc_handler) (struct ttrpc_server *s, const struct ttrpc_call *call, const Ttrpc__Request *req,
                               void *data);

struct ttrpc_server
{
  struct shim_loop *loop;
  struct shim_watch listener;
  struct ttrpc_conn *conns;
  uint64_t next_conn_id;
  ttrpc_handler handler;
  void *data;
};

int ttrpc_server_init (struct ttrpc_server *s, struct shim_loop *loop, int listen_fd, ttrpc_handler handler, void *data,
                       holo_error_t *err);
void ttrpc_server_close (struct ttrpc_server *s);

/* Answers CALL: with CODE == TTRPC_OK and RESP (NULL: an empty message),
   else with a status carrying CODE and MSG.  */
void ttrpc_reply (struct ttrpc_server *s, const struct ttrpc_call *call, int code, const char *msg,
                  const ProtobufCMessage *resp);

/* Writes everything still queued, waiting at most TIMEOUT_MS.  */
void ttrpc_server_drain (struct ttrpc_server *s, int timeout_ms);

/* ---------------------------------------------------------------- client */

/* A blocking client: one call at a time, with a timeout; the connection
   is kept for the next call and re-made when the peer went away.  */
struct ttrpc_client
{
  char *path;
  int fd;
  uint32_t next_stream;
};

void ttrpc_client_init (struct ttrpc_client *c, const char *address);
void ttrpc_client_close (struct ttrpc_client *c);

/* Sends SERVICE/METHOD with PAYLOAD and NAMESPACE as the
   containerd-namespace-ttrpc metadata; fails on transport errors and on a
   non-OK status.  */
int ttrpc_client_call (struct ttrpc_client *c, const char *service, const char *method, const char *namespace,
                       const uint8_t *payload, size_t len, int timeout_ms, holo_error_t *err);

#endif
