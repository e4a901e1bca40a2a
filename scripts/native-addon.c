/*
 * lsfd-native.node: the few libc calls the wrapper otherwise gets from a process, for Node
 * (Node-API, no library to link). Built at install time by scripts/lib/launchers.sh with the
 * host's C compiler and Node's own headers; without them the callers start the programs
 * (lib/host/native.ts says which). A process cost a fork of the Node process and an exec, about
 * 5 ms each here: three per job in the local LSF's dispatcher (flock(1)), two per secure job
 * (getent passwd, id -G), one per job with groups /etc/group does not name (getent group).
 *
 *   flock(fd)             -> 0 when the exclusive lock is now held through fd, else the errno
 *                            (EWOULDBLOCK: someone else holds it). Never waits.
 *   passwd(uid)           -> [name, uid, gid, home, shell], or null when the user database
 *                            (NSS: files, LDAP, sssd...) has no such uid.
 *   groupList(name, gid)  -> the gids NAME is in by the group database (getgrouplist(3), as
 *                            `id -G NAME` and initgroups), GID first; null when it fails.
 *   groupName(gid)        -> the group's name, or null when no group database names it.
 *   groupNamesStart(gids) -> lookups of groupName for each of GIDS, started on up to three
 *                            threads: each asks every NSS module in turn (0.15-0.3 ms a gid here,
 *                            the systemd module searching its userdb directories; a job may have
 *                            32 groups /etc/group does not name), while the caller goes on.
 *   groupNamesJoin(l)     -> their names (null: none), in GIDS' order, once all are done (the
 *                            calling thread takes a share).
 *   pathFacts(paths, asUser)
 *                         -> for each of PATHS, looked up by up to four threads at once:
 *                            [real, kind, mode, uid, gid, access] (realpath(3), then stat(2) of
 *                            the real path: kind 'dir', 'file', 'socket' or 'other'; access the
 *                            bits 4 r, 2 w, 1 x that access(2) grants, when ASUSER, else 0), or
 *                            null when the path does not resolve. A job may name 100 volumes,
 *                            each three to five calls from Node with its objects around them.
 *   jsonString(bytes)     -> the UTF-8 BYTES of a well-formed string (the caller checks) as a
 *                            JSON string literal, in a Buffer: the bytes of JSON.stringify(its
 *                            text), made without V8's string builder (the dry run prints an
 *                            env-file of 10,000 variables).
 *   envIndex(text)        -> an index of TEXT, NAME=value entries separated by NUL bytes (the
 *                            environment as /proc/self/environ holds it; a final empty entry is
 *                            none): each name hashed once, the first of duplicate names wins, as
 *                            with getenv(); an entry without a name ("=x", or no '=') is none.
 *                            scripts/start.cjs answers process.env's reads through it: building
 *                            a JavaScript Map of 10,000 names costs a start-up about 10 ms here.
 *   envAdoptFd(fd)        -> makes the entries of the sealed memfd FD that lsfd-launch handed a
 *                            big environment over in (scripts/launcher.c) this process's
 *                            environment (environ), then closes FD; false when FD is no such memfd.
 *   envIndexOfProcess()   -> the same index of this process's own environment (environ), read
 *                            in C: no JavaScript string of the whole is made.
 *   envFind(index, name)  -> the position of NAME's entry among TEXT's entries, or -1.
 *   envKept(index)        -> null when every entry is named and no name repeats, else the
 *                            positions of the entries that count (the first of each name), in order.
 *   envValue(index, name) -> NAME's value, or undefined.
 *   envEntries(index)     -> the entries that count, as NAME=value strings, in order.
 *   envPlain(index, excluded, maxBytes)
 *                         -> the env-file made of the entries that count without a string per
 *                            entry: [run, odd, run, odd, ..., run], each run the entries that pass
 *                            as they are, each ended by a newline (a name of letters, digits and
 *                            _ not starting with a digit, not SUDO_*, not one of EXCLUDED; a value
 *                            without CR or LF, not starting with "()"; at most MAXBYTES bytes in
 *                            all), each odd an entry that does not (lib/policy/rules/environment.ts
 *                            decides those), in the environment's order.
 *   unixConnect(path)     -> the descriptor of a blocking, close-on-exec AF_UNIX stream socket
 *                            connected to PATH (the docker daemon's); throws an Error whose code
 *                            is the errno's name (ENOENT, ECONNREFUSED, EACCES...) and whose
 *                            message reads as Node's ("connect ENOENT PATH"). The Engine API's
 *                            connections then need no node:net (lib/runtime/docker-api/fd-connection.ts):
 *                            loading it costs a job's start about 4 ms and 1.5 MB of RSS here.
 *   socketShutdown(fd, how)
 *                         -> shutdown(2) of FD (HOW 0 reading, 1 writing, 2 both): 0, else the
 *                            errno. A read blocked in another thread then returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <node_api.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int int_arg(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok && *out >= 0 && *out <= 0xFFFFFFFFLL;
}

static napi_value string_or_null(napi_env env, const char *s) {
  napi_value out;
  if (s == NULL) napi_get_null(env, &out);
  else napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value null_value(napi_env env) {
  napi_value out;
  napi_get_null(env, &out);
  return out;
}

/* The one descriptor argument of a call into FD; throws USAGE when it is not one. */
static int fd_arg(napi_env env, napi_callback_info info, int64_t *fd, const char *usage) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], fd) ||
      *fd > 0x7FFFFFFF) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

