# shellcheck shell=bash
# Step "images": the local test images (no registry can be pulled from on these machines).
#   lsf-docker-test/busybox:latest   busybox-static with its applets in /bin, root and nobody
#   lsf-docker-test/debian:bookworm  debootstrap --variant=minbase (has bash)
#   lsf-docker-test/nosh:latest      only /busybox: no /bin/sh, for "image has no shell" handling
# Each is built only when `docker image inspect` does not find it, in a temp dir always removed.

LSFD_TMPDIRS=()

image_exists() {
  docker image inspect "$1" >/dev/null 2>&1
}

# import_rootfs ROOT NAME CMD_JSON: tar ROOT into a one-layer image.
import_rootfs() {
  local root=$1 name=$2 cmd=$3
  tar -C "$root" --numeric-owner -c . | docker import -c "CMD $cmd" - "$name" >/dev/null ||
    die "docker import of $name failed"
}

# minimal_etc ROOT: /etc/passwd and /etc/group with root and nobody, /tmp 1777, /root, /home.
minimal_etc() {
  local root=$1
  mkdir -p "$root/etc" "$root/tmp" "$root/root" "$root/home"
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
}

busybox_binary() {
  [[ -x /bin/busybox ]] || die "/bin/busybox missing (install busybox-static: scripts/provision.sh packages)"
  # Debian's busybox (dynamic) and busybox-static both install /bin/busybox (they conflict):
  # the images need the static one.
  package_installed busybox-static || die "/bin/busybox is not from busybox-static: install busybox-static"
  printf '/bin/busybox'
}

build_busybox() {
  local name=$1 tmp bb
  bb=$(busybox_binary)
  tmp=$(make_tmpdir)
  LSFD_TMPDIRS+=("$tmp")
  mkdir -p "$tmp/root/bin"
  cp "$bb" "$tmp/root/bin/busybox"
  chroot "$tmp/root" /bin/busybox --install -s /bin || die "busybox --install in $tmp/root failed"
  minimal_etc "$tmp/root"
  import_rootfs "$tmp/root" "$name" '["/bin/sh"]'
  remove_tmpdir "$tmp"
}

build_nosh() {
  local name=$1 tmp bb
  bb=$(busybox_binary)
  tmp=$(make_tmpdir)
  LSFD_TMPDIRS+=("$tmp")
  mkdir -p "$tmp/root"
  cp "$bb" "$tmp/root/busybox"
  minimal_etc "$tmp/root"
  # No /bin at all: `docker run IMAGE /bin/sh` must fail; `IMAGE /busybox id` works.
  import_rootfs "$tmp/root" "$name" '["/busybox", "sh"]'
  remove_tmpdir "$tmp"
}

# debian_mirror: the Debian mirror apt uses for bookworm (deb822 .sources or sources.list).
debian_mirror() {
  local mirror=
  local files=(/etc/apt/sources.list.d/*.sources)
  if [[ -e ${files[0]} ]]; then
    mirror=$(awk 'BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^Types:/) { sub(/^Types:[ \t]*/, "", line); types = " " line " " }
          else if (line ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", line); uris = line }
          else if (line ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", line); suites = " " line " " }
          else if (line ~ /^Enabled:/) { sub(/^Enabled:[ \t]*/, "", line); enabled = line }
        }
        if (enabled != "no" && types ~ / deb / && suites ~ / bookworm /) {
          split(uris, u, /[ \t]+/); print u[1]; exit
        }
      }' "${files[@]}" 2>/dev/null)
  fi
  if [[ -z $mirror && -r /etc/apt/sources.list ]]; then
    mirror=$(awk '$1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == "bookworm") { print $i; exit }
      }' /etc/apt/sources.list)
  fi
  printf '%s' "${mirror:-http://deb.debian.org/debian}"
}

build_debian() {
  local name=$1 tmp mirror log=/var/log/lsf-docker-debootstrap.log
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap missing (scripts/provision.sh packages)"
  mirror=$(debian_mirror)
  tmp=$(make_tmpdir)
  LSFD_TMPDIRS+=("$tmp")
  if ! debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$log" 2>&1; then
    tail_log "$log" >&2
    remove_tmpdir "$tmp"
    die "debootstrap bookworm from $mirror failed (log $log)"
  fi
  rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"* 2>/dev/null || true
  [[ -x $tmp/root/bin/bash ]] || die "debootstrap produced no /bin/bash"
  import_rootfs "$tmp/root" "$name" '["/bin/bash"]'
  remove_tmpdir "$tmp"
}

# ensure_image NAME BUILDER
ensure_image() {
  local name=$1 builder=$2 t0
  if image_exists "$name"; then
    say "image $name" "already present"
    return 0
  fi
  t0=$(now)
  "$builder" "$name"
  image_exists "$name" || die "image $name still missing after building it"
  say "image $name" "built in $(since "$t0")"
}

step_images() {
  docker_answers || die "docker daemon not answering (run: scripts/provision.sh engine)"
  ensure_image "$LSFD_IMAGE_BUSYBOX" build_busybox
  ensure_image "$LSFD_IMAGE_NOSH" build_nosh
  ensure_image "$LSFD_IMAGE_DEBIAN" build_debian
}
