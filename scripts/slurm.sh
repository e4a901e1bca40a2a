#!/usr/bin/env bash
# The test Slurm cluster of scripts/provision.sh (step slurm), for tests and teardown:
#
#   scripts/slurm.sh start           the step: install if missing, start what is not running, wait
#                                    until n1..n3 are up (a running cluster: nothing, well under 1 s)
#   scripts/slurm.sh stop [--munge]  TERM slurmd n1..n3 and slurmctld by their pid files, wait for
#                                    each to exit (KILL after 15 s); --munge: also munged, when the
#                                    step started it. Jobs and job ids survive (state/ is kept).
#   scripts/slurm.sh status          one line per daemon and the nodes; exit 0 when all run, 3 if not
#   scripts/slurm.sh env             the line to eval for clients: export SLURM_CONF=...
#
# As root (start, stop); status and env work for anyone.
set -euo pipefail

LSFD_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for lib in common packages slurm; do
  # shellcheck source=/dev/null
  source "$LSFD_REPO/scripts/lib/$lib.sh"
done

usage() {
  printf 'usage: scripts/slurm.sh start | stop [--munge] | status | env\n' >&2
  exit 2
}

status() {
  local name pid all=0
  for name in munged slurmctld "${LSFD_SLURM_NODES[@]}"; do
    if pid=$(slurm_daemon_pid "$name"); then
      printf '%-10s running (pid %s)\n' "$name" "$pid"
    else
      printf '%-10s stopped\n' "$name"
      all=3
    fi
  done
  if ((all == 0)); then
    printf 'nodes      %s\n' "$(SLURM_CONF=$LSFD_SLURM_CONF sinfo -h -N -o '%N=%T' 2>&1 | tr '\n' ' ')"
    slurm_nodes_ready || all=3
  fi
  return "$all"
}

main() {
  local t0
  case ${1:-} in
    start)
      (($# == 1)) || usage
      require_root
      step_slurm
      ;;
    stop)
      (($# == 1)) || [[ $# == 2 && $2 == --munge ]] || usage
      require_root
      t0=$(now)
      slurm_stop_all "${2:-}"
      say slurm "stopped in $(since "$t0")"
      ;;
    status)
      (($# == 1)) || usage
      status
      ;;
    env)
      (($# == 1)) || usage
      printf 'export SLURM_CONF=%s\n' "$LSFD_SLURM_CONF"
      ;;
    *) usage ;;
  esac
}

main "$@"
