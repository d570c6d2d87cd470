/* A FUSE filesystem for the shim tests whose one directory is slow to
   find: a lookup of "slow" in its root is answered after DELAY_MS (with a
   directory), or never when DELAY_MS is -1.  A bind mount of
   MOUNTPOINT/slow then takes that long in mount(2), as a Create whose
   snapshot sits on a slow or stuck filesystem does.  Raw /dev/fuse
   protocol (linux/fuse.h), no libfuse.

     slow-fuse MOUNTPOINT DELAY_MS

   Prints "ready" once mounted; on SIGTERM (or any end) it unmounts.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *mountpoint;

static void
reply (int fd, uint64_t unique, int error, const void *body, size_t len)
{
  struct fuse_out_header h = { .len = sizeof (h) + len, .error = error, .unique = unique };
  char buf[sizeof (h) + 256];

  memcpy (buf, &h, sizeof (h));
  if (len)
    memcpy (buf + sizeof (h), body, len);
  /* A request whose caller was killed meanwhile is gone: ENOENT.  */
  if (write (fd, buf, sizeof (h) + len) < 0 && errno != ENOENT)
    perror ("slow-fuse: write");
}

static void
dir_attr (struct fuse_attr *a, uint64_t ino)
{
  memset (a, 0, sizeof (*a));
  a->ino = ino;
  a->mode = S_IFDIR | 0755;
  a->nlink = 2;
  a->blksize = 4096;
}

static void
on_term (int sig)
{
  umount2 (mountpoint, MNT_DETACH);
  _exit (0);
}

int
main (int argc, char **argv)
{
  static char buf[FUSE_MIN_READ_BUFFER + 65536];
  char opts[128];
  long delay_ms;
  int fd;

  if (argc != 3)
    {
      fprintf (stderr, "usage: slow-fuse MOUNTPOINT DELAY_MS\n");
      return 2;
    }
  mountpoint = argv[1];
  delay_ms = strtol (argv[2], NULL, 10);
  fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      perror ("slow-fuse: /dev/fuse");
      return 1;
    }
  snprintf (opts, sizeof (opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
  if (mount ("slow-fuse", mountpoint, "fuse", MS_NOSUID | MS_NODEV, opts) < 0)
    {
      perror ("slow-fuse: mount");
      return 1;
    }
  signal (SIGTERM, on_term);
  signal (SIGINT, on_term);
  printf ("ready\n");
  fflush (stdout);
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof (buf));
      struct fuse_in_header *in = (struct fuse_in_header *) buf;
      const char *arg = buf + sizeof (*in);

      if (n < 0 && (errno == EINTR || errno == ENOENT))
        continue;
      if (n < 0)
        break; /* ENODEV: unmounted */
      switch (in->opcode)
        {
        case FUSE_INIT:
          {
            const struct fuse_init_in *ii = (const void *) arg;
            struct fuse_init_out o
                = { .major = FUSE_KERNEL_VERSION,
                    .minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ? ii->minor : FUSE_KERNEL_MINOR_VERSION,
                    .max_readahead = ii->max_readahead,
                    .max_write = 4096,
                    .time_gran = 1 };
            reply (fd, in->unique, 0, &o, sizeof (o));
            break;
          }
        case FUSE_GETATTR:
          {
            struct fuse_attr_out o = { .attr_valid = 1 };
            dir_attr (&o.attr, in->nodeid);
            reply (fd, in->unique, 0, &o, sizeof (o));
            break;
          }
        case FUSE_LOOKUP:
          if (in->nodeid == FUSE_ROOT_ID && strcmp (arg, "slow") == 0)
            {
              struct fuse_entry_out o = { .nodeid = 2, .entry_valid = 1, .attr_valid = 1 };
              if (delay_ms < 0)
                break; /* never answered */
              {
                struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000 };
                nanosleep (&ts, NULL);
              }
              dir_attr (&o.attr, 2);
              reply (fd, in->unique, 0, &o, sizeof (o));
              break;
            }
          reply (fd, in->unique, -ENOENT, NULL, 0);
          break;
        case FUSE_FORGET:
        case FUSE_BATCH_FORGET:
        case FUSE_INTERRUPT:
          break; /* no answer */
        case FUSE_DESTROY:
          reply (fd, in->unique, 0, NULL, 0);
          return 0;
        default:
          reply (fd, in->unique, -ENOSYS, NULL, 0);
        }
    }
  umount2 (mountpoint, MNT_DETACH);
  return 0;
}
