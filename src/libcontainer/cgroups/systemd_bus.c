/* The systemd driver's D-Bus calls, with libsystemd's sd-bus: the system
   bus for root, the user's session bus (the user's own systemd instance)
   for rootless.  StartTransientUnit and StopUnit return a job; the call
   then waits for the job's JobRemoved signal (30 s at most, as runc) and
   checks its result.  Every error names the unit and what failed.  */
#define _GNU_SOURCE
#include "systemd.h"
#include "../utils.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define JOB_TIMEOUT_USEC (30ULL * 1000 * 1000)

#ifndef HAVE_SYSTEMD

bool
holo_systemd_supported (void)
{
  return false;
}

static int
unsupported (holo_error_t *err)
{
  return holo_make_error (err, 0,
                          "--systemd-cgroup: this holo was built without systemd support (no "
                          "libsystemd); use the cgroupfs driver, or build it with libsystemd-dev installed");
}

int
holo_systemd_check_host (holo_error_t *err)
{
  return unsupported (err);
}

int
holo_systemd_start_unit (const struct holo_systemd_unit *u, const struct holo_sd_props *props, char **cgroup_path,
                         holo_error_t *err)
{
  return unsupported (err);
}

int
holo_systemd_set_properties (const char *name, bool user, const struct holo_sd_props *props, holo_error_t *err)
{
  return unsupported (err);
}

int
holo_systemd_stop_unit (const char *name, bool user, holo_error_t *err)
{
  return unsupported (err);
}

#else

#include <systemd/sd-bus.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static void
bus_unrefp (sd_bus **b)
{
  sd_bus_flush_close_unref (*b);
}
static void
msg_unrefp (sd_bus_message **m)
{
  sd_bus_message_unref (*m);
}
static void
slot_unrefp (sd_bus_slot **s)
{
  sd_bus_slot_unref (*s);
}
#define cleanup_bus __attribute__ ((cleanup (bus_unrefp)))
#define cleanup_msg __attribute__ ((cleanup (msg_unrefp)))
#define cleanup_slot __attribute__ ((cleanup (slot_unrefp)))
#define cleanup_bus_error __attribute__ ((cleanup (sd_bus_error_free)))

bool
holo_systemd_supported (void)
{
  return true;
}

int
holo_systemd_check_host (holo_error_t *err)
{
  struct stat st;
  if (lstat ("/run/systemd/system", &st) < 0 || !S_ISDIR (st.st_mode))
    return holo_make_error (err, 0,
                            "--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); use the "
                            "cgroupfs driver");
  return 0;
}

/* Where the bus is, for error messages.  */
static char *
bus_address (bool user)
{
  const char *a = getenv (user ? "DBUS_SESSION_BUS_ADDRESS" : "DBUS_SYSTEM_BUS_ADDRESS");
  if (a && *a)
    return holo_xstrdup (a);
  if (!user)
    return holo_xstrdup ("unix:path=/run/dbus/system_bus_socket");
  const char *rt = getenv ("XDG_RUNTIME_DIR");
  if (rt == NULL || *rt == '\0')
    return holo_xstrdup ("$XDG_RUNTIME_DIR/bus, but XDG_RUNTIME_DIR is not set");
  return holo_xasprintf ("unix:path=%s/bus", rt);
}

static int
open_bus (bool user, sd_bus **out, holo_error_t *err)
{
  if (holo_sd_bus_load (err) < 0)
    return -1;
  int r = user ? sd_bus_open_user (out) : sd_bus_open_system (out);
  if (r < 0)
    {
      cleanup_free char *addr = bus_address (user);
      return holo_make_error (err, -r, "--systemd-cgroup: cannot connect to %s (%s)",
                              user ? "the user's systemd instance on the session bus" : "systemd on the system bus",
                              addr);
    }
  return 0;
}

/* ---- message building ---- */

