# shellcheck shell=bash
# Step "registry": Debian's docker-registry (distribution 2.8) on 127.0.0.1:5000 with htpasswd
# auth (bcrypt), storage under $LSFD_STATE_DIR/registry, delete enabled, storage health check off;
# then 127.0.0.1:5000/lsfd/busybox:latest pushed once. Root's ~/.docker is never touched: the
# login goes to a throw-away DOCKER_CONFIG.

LSFD_REGISTRY_DIR=$LSFD_STATE_DIR/registry

registry_config() {
  cat <<YAML
# Written by lsf-docker scripts/provision.sh (test registry). Rewritten when it differs.
version: 0.1
log:
  level: info
  fields:
    service: lsf-docker-test-registry
storage:
  filesystem:
    rootdirectory: $LSFD_REGISTRY_DIR/storage
  delete:
    enabled: true
http:
  addr: $LSFD_REGISTRY_ADDR
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: lsf-docker-test
    path: $LSFD_REGISTRY_DIR/htpasswd
health:
  storagedriver:
    enabled: false
YAML
}

# registry_answers: /v2/ answers at all (401 without credentials counts).
registry_answers() {
  local code
  code=$(http_status "http://$LSFD_REGISTRY_ADDR/v2/")
  [[ $code == 200 || $code == 401 ]]
}

# our_registry_pid: the pid of the registry this script started, if it still runs.
our_registry_pid() {
  local pid
  [[ -r $LSFD_REGISTRY_DIR/registry.pid ]] || return 1
  pid=$(cat "$LSFD_REGISTRY_DIR/registry.pid")
  [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == docker-registry ]] || return 1
  printf '%s' "$pid"
}

start_registry() {
  local pid deadline
  command -v docker-registry >/dev/null 2>&1 || die "docker-registry missing (scripts/provision.sh packages)"
  setsid nohup docker-registry serve "$LSFD_REGISTRY_DIR/config.yml" >>"$LSFD_REGISTRY_LOG" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$LSFD_REGISTRY_DIR/registry.pid"
  deadline=$((SECONDS + 15))
  until registry_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail_log "$LSFD_REGISTRY_LOG" >&2
      die "docker-registry exited before answering on $LSFD_REGISTRY_ADDR (log $LSFD_REGISTRY_LOG)"
    fi
    ((SECONDS < deadline)) || {
      tail_log "$LSFD_REGISTRY_LOG" >&2
      die "docker-registry (pid $pid) did not answer on http://$LSFD_REGISTRY_ADDR/v2/ within 15 s"
    }
    sleep 0.1
  done
  REGISTRY_PID=$pid
}

stop_our_registry() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# ensure_registry_files: htpasswd and config.yml, rewritten only when they differ from what is
# wanted. Sets REGISTRY_FILES_CHANGED=1 when something was written.
ensure_registry_files() {
  REGISTRY_FILES_CHANGED=
  install -d -m 0755 -o root -g root "$LSFD_STATE_DIR" "$LSFD_REGISTRY_DIR"
  install -d -m 0700 -o root -g root "$LSFD_REGISTRY_DIR/storage"
  # bcrypt output is salted, so compare by verifying the password, not the bytes.
  if ! htpasswd -vb "$LSFD_REGISTRY_DIR/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1; then
    command -v htpasswd >/dev/null 2>&1 || die "htpasswd missing (install apache2-utils)"
    (
      umask 077
      htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$LSFD_REGISTRY_DIR/htpasswd.new"
    ) || die "htpasswd -Bbn failed"
    mv -f "$LSFD_REGISTRY_DIR/htpasswd.new" "$LSFD_REGISTRY_DIR/htpasswd"
    REGISTRY_FILES_CHANGED=1
  fi
  if ! registry_config | cmp -s - "$LSFD_REGISTRY_DIR/config.yml"; then
    registry_config >"$LSFD_REGISTRY_DIR/config.yml.new"
    chmod 0644 "$LSFD_REGISTRY_DIR/config.yml.new"
    mv -f "$LSFD_REGISTRY_DIR/config.yml.new" "$LSFD_REGISTRY_DIR/config.yml"
    REGISTRY_FILES_CHANGED=1
  fi
}

ensure_registry_running() {
  local t0 pid anon auth
  t0=$(now)
  if registry_answers; then
    if [[ -n $REGISTRY_FILES_CHANGED ]] && pid=$(our_registry_pid); then
      stop_our_registry "$pid"
      start_registry
      say registry "restarted (config changed, pid $REGISTRY_PID, $LSFD_REGISTRY_ADDR) in $(since "$t0")"
    else
      say registry "already running on $LSFD_REGISTRY_ADDR"
    fi
  else
    start_registry
    say registry "started docker-registry (pid $REGISTRY_PID, $LSFD_REGISTRY_ADDR, log $LSFD_REGISTRY_LOG) in $(since "$t0")"
  fi
  # Whatever answers must be a registry with exactly our credentials.
  anon=$(http_status "http://$LSFD_REGISTRY_ADDR/v2/")
  auth=$(http_status "http://$LSFD_REGISTRY_ADDR/v2/" "$REGISTRY_USER:$REGISTRY_PASSWORD")
  if [[ $anon != 401 || $auth != 200 ]]; then
    die "http://$LSFD_REGISTRY_ADDR/v2/ answers $anon without and $auth with the test credentials" \
      "(want 401 and 200): something else listens on $LSFD_REGISTRY_ADDR; stop it and rerun"
  fi
}

ensure_registry_busybox() {
  local ref=$LSFD_REGISTRY_ADDR/$LSFD_REGISTRY_BUSYBOX_REPO:$LSFD_REGISTRY_BUSYBOX_TAG code t0 cfg rc=0
  code=$(http_status "http://$LSFD_REGISTRY_ADDR/v2/$LSFD_REGISTRY_BUSYBOX_REPO/manifests/$LSFD_REGISTRY_BUSYBOX_TAG" \
    "$REGISTRY_USER:$REGISTRY_PASSWORD")
  if [[ $code == 200 ]]; then
    say "registry image $ref" "already pushed"
    return 0
  fi
  image_exists "$LSFD_IMAGE_BUSYBOX" || die "image $LSFD_IMAGE_BUSYBOX missing (run: scripts/provision.sh images)"
  t0=$(now)
  cfg=$(make_tmpdir)
  LSFD_TMPDIRS+=("$cfg")
  {
    printf '%s' "$REGISTRY_PASSWORD" |
      DOCKER_CONFIG=$cfg docker login --username "$REGISTRY_USER" --password-stdin "$LSFD_REGISTRY_ADDR" &&
      docker tag "$LSFD_IMAGE_BUSYBOX" "$ref" &&
      DOCKER_CONFIG=$cfg docker push "$ref"
  } >"$cfg/push.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail_log "$cfg/push.log" >&2
    remove_tmpdir "$cfg"
    die "pushing $ref failed (exit $rc)"
  fi
  # Drop the local registry tag (the image stays as $LSFD_IMAGE_BUSYBOX), so that a later pull of
  # $ref really pulls from the registry.
  docker rmi "$ref" >/dev/null 2>&1 || true
  remove_tmpdir "$cfg"
  say "registry image $ref" "pushed in $(since "$t0")"
}

step_registry() {
  docker_answers || die "docker daemon not answering (run: scripts/provision.sh engine)"
  read_registry_credentials
  ensure_registry_files
  ensure_registry_running
  ensure_registry_busybox
}
