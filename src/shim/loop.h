/* holo shim — the single-threaded epoll loop every fd of the shim lives on,
   with one-shot timers (a sorted list: the shim never has more than a few). */
#ifndef HOLO_SHIM_LOOP_H
#define HOLO_SHIM_LOOP_H

#include "libcontainer/error.h"
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/epoll.h>

struct shim_loop;
struct shim_watch;

typedef void (*shim_watch_cb) (struct shim_loop *loop, struct shim_watch *w, uint32_t events);

/* An fd registered on the loop.  The loop does not own FD.  */
struct shim_watch
{
  int fd;
  shim_watch_cb cb;
  void *data;
  uint32_t events; /* what is currently asked for, 0 when not registered */
};

struct shim_timer
{
  uint64_t deadline_ms; /* CLOCK_MONOTONIC */
  void (*cb) (struct shim_loop *loop, struct shim_timer *t);
  void *data;
  struct shim_timer *next;
  bool armed;
};

struct shim_loop
{
  int epfd;
  bool quit;
  struct shim_timer *timers;
};

int shim_loop_init (struct shim_loop *loop, holo_error_t *err);
void shim_loop_close (struct shim_loop *loop);

/* Sets what W waits for: registers it, modifies it, or (EVENTS == 0)
   removes it.  */
int shim_watch_set (struct shim_loop *loop, struct shim_watch *w, uint32_t events, holo_error_t *err);
/* Removes W if registered; never fails (the fd may already be closed).  */
void shim_watch_clear (struct shim_loop *loop, struct shim_watch *w);

void shim_timer_arm (struct shim_loop *loop, struct shim_timer *t, uint64_t delay_ms);
void shim_timer_disarm (struct shim_loop *loop, struct shim_timer *t);
uint64_t shim_now_ms (void);

/* Runs until loop->quit; one event per wakeup, so a callback may free any
   watch (including another one that was ready) without a stale pointer.  */
int shim_loop_run (struct shim_loop *loop, holo_error_t *err);

#endif