static int
append_val (sd_bus_message *m, char type, const struct holo_sd_val *v)
{
  switch (type)
    {
    case 'b':
      {
        int b = v->b;
        return sd_bus_message_append_basic (m, 'b', &b);
      }
    case 'y':
      {
        uint8_t x = (uint8_t) v->u;
        return sd_bus_message_append_basic (m, 'y', &x);
      }
    case 'n':
      {
        int16_t x = (int16_t) v->i;
        return sd_bus_message_append_basic (m, 'n', &x);
      }
    case 'q':
      {
        uint16_t x = (uint16_t) v->u;
        return sd_bus_message_append_basic (m, 'q', &x);
      }
    case 'i':
      {
        int32_t x = (int32_t) v->i;
        return sd_bus_message_append_basic (m, 'i', &x);
      }
    case 'u':
      {
        uint32_t x = (uint32_t) v->u;
        return sd_bus_message_append_basic (m, 'u', &x);
      }
    case 'x':
      return sd_bus_message_append_basic (m, 'x', &v->i);
    case 't':
      return sd_bus_message_append_basic (m, 't', &v->u);
    case 'd':
      return sd_bus_message_append_basic (m, 'd', &v->d);
    case 's':
    case 'o':
    case 'g':
      return sd_bus_message_append_basic (m, type, v->s);
    }
  return -EINVAL;
}

static int
append_array (sd_bus_message *m, const struct holo_sd_prop *p)
{
  const char *elem = p->sig + 1;
  int r = sd_bus_message_open_container (m, 'a', elem);
  if (r < 0)
    return r;
  if (elem[0] != '(')
    {
      for (size_t i = 0; i < p->n_vals && r >= 0; i++)
        r = append_val (m, elem[0], &p->vals[i]);
      return r < 0 ? r : sd_bus_message_close_container (m);
    }
  cleanup_free char *inner = holo_xstrndup (elem + 1, strlen (elem) - 2);
  size_t per = strlen (inner);
  for (size_t i = 0; per && i + per <= p->n_vals && r >= 0; i += per)
    {
      r = sd_bus_message_open_container (m, 'r', inner);
      for (size_t k = 0; k < per && r >= 0; k++)
        r = append_val (m, inner[k], &p->vals[i + k]);
      if (r >= 0)
        r = sd_bus_message_close_container (m);
    }
  return r < 0 ? r : sd_bus_message_close_container (m);
}

/* One (sv) entry.  */
static int
append_prop (sd_bus_message *m, const struct holo_sd_prop *p)
{
  int r = sd_bus_message_open_container (m, 'r', "sv");
  if (r >= 0)
    r = sd_bus_message_append_basic (m, 's', p->name);
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'v', p->sig);
  if (r >= 0)
    r = p->sig[0] == 'a' ? append_array (m, p) : p->n_vals ? append_val (m, p->sig[0], &p->vals[0]) : -EINVAL;
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  return r;
}

static int
append_props (sd_bus_message *m, const struct holo_sd_props *props, holo_error_t *err)
{
  int r = sd_bus_message_open_container (m, 'a', "(sv)");
  for (size_t i = 0; i < props->n && r >= 0; i++)
    {
      r = append_prop (m, &props->v[i]);
      if (r < 0)
        return holo_make_error (err, -r, "systemd: cannot encode the unit property %s (signature `%s`)",
                                props->v[i].name, props->v[i].sig);
    }
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r < 0)
    return holo_make_error (err, -r, "systemd: cannot encode the unit properties");
  return 0;
}

/* ---- jobs ---- */

struct job_wait
{
  char *job;    /* object path, set once the call returned */
  char *result; /* "done", "failed", "canceled", "timeout", ... */
};

static void
job_wait_clear (struct job_wait *w)
{
  free (w->job);
  free (w->result);
  w->job = w->result = NULL;
}
#define cleanup_job_wait __attribute__ ((cleanup (job_wait_clear)))

static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  struct job_wait *w = userdata;
  uint32_t id;
  const char *path, *unit, *result;
  if (sd_bus_message_read (m, "uoss", &id, &path, &unit, &result) < 0)
    return 0;
  if (w->job && w->result == NULL && strcmp (path, w->job) == 0)
    w->result = holo_xstrdup (result);
  return 0;
}

