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
 */
#include <errno.h>
#include <grp.h>
#include <node_api.h>
#include <pwd.h>
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
  return exports;
}
