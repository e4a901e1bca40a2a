#!/usr/bin/env bash
# Install a built copy of lsf-docker into PREFIX: bin/, dist/, templates/ and package.json.
#
# Usage: scripts/install.sh PREFIX [--link BINDIR]
#
#   PREFIX          created if missing; bin/, dist/ and templates/ in it are replaced as a whole
#                   (no stale bundle chunks survive). Everything root-owned (when run as root),
#                   world-readable; directories 0755, files 0644, the bin/ launchers (#!) 0755.
#   --link BINDIR   also symlink every launcher PREFIX/bin/NAME as BINDIR/NAME (an existing
#                   symlink is replaced, a regular file is never overwritten).
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
  printf 'usage: %s PREFIX [--link BINDIR]\n' "$0" >&2
  exit 2
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/launchers.sh
source "$REPO/scripts/lib/launchers.sh"
PREFIX=
BINDIR=
while (($# > 0)); do
  case $1 in
  --link)
    (($# >= 2)) || usage
    BINDIR=$2
    shift 2
    ;;
  --link=*)
    BINDIR=${1#--link=}
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

linked=
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
  linked=", linked into $BINDIR"
fi

programs=()
for f in "$PREFIX"/bin/*; do
  if is_launcher "$f"; then programs+=("$(basename "$f")"); fi
done
printf 'install: %s installed into %s%s\n' "${programs[*]}" "$PREFIX" "$linked"
