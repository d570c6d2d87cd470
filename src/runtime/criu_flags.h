/* The CRIU flags `checkpoint` and `restore` share, with runc's names.  Each
   command puts HOLO_CRIU_LONG_OPTIONS in its getopt table and passes every
   option it does not know itself to holo_criu_flag_parse.  */
#ifndef HOLO_RUNTIME_CRIU_FLAGS_H
#define HOLO_RUNTIME_CRIU_FLAGS_H

#include "libcontainer/libcontainer.h"
#include <getopt.h>
#include <string.h>

enum
{
  OPT_CRIU_IMAGE_PATH = 512,
  OPT_CRIU_WORK_PATH,
  OPT_CRIU_TCP_ESTABLISHED,
  OPT_CRIU_EXT_UNIX_SK,
  OPT_CRIU_SHELL_JOB,
  OPT_CRIU_FILE_LOCKS,
  OPT_CRIU_MANAGE_CGROUPS_MODE,
  OPT_CRIU_AUTO_DEDUP,
  OPT_CRIU_EMPTY_NS,
};

// clang-format off
#define HOLO_CRIU_LONG_OPTIONS \
  { "image-path", required_argument, NULL, OPT_CRIU_IMAGE_PATH }, \
  { "work-path", required_argument, NULL, OPT_CRIU_WORK_PATH }, \
  { "tcp-established", no_argument, NULL, OPT_CRIU_TCP_ESTABLISHED }, \
  { "ext-unix-sk", no_argument, NULL, OPT_CRIU_EXT_UNIX_SK }, \
  { "shell-job", no_argument, NULL, OPT_CRIU_SHELL_JOB }, \
  { "file-locks", no_argument, NULL, OPT_CRIU_FILE_LOCKS }, \
  { "manage-cgroups-mode", required_argument, NULL, OPT_CRIU_MANAGE_CGROUPS_MODE }, \
  { "auto-dedup", no_argument, NULL, OPT_CRIU_AUTO_DEDUP }, \
  { "empty-ns", required_argument, NULL, OPT_CRIU_EMPTY_NS }
// clang-format on

#define HOLO_CRIU_USAGE                                                                                                \
  "  --image-path PATH        directory of the CRIU image (default: ./checkpoint)\n"                                   \
  "  --work-path PATH         directory for CRIU's log and work files (default: the image path)\n"                     \
  "  --tcp-established        allow open TCP connections\n"                                                            \
  "  --ext-unix-sk            allow external unix sockets\n"                                                           \
  "  --shell-job              allow shell jobs\n"                                                                      \
  "  --file-locks             handle file locks\n"                                                                     \
  "  --manage-cgroups-mode M  cgroups mode: soft (default), full, strict or ignore\n"                                  \
  "  --auto-dedup             deduplicate the images of a pre-dump chain\n"                                            \
  "  --empty-ns network       create the network namespace empty instead of restoring it\n"

/* True when C was one of the shared flags (and F took it).  */
static inline bool
holo_criu_flag_parse (int c, const char *arg, struct holo_criu_flags *f)
{
  switch (c)
    {
    case OPT_CRIU_IMAGE_PATH:
      f->image_path = arg;
      return true;
    case OPT_CRIU_WORK_PATH:
      f->work_path = arg;
      return true;
    case OPT_CRIU_TCP_ESTABLISHED:
      f->tcp_established = true;
      return true;
    case OPT_CRIU_EXT_UNIX_SK:
      f->ext_unix_sk = true;
      return true;
    case OPT_CRIU_SHELL_JOB:
      f->shell_job = true;
      return true;
    case OPT_CRIU_FILE_LOCKS:
      f->file_locks = true;
      return true;
    case OPT_CRIU_MANAGE_CGROUPS_MODE:
      f->manage_cgroups_mode = arg;
      return true;
    case OPT_CRIU_AUTO_DEDUP:
      f->auto_dedup = true;
      return true;
    case OPT_CRIU_EMPTY_NS:
      f->empty_ns = arg;
      return true;
    default:
      return false;
    }
}

#endif