static napi_value try_flock(napi_env env, napi_callback_info info) {
  int64_t fd;
  if (!fd_arg(env, info, &fd, "flock(fd): fd must be a descriptor")) return NULL;
  int r;
  do {
    r = flock((int)fd, LOCK_EX | LOCK_NB);
  } while (r != 0 && errno == EINTR);
  napi_value out;
  napi_create_int32(env, r == 0 ? 0 : errno, &out);
  return out;
}

/* A buffer for the reentrant lookups, grown while they say ERANGE (up to 1 MiB). */
static char *grow(char *buf, size_t *size) {
  if (*size >= (1u << 20)) {
    free(buf);
    return NULL;
  }
  *size *= 2;
  char *bigger = realloc(buf, *size);
  if (bigger == NULL) free(buf);
  return bigger;
}

static napi_value passwd_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t uid;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], &uid)) {
    napi_throw_type_error(env, NULL, "passwd(uid): uid must be a number");
    return NULL;
  }
  size_t size = 4096;
  char *buf = malloc(size);
  struct passwd pw, *found = NULL;
  int rc;
  while (buf != NULL && (rc = getpwuid_r((uid_t)uid, &pw, buf, size, &found)) == ERANGE) buf = grow(buf, &size);
  if (buf == NULL || found == NULL) {
    free(buf);
    return null_value(env);
  }
  napi_value out, v;
  napi_create_array_with_length(env, 5, &out);
  napi_set_element(env, out, 0, string_or_null(env, pw.pw_name));
  napi_create_int64(env, (int64_t)pw.pw_uid, &v);
  napi_set_element(env, out, 1, v);
  napi_create_int64(env, (int64_t)pw.pw_gid, &v);
  napi_set_element(env, out, 2, v);
  napi_set_element(env, out, 3, string_or_null(env, pw.pw_dir));
  napi_set_element(env, out, 4, string_or_null(env, pw.pw_shell));
  free(buf);
  return out;
}

static napi_value group_list(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char name[1024];
  size_t len = 0;
  int64_t gid;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok || len == 0 ||
      len >= sizeof name - 1 || !int_arg(env, argv[1], &gid)) {
    napi_throw_type_error(env, NULL, "groupList(name, gid): a user name and a gid");
    return NULL;
  }
  int n = 64;
  gid_t *gids = NULL;
  for (int tries = 0; tries < 8; tries++) {
    gid_t *more = realloc(gids, (size_t)n * sizeof *gids);
    if (more == NULL) break;
    gids = more;
    int want = n;
    if (getgrouplist(name, (gid_t)gid, gids, &want) >= 0) {
      napi_value out, v;
      napi_create_array_with_length(env, (size_t)want, &out);
      for (int i = 0; i < want; i++) {
        napi_create_int64(env, (int64_t)gids[i], &v);
        napi_set_element(env, out, (uint32_t)i, v);
      }
      free(gids);
      return out;
    }
    n = want > n ? want : n * 2;
  }
  free(gids);
  return null_value(env);
}

static napi_value group_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t gid;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], &gid)) {
    napi_throw_type_error(env, NULL, "groupName(gid): gid must be a number");
    return NULL;
  }
  size_t size = 4096;
  char *buf = malloc(size);
  struct group gr, *found = NULL;
  int rc;
  while (buf != NULL && (rc = getgrgid_r((gid_t)gid, &gr, buf, size, &found)) == ERANGE) buf = grow(buf, &size);
  napi_value out = found != NULL ? string_or_null(env, gr.gr_name) : null_value(env);
  free(buf);
  return out;
}


/* The name of group GID, malloc'd, or NULL when no group database names it (or out of memory). */
static char *group_name_of(gid_t gid) {
  size_t size = 4096;
  char *buf = malloc(size);
  struct group gr, *found = NULL;
  while (buf != NULL && getgrgid_r(gid, &gr, buf, size, &found) == ERANGE) buf = grow(buf, &size);
  char *name = found != NULL ? strdup(gr.gr_name) : NULL;
  free(buf);
  return name;
}

#define NAME_THREADS 4

/* Lookups under way: the first share is done by the joining thread, the others by threads. */
typedef struct {
  gid_t *gids;
  char **names;
  uint32_t count;
  uint32_t threads;
  bool joined;
  pthread_t ids[NAME_THREADS];
  bool started[NAME_THREADS];
  struct name_share {
    const gid_t *gids;
    char **names;
    uint32_t count, first, step;
  } shares[NAME_THREADS];
} name_lookups;

static void *name_worker(void *arg) {
  struct name_share *share = arg;
  for (uint32_t i = share->first; i < share->count; i += share->step) share->names[i] = group_name_of(share->gids[i]);
  return NULL;
}

