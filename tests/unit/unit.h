/* A tiny unit-test harness.  A test is a `static void test_x (void)`; the
   UNIT_* assertions end it at the first failure.  main() runs each with
   UNIT_RUN (test_x) and returns unit_finish (), which prints
   "N passed, N failed" and is non-zero when anything failed.  */
#ifndef HOLO_UNIT_H
#define HOLO_UNIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int unit_passed;
static int unit_failed;
static bool unit_current_failed;

static inline void
unit_report (const char *file, int line, const char *what)
{
  if (!unit_current_failed)
    fprintf (stdout, "# %s:%d: %s\n", file, line, what);
  unit_current_failed = true;
}

static inline void
unit_run (const char *name, void (*fn) (void))
{
  unit_current_failed = false;
  fn ();
  if (unit_current_failed)
    unit_failed++;
  else
    unit_passed++;
  fprintf (stdout, "%s - %s\n", unit_current_failed ? "not ok" : "ok", name);
  fflush (stdout);
}

static inline int
unit_finish (void)
{
  fprintf (stdout, "%d passed, %d failed\n", unit_passed, unit_failed);
  return unit_failed ? 1 : 0;
}

#define UNIT_RUN(fn) unit_run (#fn, fn)

#define UNIT_ASSERT(cond)                                                                                              \
  do                                                                                                                   \
    {                                                                                                                  \
      if (!(cond))                                                                                                     \
        {                                                                                                              \
          unit_report (__FILE__, __LINE__, "assertion failed: " #cond);                                                \
          return;                                                                                                      \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

#define UNIT_ASSERT_INT_EQ(a, b)                                                                                       \
  do                                                                                                                   \
    {                                                                                                                  \
      long long unit_a_ = (long long) (a), unit_b_ = (long long) (b);                                                  \
      if (unit_a_ != unit_b_)                                                                                          \
        {                                                                                                              \
          char unit_msg_[256];                                                                                         \
          snprintf (unit_msg_, sizeof unit_msg_, "%s == %s: %lld != %lld", #a, #b, unit_a_, unit_b_);                  \
          unit_report (__FILE__, __LINE__, unit_msg_);                                                                 \
          return;                                                                                                      \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

#define UNIT_ASSERT_STR_EQ(a, b)                                                                                       \
  do                                                                                                                   \
    {                                                                                                                  \
      const char *unit_a_ = (a), *unit_b_ = (b);                                                                       \
      if (unit_a_ == NULL || unit_b_ == NULL || strcmp (unit_a_, unit_b_) != 0)                                        \
        {                                                                                                              \
          char unit_msg_[1024];                                                                                        \
          snprintf (unit_msg_, sizeof unit_msg_, "%s == %s: \"%s\" != \"%s\"", #a, #b, unit_a_ ? unit_a_ : "(null)",   \
                    unit_b_ ? unit_b_ : "(null)");                                                                     \
          unit_report (__FILE__, __LINE__, unit_msg_);                                                                 \
          return;                                                                                                      \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

#define UNIT_ASSERT_STR_CONTAINS(haystack, needle)                                                                     \
  do                                                                                                                   \
    {                                                                                                                  \
      const char *unit_h_ = (haystack), *unit_n_ = (needle);                                                           \
      if (unit_h_ == NULL || strstr (unit_h_, unit_n_) == NULL)                                                        \
        {                                                                                                              \
          char unit_msg_[1024];                                                                                        \
          snprintf (unit_msg_, sizeof unit_msg_, "\"%s\" does not contain \"%s\"", unit_h_ ? unit_h_ : "(null)",       \
                    unit_n_);                                                                                          \
          unit_report (__FILE__, __LINE__, unit_msg_);                                                                 \
          return;                                                                                                      \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

#endif
