/*
 * The user-side step of the secure deployment, `lsf-docker [--config FILE] sudo PROGRAM ARGS...`,
 * in C: compiled into lsfd-launch (scripts/launcher.c) with it, so that the job starter line
 * costs no Node process before sudo and none while the job runs. lib/run/via-sudo.ts is the same
 * step in Node, which serves every other form (--help, an unknown PROGRAM, other options, a host
 * without a C compiler): this file takes only the plain form and leaves the rest to it.
 *
 * What it does, as via-sudo.ts does:
 *   - writes the job's environment (NAME=value entries, each ended by NUL, the first of duplicate
 *     names only, never LSF_DOCKER_JOB_ENVIRONMENT) to a new 0600 file in a new 0700 dir
 *     /tmp/lsf-docker-env.UID.XXXXXX/environ;
 *   - runs /usr/bin/sudo -n PREFIX/bin/PROGRAM [--config FILE] ARGS... with the environment plus
 *     LSF_DOCKER_JOB_ENVIRONMENT=that file (PROGRAM reads it as the user, then removes it);
 *   - outlives SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGTSTP (PROGRAM is in the
 *     job's process group and gets them itself) and passes the terminating four on to sudo: one
 *     that came before sudo existed would otherwise be lost (PROGRAM takes a repeat within 200 ms
 *     as the same delivery);
 *   - removes the dir when PROGRAM ends and exits with its status (128 + N for signal N).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char SNAPSHOT[] = "LSF_DOCKER_JOB_ENVIRONMENT";
static const char MOVED[] = "LSFD_LAUNCHER_MOVED";
static const char *const PROGRAMS[] = {"docker_run", "docker_exec", "docker_build", NULL};
static const int OUTLIVED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGTSTP};
#define N_OUTLIVED (sizeof OUTLIVED / sizeof OUTLIVED[0])

static volatile sig_atomic_t child = 0;

static void pass_on(int sig) {
  int saved = errno;
  if (child > 0 && (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)) kill((pid_t)child, sig);
  errno = saved;
}

/* The length of ENTRY's name when it is NAME=... with a name, else 0. */
static size_t name_len(const char *entry) {
  const char *eq = strchr(entry, '=');
  return eq == NULL ? 0 : (size_t)(eq - entry);
}

static int is_named(const char *entry, const char *name) {
  size_t len = strlen(name);
  return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* Orders indexes into environ by name, then by place: the first of each name comes first. */
static int by_name(const void *a, const void *b) {
  const char *x = environ[*(const size_t *)a], *y = environ[*(const size_t *)b];
  size_t lx = name_len(x), ly = name_len(y);
  int c = memcmp(x, y, lx < ly ? lx : ly);
  if (c != 0) return c;
  if (lx != ly) return lx < ly ? -1 : 1;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Marks in KEEP (one flag per environ entry) the entries that go into the snapshot. */
static int snapshot_entries(size_t count, char *keep) {
  size_t *order = calloc(count ? count : 1, sizeof *order);
  if (order == NULL) return -1;
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    keep[i] = 0;
    const char *e = environ[i];
    if (name_len(e) == 0 || is_named(e, SNAPSHOT) || is_named(e, MOVED)) continue;
    order[n++] = i;
  }
  qsort(order, n, sizeof *order, by_name);
  for (size_t k = 0; k < n; k++) {
    const char *e = environ[order[k]];
    if (k > 0) {
      const char *prev = environ[order[k - 1]];
      size_t l = name_len(e);
      if (l == name_len(prev) && memcmp(e, prev, l) == 0) continue;
    }
    keep[order[k]] = 1;
  }
  free(order);
  return 0;
}

/* Writes all of P (LEN bytes) to FD: 0, or -1 (scripts/submit-client.c uses it too). */
int lsfd_write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Writes the snapshot into a new dir DIR (its template filled in) as DIR/environ; FILE gets that path. */
static int write_snapshot(char *dir, char *file, size_t file_size) {
  size_t count = 0;
  while (environ[count] != NULL) count++;
  char *keep = malloc(count ? count : 1);
  if (keep == NULL || snapshot_entries(count, keep) != 0 || mkdtemp(dir) == NULL) {
    free(keep);
    return -1;
  }
  snprintf(file, file_size, "%s/environ", dir);
  int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int failed = fd < 0;
  for (size_t i = 0; !failed && i < count; i++)
    if (keep[i]) failed = lsfd_write_all(fd, environ[i], strlen(environ[i]) + 1) != 0;
  if (fd >= 0 && close(fd) != 0) failed = 1;
  free(keep);
  return failed ? -1 : 0;
}

static void remove_snapshot(const char *dir, const char *file) {
  unlink(file);
  rmdir(dir);
}

/* PROGRAM's path beside LAUNCHER (its real dir), when it is one of PROGRAMS and executable. */
static char *program_path(const char *launcher, const char *program) {
  int known = 0;
  for (const char *const *p = PROGRAMS; *p != NULL; p++) known |= strcmp(*p, program) == 0;
  char real[PATH_MAX];
  if (!known || realpath(launcher, real) == NULL) return NULL;
  char *slash = strrchr(real, '/');
  if (slash == NULL) return NULL;
  *slash = '\0';
  size_t size = strlen(real) + strlen(program) + 2;
  char *path = malloc(size);
  if (path == NULL) return NULL;
  snprintf(path, size, "%s/%s", real, program);
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
    free(path);
    return NULL;
  }
  return path;
}

