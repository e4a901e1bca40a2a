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
 *   envIndex(text)        -> an index of TEXT, NAME=value entries separated by NUL bytes (the
 *                            environment as /proc/self/environ holds it; a final empty entry is
 *                            none): each name hashed once, the first of duplicate names wins, as
 *                            with getenv(); an entry without a name ("=x", or no '=') is none.
 *                            scripts/start.cjs answers process.env's reads through it: building
 *                            a JavaScript Map of 10,000 names costs a start-up about 10 ms here.
 *   envFind(index, name)  -> the position of NAME's entry among TEXT's entries, or -1.
 *   envKept(index)        -> null when every entry is named and no name repeats, else the
 *                            positions of the entries that count (the first of each name), in order.
 */
#include <errno.h>
#include <grp.h>
#include <node_api.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

static napi_value try_flock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || !int_arg(env, argv[0], &fd) ||
      fd > 0x7FFFFFFF) {
    napi_throw_type_error(env, NULL, "flock(fd): fd must be a descriptor");
    return NULL;
  }
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


/* ---- the environment index ---------------------------------------------------------------- */

typedef struct {
  char *text;          /* TEXT as UTF-8, as JavaScript gave it */
  uint32_t count;      /* its entries */
  uint32_t *start;     /* entry i starts at text + start[i] */
  uint32_t *name_len;  /* and its name is that long (0: no name) */
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
  free(ix->text);
  free(ix->start);
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
    if (ix->name_len[e] == n && memcmp(ix->text + ix->start[e], name, n) == 0) return slot;
    at = (at + 1) & ix->mask;
  }
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
  env_index *ix = calloc(1, sizeof *ix);
  if (ix == NULL || (ix->text = malloc(len + 1)) == NULL) {
    env_index_free(env, ix, NULL);
    napi_throw_error(env, NULL, "envIndex: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], ix->text, len + 1, &len);
  uint32_t count = 0;
  for (size_t i = 0; i < len; i++)
    if (ix->text[i] == '\0') count++;
  if (len > 0 && ix->text[len - 1] != '\0') count++; /* the last entry has no NUL after it */
  uint32_t slots = 16;
  while (slots < 2 * count + 2) slots *= 2;
  ix->start = malloc((count + 1) * sizeof *ix->start);
  ix->name_len = malloc((count + 1) * sizeof *ix->name_len);
  ix->kept = malloc((count + 1) * sizeof *ix->kept);
  ix->slot = calloc(slots, sizeof *ix->slot);
  if (ix->start == NULL || ix->name_len == NULL || ix->kept == NULL || ix->slot == NULL) {
    env_index_free(env, ix, NULL);
    napi_throw_error(env, NULL, "envIndex: out of memory");
    return NULL;
  }
  ix->mask = slots - 1;
  ix->count = count;
  size_t at = 0;
  for (uint32_t e = 0; e < count; e++) {
    const char *entry = ix->text + at;
    size_t rest = len - at;
    const char *nul = memchr(entry, '\0', rest);
    size_t n = nul != NULL ? (size_t)(nul - entry) : rest;
    const char *eq = memchr(entry, '=', n);
    ix->start[e] = (uint32_t)at;
    ix->name_len[e] = eq != NULL ? (uint32_t)(eq - entry) : 0;
    at += n + 1;
    if (ix->name_len[e] == 0) continue;
    uint32_t *slot = env_slot(ix, entry, ix->name_len[e]);
    if (*slot != 0) continue;
    *slot = e + 1;
    ix->kept[ix->kept_count++] = e;
  }
  napi_value out;
  if (napi_create_external(env, ix, env_index_free, NULL, &out) != napi_ok) {
    env_index_free(env, ix, NULL);
    napi_throw_error(env, NULL, "envIndex: out of memory");
    return NULL;
  }
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
  export_fn(env, exports, "envIndex", env_index_of);
  export_fn(env, exports, "envFind", env_find);
  export_fn(env, exports, "envKept", env_kept);
  return exports;
}
