#!/usr/bin/env bash
# A longer version of KillLoopTest: SIGKILL the daemon at random points N times (default 200)
# during migration, background fetches and garbage collection, then check the store and reads.
#   scripts/kill-soak.sh [ITERATIONS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -pl daemon -am test -Dtest=KillLoopTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dsrs.killIterations="${1:-200}" -Dsrs.killSeed="${2:-$RANDOM}"
echo "kill soak passed: ${1:-200} kills"
