#!/usr/bin/env bash
# `npm run setup`: make this machine ready to use and test lsf-docker (as root, Debian 12):
#   1. npm ci when node_modules is missing or older than package-lock.json
#   2. npm run build (dist/bundle)
#   3. scripts/provision.sh (engine, test images, registry, test users)
#   4. scripts/install.sh /opt/lsf-docker --link /usr/local/bin --lsf-names --sudo-rule (the secure
#      deployment: users reach the daemon only through the installed programs)
# Safe to rerun; a rerun on a ready machine takes seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ $(id -u) -eq 0 ]] || {
  printf 'setup: error: run as root (provisioning starts dockerd and creates users)\n' >&2
  exit 1
}

# npm writes node_modules/.package-lock.json on every install: older than the lock = stale.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  printf 'setup: npm ci\n'
  npm ci --no-audit --no-fund
else
  printf 'setup: node_modules up to date\n'
fi
printf 'setup: npm run build\n'
npm run build
bash scripts/provision.sh
bash scripts/install.sh /opt/lsf-docker --link /usr/local/bin --lsf-names --sudo-rule