/* Waits for every share (doing those no thread took), once. */
static void name_lookups_join(name_lookups *work) {
  if (work->joined) return;
  work->joined = true;
  name_worker(&work->shares[0]);
  for (uint32_t t = 1; t < work->threads; t++) {
    if (work->started[t]) pthread_join(work->ids[t], NULL);
    else name_worker(&work->shares[t]);
  }
}

static void name_lookups_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  name_lookups *work = data;
  if (work == NULL) return;
  name_lookups_join(work);
  for (uint32_t i = 0; i < work->count; i++) free(work->names[i]);
  free(work->names);
  free(work->gids);
  free(work);
}

static napi_value group_names_start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool is_array = false;
  uint32_t count = 0;
  const char *usage = "groupNamesStart(gids): an array of at most 65536 gids";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &count) != napi_ok || count > 65536) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  name_lookups *work = calloc(1, sizeof *work);
  if (work != NULL) {
    work->gids = malloc((count + 1) * sizeof *work->gids);
    work->names = calloc(count + 1, sizeof *work->names);
  }
  if (work == NULL || work->gids == NULL || work->names == NULL) {
    if (work != NULL) work->joined = true;
    name_lookups_free(env, work, NULL);
    napi_throw_error(env, NULL, "groupNamesStart: out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    int64_t gid;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || !int_arg(env, v, &gid)) {
      work->joined = true;
      name_lookups_free(env, work, NULL);
      napi_throw_type_error(env, NULL, usage);
      return NULL;
    }
    work->gids[i] = (gid_t)gid;
  }
  work->count = count;
  work->threads = count < 4 ? 1 : NAME_THREADS;
  for (uint32_t t = 0; t < work->threads; t++) {
    work->shares[t] = (struct name_share){work->gids, work->names, count, t, work->threads};
    if (t > 0) work->started[t] = pthread_create(&work->ids[t], NULL, name_worker, &work->shares[t]) == 0;
  }
  napi_value out;
  if (napi_create_external(env, work, name_lookups_free, NULL, &out) != napi_ok) {
    name_lookups_free(env, work, NULL);
    napi_throw_error(env, NULL, "groupNamesStart: out of memory");
    return NULL;
  }
  return out;
}

static napi_value group_names_join(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "groupNamesJoin(lookups): what groupNamesStart gave");
    return NULL;
  }
  name_lookups *work = data;
  name_lookups_join(work);
  napi_value out;
  napi_create_array_with_length(env, work->count, &out);
  for (uint32_t i = 0; i < work->count; i++) napi_set_element(env, out, i, string_or_null(env, work->names[i]));
  return out;
}

/* ---- path facts ------------------------------------------------------------------------------ */

typedef struct {
  char *path;
  char *real;  /* malloc'd by realpath, NULL when it does not resolve */
  struct stat st;
  bool stat_ok;
  int access;
} path_fact;

typedef struct {
  path_fact *facts;
  uint32_t count, first, step;
  bool as_user;
} fact_share;

static void *fact_worker(void *arg) {
  fact_share *share = arg;
  for (uint32_t i = share->first; i < share->count; i += share->step) {
    path_fact *f = &share->facts[i];
    f->real = realpath(f->path, NULL);
    if (f->real == NULL) continue;
    f->stat_ok = stat(f->real, &f->st) == 0;
    if (share->as_user)
      f->access = (access(f->real, R_OK) == 0 ? 4 : 0) | (access(f->real, W_OK) == 0 ? 2 : 0) |
                  (access(f->real, X_OK) == 0 ? 1 : 0);
  }
  return NULL;
}

