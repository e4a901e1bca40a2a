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
 * Built with -DLSFD_NODE="..." -DLSFD_BUNDLES="..." (absolute paths, from a generated header);
 * -DLSFD_CHECK makes it exec `/usr/bin/env -0` instead, for the install step's own check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static const char PREFIX[] = "LSFD_LAUNCHER_";
static const char MOVED[] = "LSFD_LAUNCHER_MOVED=";

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

int main(int argc, char **argv) {
  if (argc < 3 || !plain_bundle(argv[1])) {
    fputs("lsfd-launch: run as the #! interpreter of an lsf-docker launcher (#!lsfd-launch NAME.cjs)\n", stderr);
    return 127;
  }
#ifndef LSFD_CHECK
  if (strcmp(argv[1], "lsf_docker.cjs") == 0) {
    int status = lsfd_sudo_step(argc - 2, argv + 2);
    if (status >= 0) return status;
  }
#endif
  size_t count = 0, names = 0;
  for (char **e = environ; *e != NULL; e++) {
    count++;
    names += node_name(*e) + 1;
  }
  char **env = need(calloc(count + 2, sizeof *env));
  char *moved = need(malloc(sizeof MOVED + names));
  strcpy(moved, MOVED);
  size_t n = 0, at = sizeof MOVED - 1;
  for (char **e = environ; *e != NULL; e++) {
    size_t len = node_name(*e);
    if (strncmp(*e, MOVED, sizeof MOVED - 1) == 0) continue; /* ours to set, never inherited */
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
