#!/usr/bin/env bash
# Install a built copy of lsf-docker into PREFIX: bin/, dist/, templates/ and package.json.
#
# Usage: scripts/install.sh PREFIX [--link BINDIR [--lsf-names]] [--sudo-rule] [--sudoers FILE] [--no-config]
#
#   PREFIX          created if missing; bin/, dist/ and templates/ in it are replaced as a whole
#                   (no stale bundle chunks survive). Everything root-owned (when run as root),
#                   world-readable; directories 0755, files 0644, the bin/ launchers (#!) 0755.
#   --link BINDIR   also symlink every launcher PREFIX/bin/NAME as BINDIR/NAME (an existing
#                   symlink is replaced, a regular file is never overwritten).
#   --lsf-names     with --link: also link the LSF command names (bsub, bjobs, ...) in BINDIR to
#                   lsf-docker, for a host without LSF (scripts/lib/lsf-links.sh): never over a
#                   real LSF (lsid on PATH, LSF_ENVDIR, another command of such a name), which is
#                   said in one line and leaves the rest of the install as it is.
#   --sudo-rule     (root) the secure deployment: write /etc/sudoers.d/lsf-docker, letting every
#                   user run PREFIX/bin/docker_run, docker_build, docker_exec and `lsf-docker
#                   sweep` as root without a password, and nothing else (scripts/lib/sudo.sh;
#                   installs sudo when missing). Users then need no `docker` group.
#   --sudoers FILE  write the rule to FILE instead (implies --sudo-rule; FILE's name must be
#                   letters, digits, _ and - or sudo ignores it).
#   --no-config     (root) do not put the config template in place. Without it, root installs
#                   templates/lsf-docker.conf as /etc/lsf-docker/lsf-docker.conf (root 0644, the
#                   built-in defaults, every key commented out; with --sudo-rule `[local]
#                   starter = sudo` set) when that file does not exist, or is still the
#                   unmodified template (then only with --sudo-rule), or is the file an earlier
#                   install wrote and nobody edited since (its sha256 in
#                   /etc/lsf-docker/.lsf-docker.conf.sha256); a config edited by an admin is never
#                   touched.
#
# A fleet installs from the npm pack tarball (dist/bundle is built by `prepack`), as root:
#   tar xzf lsf-docker-X.Y.Z.tgz && package/scripts/install.sh /opt/lsf-docker --link /usr/local/bin --sudo-rule
#
# dist/bundle is self-contained (esbuild bundles node_modules): PREFIX needs no node_modules.
# PREFIX/bin gets launchers written by scripts/lib/launchers.sh (not the repository's bin/): each
# names the `node` found on PATH now and PREFIX/dist/bundle/NAME.cjs by absolute path, so the
# symlinks work, and drops every NODE_* variable of the job. Run `npm run build` first.
set -euo pipefail

die() {
  printf 'install: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  printf 'usage: %s PREFIX [--link BINDIR [--lsf-names]] [--sudo-rule] [--sudoers FILE] [--no-config]\n' "$0" >&2
  exit 2
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/launchers.sh
source "$REPO/scripts/lib/launchers.sh"
PREFIX=
BINDIR=
LSF_NAMES=
SUDOERS=
CONFIG=1
CONFIG_DIR=/etc/lsf-docker
while (($# > 0)); do
  case $1 in
  --sudo-rule)
    SUDOERS=${SUDOERS:-/etc/sudoers.d/lsf-docker}
    shift
    ;;
  --sudoers)
    (($# >= 2)) || usage
    SUDOERS=$2
    shift 2
    ;;
  --sudoers=*)
    SUDOERS=${1#--sudoers=}
    shift
    ;;
  --no-config)
    CONFIG=
    shift
    ;;
  --link)
    (($# >= 2)) || usage
    BINDIR=$2
    shift 2
    ;;
  --link=*)
    BINDIR=${1#--link=}
    shift
    ;;
  --lsf-names)
    LSF_NAMES=1
    shift
    ;;
  -h | --help) usage ;;
  -*) die "unknown option $1" ;;
  *)
    [[ -z $PREFIX ]] || usage
    PREFIX=$1
    shift
    ;;
  esac
done
[[ -n $PREFIX ]] || usage
[[ -z $LSF_NAMES || -n $BINDIR ]] || die "--lsf-names needs --link BINDIR"
if [[ -n $SUDOERS ]]; then
  [[ $(id -u) -eq 0 ]] || die "--sudo-rule needs root"
  # Checked before anything is copied: sudo's #includedir skips names holding a dot.
  [[ $(basename -- "$SUDOERS") =~ ^[A-Za-z0-9_-]+$ ]] ||
    die "--sudoers $SUDOERS: the file name must be letters, digits, _ and - (sudo ignores others)"
fi