static napi_value path_facts(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool is_array = false, as_user = false;
  uint32_t count = 0;
  const char *usage = "pathFacts(paths, asUser): an array of at most 65536 paths and a boolean";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &count) != napi_ok || count > 65536 ||
      napi_get_value_bool(env, argv[1], &as_user) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  path_fact *facts = calloc(count + 1, sizeof *facts);
  bool ok = facts != NULL;
  for (uint32_t i = 0; ok && i < count; i++) {
    napi_value v;
    size_t n = 0;
    ok = napi_get_element(env, argv[0], i, &v) == napi_ok && napi_get_value_string_utf8(env, v, NULL, 0, &n) == napi_ok &&
         n < PATH_MAX && (facts[i].path = malloc(n + 1)) != NULL;
    if (ok) napi_get_value_string_utf8(env, v, facts[i].path, n + 1, &n);
    /* A path holding a NUL names another file for the C library: none. */
    if (ok && strlen(facts[i].path) != n) facts[i].path[0] = '\0';
  }
  napi_value out = NULL;
  if (ok) {
    uint32_t threads = count < 8 ? 1 : NAME_THREADS;
    fact_share shares[NAME_THREADS];
    pthread_t ids[NAME_THREADS];
    bool started[NAME_THREADS] = {false};
    for (uint32_t t = 0; t < threads; t++) {
      shares[t] = (fact_share){facts, count, t, threads, as_user};
      if (t > 0) started[t] = pthread_create(&ids[t], NULL, fact_worker, &shares[t]) == 0;
    }
    fact_worker(&shares[0]);
    for (uint32_t t = 1; t < threads; t++) {
      if (started[t]) pthread_join(ids[t], NULL);
      else fact_worker(&shares[t]);
    }
    napi_create_array_with_length(env, count, &out);
    for (uint32_t i = 0; i < count; i++) {
      path_fact *f = &facts[i];
      napi_value row;
      if (f->real == NULL || !f->stat_ok) {
        /* Resolved but gone before its stat: as if it had not resolved (the callers' stat would say so). */
        napi_get_null(env, &row);
      } else {
        const char *kind = S_ISDIR(f->st.st_mode)    ? "dir"
                           : S_ISREG(f->st.st_mode)  ? "file"
                           : S_ISSOCK(f->st.st_mode) ? "socket"
                                                     : "other";
        napi_value v;
        napi_create_array_with_length(env, 6, &row);
        napi_set_element(env, row, 0, string_or_null(env, f->real));
        napi_create_string_utf8(env, kind, NAPI_AUTO_LENGTH, &v);
        napi_set_element(env, row, 1, v);
        napi_create_uint32(env, (uint32_t)f->st.st_mode, &v);
        napi_set_element(env, row, 2, v);
        napi_create_uint32(env, (uint32_t)f->st.st_uid, &v);
        napi_set_element(env, row, 3, v);
        napi_create_uint32(env, (uint32_t)f->st.st_gid, &v);
        napi_set_element(env, row, 4, v);
        napi_create_int32(env, f->access, &v);
        napi_set_element(env, row, 5, v);
      }
      napi_set_element(env, out, i, row);
    }
  }
  for (uint32_t i = 0; facts != NULL && i < count; i++) {
    free(facts[i].path);
    free(facts[i].real);
  }
  free(facts);
  if (out == NULL) napi_throw_type_error(env, NULL, usage);
  return out;
}

/* ---- JSON ------------------------------------------------------------------------------------- */

static void free_buffer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* Whether JSON.stringify escapes the byte C of a well-formed string's UTF-8 (", \\ and the controls). */
static bool json_escaped(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

/* Writes the escape of C (json_escaped) at OUT; its length. */
static size_t json_escape(unsigned char c, char *out) {
  static const char hex[] = "0123456789abcdef";
  char short_form = c == '"' ? '"' : c == '\\' ? '\\' : c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
  out[0] = '\\';
  if (short_form != 0) {
    out[1] = short_form;
    return 2;
  }
  memcpy(out + 1, "u00", 3);
  out[4] = hex[c >> 4];
  out[5] = hex[c & 15];
  return 6;
}

static napi_value json_string(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool is_buffer = false;
  void *data = NULL;
  size_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[0], &data, &n) != napi_ok || n > (SIZE_MAX - 3) / 6) {
    napi_throw_type_error(env, NULL, "jsonString(bytes): the UTF-8 bytes of a string, in a Buffer");
    return NULL;
  }
  const char *text = data;
  size_t size = 2;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)text[i];
    size += !json_escaped(c) ? 1 : (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') ? 2 : 6;
  }
  char *out = malloc(size);
  if (out == NULL) {
    napi_throw_error(env, NULL, "jsonString: out of memory");
    return NULL;
  }
  size_t at = 0;
  out[at++] = '"';
  /* Runs of bytes that need no escape are copied whole. */
  for (size_t i = 0; i < n;) {
    size_t run = i;
    while (run < n && !json_escaped((unsigned char)text[run])) run++;
    memcpy(out + at, text + i, run - i);
    at += run - i;
    if (run == n) break;
    at += json_escape((unsigned char)text[run], out + at);
    i = run + 1;
  }
  out[at++] = '"';
  napi_value result;
  if (napi_create_external_buffer(env, at, out, free_buffer, NULL, &result) != napi_ok) {
    free(out);
    napi_throw_error(env, NULL, "jsonString: out of memory");
    return NULL;
  }
  return result;
}

/* ---- the environment index ---------------------------------------------------------------- */

typedef struct {
  char *owned;         /* the text the entries lie in, when the index made it (else environ's) */
  uint32_t count;      /* the entries */
  const char **entry;  /* entry i: NAME=value, entry_len[i] bytes */
  uint32_t *entry_len;
  uint32_t *name_len;  /* its name's bytes (0: no name) */
  size_t total;        /* the entries' bytes */
  uint32_t *kept;      /* the entries that count, in order */
  uint32_t kept_count;
  uint32_t mask;       /* slots - 1 (a power of two above twice the entries) */
  uint32_t *slot;      /* open addressing: 1 + the position of a name's first entry, 0 empty */
} env_index;

static uint32_t fnv1a(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static void env_index_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  env_index *ix = data;
  if (ix == NULL) return;
  free(ix->owned);
  free(ix->entry);
  free(ix->entry_len);
  free(ix->name_len);
  free(ix->kept);
  free(ix->slot);
  free(ix);
}

/* The slot for NAME (N bytes): the one holding its first entry, or the empty one it would take. */
static uint32_t *env_slot(const env_index *ix, const char *name, size_t n) {
  uint32_t at = fnv1a(name, n) & ix->mask;
  for (;;) {
    uint32_t *slot = &ix->slot[at];
    if (*slot == 0) return slot;
    uint32_t e = *slot - 1;
    if (ix->name_len[e] == n && memcmp(ix->entry[e], name, n) == 0) return slot;
    at = (at + 1) & ix->mask;
  }
}

