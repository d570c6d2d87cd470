/* A helper child that shares holo's memory: clone(CLONE_VM) without
   CLONE_VFORK, so holo goes on at once.  Cheaper than fork(): no page
   table to copy, none to tear down when the child exits; and when holo
   then execve()s (the protected re-exec), the old image stays with the
   child instead of being unmapped on holo's path.

   The price is what the child may do.  It shares everything holo writes,
   including errno (in holo's thread-local storage, which the child uses
   too), so it calls no libc function, only holo_vm_syscall3 (a raw
   system call, no errno), and reads nothing holo changes or frees.  Where
   that raw call is not written (architectures other than x86_64 and
   aarch64), holo_vm_child_spawn forks instead and holo_vm_syscall3 is
   syscall(2): same behaviour, fork's cost.  */
#ifndef HOLO_VMCHILD_H
#define HOLO_VMCHILD_H

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HOLO_HAVE_VM_CHILD 1
static inline long
holo_vm_syscall3 (long nr, long a, long b, long c)
{
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
#define HOLO_HAVE_VM_CHILD 1
static inline long
holo_vm_syscall3 (long nr, long a, long b, long c)
{
  register long x8 __asm__("x8") = nr;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory", "cc");
  return x0;
}
#else
#define HOLO_HAVE_VM_CHILD 0
static inline long
holo_vm_syscall3 (long nr, long a, long b, long c)
{
  return syscall (nr, a, b, c);
}
#endif

/* Starts FN in such a child, with a copy of the ARG_LEN bytes at ARG
   (memory of the child's own, which holo never changes or frees) as its
   argument (SIGCHLD when it ends, holo's to reap or leave to its reaper);
   the child exits with FN's return value.  -1 when it could not be
   started.  */
pid_t holo_vm_child_spawn (int (*fn) (void *), const void *arg, size_t arg_len);

#endif
