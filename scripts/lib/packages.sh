# shellcheck shell=bash
# Step "packages": the Debian packages provisioning needs, installed only when missing.

LSFD_PACKAGES=(docker.io busybox-static debootstrap docker-registry apache2-utils perl strace)

package_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

step_packages() {
  local missing=() pkg t0 added_policy=
  for pkg in "${LSFD_PACKAGES[@]}"; do
    package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    say packages "already installed (${LSFD_PACKAGES[*]})"
    return 0
  fi
  t0=$(now)
  # Package scripts must not start dockerd or the registry through init scripts: this script
  # starts them itself, with its own configuration. policy-rc.d exit 101 = "do not start".
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, from lsf-docker scripts/provision.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >/var/log/lsf-docker-apt.log 2>&1 || rc=$?
  [[ -n $added_policy ]] && rm -f /usr/sbin/policy-rc.d
  if ((rc != 0)); then
    tail_log /var/log/lsf-docker-apt.log >&2
    die "apt-get install ${missing[*]} failed (exit $rc, log /var/log/lsf-docker-apt.log)"
  fi
  say packages "installed ${missing[*]} in $(since "$t0")"
}
