/* cgroup v2 device rules: cgroup2 has no devices controller; the kernel
   asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead
   (return 1: allow, 0: deny).  The program is assembled here from the rules,
   the last rule first, so the first match returns; nothing matching means
   deny.  It is loaded and attached with bpf(2) directly: no libbpf.

   The program sees struct bpf_cgroup_dev_ctx:
     u32 access_type  = (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*
     u32 major, minor  */
#define _GNU_SOURCE
#include "resources.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Registers: r1 = context; r2..r6 hold the request; r7 is scratch.  */
enum
{
  R0 = 0,
  R1,
  R2,
  R3, /* device type (BPF_DEVCG_DEV_*) */
  R4, /* access (BPF_DEVCG_ACC_*) */
  R5, /* major */
  R6, /* minor */
  R7
};

static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
  return i;
}

#define LDX_W(dst, src, off) insn (BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV32_REG(dst, src) insn (BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define AND32_IMM(dst, imm) insn (BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) insn (BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define MOV64_IMM(dst, imm) insn (BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm) insn (BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm)
#define JEQ_IMM(dst, imm) insn (BPF_JMP | BPF_JEQ | BPF_K, dst, 0, 0, imm)
#define EXIT() insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct program
{
  struct bpf_insn *insns;
  size_t n;
};

static void
program_release (struct program *p)
{
  free (p->insns);
}
#define cleanup_program __attribute__ ((cleanup (program_release)))

static void
emit (struct program *p, struct bpf_insn i)
{
  p->insns = holo_xrealloc (p->insns, (p->n + 1) * sizeof *p->insns);
  p->insns[p->n++] = i;
}

static unsigned
devcg_access (unsigned access)
{
  return ((access & HOLO_DEV_ACC_READ) ? BPF_DEVCG_ACC_READ : 0)
         | ((access & HOLO_DEV_ACC_WRITE) ? BPF_DEVCG_ACC_WRITE : 0)
         | ((access & HOLO_DEV_ACC_MKNOD) ? BPF_DEVCG_ACC_MKNOD : 0);
}

static bool
fits_imm (int64_t v)
{
  return v == HOLO_DEV_WILDCARD || (v >= 0 && v <= INT32_MAX);
}

/* One rule: a chain of "does not match: skip to the next rule" jumps, then
   return allow/deny.  The jump offsets are filled in once the block's
   length is known.  Returns true when the rule matches every request (the
   rules before it can never be reached, and the verifier refuses
   unreachable code).  */
static bool
emit_rule (struct program *p, const struct holo_device_rule *r)
{
  size_t start = p->n;
  unsigned acc = devcg_access (r->access);
  unsigned all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
  bool catch_all = true;

  if (r->type != 'a')
    {
      emit (p, JNE_IMM (R3, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
      catch_all = false;
    }
  if (acc != all)
    {
      /* allow: every asked bit must be granted; deny: any shared bit.  */
      emit (p, MOV32_REG (R7, R4));
      if (r->allow)
        {
          emit (p, AND32_IMM (R7, (int32_t) (~acc & all)));
          emit (p, JNE_IMM (R7, 0));
        }
      else
        {
          emit (p, AND32_IMM (R7, (int32_t) acc));
          emit (p, JEQ_IMM (R7, 0));
        }
      catch_all = false;
    }
  if (r->major != HOLO_DEV_WILDCARD)
    {
      emit (p, JNE_IMM (R5, (int32_t) r->major));
      catch_all = false;
    }
  if (r->minor != HOLO_DEV_WILDCARD)
    {
      emit (p, JNE_IMM (R6, (int32_t) r->minor));
      catch_all = false;
    }
  emit (p, MOV64_IMM (R0, r->allow ? 1 : 0));
  emit (p, EXIT ());
  for (size_t i = start; i < p->n; i++)
    if (BPF_CLASS (p->insns[i].code) == BPF_JMP && BPF_OP (p->insns[i].code) != BPF_EXIT)
      p->insns[i].off = (int16_t) (p->n - i - 1);
  return catch_all;
}

static void
build_program (struct program *p, const struct holo_device_rule *rules, size_t n)
{
  emit (p, LDX_W (R2, R1, offsetof (struct bpf_cgroup_dev_ctx, access_type)));
  emit (p, MOV32_REG (R3, R2));
  emit (p, AND32_IMM (R3, 0xffff));
  emit (p, MOV32_REG (R4, R2));
  emit (p, RSH32_IMM (R4, 16));
  emit (p, LDX_W (R5, R1, offsetof (struct bpf_cgroup_dev_ctx, major)));
  emit (p, LDX_W (R6, R1, offsetof (struct bpf_cgroup_dev_ctx, minor)));
  for (size_t i = n; i-- > 0;)
    {
      const struct holo_device_rule *r = &rules[i];
      if (r->access == 0 || !fits_imm (r->major) || !fits_imm (r->minor))
        continue; /* matches nothing a kernel can ask about */
      if (emit_rule (p, r))
        return;
    }
  emit (p, MOV64_IMM (R0, 0));
  emit (p, EXIT ());
}

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

static int
load_program (const struct program *p, holo_error_t *err)
{
  const size_t log_size = 64 * 1024;
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uintptr_t) p->insns;
  attr.insn_cnt = (uint32_t) p->n;
  attr.license = (uintptr_t) "Apache";
  int fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  int saved = errno;
  /* Load again with the verifier's log, to say why.  */
  cleanup_free char *log = holo_xmalloc (log_size);
  attr.log_buf = (uintptr_t) log;
  attr.log_size = (uint32_t) log_size;
  attr.log_level = 1;
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  /* The verdict is at the end of the log.  */
  size_t len = strnlen (log, log_size - 1);
  while (len && log[len - 1] == '\n')
    log[--len] = '\0';
  const char *tail = len > 400 ? log + len - 400 : log;
  return holo_make_error (err, saved, "load the device eBPF program (%zu instructions)%s%s", p->n, *tail ? ": " : "",
                          tail);
}

/* The ids of the BPF_CGROUP_DEVICE programs attached to the cgroup now
   (malloc'ed; NULL when none).  The kernel says how many first; when more
   were attached meanwhile it fails with ENOSPC, and we ask again.  */
static int
query_attached (int cgroup_fd, const char *dir, uint32_t **ids_out, size_t *n_out, holo_error_t *err)
{
  for (;;)
    {
      union bpf_attr attr;
      memset (&attr, 0, sizeof attr);
      attr.query.target_fd = (uint32_t) cgroup_fd;
      attr.query.attach_type = BPF_CGROUP_DEVICE;
      if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
        return holo_make_error (err, errno, "query the device eBPF programs attached to `%s`", dir);
      uint32_t cnt = attr.query.prog_cnt;
      *ids_out = NULL;
      *n_out = 0;
      if (cnt == 0)
        return 0;
      cleanup_free uint32_t *ids = holo_xmalloc (cnt * sizeof *ids);
      attr.query.prog_ids = (uintptr_t) ids;
      attr.query.prog_cnt = cnt;
      if (sys_bpf (BPF_PROG_QUERY, &attr) == 0)
        {
          *n_out = attr.query.prog_cnt < cnt ? attr.query.prog_cnt : cnt;
          *ids_out = steal_pointer (&ids);
          return 0;
        }
      if (errno != ENOSPC)
        return holo_make_error (err, errno, "query the device eBPF programs attached to `%s`", dir);
    }
}

/* An fd on the program ID, or -1 (errno set; ENOENT: it is gone).  */
static int
program_fd (uint32_t id)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_id = id;
  return sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
}

