/*
 * `bsub` without a Node start: compiled into lsfd-launch (scripts/launcher.c), it hands a plain
 * `lsf-docker [--config FILE] bsub ARGS` (or `bsub ARGS` through the link) to the user's own
 * dispatcher, which runs bsub in its process (lib/local/submit-server.ts), as LSF's bsub hands a
 * submission to mbatchd. Anything else, and every case the dispatcher declines, goes on to Node.
 *
 * The socket: HOME/.lsf-docker/submit-KEY.sock, HOME from the user database, KEY the FNV-1a-64
 * (16 hex digits) of the config's real path (the default config's path when there is none), so a
 * dispatcher serves only the bsubs of its own config file. Before anything is sent the listener
 * must be a process of this user (SO_PEERCRED): a socket someone else made, or a symlink to one,
 * gets nothing. The dispatcher checks the same of us.
 *
 * Frames both ways: one type byte, a 4-byte big-endian length, the payload.
 *   to the dispatcher:   'R' the request: NUL-ended strings "LSFD-SUBMIT 1", "1"/"0" (stdin is a
 *                        terminal), the working directory, argc, the argv words, then the
 *                        environment's entries; 'i' stdin bytes, 'I' the end of stdin
 *   from the dispatcher: 'a' accepted (it runs bsub now), 'f' declined (run the Node bsub),
 *                        'i' send stdin, 'o' stdout bytes, 'e' stderr bytes, 'x' the exit status
 * Declined after stdin was read: what was read becomes fd 0 again (a memfd) for the Node bsub.
 * LSFD_SUBMIT=node skips the socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_CONFIG "/etc/lsf-docker/lsf-docker.conf"
/* bsub reads at most 1 MiB of a job script; one byte more tells it the script is too big. */
#define STDIN_LIMIT (1024 * 1024 + 1)
#define FRAME_MAX (64 * 1024 * 1024)

static int send_all(int fd, const void *p, size_t len) {
  const char *c = p;
  while (len > 0) {
    ssize_t w = send(fd, c, len, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    c += w;
    len -= (size_t)w;
  }
  return 0;
}

/* scripts/sudo-step.c, linked beside this file. */
int lsfd_write_all(int fd, const char *p, size_t len);

static int read_full(int fd, void *p, size_t len) {
  char *c = p;
  while (len > 0) {
    ssize_t r = read(fd, c, len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    c += r;
    len -= (size_t)r;
  }
  return 0;
}

static int send_frame(int fd, char type, const char *data, size_t len) {
  unsigned char head[5] = {(unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                           (unsigned char)(len >> 8), (unsigned char)len};
  if (send_all(fd, head, sizeof head) != 0) return -1;
  return len == 0 ? 0 : send_all(fd, data, len);
}

/* A growable byte buffer. */
struct buf {
  char *p;
  size_t len, cap;
};

static int buf_add(struct buf *b, const char *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len) cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, len);
  b->len += len;
  return 0;
}

static int buf_str(struct buf *b, const char *s) { return buf_add(b, s, strlen(s) + 1); }

/* The words after `bsub` in ARGV (the launcher's path first), and the --config given; 0 when not the plain form. */
static int plain_bsub(int argc, char **argv, int *first, const char **config) {
  const char *slash = strrchr(argv[0], '/');
  const char *invoked = slash ? slash + 1 : argv[0];
  *config = NULL;
  if (strcmp(invoked, "bsub") == 0) {
    *first = 1;
    return 1;
  }
  int i = 1;
  while (i < argc) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      *config = argv[i + 1];
      i += 2;
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      *config = argv[i] + 9;
      i++;
    } else {
      break;
    }
  }
  if (i >= argc || strcmp(argv[i], "bsub") != 0) return 0;
  *first = i + 1;
  return 1;
}

/* lib/local/submit-socket.ts computes the same path. */
static int socket_path(const char *config, char *out, size_t size) {
  char real[PATH_MAX];
  const char *key;
  if (config == NULL) {
    key = realpath(DEFAULT_CONFIG, real) ? real : DEFAULT_CONFIG;
  } else if (realpath(config, real)) {
    key = real;
  } else {
    if (config[0] != '/') return -1;
    key = config;
  }
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3ULL;
  }
  struct passwd *pw = getpwuid(getuid());
  if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/') return -1;
  int n = snprintf(out, size, "%s/.lsf-docker/submit-%016llx.sock", pw->pw_dir, (unsigned long long)h);
  return n > 0 && (size_t)n < size ? 0 : -1;
}

