# shellcheck shell=bash
# The sudo rule of the secure deployment: every user may run, as root and without a password,
# exactly the installed programs that need the docker daemon, and nothing else:
#   PREFIX/bin/docker_run, PREFIX/bin/docker_build, PREFIX/bin/docker_exec   (any arguments)
#   PREFIX/bin/lsf-docker [--config /etc/lsf-docker/FILE] sweep [--dry-run|-n]   (nothing else)
# Sourced by scripts/install.sh (--sudo-rule) and by the integration tests (a rule for their
# prefix). Needs root. Prints nothing on success; on failure one line on stderr, return 1.
#
#   write_sudo_rule PREFIX [FILE]     FILE defaults to /etc/sudoers.d/lsf-docker
#   sudo_rule_text PREFIX ALIAS       the rule itself, on stdout (pure)
#
# Why each setting (sudoers(5) of sudo 1.9.13, Debian 12):
#   env_reset        the programs start with a fresh environment: only env_keep passes. sudo then
#                    drops everything else the job exported, LD_*, NODE_OPTIONS, PATH, BASH_FUNC_*
#                    and every variable whose value starts with "()" included. env_keep matches
#                    names only ("*" matches any characters, nothing else is a wildcard), so
#                    LSF_DOCKER_* can never let a NODE_* or LD_* through.
#   env_keep         replaced (=, not +=): the LSF facts the programs read. LSB_* and LS_* (LSF's
#                    own: LSB_JOBID, LSB_JOBFILENAME, LSB_EFFECTIVE_RSRCREQ, LS_SUBCWD, ...),
#                    LSF_DOCKER_* (the user's requests, parsed by strict grammars), LSB_DOCKER_*
#                    (esub hand-over, also covered by LSB_*), TMPDIR (the job tmpdir, compared only),
#                    CUDA_VISIBLE_DEVICES (the GPUs LSF allocated), TERM (interactive jobs). None of
#                    them is read by node, the dynamic loader or the docker CLI (which gets an
#                    environment of its own). The job's other variables do not reach the container.
#   secure_path      PATH is root's fixed one, so `#!/usr/bin/env node` finds root's node.
#   !requiretty      batch jobs have no terminal.
#   !use_pty         the job stays in LSF's process group and on its terminal (bsub -Is): LSF's
#                    signals reach docker_run directly (sudo does not relay what the group got).
#   the sweep regex  arguments are matched as one string joined by spaces; a regex (^...$, sudo
#                    1.9.10+) allows exactly `sweep`, `sweep --dry-run` and `sweep -n`, with an
#                    optional --config naming a file in /etc/lsf-docker/ (which is also the only
#                    place lsf-docker reads a --config from under sudo).

LSFD_SUDO_SECURE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LSFD_SUDO_ENV_KEEP='LSB_* LS_* LSF_DOCKER_* LSB_DOCKER_* TMPDIR CUDA_VISIBLE_DEVICES TERM'
# The programs that reach the daemon and take any arguments (the job starters and docker_exec).
LSFD_SUDO_PROGRAMS=(docker_run docker_build docker_exec)
LSFD_SUDO_SWEEP_ARGS='^(--config[ =]/etc/lsf-docker/[A-Za-z0-9._/-]+ )?sweep( --dry-run| -n)?$'

_sudo_fail() {
  printf 'sudo rule: error: %s\n' "$*" >&2
  return 1
}

# sudo_alias_for FILE: the Cmnd_Alias name for a rule file (basename, upper case, - and . as _).
sudo_alias_for() {
  local name
  name=$(basename -- "$1")
  name=${name^^}
  printf '%s_CMNDS' "${name//[^A-Z0-9]/_}"
}

# sudo_rule_text PREFIX ALIAS: the rule for the programs installed in PREFIX.
sudo_rule_text() {
  local prefix=$1 alias=$2 p cmnds=()
  for p in "${LSFD_SUDO_PROGRAMS[@]}"; do cmnds+=("$prefix/bin/$p"); done
  cmnds+=("$prefix/bin/lsf-docker $LSFD_SUDO_SWEEP_ARGS")
  printf '# lsf-docker: every user may run the programs that need the docker daemon, as root,\n'
  printf '# and nothing else (see scripts/lib/sudo.sh). Written by scripts/install.sh --sudo-rule:\n'
  printf '# rerun it to change this file rather than editing it.\n'
  local joined
  joined=$(printf '%s, ' "${cmnds[@]}")
  printf 'Cmnd_Alias %s = %s\n' "$alias" "${joined%, }"
  printf 'Defaults!%s env_reset, !requiretty, !use_pty, secure_path="%s", env_keep = "%s"\n' \
    "$alias" "$LSFD_SUDO_SECURE_PATH" "$LSFD_SUDO_ENV_KEEP"
  printf 'ALL ALL = (root) NOPASSWD: %s\n' "$alias"
}

