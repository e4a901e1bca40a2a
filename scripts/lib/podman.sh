# shellcheck shell=bash
# Step "podman": podman 4.3 as a second runtime, rootful (root's store) and rootless (the test users).
#   packages   podman runc catatonit slirp4netns uidmap (only the missing ones)
#   engine     /etc/containers/containers.conf: [containers] default_ulimits = [] and
#              [engine] runtime = "runc" (crun fails on this hybrid cgroup v1 host; the default
#              nofile ulimit exceeds the hard limit root cannot raise), merged into an existing file
#   /dev/net/tun  0666, so that rootless slirp4netns can open it
#   users      lsfd-test, lsfd-test2 (and lsfd-dock when it exists): a subuid and a subgid range of
#              65536 ids each, distinct from every other range; /run/user/UID (0700, the user's: the
#              XDG_RUNTIME_DIR of every rootless call); ~/.config/containers/storage.conf with the
#              native overlay driver, written BEFORE the user's first podman call (the first call
#              fixes runRoot and the driver in the user's database)
#   images     the test images copied from docker into root's store, into each test user's own
#              store, and into a shared read-only store ($LSFD_PODMAN_SHARED_STORE, root-owned, for an
#              admin's additionalimagestores: usable rootless only with fuse-overlayfs, see
#              podman_shared_store); only images whose id differs from docker's are loaded
# Rootless users run with XDG_RUNTIME_DIR=/run/user/UID (see /work/notes/podman-runtime.md).

LSFD_PODMAN_PACKAGES=(podman runc catatonit slirp4netns uidmap)
LSFD_CONTAINERS_CONF=${LSFD_CONTAINERS_CONF:-/etc/containers/containers.conf}
LSFD_PODMAN_SHARED_STORE=${LSFD_PODMAN_SHARED_STORE:-/var/lib/lsf-docker/podman-store}
# The shared store's own runroot (locks, mount state) so that it never shares root's default one.
LSFD_PODMAN_SHARED_RUNROOT=${LSFD_PODMAN_SHARED_RUNROOT:-/run/lsf-docker/podman-store}
LSFD_PODMAN_USERS=(lsfd-test lsfd-test2) # must exist (step users)
LSFD_PODMAN_OPTIONAL_USERS=(lsfd-dock)   # set up when present (another step creates it)
LSFD_SUBID_FIRST=100000                  # where new subordinate id ranges start
LSFD_SUBID_COUNT=65536

# ---------------------------------------------------------------------------------------------
# packages