/* A stream socket to PATH whose listener is a process of ours, or -1. */
static int connect_own(const char *path) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) return -1;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int r;
  do {
    r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  } while (r != 0 && errno == EINTR);
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (r != 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred ||
      cred.uid != getuid()) {
    close(fd);
    return -1;
  }
  return fd;
}

static int request(int fd, int argc, char **argv, int first) {
  struct buf b = {0};
  char cwd[PATH_MAX], count[16];
  if (getcwd(cwd, sizeof cwd) == NULL) return -1;
  snprintf(count, sizeof count, "%d", argc - first);
  int failed = buf_str(&b, "LSFD-SUBMIT 1") || buf_str(&b, isatty(0) ? "1" : "0") || buf_str(&b, cwd) ||
               buf_str(&b, count);
  for (int i = first; !failed && i < argc; i++) failed = buf_str(&b, argv[i]);
  for (char **e = environ; !failed && *e != NULL; e++) failed = buf_str(&b, *e);
  failed = failed || send_frame(fd, 'R', b.p, b.len) != 0;
  free(b.p);
  return failed ? -1 : 0;
}

/* Reads stdin (at most STDIN_LIMIT bytes) into IN and sends it. */
static int send_stdin(int fd, struct buf *in) {
  char chunk[65536];
  while (in->len < STDIN_LIMIT) {
    size_t want = STDIN_LIMIT - in->len < sizeof chunk ? STDIN_LIMIT - in->len : sizeof chunk;
    ssize_t r = read(0, chunk, want);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (buf_add(in, chunk, (size_t)r) != 0 || send_frame(fd, 'i', chunk, (size_t)r) != 0) return -1;
  }
  return send_frame(fd, 'I', NULL, 0);
}

/* Declined: the stdin already read becomes fd 0 again for the Node bsub. */
static int decline(int fd, struct buf *in, int stdin_read) {
  close(fd);
  if (stdin_read) {
    int m = memfd_create("lsfd-submit-stdin", 0);
    if (m < 0 || lsfd_write_all(m, in->p ? in->p : "", in->len) != 0 || lseek(m, 0, SEEK_SET) != 0 || dup2(m, 0) < 0) {
      fputs("lsf-docker: bsub: cannot give the job script back to bsub\n", stderr);
      exit(221);
    }
    close(m);
  }
  free(in->p);
  return -1;
}

/* The dispatcher's frames until its exit status; -1 when it declined before accepting. */
static int answers(int fd) {
  struct buf in = {0};
  int accepted = 0, stdin_read = 0;
  for (;;) {
    unsigned char head[5];
    if (read_full(fd, head, sizeof head) != 0) break;
    size_t len = ((size_t)head[1] << 24) | ((size_t)head[2] << 16) | ((size_t)head[3] << 8) | head[4];
    if (len > FRAME_MAX) break;
    char *data = malloc(len ? len : 1);
    if (data == NULL || (len > 0 && read_full(fd, data, len) != 0)) {
      free(data);
      break;
    }
    char type = (char)head[0];
    int status = -1;
    if (type == 'x' && len == 4)
      status = (int)(((unsigned)(unsigned char)data[0] << 24) | ((unsigned)(unsigned char)data[1] << 16) |
                     ((unsigned)(unsigned char)data[2] << 8) | (unsigned char)data[3]);
    else if (type == 'o')
      lsfd_write_all(1, data, len);
    else if (type == 'e')
      lsfd_write_all(2, data, len);
    else if (type == 'a')
      accepted = 1;
    else if (type == 'i' && !stdin_read) {
      stdin_read = 1;
      if (send_stdin(fd, &in) != 0) {
        free(data);
        break;
      }
    }
    free(data);
    if (type == 'f' && !accepted) return decline(fd, &in, stdin_read);
    if (status >= 0) {
      close(fd);
      free(in.p);
      return status & 0xff;
    }
  }
  if (!accepted) return decline(fd, &in, stdin_read);
  close(fd);
  fputs("lsf-docker: bsub: the dispatcher ended before bsub did; the job may be submitted (see bjobs)\n", stderr);
  return 221;
}

/* `bsub` through the user's dispatcher: its exit status, or -1 for Node to run it. */
int lsfd_submit_client(int argc, char **argv) {
  int first;
  const char *config;
  const char *mode = getenv("LSFD_SUBMIT");
  if (argc < 1 || (mode != NULL && strcmp(mode, "node") == 0) || !plain_bsub(argc, argv, &first, &config))
    return -1;
  char path[PATH_MAX];
  if (socket_path(config, path, sizeof path) != 0) return -1;
  int fd = connect_own(path);
  if (fd < 0) return -1;
  if (request(fd, argc, argv, first) != 0) {
    close(fd);
    return -1;
  }
  return answers(fd);
}
