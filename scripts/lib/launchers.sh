# shellcheck shell=bash
# The installed launchers (sourced by scripts/install.sh; never executed).
#
# write_launchers REPO_BIN DEST_BIN NODE [INSTALLED_BIN]
#   For every development launcher in REPO_BIN (a file starting with #! that names
#   dist/bundle/NAME.cjs), writes DEST_BIN/ITS_NAME: a launcher (compiled or shell, below) that
#   moves every NODE_* variable of the job's environment aside, then execs NODE (an absolute path,
#   fixed now: the job's PATH never chooses the interpreter) on
#   INSTALLED_BIN/../dist/bundle/start.cjs and the bundle; start.cjs gives the variables back to
#   the job once Node has started. INSTALLED_BIN
#   (default DEST_BIN) is where DEST_BIN will end up, when writing into a staging directory. Also
#   writes each bundle's V8 code cache (DEST_BIN/../dist/bundle/NAME.cjs.cache) with NODE, and
#   DEST_BIN/package.json ({"type": "commonjs"}). Fails (exit 1, one line) when NODE is not an
#   absolute executable, a bundle is missing, or the shell does not move NODE_* variables.
#
# Each launcher is also a CommonJS file (line 2 is a comment to Node), so that `NODE LAUNCHER ARGS`
# still runs the program: lsf-docker re-runs itself that way (process.execPath, process.argv[1]).
#
# Why a program before Node (docs/architecture.md "Start-up speed"): only a program that runs
# before Node can keep NODE_OPTIONS (--require, --import, --inspect), NODE_EXTRA_CA_CERTS (about
# 85 ms per start with a full CA bundle) and the rest from it; `env -u` takes only a fixed list and
# cannot keep the values for the job. Two kinds, the first the host can have:
#   - compiled: scripts/launcher.c built at install time with the host's C compiler into
#     dist/bundle/lsfd-launch, named on each launcher's #! line (`#!.../lsfd-launch NAME.cjs`):
#     one pass over the environment, about 0.1 ms whatever its size;
#   - shell: a line of POSIX sh that finds the names in `export -p` (builtin), so any NODE_* a
#     newer Node learns to read is handled too. About 0.3 ms with a few hundred variables, but a
#     shell's own start grows faster than linearly with the environment (dash +27 ms with 10,000
#     variables, bash as sh +0.8 s), so dash is preferred when the host has it.
# LSFD_LAUNCHER=shell at install time chooses the shell kind even with a compiler.

# launcher_die MESSAGE...: one line on stderr, exit 1.
launcher_die() {
  printf 'install: error: %s\n' "$*" >&2
  exit 1
}

# launcher_shell: the shell the launchers start with: dash when installed, else /bin/sh.
launcher_shell() {
  local sh
  for sh in /bin/dash /usr/bin/dash; do
    if [[ -x $sh ]]; then
      printf '%s' "$sh"
      return
    fi
  done
  printf '/bin/sh'
}

# sh_quote WORD: WORD as one single-quoted shell word.
sh_quote() {
  local q="'\\''"
  printf "'%s'" "${1//\'/$q}"
}

# The launcher's NODE_* filter: one line of POSIX sh, valid as a JavaScript comment (`":" //`).
# Every NODE_X that is set moves to LSFD_LAUNCHER_NODE_X, and LSFD_LAUNCHER_MOVED lists the names
# moved: Node starts without them, and start.cjs puts them back into process.env before the
# program runs, so the job (inside its container) still gets its NODE_OPTIONS, NODE_PATH...
# Names are [A-Za-z0-9_] only, so eval never sees text from the environment, only names.
LAUNCHER_FILTER='":" //; m=; v=$(export -p); while :; do case $v in *"export NODE_"*) v=${v#*"export NODE_"}; n=NODE_${v%%[!A-Za-z0-9_]*}; if eval "[ -n \"\${$n+x}\" ]"; then eval "export LSFD_LAUNCHER_$n=\"\$$n\""; unset "$n"; m="$m $n"; fi ;; *) break ;; esac; done; if [ -n "$m" ]; then export LSFD_LAUNCHER_MOVED="$m"; else unset LSFD_LAUNCHER_MOVED; fi;'