podman_packages() {
  local missing=() pkg t0 rc=0 installed
  # One dpkg-query for all of them (a missing package makes it exit 1: that is fine here).
  installed=" $(dpkg-query -W -f='${db:Status-Status}:${Package} ' "${LSFD_PODMAN_PACKAGES[@]}" 2>/dev/null) "
  for pkg in "${LSFD_PODMAN_PACKAGES[@]}"; do
    [[ $installed == *" installed:$pkg "* ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  t0=$(now)
  {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends "${missing[@]}"
  } >>/var/log/lsf-docker-apt.log 2>&1 || rc=$?
  if ((rc != 0)); then
    tail_log /var/log/lsf-docker-apt.log >&2
    die "apt-get install ${missing[*]} failed (exit $rc, log /var/log/lsf-docker-apt.log)"
  fi
  command -v podman >/dev/null 2>&1 || die "podman not on PATH after installing ${missing[*]}"
  CHANGED+=("installed ${missing[*]} ($(since "$t0"))")
}

# ---------------------------------------------------------------------------------------------
# containers.conf

# toml_set SECTION KEY VALUE < FILE: FILE with KEY = VALUE in [SECTION] (replacing an existing
# setting of KEY there, also a multi-line array; adding the section at the end when it is missing).
# Comments, other keys and other sections are kept as they are.
toml_set() {
  awk -v sec="$1" -v key="$2" -v val="$3" '
    function emit() { print key " = " val; done = 1 }
    /^[[:space:]]*\[/ {
      if (insec && !done) emit()
      skip = 0
      name = $0
      sub(/^[[:space:]]*\[[[:space:]]*/, "", name)
      sub(/[[:space:]]*\].*$/, "", name)
      insec = ($0 !~ /^[[:space:]]*\[\[/ && name == sec)
      if (insec) seen = 1
      print
      next
    }
    skip { if ($0 ~ /\]/) skip = 0; next }
    insec && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" {
      if (!done) emit()
      rest = $0
      sub(/^[^=]*=[[:space:]]*/, "", rest)
      sub(/#.*$/, "", rest)
      if (rest ~ /^\[/ && rest !~ /\]/) skip = 1
      next
    }
    { print }
    END {
      if (insec && !done) emit()
      if (!seen) { print ""; print "[" sec "]"; emit() }
    }'
}

podman_containers_conf() {
  local want
  install -d -m 0755 -o root -g root "$(dirname "$LSFD_CONTAINERS_CONF")"
  if [[ -e $LSFD_CONTAINERS_CONF ]]; then
    want=$(toml_set containers default_ulimits '[]' <"$LSFD_CONTAINERS_CONF" |
      toml_set engine runtime '"runc"') || die "cannot read $LSFD_CONTAINERS_CONF"
  else
    want=$(printf '# Written by lsf-docker scripts/provision.sh (step podman).\n' |
      toml_set containers default_ulimits '[]' | toml_set engine runtime '"runc"')
  fi
  printf '%s\n' "$want" | cmp -s - "$LSFD_CONTAINERS_CONF" && return 0
  printf '%s\n' "$want" >"$LSFD_CONTAINERS_CONF.new" && chmod 0644 "$LSFD_CONTAINERS_CONF.new" &&
    mv -f "$LSFD_CONTAINERS_CONF.new" "$LSFD_CONTAINERS_CONF" || die "cannot write $LSFD_CONTAINERS_CONF"
  CHANGED+=("wrote $LSFD_CONTAINERS_CONF")
  local rt
  rt=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>&1) ||
    die "podman info failed after writing $LSFD_CONTAINERS_CONF: $rt"
  [[ $rt == runc ]] || die "podman's OCI runtime is '$rt' after writing $LSFD_CONTAINERS_CONF, want runc"
}

# ---------------------------------------------------------------------------------------------
# /dev/net/tun

podman_tun() {
  [[ -c /dev/net/tun ]] || die "/dev/net/tun missing (no tun module?): rootless slirp4netns needs it"
  if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
    chmod 0666 /dev/net/tun || die "chmod 0666 /dev/net/tun failed"
    CHANGED+=("made /dev/net/tun 0666")
  fi
}

# ---------------------------------------------------------------------------------------------
# subordinate ids

# subid_range FILE NAME UID: "START COUNT" of the first range of NAME (or its uid) in FILE.
subid_range() {
  awk -F: -v n="$2" -v u="$3" '($1 == n || $1 == u) && $3 >= 1 { print $2, $3; exit }' "$1" 2>/dev/null
}

# subid_overlap FILE NAME UID START COUNT: the first other owner whose range overlaps, if any.
subid_overlap() {
  awk -F: -v n="$2" -v u="$3" -v s="$4" -v c="$5" '
    $1 != n && $1 != u && NF >= 3 && $2 < s + c && s < $2 + $3 { print $1; exit }' "$1" 2>/dev/null
}

# subid_next FILE: the first id at or after LSFD_SUBID_FIRST past every range in FILE.
subid_next() {
  awk -F: -v first="$LSFD_SUBID_FIRST" '
    BEGIN { next_id = first }
    NF >= 3 && $2 + $3 > next_id { next_id = $2 + $3 }
    END { print next_id }' "$1" 2>/dev/null || printf '%s' "$LSFD_SUBID_FIRST"
}

# ensure_subids NAME: NAME has a subuid and a subgid range of at least LSFD_SUBID_COUNT ids that no
# other entry overlaps; a missing range is added after all existing ones (usermod). Sets
# SUBIDS_CHANGED=1 when it added one. Usable for any user.
ensure_subids() {
  local name=$1 uid file kind range start count other
  uid=$(id -u "$name" 2>/dev/null) || die "user $name missing"
  SUBIDS_CHANGED=
  for kind in uid gid; do
    file=/etc/sub$kind
    [[ -e $file ]] || install -m 0644 -o root -g root /dev/null "$file"
    range=$(subid_range "$file" "$name" "$uid")
    if [[ -n $range ]]; then
      read -r start count <<<"$range"
      ((count >= LSFD_SUBID_COUNT)) ||
        die "$file gives $name only $count ids ($start..), want $LSFD_SUBID_COUNT: fix $file by hand"
    else
      start=$(subid_next "$file")
      count=$LSFD_SUBID_COUNT
      usermod "--add-sub${kind}s" "$start-$((start + count - 1))" "$name" ||
        die "usermod --add-sub${kind}s $start-$((start + count - 1)) $name failed"
      CHANGED+=("gave $name sub${kind}s $start:$count")
      SUBIDS_CHANGED=1
    fi
    other=$(subid_overlap "$file" "$name" "$uid" "$start" "$count")
    [[ -z $other ]] || die "$file: the range $start:$count of $name overlaps the one of $other"
  done
}

# ---------------------------------------------------------------------------------------------
# rootless users

# as_user NAME CMD...: CMD as NAME with the environment rootless podman needs.
as_user() {
  local name=$1 uid home
  shift
  uid=$(id -u "$name")
  home=$(getent passwd "$name" | cut -d: -f6)
  (cd / && runuser -u "$name" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$name" \
    LOGNAME="$name" XDG_RUNTIME_DIR="/run/user/$uid" "$@")
}

# user_storage_conf NAME: the storage.conf every rootless test user gets. No additionalimagestores:
# native overlay cannot run images from a root-owned store (see podman_shared_store).
user_storage_conf() {
  local uid
  uid=$(id -u "$1")
  cat <<TOML
# Written by lsf-docker scripts/provision.sh (step podman). Rewritten when it differs.
# Native overlay (fuse-overlayfs cannot open /dev/fuse here); runroot pinned to the runtime dir.
[storage]
driver = "overlay"
runroot = "/run/user/$uid/containers"
TOML
}

# install_user_file NAME PATH: stdin to PATH (0644), written by NAME itself (root never writes
# through the user's links), only when content or mode differ. Sets USER_FILE_CHANGED=1 then.
install_user_file() {
  local name=$1 path=$2 content
  content=$(cat)
  USER_FILE_CHANGED=
  if [[ -L $path ]] || ! printf '%s\n' "$content" | cmp -s - "$path" 2>/dev/null ||
    [[ $(stat -c '%u %a' "$path") != "$(id -u "$name") 644" ]]; then
    printf '%s\n' "$content" | as_user "$name" sh -c 'umask 022; rm -f -- "$1.new" && cat >"$1.new" &&
      chmod 0644 "$1.new" && mv -f -- "$1.new" "$1"' sh "$path" || die "cannot write $path as $name"
    CHANGED+=("wrote $path")
    USER_FILE_CHANGED=1
  fi
}

# ensure_podman_user NAME: subids, runtime dir and storage.conf for rootless podman as NAME (any
# user: the rootless setup an admin does once per user).
ensure_podman_user() {
  local name=$1 uid gid home dir store info
  uid=$(id -u "$name" 2>/dev/null) || die "user $name missing (run: scripts/provision.sh users)"
  gid=$(id -g "$name")
  home=$(getent passwd "$name" | cut -d: -f6)
  [[ -d $home ]] || die "home $home of $name missing"
  ensure_subids "$name"
  install -d -m 0755 -o root -g root /run/user
  dir=/run/user/$uid
  if [[ -L $dir || (-e $dir && ! -d $dir) ]]; then
    rm -f -- "$dir"
  fi
  if [[ ! -d $dir ]]; then
    install -d -m 0700 -o "$uid" -g "$gid" "$dir"
    CHANGED+=("made $dir")
  elif [[ $(stat -c '%u:%g %a' "$dir") != "$uid:$gid 700" ]]; then
    chown "$uid:$gid" "$dir" && chmod 0700 "$dir"
    CHANGED+=("fixed owner/mode of $dir")
  fi
  # Below the home everything is done as the user (no root-owned dirs, no following of links).
  [[ -d $home/.config/containers && ! -L $home/.config/containers ]] ||
    as_user "$name" mkdir -p "$home/.config/containers" || die "mkdir $home/.config/containers as $name failed"
  store=$home/.local/share/containers/storage
  install_user_file "$name" "$home/.config/containers/storage.conf" < <(user_storage_conf "$name")
  [[ ! -d $store/vfs ]] ||
    die "$name's podman store $store uses vfs, want overlay: as $name run 'podman system reset -f', rerun"
  if [[ -e $store/libpod/bolt_state.db && -n $USER_FILE_CHANGED$SUBIDS_CHANGED ]]; then
    # Podman was used before: its database keeps the driver and runRoot of the first call.
    [[ -z $SUBIDS_CHANGED ]] || as_user "$name" podman system migrate >/dev/null 2>&1 ||
      die "podman system migrate as $name failed"
    info=$(as_user "$name" podman info --format '{{.Store.GraphDriverName}} {{.Store.RunRoot}}' 2>&1) ||
      die "podman info as $name failed: $info"
    [[ $info == "overlay $dir/containers" ]] ||
      die "$name's podman store has '$info', want 'overlay $dir/containers': as $name run 'podman system reset -f', rerun"
  fi
}

# ---------------------------------------------------------------------------------------------
# images

# docker_test_image_ids: sets DOCKER_IDS[NAME]=sha256:... for the test images (one docker call).
docker_test_image_ids() {
  local imgs=("$LSFD_IMAGE_BUSYBOX" "$LSFD_IMAGE_DEBIAN" "$LSFD_IMAGE_NOSH") ids i
  declare -gA DOCKER_IDS=()
  mapfile -t ids < <(docker image inspect --format '{{.Id}}' "${imgs[@]}" 2>/dev/null)
  ((${#ids[@]} == ${#imgs[@]})) || die "test images missing in docker (run: scripts/provision.sh images)"
  for i in "${!imgs[@]}"; do
    DOCKER_IDS[${imgs[$i]}]=${ids[$i]}
  done
}

# load_into LABEL PODMAN...: docker's test images into the store PODMAN... uses (e.g. `podman`,
# `podman --root DIR`, `as_user NAME podman`), only those whose id there differs from docker's
# (one `images` call when nothing is missing).
load_into() {
  local label=$1 img missing=() t0 out line
  shift
  declare -A have=()
  while read -r line; do
    have[${line#* }]=${line%% *}
  done < <("$@" images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' 2>/dev/null)
  for img in "${!DOCKER_IDS[@]}"; do
    [[ ${have[localhost/$img]:-} == "${DOCKER_IDS[$img]}" ]] || missing+=("$img")
  done
  ((${#missing[@]} == 0)) && return 0
  t0=$(now)
  out=$(
    set -o pipefail
    docker save "${missing[@]}" | "$@" load -q 2>&1
  ) || die "loading ${missing[*]} into $label failed: $out"
  have=()
  while read -r line; do
    have[${line#* }]=${line%% *}
  done < <("$@" images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' 2>/dev/null)
  for img in "${missing[@]}"; do
    [[ ${have[localhost/$img]:-} == "${DOCKER_IDS[$img]}" ]] ||
      die "localhost/$img in $label has id '${have[localhost/$img]:-}' after loading, docker has ${DOCKER_IDS[$img]}"
  done
  CHANGED+=("loaded ${#missing[@]} image(s) into $label ($(since "$t0"))")
}

# podman_shared_store: the test images in a root-owned store an admin would list under
# additionalimagestores. Its metadata and layer directories are made world-readable (containers/
# storage creates them 0700); the layers' contents keep their modes.
# Native overlay CANNOT run images from it rootless (measured, podman 4.3: "creating /etc/mtab
# symlink: permission denied", "error during chown: open root: permission denied"): the files belong
# to host root, unmapped in the user's namespace. It works with fuse-overlayfs as mount_program
# (needs /dev/fuse usable), so the test users do not list it; see /work/notes/podman-runtime.md.
podman_shared_store() {
  local store=$LSFD_PODMAN_SHARED_STORE fixed
  install -d -m 0755 -o root -g root "$(dirname "$store")" "$store" "$(dirname "$LSFD_PODMAN_SHARED_RUNROOT")"
  install -d -m 0700 -o root -g root "$LSFD_PODMAN_SHARED_RUNROOT"
  load_into "the shared store $store" podman --root "$store" --runroot "$LSFD_PODMAN_SHARED_RUNROOT" \
    --storage-driver overlay
  fixed=$(
    cd "$store" || exit 1
    {
      find overlay-images overlay-layers overlay/l \( -type d ! -perm -0005 -o -type f ! -perm -0004 \) -print
      find overlay -maxdepth 1 -type d ! -perm -0005 -print
    } 2>/dev/null
  )
  if [[ -n $fixed ]]; then
    (cd "$store" && xargs -d '\n' chmod a+rX <<<"$fixed") || die "chmod a+rX in $store failed"
    CHANGED+=("made $(wc -l <<<"$fixed") entries of $store readable")
  fi
}

step_podman() {
  local t0 name users=()
  t0=$(now)
  CHANGED=()
  docker_answers || die "docker daemon not answering (run: scripts/provision.sh engine)"
  podman_packages
  podman_containers_conf
  podman_tun
  for name in "${LSFD_PODMAN_USERS[@]}"; do
    getent passwd "$name" >/dev/null || die "user $name missing (run: scripts/provision.sh users)"
    users+=("$name")
  done
  for name in "${LSFD_PODMAN_OPTIONAL_USERS[@]}"; do
    getent passwd "$name" >/dev/null && users+=("$name")
  done
  docker_test_image_ids
  load_into "root's store" podman
  podman_shared_store
  for name in "${users[@]}"; do
    ensure_podman_user "$name"
    load_into "$name's store" as_user "$name" podman
  done
  if ((${#CHANGED[@]} == 0)); then
    say podman "already set up (runc, users ${users[*]}, images in root's, the users' and the shared store)"
  else
    local summary
    summary=$(printf '%s; ' "${CHANGED[@]}")
    say podman "${summary%; } in $(since "$t0")"
  fi
}
