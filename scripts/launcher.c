/*
 * lsfd-launch: the interpreter of the installed launchers (scripts/lib/launchers.sh), compiled at
 * install time when the host has a C compiler. A launcher's first line names it:
 *
 *   #!/PREFIX/dist/bundle/lsfd-launch docker_run.cjs
 *
 * so the kernel runs `lsfd-launch docker_run.cjs LAUNCHER ARGS...`. It does what the launchers'
 * shell line does, in one pass over the environment (a shell's own start grows faster than
 * linearly with it: dash +27 ms, bash as sh +0.8 s with 10,000 variables): every NODE_X variable
 * moves to LSFD_LAUNCHER_NODE_X and LSFD_LAUNCHER_MOVED lists their names, then it execs the Node
 * found at install time on start.cjs and the bundle. start.cjs gives the variables back to the job.
 *
 * A big environment (more than HANDOFF_MIN entries) reaches Node through a sealed memfd instead
 * of the exec: the kernel copies each string of an exec's environment, about 0.5 us apiece here
 * (a job with 10,000 variables paid 5 ms for this second exec). Node is exec'd with only what it
 * and the C library may read before start.cjs runs (PATH, HOME, TMPDIR, TZ, LANG, LC_*, LD_*,
 * OPENSSL_*, SSL_*) and LSFD_LAUNCHER_ENVIRONMENT=FD; start.cjs has the addon make the memfd's
 * entries the process's environment again (environ) before anything else reads it. Only when
 * the addon is installed beside the bundles, which does that.
 *
 * Built with -DLSFD_NODE="..." -DLSFD_BUNDLES="..." (absolute paths, from a generated header);
 * -DLSFD_CHECK makes it exec `/usr/bin/env -0` instead, for the install step's own check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LSFD_NODE
#error "LSFD_NODE (the absolute path of node) must be defined"
#endif
#ifndef LSFD_BUNDLES
#error "LSFD_BUNDLES (the absolute path of dist/bundle) must be defined"
#endif

extern char **environ;

/* scripts/sudo-step.c: `lsf-docker sudo PROGRAM ...` without Node, or -1 for Node to run it. */
int lsfd_sudo_step(int argc, char **argv);
/* scripts/submit-client.c: a plain bsub through the user's dispatcher, or -1 for Node to run it. */
int lsfd_submit_client(int argc, char **argv);

static const char PREFIX[] = "LSFD_LAUNCHER_";
static const char MOVED[] = "LSFD_LAUNCHER_MOVED=";
static const char HANDOFF[] = "LSFD_LAUNCHER_ENVIRONMENT=";
/* Environments of more entries than this go through the memfd. */
#define HANDOFF_MIN 256

/* The length of the name of ENTRY when it is NODE_[A-Za-z0-9_]*=..., else 0. */
static size_t node_name(const char *entry) {
  if (strncmp(entry, "NODE_", 5) != 0) return 0;
  const char *p = entry + 5;
  for (; *p != '=' && *p != '\0'; p++) {
    char c = *p;
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return 0;
  }
  return *p == '=' ? (size_t)(p - entry) : 0;
}

/* A bundle named by a launcher: NAME.cjs in the bundle directory, nothing else. */
static int plain_bundle(const char *name) {
  size_t len = strlen(name);
  if (len < 5 || strcmp(name + len - 4, ".cjs") != 0 || name[0] == '.') return 0;
  for (const char *p = name; *p != '\0'; p++) {
    char c = *p;
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return 0;
  }
  return 1;
}

static void *need(void *p) {
  if (p == NULL) {
    fputs("lsfd-launch: out of memory\n", stderr);
    exit(127);
  }
  return p;
}

/* Whether ENTRY is one Node or the C library may read before start.cjs restores the environment. */
static int read_early(const char *entry) {
  static const char *const exact[] = {"PATH=", "HOME=", "TMPDIR=", "TZ=", "LANG=", NULL};
  static const char *const prefixes[] = {"LC_", "LD_", "OPENSSL_", "SSL_", NULL};
  for (int i = 0; exact[i] != NULL; i++)
    if (strncmp(entry, exact[i], strlen(exact[i])) == 0) return 1;
  for (int i = 0; prefixes[i] != NULL; i++)
    if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0) return 1;
  return 0;
}

/*
 * ENV (N entries) written to a sealed memfd, and ENV cut down to what read_early keeps plus
 * LSFD_LAUNCHER_ENVIRONMENT=FD (N updated); nothing changes when the memfd cannot be made.
 */
