/* holo shim — what the shim reads from JSON the runtime side writes:
   config.json's namespaces and log.json's error lines.  Parsed with yajl
   (the tree API), never scanned by hand.  */
#ifndef HOLO_SHIM_JSON_H
#define HOLO_SHIM_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the config.json text CONFIG gives the container a pid namespace
   of its own: a linux.namespaces entry of type "pid" without a path (or
   with an empty one, as runc reads it).  A config that does not parse
   counts as having one (the safe side: exec processes are not killed
   with the init).  */
bool shim_json_own_pid_namespace (const char *config);

/* The "msg" of the last line of the JSON log text LOG (one object per
   line, as `--log-format json` writes) whose "level" is "error"; NULL
   when there is none.  Lines that are not JSON objects are skipped.  */
char *shim_json_last_error (const char *log);

#endif
