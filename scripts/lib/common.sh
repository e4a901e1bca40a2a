# shellcheck shell=bash
# Shared helpers for scripts/provision.sh and its steps (scripts/lib/*.sh).
# Sourced, never executed. Everything here is idempotent and prints nothing unless asked.

# Where provisioning keeps its state (registry storage, config, htpasswd). Must stay root-owned 0755.
LSFD_STATE_DIR=${LSFD_STATE_DIR:-/var/lib/lsf-docker-test}
LSFD_DOCKERD_LOG=${LSFD_DOCKERD_LOG:-/var/log/lsf-docker-dockerd.log}
LSFD_REGISTRY_LOG=${LSFD_REGISTRY_LOG:-/var/log/lsf-docker-registry.log}
LSFD_REGISTRY_ADDR=${LSFD_REGISTRY_ADDR:-127.0.0.1:5000}

# The test images (keep in sync with test/itg/helpers/docker.ts).
LSFD_IMAGE_BUSYBOX=lsf-docker-test/busybox:latest
LSFD_IMAGE_DEBIAN=lsf-docker-test/debian:bookworm
LSFD_IMAGE_NOSH=lsf-docker-test/nosh:latest
LSFD_REGISTRY_BUSYBOX_REPO=lsfd/busybox
LSFD_REGISTRY_BUSYBOX_TAG=latest

# The registry test credentials (a test fixture, not a secret): "user:password" on one line.
LSFD_REGISTRY_CREDENTIALS_FILE=${LSFD_REGISTRY_CREDENTIALS_FILE:-$LSFD_REPO/test/fixtures/registry/credentials}

# say STEP MESSAGE...: one summary line on stdout.
say() {
  local step=$1
  shift
  printf '%s: %s\n' "$step" "$*"
}

# die MESSAGE...: a clear error on stderr, then exit 1.
die() {
  printf 'provision: error: %s\n' "$*" >&2
  exit 1
}

# now: a timestamp in seconds with microseconds (bash 5 EPOCHREALTIME).
now() {
  printf '%s' "${EPOCHREALTIME/,/.}"
}

# since START: seconds elapsed since START, formatted like "0.3s".
since() {
  awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'
}

# tail_log FILE [LINES]: the last lines of a log, indented, for error messages.
tail_log() {
  if [[ -r $1 ]]; then
    tail -n "${2:-20}" "$1" | sed 's/^/    /'
  else
    printf '    (no log at %s)\n' "$1"
  fi
}

# make_tmpdir: a fresh private build dir under /var/tmp (not tmpfs); prints its path.
make_tmpdir() {
  mktemp -d /var/tmp/lsf-docker-provision.XXXXXXXX
}

# remove_tmpdir DIR: unmount anything left mounted below DIR (debootstrap mounts proc and sys),
# then remove it without ever crossing into another file system.
remove_tmpdir() {
  local dir=$1 mnt
  [[ -n $dir && $dir == /var/tmp/lsf-docker-provision.* && -d $dir ]] || return 0
  # Deepest mounts first.
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system -- "$dir"
}

# Every manifest media type, so that a manifest GET finds the tag whatever format the client pushed.
LSFD_MANIFEST_ACCEPT='application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'

# http_status URL [USER:PASSWORD]: the HTTP status code of a GET, or 000 when nothing answers.
# Uses curl when present, else node (always present here: the project needs Node 20).
http_status() {
  local url=$1 cred=${2:-}
  if command -v curl >/dev/null 2>&1; then
    local args=(-s -o /dev/null -w '%{http_code}' --max-time 5)
    [[ -n $cred ]] && args+=(-u "$cred")
    curl "${args[@]}" -H "Accept: $LSFD_MANIFEST_ACCEPT" "$url" 2>/dev/null || true
  else
    LSFD_URL=$url LSFD_CRED=$cred LSFD_ACCEPT=$LSFD_MANIFEST_ACCEPT node -e '
      const headers = { Accept: process.env.LSFD_ACCEPT };
      if (process.env.LSFD_CRED) headers.Authorization = "Basic " + Buffer.from(process.env.LSFD_CRED).toString("base64");
      fetch(process.env.LSFD_URL, { headers, signal: AbortSignal.timeout(5000) })
        .then((r) => process.stdout.write(String(r.status)), () => process.stdout.write("000"));
    ' 2>/dev/null || printf '000'
  fi
}

# read_registry_credentials: sets REGISTRY_USER and REGISTRY_PASSWORD from the fixture file
# (first line that is neither empty nor a comment, "user:password").
read_registry_credentials() {
  [[ -r $LSFD_REGISTRY_CREDENTIALS_FILE ]] || die "registry credentials fixture missing: $LSFD_REGISTRY_CREDENTIALS_FILE"
  local line
  line=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$LSFD_REGISTRY_CREDENTIALS_FILE" | head -n 1)
  REGISTRY_USER=${line%%:*}
  REGISTRY_PASSWORD=${line#*:}
  [[ -n $REGISTRY_USER && -n $REGISTRY_PASSWORD && $line == *:* ]] ||
    die "bad registry credentials fixture (want one line user:password): $LSFD_REGISTRY_CREDENTIALS_FILE"
}

# docker_answers: true when the docker daemon answers (the 28.x client exits 1 without a server).
docker_answers() {
  docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

# require_root: provisioning installs packages, starts daemons and creates users.
require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages, starts dockerd and the registry, creates users)"
}