# ensure_sudo: sudo and visudo present, installing the Debian package when missing.
ensure_sudo() {
  command -v visudo >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || _sudo_fail 'sudo is not installed and there is no apt-get: install sudo first' || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends sudo \
    >/var/log/lsf-docker-apt.log 2>&1 ||
    _sudo_fail 'apt-get install sudo failed (log /var/log/lsf-docker-apt.log)' || return 1
  command -v visudo >/dev/null 2>&1 || _sudo_fail 'visudo missing after installing sudo'
}

# write_sudo_rule PREFIX [FILE]: writes FILE (0440 root:root) for the programs in PREFIX, checked
# with `visudo -cf` before it is moved into place and with `visudo -c` (the whole policy) after;
# a policy that no longer parses puts the previous file back.
write_sudo_rule() {
  local prefix=${1:-} file=${2:-/etc/sudoers.d/lsf-docker} p dir tmp backup=
  [[ $(id -u) -eq 0 ]] || _sudo_fail 'writing a sudo rule needs root' || return 1
  [[ $prefix =~ ^/[A-Za-z0-9._/-]+$ && $prefix != *..* ]] ||
    _sudo_fail "PREFIX '$prefix' must be an absolute path of letters, digits and ._/- only" || return 1
  # sudoers' #includedir skips names holding a dot or ending in ~: the rule would be ignored.
  [[ $(basename -- "$file") =~ ^[A-Za-z0-9_-]+$ ]] ||
    _sudo_fail "rule file name $(basename -- "$file") must be letters, digits, _ and - (sudo ignores others)" || return 1
  for p in "${LSFD_SUDO_PROGRAMS[@]}" lsf-docker; do
    [[ -f $prefix/bin/$p && -x $prefix/bin/$p ]] || _sudo_fail "$prefix/bin/$p is not an installed program" || return 1
  done
  # Everything sudo runs must be writable by root only: the install and every directory above it.
  local dirs=("$prefix/dist/bundle" "$prefix/dist" "$prefix/bin") up=$prefix
  while [[ -n $up ]]; do
    dirs+=("$up")
    up=${up%/*}
  done
  dirs+=(/)
  for p in "${dirs[@]}"; do
    [[ -d $p && ! -L $p && $(stat -c %u "$p") -eq 0 && $((8#$(stat -c %a "$p") & 8#022)) -eq 0 ]] ||
      _sudo_fail "$p must be a directory owned by root and writable by root only (sudo runs what is in it as root)" || return 1
  done
  ensure_sudo || return 1
  dir=$(dirname -- "$file")
  install -d -m 0750 -o root -g root "$dir" 2>/dev/null || [[ -d $dir ]] || _sudo_fail "cannot create $dir" || return 1
  # A name with a dot: never read by #includedir while it is being checked.
  tmp=$(mktemp "$dir/.lsf-docker-rule.XXXXXX") || _sudo_fail "cannot write into $dir" || return 1
  if ! sudo_rule_text "$prefix" "$(sudo_alias_for "$file")" >"$tmp"; then
    rm -f -- "$tmp"
    _sudo_fail "cannot write $tmp"
    return 1
  fi
  chown root:root "$tmp" && chmod 0440 "$tmp"
  local check
  if ! check=$(visudo -cf "$tmp" 2>&1); then
    rm -f -- "$tmp"
    _sudo_fail "the rule does not parse: ${check//$'\n'/; }"
    return 1
  fi
  if [[ -e $file ]]; then
    backup=$(mktemp "$dir/.lsf-docker-old.XXXXXX") && cp -p -- "$file" "$backup"
  fi
  mv -f -- "$tmp" "$file"
  if ! check=$(visudo -c 2>&1); then
    if [[ -n $backup ]]; then mv -f -- "$backup" "$file"; else rm -f -- "$file"; fi
    _sudo_fail "sudo's whole policy does not parse with $file (put back as it was): ${check//$'\n'/; }"
    return 1
  fi
  [[ -z $backup ]] || rm -f -- "$backup"
}
