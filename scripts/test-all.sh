#!/usr/bin/env bash
# `npm run test:all`: everything a fresh Debian 12 + Node 20 machine (as root) needs, then lint,
# typecheck, and one jest run over the unit and integration projects (so the last lines are
# jest's summary with every test counted).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stage() {
  printf '\n=== test-all: %s (%s)\n' "$*" "$(date +%T)"
}

start=$SECONDS
stage 'npm ci'
npm ci --no-audit --no-fund
stage 'npm run build'
npm run build
stage 'provision (engine, images, registry, users)'
bash scripts/provision.sh
stage 'npm run lint'
npm run lint
stage 'npm run check:layers'
npm run check:layers
stage 'npm run typecheck'
npm run typecheck
stage "jest: unit + itg (setup took $((SECONDS - start)) s)"
npm test -- --runInBand
