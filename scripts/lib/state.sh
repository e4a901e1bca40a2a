# shellcheck shell=bash
# Step "state": the shared directories the programs expect to be root-owned.
#   /tmp/lsf-docker.host{,/ids,/locks}  the local LSF's shared host state (1777, root): a dir owned by a
#                                        user would let that user delete everyone's job ids and locks,
#                                        so the programs trust it only when root (or the user) owns it.
#   /var/lib/lsf-docker-test/tmp-root   the integration tests' tmp root (1777, root), with the same
#                                        host state dir inside.
# A directory that exists but is not root-owned (or is a link) is replaced.

# ensure_shared_dir PATH: a root-owned, world-writable, sticky directory.
ensure_shared_dir() {
  local dir=$1
  if [[ -L $dir || (-e $dir && ! -d $dir) ]] || { [[ -d $dir ]] && [[ $(stat -c %u "$dir") != 0 ]]; }; then
    rm -rf -- "$dir"
    CHANGED+=("$dir (replaced)")
  fi
  if [[ ! -d $dir ]]; then
    install -d -m 1777 -o root -g root -- "$dir"
    CHANGED+=("$dir")
  elif [[ $(stat -c %a "$dir") != 1777 ]]; then
    chmod 1777 -- "$dir"
    CHANGED+=("$dir (mode)")
  fi
}

step_state() {
  local t0 root
  t0=$(now)
  CHANGED=()
  for root in /tmp /var/lib/lsf-docker-test/tmp-root; do
    install -d -m 0755 -o root -g root -- "$(dirname "$root")"
    ensure_shared_dir "$root"
    ensure_shared_dir "$root/lsf-docker.host"
    ensure_shared_dir "$root/lsf-docker.host/ids"
    ensure_shared_dir "$root/lsf-docker.host/locks"
  done
  if ((${#CHANGED[@]} == 0)); then
    say state "already present (shared state dirs root-owned)"
  else
    say state "made ${CHANGED[*]} in $(since "$t0")"
  fi
}