/* An index of COUNT entries, their arrays allocated (entry and entry_len to be filled), or NULL. */
static env_index *index_of(uint32_t count, char *owned) {
  env_index *ix = calloc(1, sizeof *ix);
  if (ix == NULL) {
    free(owned);
    return NULL;
  }
  ix->owned = owned;
  ix->count = count;
  uint32_t slots = 16;
  while (slots < 2 * count + 2) slots *= 2;
  ix->mask = slots - 1;
  ix->entry = malloc((count + 1) * sizeof *ix->entry);
  ix->entry_len = malloc((count + 1) * sizeof *ix->entry_len);
  ix->name_len = malloc((count + 1) * sizeof *ix->name_len);
  ix->kept = malloc((count + 1) * sizeof *ix->kept);
  ix->slot = calloc(slots, sizeof *ix->slot);
  if (ix->entry == NULL || ix->entry_len == NULL || ix->name_len == NULL || ix->kept == NULL || ix->slot == NULL) {
    env_index_free(NULL, ix, NULL);
    return NULL;
  }
  return ix;
}

/* Names and hashes the entries index_of's caller filled in. */
static env_index *index_names(env_index *ix) {
  if (ix == NULL) return NULL;
  for (uint32_t e = 0; e < ix->count; e++) {
    const char *eq = memchr(ix->entry[e], '=', ix->entry_len[e]);
    ix->name_len[e] = eq != NULL ? (uint32_t)(eq - ix->entry[e]) : 0;
    ix->total += ix->entry_len[e];
    if (ix->name_len[e] == 0) continue;
    uint32_t *slot = env_slot(ix, ix->entry[e], ix->name_len[e]);
    if (*slot != 0) continue;
    *slot = e + 1;
    ix->kept[ix->kept_count++] = e;
  }
  return ix;
}

/* The index of TEXT (LEN bytes and a NUL, malloc'd: the index owns it), or NULL when out of memory (TEXT freed). */
static env_index *index_text(char *text, size_t len) {
  uint32_t count = 0;
  for (const char *p = text, *end = text + len; p < end; p++) {
    p = memchr(p, '\0', (size_t)(end - p));
    if (p == NULL) break;
    count++;
  }
  if (len > 0 && text[len - 1] != '\0') count++; /* the last entry has no NUL after it */
  env_index *ix = index_of(count, text);
  if (ix == NULL) return NULL;
  size_t at = 0;
  for (uint32_t e = 0; e < count; e++) {
    ix->entry[e] = text + at;
    ix->entry_len[e] = (uint32_t)strlen(text + at); /* up to its NUL, the last to the text's */
    at += ix->entry_len[e] + 1;
  }
  return index_names(ix);
}

static napi_value index_value(napi_env env, env_index *ix) {
  napi_value out;
  if (ix == NULL || napi_create_external(env, ix, env_index_free, NULL, &out) != napi_ok) {
    env_index_free(env, ix, NULL);
    napi_throw_error(env, NULL, "envIndex: out of memory");
    return NULL;
  }
  return out;
}

static napi_value env_index_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || len >= 0xFFFFFFF0u) {
    napi_throw_type_error(env, NULL, "envIndex(text): text must be a string");
    return NULL;
  }
  char *text = malloc(len + 1);
  if (text != NULL) napi_get_value_string_utf8(env, argv[0], text, len + 1, &len);
  return index_value(env, text == NULL ? NULL : index_text(text, len));
}

extern char **environ;

/*
 * The index of this process's environment as the C library holds it (environ: what getenv and
 * Node's process.env read): its entries where they are, no copy and no JavaScript string of the
 * whole. Nothing changes environ's strings (setenv and putenv add new ones, and the programs make
 * no such call: their process.env is start.cjs's view).
 */
static napi_value env_index_of_process(napi_env env, napi_callback_info info) {
  (void)info;
  uint32_t count = 0;
  for (char **e = environ; e != NULL && *e != NULL && count < 0xFFFFFFF0u; e++) count++;
  env_index *ix = index_of(count, NULL);
  for (uint32_t i = 0; ix != NULL && i < count; i++) {
    ix->entry[i] = environ[i];
    ix->entry_len[i] = (uint32_t)strlen(environ[i]);
  }
  return index_value(env, index_names(ix));
}

/* The seals lsfd-launch puts on its environment memfd. */
#define HANDOFF_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

