/* Test helper for cgroup v2 device programs, from outside the container:
     bpf-devices count DIR        prints how many BPF_CGROUP_DEVICE programs
                                  are attached to the cgroup directory DIR
     bpf-devices deny-all DIR     attaches one more that denies every access
                                  (as another manager could leave there)
   Exit status 0 on success, 1 with a message on stderr otherwise.  */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

static int
count (int cgroup_fd)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t) cgroup_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    {
      perror ("BPF_PROG_QUERY");
      return 1;
    }
  printf ("%u\n", attr.query.prog_cnt);
  return 0;
}

static int
deny_all (int cgroup_fd)
{
  struct bpf_insn insns[] = {
    { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
    { .code = BPF_JMP | BPF_EXIT },
  };
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uintptr_t) insns;
  attr.insn_cnt = 2;
  attr.license = (uintptr_t) "Apache";
  int prog = sys_bpf (BPF_PROG_LOAD, &attr);
  if (prog < 0)
    {
      perror ("BPF_PROG_LOAD");
      return 1;
    }
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cgroup_fd;
  attr.attach_bpf_fd = (uint32_t) prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    {
      perror ("BPF_PROG_ATTACH");
      return 1;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc != 3 || (strcmp (argv[1], "count") != 0 && strcmp (argv[1], "deny-all") != 0))
    {
      fprintf (stderr, "usage: %s count|deny-all CGROUP_DIR\n", argv[0]);
      return 1;
    }
  int fd = open (argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      fprintf (stderr, "open %s: %s\n", argv[2], strerror (errno));
      return 1;
    }
  return strcmp (argv[1], "count") == 0 ? count (fd) : deny_all (fd);
}
