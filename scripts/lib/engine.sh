# shellcheck shell=bash
# Step "engine": a running Docker daemon (Debian's docker.io), started by hand (no systemd).
# Never starts a daemon with --bridge=none: that deletes docker0 for the main daemon too.

step_engine() {
  if docker_answers; then
    say engine "already running (server $(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd not found (install docker.io: scripts/provision.sh packages)"
  local t0 pid deadline
  t0=$(now)
  # A stale pid file from a daemon that died would make dockerd refuse to start.
  if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  setsid nohup dockerd >>"$LSFD_DOCKERD_LOG" 2>&1 </dev/null &
  pid=$!
  deadline=$((SECONDS + 30))
  until docker_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail_log "$LSFD_DOCKERD_LOG" >&2
      die "dockerd exited before answering (log $LSFD_DOCKERD_LOG, tail above)"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "$LSFD_DOCKERD_LOG" >&2
      die "dockerd (pid $pid) did not answer 'docker info' within 30 s (log $LSFD_DOCKERD_LOG)"
    fi
    sleep 0.2
  done
  say engine "started dockerd (pid $pid, server $(docker info --format '{{.ServerVersion}}'), log $LSFD_DOCKERD_LOG) in $(since "$t0")"
}