static napi_value env_adopt_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "envAdoptFd(fd): a descriptor");
    return NULL;
  }
  napi_value out;
  struct stat st;
  char link[64], target[128];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t len = readlink(link, target, sizeof target - 1);
  bool ok = len > 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            fcntl(fd, F_GET_SEALS) == HANDOFF_SEALS && st.st_size > 0 && st.st_size < (1 << 28);
  if (ok) {
    target[len] = '\0';
    ok = strncmp(target, "/memfd:lsfd-launcher-environment", 32) == 0;
  }
  char *block = ok ? malloc((size_t)st.st_size + 1) : NULL;
  size_t done = 0;
  while (block != NULL && done < (size_t)st.st_size) {
    ssize_t r = pread(fd, block + done, (size_t)st.st_size - done, (off_t)done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    done += (size_t)r;
  }
  ok = block != NULL && done == (size_t)st.st_size && block[done - 1] == '\0';
  if (ok) {
    size_t count = 0;
    for (size_t i = 0; i < done; i++)
      if (block[i] == '\0') count++;
    char **adopted = malloc((count + 1) * sizeof *adopted);
    ok = adopted != NULL;
    if (ok) {
      size_t n = 0;
      for (size_t at = 0; at < done; at += strlen(block + at) + 1) adopted[n++] = block + at;
      adopted[n] = NULL;
      environ = adopted; /* the block and the array stay: the process's environment from now on */
      block = NULL;
    }
  }
  free(block);
  if (ok) close(fd);
  napi_get_boolean(env, ok, &out);
  return out;
}

static env_index *index_arg(napi_env env, napi_value v) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, v, &data) != napi_ok)
    return NULL;
  return data;
}

static napi_value env_find(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  env_index *ix = NULL;
  size_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      (ix = index_arg(env, argv[0])) == NULL || napi_get_value_string_utf8(env, argv[1], NULL, 0, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "envFind(index, name): an index and a string");
    return NULL;
  }
  char small[256];
  char *name = n < sizeof small ? small : malloc(n + 1);
  int32_t found = -1;
  if (name != NULL) {
    napi_get_value_string_utf8(env, argv[1], name, n + 1, &n);
    /* A name holds no '=' and no NUL: such a key names no variable. */
    if (n > 0 && memchr(name, '=', n) == NULL && memchr(name, '\0', n) == NULL) {
      uint32_t *slot = env_slot(ix, name, n);
      if (*slot != 0) found = (int32_t)(*slot - 1);
    }
    if (name != small) free(name);
  }
  napi_value out;
  napi_create_int32(env, found, &out);
  return out;
}

static napi_value env_kept(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  env_index *ix = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      (ix = index_arg(env, argv[0])) == NULL) {
    napi_throw_type_error(env, NULL, "envKept(index): an index");
    return NULL;
  }
  if (ix->kept_count == ix->count) return null_value(env);
  napi_value out, v;
  napi_create_array_with_length(env, ix->kept_count, &out);
  for (uint32_t i = 0; i < ix->kept_count; i++) {
    napi_create_uint32(env, ix->kept[i], &v);
    napi_set_element(env, out, i, v);
  }
  return out;
}

/* The entry E's name and value. */
static const char *entry_text(const env_index *ix, uint32_t e, size_t *entry_len) {
  *entry_len = ix->entry_len[e];
  return ix->entry[e];
}

static napi_value string_of(napi_env env, const char *s, size_t n) {
  napi_value out;
  napi_create_string_utf8(env, s, n, &out);
  return out;
}

static napi_value env_value(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  env_index *ix = NULL;
  size_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      (ix = index_arg(env, argv[0])) == NULL || napi_get_value_string_utf8(env, argv[1], NULL, 0, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "envValue(index, name): an index and a string");
    return NULL;
  }
  char small[256];
  char *name = n < sizeof small ? small : malloc(n + 1);
  napi_value out = NULL;
  if (name != NULL) {
    napi_get_value_string_utf8(env, argv[1], name, n + 1, &n);
    if (n > 0 && memchr(name, '=', n) == NULL && memchr(name, '\0', n) == NULL) {
      uint32_t *slot = env_slot(ix, name, n);
      if (*slot != 0) {
        size_t len;
        const char *entry = entry_text(ix, *slot - 1, &len);
        out = string_of(env, entry + n + 1, len - n - 1);
      }
    }
    if (name != small) free(name);
  }
  if (out == NULL) napi_get_undefined(env, &out);
  return out;
}

static napi_value env_entries(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  env_index *ix = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      (ix = index_arg(env, argv[0])) == NULL) {
    napi_throw_type_error(env, NULL, "envEntries(index): an index");
    return NULL;
  }
  napi_value out;
  napi_create_array_with_length(env, ix->kept_count, &out);
  for (uint32_t i = 0; i < ix->kept_count; i++) {
    size_t len;
    const char *entry = entry_text(ix, ix->kept[i], &len);
    napi_set_element(env, out, i, string_of(env, entry, len));
  }
  return out;
}

