/* See vmchild.h.  */
#define _GNU_SOURCE
#include "vmchild.h"

#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

/* The child's own stack: FN's frames and nothing else.  */
#define VM_CHILD_STACK (64 * 1024)

pid_t
holo_vm_child_spawn (int (*fn) (void *), const void *arg, size_t arg_len)
{
#if HOLO_HAVE_VM_CHILD
  /* Never unmapped: the child may run on it after holo has moved on (or
     re-executed itself, which leaves this memory to the child alone).
     mmap, not malloc: nothing of libc's heap is shared with the child,
     and the leak checker of sanitizer builds does not count it.  ARG's
     copy sits at the bottom, the stack grows down from the top.  */
  size_t arg_room = (arg_len + 15) & ~(size_t) 15;
  char *region
      = mmap (NULL, arg_room + VM_CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (region == MAP_FAILED)
    return -1;
  memcpy (region, arg, arg_len);
  /* glibc's clone() runs FN on STACK and then the exit system call with
     its result: no libc state is touched in the child.  */
  return clone (fn, region + arg_room + VM_CHILD_STACK, CLONE_VM | SIGCHLD, region);
#else
  pid_t pid = fork ();
  if (pid == 0)
    _exit (fn ((void *) arg));
  return pid;
#endif
}
