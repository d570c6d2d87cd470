/* See vmchild.h.  */
#define _GNU_SOURCE
#include "vmchild.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>

/* The child's own stack: FN's frames and nothing else.  */
#define VM_CHILD_STACK (64 * 1024)

pid_t
holo_vm_child_spawn (int (*fn) (void *), void *arg)
{
#if HOLO_HAVE_VM_CHILD
  /* Never freed: the child may run on it after holo has moved on (or
     re-executed itself, which leaves this memory to the child alone).  */
  char *stack = malloc (VM_CHILD_STACK);
  if (stack == NULL)
    return -1;
  /* glibc's clone() runs FN on STACK and then the exit system call with
     its result: no libc state is touched in the child.  */
  return clone (fn, stack + VM_CHILD_STACK, CLONE_VM | SIGCHLD, arg);
#else
  pid_t pid = fork ();
  if (pid == 0)
    _exit (fn (arg));
  return pid;
#endif
}
