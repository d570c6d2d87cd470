/* libsystemd's sd-bus, loaded on first use (as hologram/crypto_dl.c loads
   libcrypto).  Linked, libsystemd.so.0 and what it needs (liblzma,
   libzstd, liblz4, libcap, libgcrypt) would be mapped and relocated by
   every holo command, the protected re-exec included; only the systemd
   cgroup driver uses it, so only --systemd-cgroup pays for it.

   The functions below have sd-bus's names and signatures (the header is
   included, so the compiler checks them); systemd_bus.c is written against
   the documented API unchanged.  Calling one not listed here fails at link
   time: add it to the table.  The variadic ones call their va_list
   variants.  Without the library every call fails with -ENOSYS, after
   holo_sd_bus_load has said why.  */
#define _GNU_SOURCE
#include "systemd.h"
#include "../utils.h"

#ifdef HAVE_SYSTEMD

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <systemd/sd-bus.h>

#define HOLO_LIBSYSTEMD "libsystemd.so.0"

static struct
{
  bool tried;
  bool ok;
  char *why;
  int (*open_system) (sd_bus **);
  int (*open_user) (sd_bus **);
  sd_bus *(*flush_close_unref) (sd_bus *);
  int (*process) (sd_bus *, sd_bus_message **);
  int (*wait) (sd_bus *, uint64_t);
  int (*call) (sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
  int (*call_methodv) (sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *,
                       sd_bus_message **, const char *, va_list);
  int (*get_property_string) (sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *,
                              char **);
  int (*match_signal) (sd_bus *, sd_bus_slot **, const char *, const char *, const char *, const char *,
                       sd_bus_message_handler_t, void *);
  sd_bus_slot *(*slot_unref) (sd_bus_slot *);
  int (*message_new_method_call) (sd_bus *, sd_bus_message **, const char *, const char *, const char *, const char *);
  sd_bus_message *(*message_unref) (sd_bus_message *);
  int (*message_appendv) (sd_bus_message *, const char *, va_list);
  int (*message_append_basic) (sd_bus_message *, char, const void *);
  int (*message_open_container) (sd_bus_message *, char, const char *);
  int (*message_close_container) (sd_bus_message *);
  int (*message_readv) (sd_bus_message *, const char *, va_list);
  int (*path_encode) (const char *, const char *, char **);
  void (*error_free) (sd_bus_error *);
  int (*error_is_set) (const sd_bus_error *);
  int (*error_has_name) (const sd_bus_error *, const char *);
} lib;

#define LOAD(field, name)                                                                                              \
  do                                                                                                                   \
    {                                                                                                                  \
      lib.field = (__typeof__ (lib.field)) dlsym (h, name);                                                            \
      if (lib.field == NULL)                                                                                           \
        {                                                                                                              \
          lib.why = holo_xasprintf ("%s has no %s", HOLO_LIBSYSTEMD, name);                                            \
          return;                                                                                                      \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static void
load (void)
{
  lib.tried = true;
  void *h = dlopen (HOLO_LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    {
      lib.why = holo_xasprintf ("cannot load %s: %s", HOLO_LIBSYSTEMD, dlerror ());
      return;
    }
  LOAD (open_system, "sd_bus_open_system");
  LOAD (open_user, "sd_bus_open_user");
  LOAD (flush_close_unref, "sd_bus_flush_close_unref");
  LOAD (process, "sd_bus_process");
  LOAD (wait, "sd_bus_wait");
  LOAD (call, "sd_bus_call");
  LOAD (call_methodv, "sd_bus_call_methodv");
  LOAD (get_property_string, "sd_bus_get_property_string");
  LOAD (match_signal, "sd_bus_match_signal");
  LOAD (slot_unref, "sd_bus_slot_unref");
  LOAD (message_new_method_call, "sd_bus_message_new_method_call");
  LOAD (message_unref, "sd_bus_message_unref");
  LOAD (message_appendv, "sd_bus_message_appendv");
  LOAD (message_append_basic, "sd_bus_message_append_basic");
  LOAD (message_open_container, "sd_bus_message_open_container");
  LOAD (message_close_container, "sd_bus_message_close_container");
  LOAD (message_readv, "sd_bus_message_readv");
  LOAD (path_encode, "sd_bus_path_encode");
  LOAD (error_free, "sd_bus_error_free");
  LOAD (error_is_set, "sd_bus_error_is_set");
  LOAD (error_has_name, "sd_bus_error_has_name");
  lib.ok = true;
}

static bool
loaded (void)
{
  if (!lib.tried)
    load ();
  return lib.ok;
}

/* Called before the first bus call, for an error that says what is
   missing (the wrappers only return -ENOSYS).  */
int
holo_sd_bus_load (holo_error_t *err)
{
  if (loaded ())
    return 0;
  return holo_make_error (err, 0, "--systemd-cgroup: %s (Debian's libsystemd0)", lib.why);
}

int
sd_bus_open_system (sd_bus **ret)
{
  return loaded () ? lib.open_system (ret) : -ENOSYS;
}

int
sd_bus_open_user (sd_bus **ret)
{
  return loaded () ? lib.open_user (ret) : -ENOSYS;
}

sd_bus *
sd_bus_flush_close_unref (sd_bus *bus)
{
  return loaded () ? lib.flush_close_unref (bus) : NULL;
}

int
sd_bus_process (sd_bus *bus, sd_bus_message **r)
{
  return loaded () ? lib.process (bus, r) : -ENOSYS;
}

int
sd_bus_wait (sd_bus *bus, uint64_t timeout_usec)
{
  return loaded () ? lib.wait (bus, timeout_usec) : -ENOSYS;
}

int
sd_bus_call (sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply)
{
  return loaded () ? lib.call (bus, m, usec, ret_error, reply) : -ENOSYS;
}

int
sd_bus_call_method (sd_bus *bus, const char *destination, const char *path, const char *interface, const char *member,
                    sd_bus_error *ret_error, sd_bus_message **reply, const char *types, ...)
{
  if (!loaded ())
    return -ENOSYS;
  va_list ap;
  va_start (ap, types);
  int r = lib.call_methodv (bus, destination, path, interface, member, ret_error, reply, types, ap);
  va_end (ap);
  return r;
}

int
sd_bus_get_property_string (sd_bus *bus, const char *destination, const char *path, const char *interface,
                            const char *member, sd_bus_error *ret_error, char **ret)
{
  return loaded () ? lib.get_property_string (bus, destination, path, interface, member, ret_error, ret) : -ENOSYS;
}

int
sd_bus_match_signal (sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface,
                     const char *member, sd_bus_message_handler_t callback, void *userdata)
{
  return loaded () ? lib.match_signal (bus, ret, sender, path, interface, member, callback, userdata) : -ENOSYS;
}

sd_bus_slot *
sd_bus_slot_unref (sd_bus_slot *slot)
{
  return loaded () ? lib.slot_unref (slot) : NULL;
}

int
sd_bus_message_new_method_call (sd_bus *bus, sd_bus_message **m, const char *destination, const char *path,
                                const char *interface, const char *member)
{
  return loaded () ? lib.message_new_method_call (bus, m, destination, path, interface, member) : -ENOSYS;
}

sd_bus_message *
sd_bus_message_unref (sd_bus_message *m)
{
  return loaded () ? lib.message_unref (m) : NULL;
}

int
sd_bus_message_append (sd_bus_message *m, const char *types, ...)
{
  if (!loaded ())
    return -ENOSYS;
  va_list ap;
  va_start (ap, types);
  int r = lib.message_appendv (m, types, ap);
  va_end (ap);
  return r;
}

int
sd_bus_message_append_basic (sd_bus_message *m, char type, const void *p)
{
  return loaded () ? lib.message_append_basic (m, type, p) : -ENOSYS;
}

int
sd_bus_message_open_container (sd_bus_message *m, char type, const char *contents)
{
  return loaded () ? lib.message_open_container (m, type, contents) : -ENOSYS;
}

int
sd_bus_message_close_container (sd_bus_message *m)
{
  return loaded () ? lib.message_close_container (m) : -ENOSYS;
}

int
sd_bus_message_read (sd_bus_message *m, const char *types, ...)
{
  if (!loaded ())
    return -ENOSYS;
  va_list ap;
  va_start (ap, types);
  int r = lib.message_readv (m, types, ap);
  va_end (ap);
  return r;
}

int
sd_bus_path_encode (const char *prefix, const char *external_id, char **ret_path)
{
  return loaded () ? lib.path_encode (prefix, external_id, ret_path) : -ENOSYS;
}

void
sd_bus_error_free (sd_bus_error *e)
{
  if (loaded ())
    lib.error_free (e);
}

int
sd_bus_error_is_set (const sd_bus_error *e)
{
  return loaded () ? lib.error_is_set (e) : 0;
}

int
sd_bus_error_has_name (const sd_bus_error *e, const char *name)
{
  return loaded () ? lib.error_has_name (e, name) : 0;
}

#endif