/* Detaches program ID from the cgroup; one that is gone already is fine. */
static int
detach_program (int cgroup_fd, const char *dir, uint32_t id, holo_error_t *err)
{
  cleanup_close int prog_fd = program_fd (id);
  if (prog_fd < 0)
    return errno == ENOENT ? 0 : holo_make_error (err, errno, "open the old device eBPF program %u of `%s`", id, dir);
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cgroup_fd;
  attr.attach_bpf_fd = (uint32_t) prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
    return holo_make_error (err, errno, "detach the old device eBPF program %u from `%s`", id, dir);
  return 0;
}

/* Attaches PROG_FD beside the others; with REPLACE_ID (not 0) in that
   program's place, atomically (BPF_F_REPLACE, Linux 5.6).  */
static int
attach_program (int cgroup_fd, int prog_fd, uint32_t replace_id)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cgroup_fd;
  attr.attach_bpf_fd = (uint32_t) prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  cleanup_close int old_fd = replace_id ? program_fd (replace_id) : -1;
  if (replace_id && old_fd < 0)
    return -1;
  if (old_fd >= 0)
    {
      attr.attach_flags |= BPF_F_REPLACE;
      attr.replace_bpf_fd = (uint32_t) old_fd;
    }
  return sys_bpf (BPF_PROG_ATTACH, &attr);
}

/* Every attached device program must allow an access, so the old ones go:
   ours takes the place of the first (the kernel holds at most 64, so
   adding one first could fail), the others are detached after.  Until
   then the old ones still apply beside ours: never less strict.  */
int
holo_cgroup_bpf_devices (const char *dir, const struct holo_device_rule *rules, size_t n, holo_error_t *err)
{
  cleanup_program struct program p = { NULL, 0 };
  build_program (&p, rules, n);
  cleanup_close int cgroup_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0)
    return holo_make_error (err, errno, "open cgroup `%s`", dir);
  cleanup_free uint32_t *old = NULL;
  size_t n_old = 0;
  if (query_attached (cgroup_fd, dir, &old, &n_old, err) < 0)
    return -1;
  cleanup_close int prog_fd = load_program (&p, err);
  if (prog_fd < 0)
    return -1;

  size_t first = 0;
  if (n_old > 0 && attach_program (cgroup_fd, prog_fd, old[0]) == 0)
    first = 1; /* replaced */
  else if (attach_program (cgroup_fd, prog_fd, 0) < 0)
    {
      if (errno != E2BIG || n_old == 0)
        return holo_make_error (err, errno, "attach the device eBPF program to `%s`", dir);
      /* A full list on a kernel without BPF_F_REPLACE: make room first.  */
      if (detach_program (cgroup_fd, dir, old[0], err) < 0)
        return -1;
      first = 1;
      if (attach_program (cgroup_fd, prog_fd, 0) < 0)
        return holo_make_error (err, errno, "attach the device eBPF program to `%s`", dir);
    }
  for (size_t i = first; i < n_old; i++)
    if (detach_program (cgroup_fd, dir, old[i], err) < 0)
      return -1;
  return 0;
}
