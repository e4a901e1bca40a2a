#!/bin/sh
# lsf-docker: wire the esubs into LSF. Run as root (or the LSF admin) on every submission host:
#   sh install-esubs.sh /opt/lsf-docker
# LSF finds `bsub -a "NAME(args)"`'s esub as $LSF_SERVERDIR/esub.NAME; these are symlinks to the
# installed programs. Remove them to unwire. LSB_SUB_ABORT_VALUE (97) rejects a bad image.
set -eu
PREFIX=${1:?usage: install-esubs.sh PREFIX}
: "${LSF_SERVERDIR:?source your LSF profile first (profile.lsf)}"
for name in esub.docker esub.docker_build esub.docker_exec; do
  [ -x "$PREFIX/bin/$name" ] || { echo "install-esubs: $PREFIX/bin/$name missing" >&2; exit 1; }
  ln -sfn "$PREFIX/bin/$name" "$LSF_SERVERDIR/$name"
done
echo "install-esubs: esub.docker, esub.docker_build and esub.docker_exec linked into $LSF_SERVERDIR"
