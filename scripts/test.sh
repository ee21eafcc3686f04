#!/usr/bin/env bash
# Builds stargz-registry-storage and runs every test (unit, conformance against testdata/fixtures,
# real registry, FUSE and podman end-to-end). Installs system packages first (idempotent).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/setup-debian.sh
echo ">> mvn verify"
mvn -B -ntp ${SRS_MVN_ARGS:-} verify