# check_launcher_filter SHELL: fails unless SHELL, running the filter, moves every NODE_* variable
# (also one with an empty suffix, and values with quotes and newlines) and nothing else.
check_launcher_filter() {
  local shell=$1 out moved expected
  out=$(env -i NODE_OPTIONS="--x 'y' \"z\"" 'NODE_=1' KEEP="a
export NODE_LSFD_FAKE=b" "$shell" -c "$LAUNCHER_FILTER"' exec /usr/bin/env -0' | tr '\0' '\n' | LC_ALL=C sort) ||
    launcher_die "$shell could not run the launcher's NODE_* filter"
  moved=$(sed -n 's/^LSFD_LAUNCHER_MOVED=//p' <<<"$out" | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ')
  expected=$(printf '%s\n' 'KEEP=a' 'export NODE_LSFD_FAKE=b' 'LSFD_LAUNCHER_NODE_=1' \
    "LSFD_LAUNCHER_NODE_OPTIONS=--x 'y' \"z\"" | LC_ALL=C sort)
  out=$(grep -E '^(NODE_|LSFD_LAUNCHER_NODE_|KEEP=|export NODE_)' <<<"$out" || true)
  [[ $moved == ' NODE_ NODE_OPTIONS ' && $out == "$expected" ]] ||
    launcher_die "$shell does not move NODE_* variables aside with \`export -p\`: launchers not written"
}

# launcher_text SHELL NODE START BUNDLE LAUNCHER NAME: the text of one launcher.
launcher_text() {
  local shell=$1 node=$2 start=$3 bundle=$4 launcher=$5 name=$6
  printf '#!%s\n' "$shell"
  printf '%s exec %s %s %s %s "$@"\n' "$LAUNCHER_FILTER" "$(sh_quote "$node")" "$(sh_quote "$start")" \
    "$(sh_quote "$launcher")" "$(sh_quote "$bundle")"
  printf '// %s, written by lsf-docker scripts/lib/launchers.sh: the shell moves every NODE_* variable\n' "$name"
  printf '// aside (start.cjs gives them back to the job), then runs the bundle with the Node found at\n'
  printf '// install time. Run by Node itself (as lsf-docker re-runs itself), this file runs the bundle.\n'
  printf 'require(%s).run(%s);\n' "$(js_string "$start")" "$(js_string "$bundle")"
}

# launcher_text_compiled HELPER BUNDLE_NAME START BUNDLE NAME: the text of one launcher run by the
# compiled helper (its #! line), which is also the CommonJS file Node runs (Node skips a #! line).
launcher_text_compiled() {
  local helper=$1 bundle_name=$2 start=$3 bundle=$4 name=$5
  printf '#!%s %s\n' "$helper" "$bundle_name"
  printf '// %s, written by lsf-docker scripts/lib/launchers.sh: the kernel runs it with lsfd-launch\n' "$name"
  printf '// (scripts/launcher.c), which moves every NODE_* variable aside (start.cjs gives them back to\n'
  printf '// the job) and runs the bundle with the Node found at install time. Run by Node itself (as\n'
  printf '// lsf-docker re-runs itself), this file runs the bundle.\n'
  printf 'require(%s).run(%s);\n' "$(js_string "$start")" "$(js_string "$bundle")"
}

# launcher_compiler: the C compiler the launchers are built with, or nothing (LSFD_LAUNCHER=shell,
# or none on PATH).
launcher_compiler() {
  [[ ${LSFD_LAUNCHER:-} != shell ]] || return 0
  local cc
  for cc in cc gcc clang; do
    if command -v "$cc" >/dev/null 2>&1; then
      command -v "$cc"
      return
    fi
  done
}

# c_string TEXT: TEXT as a C string literal.
c_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# build_launch_helper CC REPO DEST NODE BUNDLES_THEN: compiles scripts/launcher.c into DEST (0755)
# for NODE and the bundles at BUNDLES_THEN, then checks a twin build (exec `env -0`) moves every
# NODE_* variable and nothing else, as check_launcher_filter does for the shell. Fails (status 1,
# a warning) when it cannot: the shell launchers serve then.
build_launch_helper() {
  local cc=$1 repo=$2 dest=$3 node=$4 bundles=$5 tmp out
  tmp=$(mktemp -d)
  {
    printf '#define LSFD_NODE %s\n' "$(c_string "$node")"
    printf '#define LSFD_BUNDLES %s\n' "$(c_string "$bundles")"
  } >"$tmp/config.h"
  if ! "$cc" -O2 -include "$tmp/config.h" -o "$dest" "$repo/scripts/launcher.c" "$repo/scripts/sudo-step.c" "$repo/scripts/submit-client.c" 2>"$tmp/err" ||
    ! "$cc" -O2 -include "$tmp/config.h" -DLSFD_CHECK -o "$tmp/check" "$repo/scripts/launcher.c" "$repo/scripts/sudo-step.c" "$repo/scripts/submit-client.c" 2>>"$tmp/err"; then
    printf 'install: warning: %s could not build the launcher helper (%s): shell launchers\n' "$cc" \
      "$(head -n 1 "$tmp/err")" >&2
    rm -rf -- "$tmp" "$dest"
    return 1
  fi
  out=$(env -i NODE_OPTIONS="--x 'y' \"z\"" 'NODE_=1' KEEP="a
export NODE_LSFD_FAKE=b" LSFD_LAUNCHER_MOVED=planted "$tmp/check" x.cjs launcher | tr '\0' '\n' | LC_ALL=C sort)
  rm -rf -- "$tmp"
  local expected
  expected=$(printf '%s\n' 'KEEP=a' 'export NODE_LSFD_FAKE=b' 'LSFD_LAUNCHER_MOVED= NODE_OPTIONS NODE_' \
    'LSFD_LAUNCHER_NODE_=1' "LSFD_LAUNCHER_NODE_OPTIONS=--x 'y' \"z\"" | LC_ALL=C sort)
  if [[ $out != "$expected" ]]; then
    printf 'install: warning: the launcher helper does not move NODE_* variables as it must: shell launchers\n' >&2
    rm -f -- "$dest"
    return 1
  fi
  chmod 0755 "$dest"
}

# build_native_addon CC REPO DEST NODE: compiles scripts/native-addon.c into DEST (a Node-API
# addon, 0644) with NODE's own headers (PREFIX/include/node beside its bin/), then checks that NODE
# loads it, that it tells a held lock from a free one and that it finds root as getent does.
# Fails (status 1, a note) when it cannot: the programs (flock(1), getent, id) then serve.
build_native_addon() {
  local cc=$1 repo=$2 dest=$3 node=$4 include tmp
  include=$(dirname -- "$(dirname -- "$node")")/include/node
  if [[ ! -f $include/node_api.h ]]; then
    printf 'install: note: no Node-API headers at %s: flock(1), getent and id serve\n' "$include" >&2
    return 1
  fi
  tmp=$(mktemp -d)
  if ! "$cc" -O2 -shared -fPIC -I"$include" -o "$tmp/lsfd-native.node" "$repo/scripts/native-addon.c" 2>"$tmp/err"; then
    printf 'install: warning: %s could not build the native addon (%s): the programs serve\n' "$cc" "$(head -n 1 "$tmp/err")" >&2
    rm -rf -- "$tmp"
    return 1
  fi
  : >"$tmp/lock"
  # shellcheck disable=SC2016
  if ! node_clean "$node" -e 'const a = require(process.argv[1]); const fs = require("fs");
    const one = fs.openSync(process.argv[2], "r"), two = fs.openSync(process.argv[2], "r");
    const root = a.passwd(0);
    process.exit(a.flock(one) === 0 && a.flock(two) !== 0 && a.flock(one) === 0 &&
      root !== null && root[0] === "root" && root[1] === 0 ? 0 : 1);' \
    "$tmp/lsfd-native.node" "$tmp/lock" 2>/dev/null; then
    printf 'install: warning: the native addon does not work as it must: the programs serve\n' >&2
    rm -rf -- "$tmp"
    return 1
  fi
  install -m 0644 -- "$tmp/lsfd-native.node" "$dest"
  rm -rf -- "$tmp"
}

# js_string TEXT: TEXT as a JavaScript string literal (JSON).
js_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# node_clean NODE ARGS...: NODE run as a launcher runs it, without NODE_* (NODE_OPTIONS could
# carry V8 flags, and a cache written under other flags is rejected at every start).
node_clean() {
  "$(launcher_shell)" -c "$LAUNCHER_FILTER"' exec "$0" "$@"' "$@"
}

# write_code_cache NODE BUNDLE: BUNDLE.cache through start.cjs next to it; a cache V8 rejects
# (checked in a fresh process) is removed, and the launcher then compiles as usual.
write_code_cache() {
  local node=$1 bundle=$2 start
  start=$(dirname -- "$bundle")/start.cjs
  node_clean "$node" -e 'require(process.argv[1]).writeCache(process.argv[2])' "$start" "$bundle" ||
    launcher_die "could not write the code cache of $bundle"
  if ! node_clean "$node" -e 'process.exit(require(process.argv[1]).cacheAccepted(process.argv[2]) ? 0 : 1)' \
    "$start" "$bundle"; then
    rm -f -- "$bundle.cache"
    printf 'install: warning: %s rejects the code cache of %s: started without one\n' "$node" "$bundle" >&2
  fi
}

write_launchers() {
  local repo_bin=$1 dest_bin=$2 node=$3 installed_bin=${4:-$2}
  [[ $node == /* && -f $node && -x $node ]] || launcher_die "node $node is not an absolute path to an executable"
  [[ $installed_bin == /* ]] || launcher_die "launcher directory $installed_bin is not absolute"
  mkdir -p -- "$dest_bin"
  local bundles_now bundles_then
  bundles_now=$(cd -- "$dest_bin/.." && pwd -P)/dist/bundle
  bundles_then=$(dirname -- "$installed_bin")/dist/bundle
  [[ -f $bundles_now/start.cjs ]] || launcher_die "$bundles_now/start.cjs missing: run npm run build first"
  local cc helper='' shell=''
  cc=$(launcher_compiler)
  # The #! line (helper path, a space, NAME.cjs) must fit the kernel's 255 bytes.
  if [[ -n $cc && ${#bundles_then} -lt 200 ]] &&
    build_launch_helper "$cc" "$(cd -- "$repo_bin/.." && pwd -P)" "$bundles_now/lsfd-launch" "$node" "$bundles_then"; then
    helper=$bundles_then/lsfd-launch
  else
    shell=$(launcher_shell)
    check_launcher_filter "$shell"
  fi
  rm -f -- "$bundles_now/lsfd-native.node"
  [[ -z $cc ]] || build_native_addon "$cc" "$(cd -- "$repo_bin/.." && pwd -P)" "$bundles_now/lsfd-native.node" "$node" || true
  local f name target text
  for f in "$repo_bin"/*; do
    [[ -f $f && $(head -c 2 -- "$f") == '#!' ]] || continue
    name=$(basename -- "$f")
    target=$(grep -o 'dist/bundle/[A-Za-z0-9_.-]*\.cjs' -- "$f" | head -n 1 || true)
    [[ -n $target ]] || launcher_die "bin/$name names no dist/bundle/NAME.cjs"
    target=${target#dist/bundle/}
    [[ -f $bundles_now/$target ]] || launcher_die "$bundles_now/$target missing (bin/$name): run npm run build first"
    if [[ -n $helper ]]; then
      text=$(launcher_text_compiled "$helper" "$target" "$bundles_then/start.cjs" "$bundles_then/$target" "$name")
    else
      text=$(launcher_text "$shell" "$node" "$bundles_then/start.cjs" "$bundles_then/$target" "$installed_bin/$name" "$name")
    fi
    printf '%s\n' "$text" >"$dest_bin/.$name.tmp"
    chmod 0755 "$dest_bin/.$name.tmp"
    mv -f -- "$dest_bin/.$name.tmp" "$dest_bin/$name"
    write_code_cache "$node" "$bundles_now/$target"
  done
  printf '{\n  "type": "commonjs"\n}\n' >"$dest_bin/package.json"
  chmod 0644 "$dest_bin/package.json"
}
