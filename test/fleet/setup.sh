#!/usr/bin/env bash
# What the fleet tests (test/fleet.test.ts) need, on a clean machine: the samples' Go toolchains
# and libraries (samples/toolchain.sh), PostgreSQL 15 for samples/servers/postgres.sh, the
# fleetd binary (test/fleet/build.sh) and Debian's Prometheus (test/fleet/prometheus.sh).
# Idempotent; only PostgreSQL is installed system-wide (as samples/servers/postgres.sh would),
# everything else stays under samples/.work.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
samples=$(cd "$here/../../samples" && pwd)
# The libraries are proven by building fleetd below: the samples' proof builds are left out. On a
# clean machine only what the fleet tests build is fetched (Go 1.27 and lib/pq); where the
# samples' toolchains are already in, toolchain.sh keeps them all.
if [ -f "$samples/.work/TOOLCHAINS_READY" ]; then
  SAMPLES_PROOF=0 bash "$samples/toolchain.sh"
else
  SAMPLES_GO_VERSIONS=1.27 SAMPLES_GO_LIBS=golang-github-lib-pq-dev bash "$samples/toolchain.sh"
fi
if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # keep the package's own cluster service from starting: only the samples' private one runs
  made=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    made=1
  fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  [ -n "$made" ] && $SUDO rm -f /usr/sbin/policy-rc.d
fi
bash "$here/build.sh" >/dev/null
bash "$here/prometheus.sh" >/dev/null
echo "fleet tests: ready"