static void hand_off(char **env, size_t *n) {
  int fd = memfd_create("lsfd-launcher-environment", MFD_ALLOW_SEALING);
  if (fd < 0) return;
  size_t total = 0;
  for (size_t i = 0; i < *n; i++) total += strlen(env[i]) + 1;
  char *block = malloc(total);
  if (block == NULL) {
    close(fd);
    return;
  }
  size_t at = 0;
  for (size_t i = 0; i < *n; i++) {
    size_t len = strlen(env[i]) + 1;
    memcpy(block + at, env[i], len);
    at += len;
  }
  size_t done = 0;
  while (done < total) {
    ssize_t w = write(fd, block + done, total - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  free(block);
  if (done != total || lseek(fd, 0, SEEK_SET) != 0 ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    close(fd);
    return;
  }
  char *handoff = malloc(sizeof HANDOFF + 12);
  if (handoff == NULL) {
    close(fd);
    return;
  }
  snprintf(handoff, sizeof HANDOFF + 12, "%s%d", HANDOFF, fd);
  size_t kept = 0;
  for (size_t i = 0; i < *n; i++)
    if (read_early(env[i])) env[kept++] = env[i];
  env[kept++] = handoff;
  env[kept] = NULL;
  *n = kept;
}

/* Whether the addon that takes the memfd back (scripts/native-addon.c) is installed beside the bundles. */
static int addon_installed(void) {
  struct stat st;
  return stat(LSFD_BUNDLES "/lsfd-native.node", &st) == 0 && S_ISREG(st.st_mode);
}

int main(int argc, char **argv) {
  if (argc < 3 || !plain_bundle(argv[1])) {
    fputs("lsfd-launch: run as the #! interpreter of an lsf-docker launcher (#!lsfd-launch NAME.cjs)\n", stderr);
    return 127;
  }
#ifndef LSFD_CHECK
  if (strcmp(argv[1], "lsf_docker.cjs") == 0) {
    int status = lsfd_sudo_step(argc - 2, argv + 2);
    if (status >= 0) return status;
    status = lsfd_submit_client(argc - 2, argv + 2);
    if (status >= 0) return status;
  }
#endif
  size_t count = 0, names = 0;
  for (char **e = environ; *e != NULL; e++) {
    count++;
    names += node_name(*e) + 1;
  }
  char **env = need(calloc(count + 3, sizeof *env)); /* the entries, the moved list, the handoff, NULL */
  char *moved = need(malloc(sizeof MOVED + names));
  strcpy(moved, MOVED);
  size_t n = 0, at = sizeof MOVED - 1;
  for (char **e = environ; *e != NULL; e++) {
    size_t len = node_name(*e);
    /* Ours to set, never inherited. */
    if (strncmp(*e, MOVED, sizeof MOVED - 1) == 0 || strncmp(*e, HANDOFF, sizeof HANDOFF - 1) == 0) continue;
    if (len == 0) {
      env[n++] = *e;
      continue;
    }
    char *renamed = need(malloc(sizeof PREFIX + strlen(*e)));
    strcpy(renamed, PREFIX);
    strcat(renamed, *e);
    env[n++] = renamed;
    moved[at++] = ' ';
    memcpy(moved + at, *e, len);
    at += len;
  }
  moved[at] = '\0';
  if (at > sizeof MOVED - 1) env[n++] = moved;
  env[n] = NULL;
#ifndef LSFD_CHECK
  if (n > HANDOFF_MIN && addon_installed()) hand_off(env, &n);
#endif

  /* node start.cjs LAUNCHER BUNDLE ARGS... */
  char **args = need(calloc((size_t)argc + 3, sizeof *args));
  size_t bundle_len = strlen(LSFD_BUNDLES) + strlen(argv[1]) + 2;
  char *bundle = need(malloc(bundle_len));
  snprintf(bundle, bundle_len, "%s/%s", LSFD_BUNDLES, argv[1]);
#ifdef LSFD_CHECK
  args[0] = "/usr/bin/env";
  args[1] = "-0";
  args[2] = NULL;
  execve(args[0], args, env);
#else
  args[0] = LSFD_NODE;
  args[1] = LSFD_BUNDLES "/start.cjs";
  args[2] = argv[2];
  args[3] = bundle;
  for (int i = 3; i < argc; i++) args[i + 1] = argv[i];
  args[argc + 1] = NULL;
  execve(LSFD_NODE, args, env);
#endif
  fprintf(stderr, "lsfd-launch: cannot run %s: %s\n", args[0], strerror(errno));
  return 127;
}
