#!/usr/bin/env bash
# Provision a Debian 12 machine (as root, no systemd needed) for lsf-docker's integration tests:
#
#   packages  docker.io busybox-static debootstrap docker-registry apache2-utils (only if missing)
#   engine    dockerd running (started detached when `docker info` does not answer)
#   images    lsf-docker-test/busybox:latest, lsf-docker-test/debian:bookworm, lsf-docker-test/nosh:latest
#   registry  docker-registry on 127.0.0.1:5000 with htpasswd auth, lsfd/busybox:latest pushed
#   users     lsfd-test (4201), lsfd-test2 (4202), group lsfd-lab (4300), outside group docker;
#             lsfd-dock (4203) in group docker (docker-group mode)
#   state     the shared state dirs (root-owned, 1777)
#   podman    podman runc catatonit slirp4netns uidmap, containers.conf (runc, no default ulimits),
#             /dev/net/tun 0666, subuid/subgid, /run/user/UID and storage.conf (overlay) for the test
#             users, the test images in root's, each test user's and a shared read-only store
#   slurm     munge + slurm-wlm 22.05, munged, slurmctld and three slurmd (n1..n3 on this host) under
#             /var/lib/lsf-docker-slurm; clients use SLURM_CONF=/var/lib/lsf-docker-slurm/etc/slurm.conf
#             (scripts/slurm.sh start|stop|status)
#
# Usage: scripts/provision.sh [STEP...]     (no STEP: all of them, in the order above)
# Idempotent: every step checks first and only does what is missing; a rerun changes nothing.
# One summary line per step on stdout; on failure a clear message on stderr and exit 1.
set -euo pipefail

LSFD_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for lib in common packages engine images registry users state podman slurm; do
  # shellcheck source=/dev/null
  source "$LSFD_REPO/scripts/lib/$lib.sh"
done

ALL_STEPS=(packages engine images registry users state podman slurm)

cleanup() {
  local dir
  for dir in "${LSFD_TMPDIRS[@]}"; do
    remove_tmpdir "$dir"
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

main() {
  local steps=("$@") step t0
  ((${#steps[@]} > 0)) || steps=("${ALL_STEPS[@]}")
  for step in "${steps[@]}"; do
    [[ " ${ALL_STEPS[*]} " == *" $step "* ]] || die "unknown step '$step' (steps: ${ALL_STEPS[*]})"
  done
  require_root
  t0=$(now)
  for step in "${steps[@]}"; do
    "step_$step"
  done
  say provision "done in $(since "$t0")"
}

main "$@"