/* The environment for sudo: environ without any SNAPSHOT entry, plus SNAPSHOT=FILE. */
static char **sudo_environment(const char *file) {
  size_t count = 0;
  while (environ[count] != NULL) count++;
  char **env = calloc(count + 2, sizeof *env);
  size_t size = sizeof SNAPSHOT + 1 + strlen(file);
  char *entry = malloc(size);
  if (env == NULL || entry == NULL) return NULL;
  snprintf(entry, size, "%s=%s", SNAPSHOT, file);
  size_t n = 0;
  for (size_t i = 0; i < count; i++)
    if (!is_named(environ[i], SNAPSHOT)) env[n++] = environ[i];
  env[n++] = entry;
  env[n] = NULL;
  return env;
}

/*
 * The step for the launcher's ARGS (argv after NAME.cjs: LAUNCHER, then the program's own), or -1
 * when they are not its plain form (Node's via-sudo.ts then runs): [--config FILE | --config=FILE]
 * sudo PROGRAM ARGS..., PROGRAM one of PROGRAMS installed beside LAUNCHER.
 */
int lsfd_sudo_step(int argc, char **argv) {
  if (argc < 3) return -1;
  const char *launcher = argv[0];
  int at = 1;
  const char *config = NULL;
  if (strcmp(argv[at], "--config") == 0 && at + 1 < argc) {
    config = argv[at + 1];
    at += 2;
  } else if (strncmp(argv[at], "--config=", 9) == 0) {
    config = argv[at] + 9;
    at += 1;
  }
  if (config != NULL && config[0] == '\0') return -1;
  if (at + 1 >= argc || strcmp(argv[at], "sudo") != 0) return -1;
  char *path = program_path(launcher, argv[at + 1]);
  if (path == NULL) return -1;

  sigset_t outlived, before;
  sigemptyset(&outlived);
  for (size_t i = 0; i < N_OUTLIVED; i++) sigaddset(&outlived, OUTLIVED[i]);
  sigprocmask(SIG_BLOCK, &outlived, &before);
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_handler = pass_on;
  sigemptyset(&act.sa_mask);
  for (size_t i = 0; i < N_OUTLIVED; i++) sigaction(OUTLIVED[i], &act, NULL);

  char dir[64], file[80];
  snprintf(dir, sizeof dir, "/tmp/lsf-docker-env.%lu.XXXXXX", (unsigned long)getuid());
  if (write_snapshot(dir, file, sizeof file) != 0) {
    fprintf(stderr, "lsf-docker: sudo: could not write the environment snapshot in /tmp: %s\n", strerror(errno));
    if (strchr(dir, 'X') == NULL) remove_snapshot(dir, file);
    return 1;
  }
  char **env = sudo_environment(file);
  int rest = argc - (at + 2);
  char **args = calloc((size_t)rest + 6, sizeof *args);
  if (env == NULL || args == NULL) {
    fputs("lsf-docker: sudo: out of memory\n", stderr);
    remove_snapshot(dir, file);
    return 1;
  }
  size_t n = 0;
  args[n++] = "/usr/bin/sudo";
  args[n++] = "-n";
  args[n++] = path;
  if (config != NULL) {
    args[n++] = "--config";
    args[n++] = (char *)config;
  }
  for (int i = at + 2; i < argc; i++) args[n++] = argv[i];
  args[n] = NULL;

  /*
   * A terminating signal that came while the snapshot was written (LSF signals the job's whole
   * process group, and only this step is in it yet) ends the step here, as that signal: passed
   * on once sudo runs, it would be lost, for sudo does not relay what a process of its parent's
   * process group sends it (its rule against duplicate signals), and the command it starts was
   * not there to get the group's signal itself.
   */
  sigset_t pending;
  if (sigpending(&pending) == 0) {
    static const int TERMINATING[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof TERMINATING / sizeof TERMINATING[0]; i++) {
      int sig = TERMINATING[i];
      if (!sigismember(&pending, sig)) continue;
      remove_snapshot(dir, file);
      signal(sig, SIG_DFL);
      sigprocmask(SIG_SETMASK, &before, NULL); /* the pending signal ends the step now */
      return 128 + sig;
    }
  }
  pid_t pid = fork();
  if (pid == 0) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (size_t i = 0; i < N_OUTLIVED; i++) sigaction(OUTLIVED[i], &dfl, NULL);
    sigprocmask(SIG_SETMASK, &before, NULL);
    execve(args[0], args, env);
    fprintf(stderr, "lsf-docker: sudo: cannot run %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  if (pid < 0) {
    fprintf(stderr, "lsf-docker: sudo: cannot start %s: %s\n", args[0], strerror(errno));
    remove_snapshot(dir, file);
    return 127;
  }
  child = pid;
  sigprocmask(SIG_SETMASK, &before, NULL);
  /* Wait without reaping, so that a signal passed on never reaches a reused pid. */
  siginfo_t info;
  while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  sigprocmask(SIG_BLOCK, &outlived, NULL);
  child = 0;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  remove_snapshot(dir, file);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}
