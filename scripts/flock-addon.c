/*
 * lsfd-flock.node: flock(2) for Node, so that the local LSF takes its locks (lib/local/lock.ts)
 * without a process: util-linux flock(1) on a shared descriptor cost a fork and an exec per lock
 * (about 5 ms from a Node process, three per job in the dispatcher). Built at install time by
 * scripts/lib/launchers.sh with the host's C compiler and Node's own headers (Node-API, no
 * library to link); without them the locks go on through flock(1).
 *
 *   require('.../lsfd-flock.node').flock(fd) -> 0 when the exclusive lock is now held through fd,
 *   else the errno (EWOULDBLOCK: someone else holds it). Never waits.
 */
#include <errno.h>
#include <node_api.h>
#include <sys/file.h>

static napi_value try_flock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "flock(fd): fd must be a descriptor");
    return NULL;
  }
  int r;
  do {
    r = flock(fd, LOCK_EX | LOCK_NB);
  } while (r != 0 && errno == EINTR);
  napi_value out;
  napi_create_int32(env, r == 0 ? 0 : errno, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "flock", NAPI_AUTO_LENGTH, try_flock, NULL, &fn);
  napi_set_named_property(env, exports, "flock", fn);
  return exports;
}
