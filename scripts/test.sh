#!/usr/bin/env bash
# Builds stargz-registry-storage and runs every test (unit, conformance against testdata/fixtures,
# real registry, FUSE, podman 4.3.1 and podman 5.4 end-to-end). Installs system packages first
# and makes the Debian 13 root podman 5 runs in (both idempotent; the root is kept and reused).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup-debian.sh
echo ">> podman 5 root (debootstrap once, then reused)"
bash scripts/podman5-root.sh create
echo ">> mvn verify"
mvn -B -ntp ${SRS_MVN_ARGS:-} verify