/* Whether the entry E (its name N bytes) passes as it is: see envPlain. */
static bool plain_entry(const env_index *ix, uint32_t e, char **excluded, size_t *excluded_len, uint32_t n_excluded,
                        size_t max_bytes) {
  size_t len;
  const char *entry = entry_text(ix, e, &len);
  size_t n = ix->name_len[e];
  if (len > max_bytes) return false;
  if (!(entry[0] == '_' || (entry[0] >= 'A' && entry[0] <= 'Z') || (entry[0] >= 'a' && entry[0] <= 'z'))) return false;
  for (size_t i = 1; i < n; i++) {
    char c = entry[i];
    if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  if (n >= 5 && memcmp(entry, "SUDO_", 5) == 0) return false;
  for (uint32_t i = 0; i < n_excluded; i++)
    if (excluded_len[i] == n && memcmp(excluded[i], entry, n) == 0) return false;
  const char *value = entry + n + 1;
  size_t value_len = len - n - 1;
  if (value_len >= 2 && value[0] == '(' && value[1] == ')') return false;
  return memchr(value, '\n', value_len) == NULL && memchr(value, '\r', value_len) == NULL;
}

static napi_value env_plain(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  env_index *ix = NULL;
  bool is_array = false;
  uint32_t n_excluded = 0;
  int64_t max_bytes = 0;
  const char *usage = "envPlain(index, excluded, maxBytes): an index, an array of names and a size";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      (ix = index_arg(env, argv[0])) == NULL || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &n_excluded) != napi_ok || n_excluded > 4096 ||
      napi_get_value_int64(env, argv[2], &max_bytes) != napi_ok || max_bytes < 0) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  char **excluded = calloc(n_excluded + 1, sizeof *excluded);
  size_t *excluded_len = calloc(n_excluded + 1, sizeof *excluded_len);
  /* Every entry and a newline after each fit any run. */
  char *run = malloc(ix->total + ix->count + 1);
  bool ok = excluded != NULL && excluded_len != NULL && run != NULL;
  for (uint32_t i = 0; ok && i < n_excluded; i++) {
    napi_value v;
    size_t n = 0;
    ok = napi_get_element(env, argv[1], i, &v) == napi_ok && napi_get_value_string_utf8(env, v, NULL, 0, &n) == napi_ok &&
         (excluded[i] = malloc(n + 1)) != NULL;
    if (ok) napi_get_value_string_utf8(env, v, excluded[i], n + 1, &excluded_len[i]);
  }
  napi_value out = NULL;
  if (ok) {
    napi_create_array(env, &out);
    uint32_t at = 0;
    size_t used = 0;
    for (uint32_t i = 0; i < ix->kept_count; i++) {
      uint32_t e = ix->kept[i];
      size_t len;
      const char *entry = entry_text(ix, e, &len);
      if (plain_entry(ix, e, excluded, excluded_len, n_excluded, (size_t)max_bytes)) {
        memcpy(run + used, entry, len);
        used += len;
        run[used++] = '\n';
        continue;
      }
      napi_set_element(env, out, at++, string_of(env, run, used));
      napi_set_element(env, out, at++, string_of(env, entry, len));
      used = 0;
    }
    napi_set_element(env, out, at, string_of(env, run, used));
  }
  for (uint32_t i = 0; excluded != NULL && i < n_excluded; i++) free(excluded[i]);
  free(excluded);
  free(excluded_len);
  free(run);
  if (out == NULL) napi_throw_error(env, NULL, "envPlain: out of memory");
  return out;
}

/* V as a JavaScript number. */
static napi_value int32_of(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTDIR: return "ENOTDIR";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOTSOCK: return "ENOTSOCK";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EAGAIN: return "EAGAIN";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ELOOP: return "ELOOP";
    default: return "ECONNECT";
  }
}

/* Throws Error(message "connect CODE PATH", code CODE) for errno E. */
static void throw_connect(napi_env env, int e, const char *path) {
  char message[PATH_MAX + 64];
  snprintf(message, sizeof message, "connect %s %s", errno_name(e), path);
  napi_value code, text, err;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &err);
  napi_throw(env, err);
}

static napi_value unix_connect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok || len == 0) {
    napi_throw_type_error(env, NULL, "unixConnect(path): path must be a non-empty string");
    return NULL;
  }
  char path[PATH_MAX];
  if (len >= sizeof addr.sun_path || len >= sizeof path) {
    napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len);
    throw_connect(env, ENAMETOOLONG, path);
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len);
  if (strlen(path) != len) {
    napi_throw_type_error(env, NULL, "unixConnect(path): path holds a NUL byte");
    return NULL;
  }
  memcpy(addr.sun_path, path, len);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_connect(env, errno, path);
    return NULL;
  }
  int r;
  do {
    r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  } while (r != 0 && errno == EINTR);
  if (r != 0) {
    int e = errno;
    close(fd);
    throw_connect(env, e, path);
    return NULL;
  }
  return int32_of(env, fd);
}

static napi_value socket_shutdown(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int64_t fd, how;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || !int_arg(env, argv[0], &fd) ||
      fd > 0x7FFFFFFF || !int_arg(env, argv[1], &how) || how > 2) {
    napi_throw_type_error(env, NULL, "socketShutdown(fd, how): a descriptor and 0, 1 or 2");
    return NULL;
  }
  int r = shutdown((int)fd, how == 0 ? SHUT_RD : how == 1 ? SHUT_WR : SHUT_RDWR);
  return int32_of(env, r == 0 ? 0 : errno);
}

