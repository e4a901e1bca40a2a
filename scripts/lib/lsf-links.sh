# shellcheck shell=bash
# The LSF command names as links to lsf-docker, for a host without LSF: bsub, bjobs, ... run the
# local LSF (lsf-docker dispatches on the name it was called by). Never over a real LSF: the links
# are refused when `lsid` is on PATH, LSF_ENVDIR is set, or a command of that name exists that is
# not a link to an lsf-docker launcher (ours, or another installation's). Sourced by scripts/install.sh. Prints nothing on success; on failure one
# line on stderr, return 1 (nothing is linked then).
#
#   install_lsf_links PREFIX BINDIR     links BINDIR/NAME -> PREFIX/bin/lsf-docker for each name
#   remove_lsf_links PREFIX BINDIR      removes those links (only ours)

LSFD_LSF_COMMANDS=(bsub bjobs bkill bpeek bhist bstop bresume bqueues bhosts lsload bmod brequeue bwait badmin)

_links_fail() {
  printf 'lsf links: error: %s\n' "$*" >&2
  return 1
}

# _is_our_link PATH TARGET: PATH is a symlink resolving to TARGET, or to the lsf-docker launcher
# of another installation (its second line says so: scripts/lib/launchers.sh), which is no LSF.
_is_our_link() {
  [[ -L $1 ]] || return 1
  local real
  real=$(readlink -f -- "$1")
  [[ $real == "$(readlink -f -- "$2")" ]] && return 0
  [[ $(basename -- "$real") == lsf-docker && -f $real ]] || return 1
  [[ $(sed -n 2p -- "$real" 2>/dev/null) == "// lsf-docker, written by lsf-docker scripts/lib/launchers.sh"* ]]
}

install_lsf_links() {
  local prefix=${1:-} bindir=${2:-} target name found
  [[ -n $prefix && -n $bindir ]] || _links_fail 'usage: install_lsf_links PREFIX BINDIR' || return 1
  target=$prefix/bin/lsf-docker
  [[ -f $target && -x $target ]] || _links_fail "$target is not an installed lsf-docker" || return 1
  [[ -z ${LSF_ENVDIR:-} ]] || _links_fail "LSF_ENVDIR is set ($LSF_ENVDIR): this host has LSF; not linking its command names" || return 1
  if found=$(command -v lsid 2>/dev/null); then
    _links_fail "lsid found at $found: this host has LSF; not linking its command names"
    return 1
  fi
  for name in "${LSFD_LSF_COMMANDS[@]}"; do
    if [[ -e $bindir/$name || -L $bindir/$name ]] && ! _is_our_link "$bindir/$name" "$target"; then
      _links_fail "$bindir/$name exists and is not lsf-docker's link: not replacing it (a real LSF's?)" || return 1
    fi
    found=$(command -v "$name" 2>/dev/null) || continue
    if [[ $found != "$bindir/$name" ]] && ! _is_our_link "$found" "$target"; then
      _links_fail "$name is $found, not lsf-docker: this host has another $name on PATH; not linking" || return 1
    fi
  done
  install -d -m 0755 -- "$bindir" || _links_fail "cannot create $bindir" || return 1
  for name in "${LSFD_LSF_COMMANDS[@]}"; do
    ln -sfn -- "$target" "$bindir/$name" || _links_fail "cannot link $bindir/$name" || return 1
  done
}

remove_lsf_links() {
  local prefix=${1:-} bindir=${2:-} name
  for name in "${LSFD_LSF_COMMANDS[@]}"; do
    if _is_our_link "$bindir/$name" "$prefix/bin/lsf-docker"; then rm -f -- "$bindir/$name"; fi
  done
}