[[ -d $REPO/dist/bundle ]] || die "$REPO/dist/bundle does not exist: run npm run build first"
[[ -d $REPO/bin ]] || die "$REPO/bin does not exist"
# Every launcher's import target must have been built.
for launcher in "$REPO"/bin/*; do
  while read -r target; do
    [[ -f $REPO/$target ]] || die "$target missing (imported by bin/$(basename "$launcher")): run npm run build first"
  done < <(grep -o "dist/bundle/[A-Za-z0-9_.-]*\.cjs" "$launcher" || true)
done
NODE=$(command -v node) || die "node is not on PATH"
[[ $NODE == /* ]] || die "node on PATH is $NODE, not an absolute path"

mkdir -p -- "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd -P)
[[ $PREFIX != / && $PREFIX != "$REPO" && $PREFIX != "$REPO"/* ]] ||
  die "refusing PREFIX $PREFIX (it must be a dedicated directory outside the repository)"

# Stage next to PREFIX, then swap each part in, so that a failed copy leaves the old install.
stage=$(mktemp -d "$PREFIX/.install.XXXXXX")
trap 'rm -rf -- "$stage"' EXIT
cp -R -- "$REPO/bin" "$REPO/dist" "$stage/"
if [[ -d $REPO/templates ]]; then
  cp -R -- "$REPO/templates" "$stage/"
else
  mkdir "$stage/templates"
fi
cp -- "$REPO/package.json" "$stage/"

if [[ $(id -u) -eq 0 ]]; then
  chown -R root:root "$stage"
fi
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
# Launchers (files starting with #!) are executable; anything else in bin/ (e.g. a package.json
# that sets the module type) stays 0644 and is never linked.
is_launcher() {
  [[ -f $1 && $(head -c 2 "$1") == '#!' ]]
}
for f in "$stage"/bin/*; do
  if is_launcher "$f"; then chmod 0755 "$f"; fi
done
write_launchers "$REPO/bin" "$stage/bin" "$NODE" "$PREFIX/bin"

for part in bin dist templates; do
  rm -rf -- "${PREFIX:?}/$part"
  mv -- "$stage/$part" "$PREFIX/$part"
done
mv -f -- "$stage/package.json" "$PREFIX/package.json"
chmod 0755 "$PREFIX"
[[ $(id -u) -ne 0 ]] || chown root:root "$PREFIX"

summary=
if [[ -n $BINDIR ]]; then
  mkdir -p -- "$BINDIR"
  for launcher in "$PREFIX"/bin/*; do
    is_launcher "$launcher" || continue
    name=$(basename "$launcher")
    target=$BINDIR/$name
    if [[ -e $target && ! -L $target ]]; then
      die "$target exists and is not a symlink: not overwriting it"
    fi
    ln -sfn -- "$launcher" "$target"
  done
  summary=", linked into $BINDIR"
  if [[ -n $LSF_NAMES ]]; then
    # shellcheck source=lib/lsf-links.sh
    source "$REPO/scripts/lib/lsf-links.sh"
    if install_lsf_links "$PREFIX" "$BINDIR"; then
      summary+=" (and the LSF command names: bsub, bjobs, ...)"
    else
      printf 'install: the LSF command names are not linked (above); lsf-docker bsub ... serves\n' >&2
    fi
  fi
fi

# The admin config: the template (built-in defaults, all commented out) only where none exists.
# With --sudo-rule the installed copy says `[local] starter = sudo` (the local LSF then starts the
# job starters through the rule); an existing config is never touched, except one that is still
# the unmodified template of this version, which gets the same one line.
config_text() {
  if [[ -n $SUDOERS ]]; then
    sed '0,/^; starter = direct$/s//starter = sudo/' "$REPO/templates/lsf-docker.conf"
  else
    cat "$REPO/templates/lsf-docker.conf"
  fi
}
# The sha256 of the config as this script last wrote it (beside it, root's): a config that still
# has it was never edited, so an upgrade may replace it with this version's template, as dpkg does
# with an unmodified conffile.
sha256_of() { sha256sum <"$1" | cut -d' ' -f1; }
unedited_install() {
  local stamp=$CONFIG_DIR/.lsf-docker.conf.sha256
  [[ -f $target && ! -L $target && -f $stamp && ! -L $stamp ]] && [[ $(sha256_of "$target") == "$(<"$stamp")" ]] &&
    # An install without the rule never takes `starter = sudo` away from one made with it.
    { [[ -n $SUDOERS ]] || ! grep -Eq '^[[:space:]]*starter[[:space:]]*=[[:space:]]*sudo' "$target"; }
}
if [[ -n $CONFIG && $(id -u) -eq 0 && -f $REPO/templates/lsf-docker.conf ]]; then
  target=$CONFIG_DIR/lsf-docker.conf
  if [[ ! -e $target ]] || unedited_install ||
    { [[ -n $SUDOERS && -f $target && ! -L $target ]] && cmp -s "$target" "$REPO/templates/lsf-docker.conf"; }; then
    install -d -m 0755 -o root -g root "$CONFIG_DIR"
    tmpconf=$(mktemp "$CONFIG_DIR/.lsf-docker.conf.XXXXXX")
    config_text >"$tmpconf"
    chown root:root "$tmpconf" && chmod 0644 "$tmpconf" && mv -f -- "$tmpconf" "$target"
    tmpstamp=$(mktemp "$CONFIG_DIR/.lsf-docker.conf.sha256.XXXXXX")
    sha256_of "$target" >"$tmpstamp"
    chmod 0644 "$tmpstamp" && mv -f -- "$tmpstamp" "$CONFIG_DIR/.lsf-docker.conf.sha256"
    summary+=", config template in $target${SUDOERS:+ ([local] starter = sudo)}"
  elif [[ -n $SUDOERS ]] && ! grep -Eq '^[[:space:]]*starter[[:space:]]*=[[:space:]]*sudo' "$target"; then
    printf 'install: note: %s does not set [local] starter = sudo: the local LSF starts jobs as the user\n' "$target" >&2
  fi
fi

if [[ -n $SUDOERS ]]; then
  # shellcheck source=lib/sudo.sh
  source "$REPO/scripts/lib/sudo.sh"
  write_sudo_rule "$PREFIX" "$SUDOERS" || die "sudo rule not written"
  summary+=", sudo rule $SUDOERS"
fi

programs=()
for f in "$PREFIX"/bin/*; do
  if is_launcher "$f"; then programs+=("$(basename "$f")"); fi
done
printf 'install: %s installed into %s%s\n' "${programs[*]}" "$PREFIX" "$summary"