static uint64_t
now_usec (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Processes the bus until the job's JobRemoved came, or the deadline.  */
static int
wait_job (sd_bus *bus, struct job_wait *w, const char *what, const char *unit, holo_error_t *err)
{
  uint64_t start = now_usec ();
  for (;;)
    {
      int r = sd_bus_process (bus, NULL);
      if (r < 0)
        return holo_make_error (err, -r, "systemd: waiting for the job to %s unit `%s`", what, unit);
      if (w->result)
        return 0;
      if (r > 0)
        continue;
      uint64_t now = now_usec ();
      if (now - start >= JOB_TIMEOUT_USEC)
        return holo_make_error (err, 0, "systemd: timed out after %llu s waiting for the job to %s unit `%s`",
                                (unsigned long long) (JOB_TIMEOUT_USEC / 1000000), what, unit);
      r = sd_bus_wait (bus, JOB_TIMEOUT_USEC - (now - start));
      if (r < 0 && r != -EINTR)
        return holo_make_error (err, -r, "systemd: waiting for the job to %s unit `%s`", what, unit);
    }
}

static int
call_error (sd_bus_error *e, int r, const char *what, const char *unit, holo_error_t *err)
{
  if (sd_bus_error_is_set (e))
    return holo_make_error (err, 0, "systemd: %s unit `%s`: %s", what, unit, e->message ? e->message : e->name);
  return holo_make_error (err, -r, "systemd: %s unit `%s`", what, unit);
}

static int
match_jobs (sd_bus *bus, sd_bus_slot **slot, struct job_wait *w, const char *unit, holo_error_t *err)
{
  int r = sd_bus_match_signal (bus, slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, w);
  if (r < 0)
    return holo_make_error (err, -r, "systemd: subscribe to job signals for unit `%s`", unit);
  return 0;
}

static void
reset_failed (sd_bus *bus, const char *name)
{
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_call_method (bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", &e, NULL, "s", name);
}

/* StopUnit + wait; NoSuchUnit counts as stopped.  */
static int
stop_on (sd_bus *bus, const char *name, holo_error_t *err)
{
  cleanup_job_wait struct job_wait w = { 0 };
  cleanup_slot sd_bus_slot *slot = NULL;
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  cleanup_msg sd_bus_message *reply = NULL;
  const char *job;
  if (match_jobs (bus, &slot, &w, name, err) < 0)
    return -1;
  int r = sd_bus_call_method (bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, &reply, "ss", name, "replace");
  if (r < 0)
    {
      if (sd_bus_error_has_name (&e, "org.freedesktop.systemd1.NoSuchUnit"))
        return 0;
      return call_error (&e, r, "stop", name, err);
    }
  if ((r = sd_bus_message_read (reply, "o", &job)) < 0)
    return holo_make_error (err, -r, "systemd: stop unit `%s`: bad reply", name);
  w.job = holo_xstrdup (job);
  r = wait_job (bus, &w, "stop", name, err);
  if (r == 0 && strcmp (w.result, "done") != 0)
    holo_log_warning ("systemd: the job to stop unit `%s` ended with result `%s`", name, w.result);
  /* A failed unit stays loaded until reset.  */
  reset_failed (bus, name);
  return r;
}

static int
unit_cgroup (sd_bus *bus, const char *name, char **out, holo_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  int r = sd_bus_path_encode ("/org/freedesktop/systemd1/unit", name, &path);
  if (r < 0)
    return holo_make_error (err, -r, "systemd: object path of unit `%s`", name);
  char *cg = NULL;
  r = sd_bus_get_property_string (bus, SD_DEST, path, "org.freedesktop.systemd1.Scope", "ControlGroup", &e, &cg);
  if (r < 0)
    return call_error (&e, r, "read the ControlGroup of", name, err);
  if (cg == NULL || cg[0] != '/')
    {
      free (cg);
      return holo_make_error (err, 0, "systemd: unit `%s` has no cgroup (its processes exited?)", name);
    }
  *out = cg;
  return 0;
}

/* One StartTransientUnit call; *EXISTS tells a UnitExists refusal.  */
static int
start_transient (sd_bus *bus, const struct holo_systemd_unit *u, const struct holo_sd_props *props, struct job_wait *w,
                 bool *exists, holo_error_t *err)
{
  cleanup_msg sd_bus_message *m = NULL;
  cleanup_msg sd_bus_message *reply = NULL;
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  *exists = false;
  int r = sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
  if (r >= 0)
    r = sd_bus_message_append (m, "ss", u->name, "replace");
  if (r < 0)
    return holo_make_error (err, -r, "systemd: build the request for unit `%s`", u->name);
  if (append_props (m, props, err) < 0)
    return -1;
  if ((r = sd_bus_message_append (m, "a(sa(sv))", 0)) < 0)
    return holo_make_error (err, -r, "systemd: build the request for unit `%s`", u->name);
  r = sd_bus_call (bus, m, 0, &e, &reply);
  if (r < 0)
    {
      *exists = sd_bus_error_has_name (&e, "org.freedesktop.systemd1.UnitExists");
      return call_error (&e, r, "start", u->name, err);
    }
  const char *job;
  if ((r = sd_bus_message_read (reply, "o", &job)) < 0)
    return holo_make_error (err, -r, "systemd: start unit `%s`: bad reply", u->name);
  w->job = holo_xstrdup (job);
  return 0;
}

int
holo_systemd_start_unit (const struct holo_systemd_unit *u, const struct holo_sd_props *props, char **cgroup_path,
                         holo_error_t *err)
{
  cleanup_bus sd_bus *bus = NULL;
  cleanup_slot sd_bus_slot *slot = NULL;
  cleanup_job_wait struct job_wait w = { 0 };
  bool exists = false;
  if (open_bus (u->user, &bus, err) < 0 || match_jobs (bus, &slot, &w, u->name, err) < 0)
    return -1;
  int r = start_transient (bus, u, props, &w, &exists, err);
  if (r < 0 && exists)
    {
      /* A failed unit of that name stays until reset: reset it and try
         once more, as runc does.  An active one is someone else's.  */
      holo_error_release (err);
      reset_failed (bus, u->name);
      r = start_transient (bus, u, props, &w, &exists, err);
      if (r < 0 && exists)
        {
          holo_error_release (err);
          return holo_make_error (err, 0,
                                  "systemd: unit `%s` already exists (another container with that linux.cgroupsPath, "
                                  "or one not deleted)",
                                  u->name);
        }
    }
  if (r < 0)
    return -1;
  r = wait_job (bus, &w, "start", u->name, err);
  if (r == 0 && strcmp (w.result, "done") != 0)
    r = holo_make_error (err, 0, "systemd: the job to start unit `%s` ended with result `%s`", u->name, w.result);
  if (r == 0)
    r = unit_cgroup (bus, u->name, cgroup_path, err);
  if (r < 0)
    {
      /* Leave nothing: the unit may exist (started, or failed).  */
      cleanup_error holo_error_t ignored = NULL;
      stop_on (bus, u->name, &ignored);
      return -1;
    }
  return 0;
}

int
holo_systemd_set_properties (const char *name, bool user, const struct holo_sd_props *props, holo_error_t *err)
{
  cleanup_bus sd_bus *bus = NULL;
  cleanup_msg sd_bus_message *m = NULL;
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  if (props->n == 0)
    return 0;
  if (open_bus (user, &bus, err) < 0)
    return -1;
  int r = sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  if (r >= 0)
    r = sd_bus_message_append (m, "sb", name, 1);
  if (r < 0)
    return holo_make_error (err, -r, "systemd: build the request for unit `%s`", name);
  if (append_props (m, props, err) < 0)
    return -1;
  r = sd_bus_call (bus, m, 0, &e, NULL);
  if (r < 0)
    return call_error (&e, r, "set properties of", name, err);
  return 0;
}

int
holo_systemd_stop_unit (const char *name, bool user, holo_error_t *err)
{
  cleanup_bus sd_bus *bus = NULL;
  if (open_bus (user, &bus, err) < 0)
    return -1;
  return stop_on (bus, name, err);
}

#endif