/* getsockopt(SO_PEERCRED) of a unix socket FD: [pid, uid, gid], or null when it has none. */
static napi_value peer_cred(napi_env env, napi_callback_info info) {
  int64_t fd;
  if (!fd_arg(env, info, &fd, "peerCred(fd): a descriptor")) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt((int)fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred) return null_value(env);
  napi_value out;
  napi_create_array_with_length(env, 3, &out);
  napi_set_element(env, out, 0, int32_of(env, (int)cred.pid));
  napi_value uid, gid;
  napi_create_uint32(env, cred.uid, &uid);
  napi_create_uint32(env, cred.gid, &gid);
  napi_set_element(env, out, 1, uid);
  napi_set_element(env, out, 2, gid);
  return out;
}

/*
 * The held mounts of the secure mode (lib/host/held-mounts.ts) as the calls mount(8) and umount(8)
 * make with --no-canonicalize, without a process each: a path "/proc/self/fd/N" names the
 * directory a descriptor holds, resolved by the kernel in this process's mount namespace.
 * Each answers 0 or the errno.
 */
static int path_arg(napi_env env, napi_value v, char *out, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok || len == 0 || len >= size - 1 ||
      strlen(out) != len)
    return 0;
  return 1;
}

/* The N (1 or 2) path arguments of a call into PATHS (PATH_MAX each); throws USAGE when they are not. */
static int path_args(napi_env env, napi_callback_info info, size_t n, char (*paths)[PATH_MAX], const char *usage) {
  size_t argc = 2;
  napi_value argv[2];
  int ok = napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= n;
  for (size_t i = 0; ok && i < n; i++) ok = path_arg(env, argv[i], paths[i], PATH_MAX);
  if (!ok) napi_throw_type_error(env, NULL, usage);
  return ok;
}

static napi_value errno_of(napi_env env, int r) { return int32_of(env, r == 0 ? 0 : errno); }

/* bindMount(sourcePath, targetPath): mount(source, target, NULL, MS_BIND, NULL). */
static napi_value bind_mount(napi_env env, napi_callback_info info) {
  char paths[2][PATH_MAX];
  if (!path_args(env, info, 2, paths, "bindMount(source, target): two paths")) return NULL;
  return errno_of(env, mount(paths[0], paths[1], NULL, MS_BIND, NULL));
}

/*
 * remountReadOnly(path): the bind mount at PATH read-only, keeping the per-mount flags it has
 * (nosuid, nodev, noexec, the atime ones), as mount -o remount,bind,ro does.
 */
static napi_value remount_read_only(napi_env env, napi_callback_info info) {
  char paths[1][PATH_MAX];
  if (!path_args(env, info, 1, paths, "remountReadOnly(path): a path")) return NULL;
  struct statvfs sv;
  if (statvfs(paths[0], &sv) != 0) return int32_of(env, errno);
  static const struct {
    unsigned long st, ms;
  } kept[] = {{ST_NOSUID, MS_NOSUID},     {ST_NODEV, MS_NODEV},         {ST_NOEXEC, MS_NOEXEC},
              {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
    if (sv.f_flag & kept[i].st) flags |= kept[i].ms;
  return errno_of(env, mount(NULL, paths[0], NULL, flags, NULL));
}

/* detachMount(path): umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW), the lazy unmount of umount -l. */
static napi_value detach_mount(napi_env env, napi_callback_info info) {
  char paths[1][PATH_MAX];
  if (!path_args(env, info, 1, paths, "detachMount(path): a path")) return NULL;
  return errno_of(env, umount2(paths[0], MNT_DETACH | UMOUNT_NOFOLLOW));
}

/* The name of errno E (the same table as the socket calls' errors). */
static napi_value errno_name_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t e;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], &e)) {
    napi_throw_type_error(env, NULL, "errnoName(e): a number");
    return NULL;
  }
  return string_or_null(env, strerror((int)e));
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, exports, name, f);
}

NAPI_MODULE_INIT() {
  export_fn(env, exports, "flock", try_flock);
  export_fn(env, exports, "passwd", passwd_of);
  export_fn(env, exports, "groupList", group_list);
  export_fn(env, exports, "groupName", group_name);
  export_fn(env, exports, "groupNamesStart", group_names_start);
  export_fn(env, exports, "groupNamesJoin", group_names_join);
  export_fn(env, exports, "pathFacts", path_facts);
  export_fn(env, exports, "jsonString", json_string);
  export_fn(env, exports, "envIndex", env_index_of);
  export_fn(env, exports, "envIndexOfProcess", env_index_of_process);
  export_fn(env, exports, "envAdoptFd", env_adopt_fd);
  export_fn(env, exports, "envFind", env_find);
  export_fn(env, exports, "envKept", env_kept);
  export_fn(env, exports, "envValue", env_value);
  export_fn(env, exports, "envEntries", env_entries);
  export_fn(env, exports, "envPlain", env_plain);
  export_fn(env, exports, "unixConnect", unix_connect);
  export_fn(env, exports, "socketShutdown", socket_shutdown);
  export_fn(env, exports, "peerCred", peer_cred);
  export_fn(env, exports, "bindMount", bind_mount);
  export_fn(env, exports, "remountReadOnly", remount_read_only);
  export_fn(env, exports, "detachMount", detach_mount);
  export_fn(env, exports, "strerror", errno_name_of);
  return exports;
}
