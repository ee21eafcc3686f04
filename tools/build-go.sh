#!/usr/bin/env bash
# Builds one of the project's Go tools (tools/NAME/*.go) offline, against the Go sources that
# Debian packages under /usr/share/gocode (GOPATH mode, no module downloads).
#   tools/build-go.sh NAME [OUT]     default OUT: tools/bin/NAME
# Needs golang-go and the -dev packages that scripts/setup-debian.sh installs.
set -euo pipefail
tools=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: tools/build-go.sh NAME [OUT]}
out=${2:-$tools/bin/$name}
[ -f "$tools/$name/main.go" ] || { echo "build-go.sh: no Go tool at $tools/$name" >&2; exit 2; }
gocode=/usr/share/gocode
if ! command -v go >/dev/null || ! [ -d "$gocode/src/github.com/containerd/stargz-snapshotter" ]; then
  echo "build-go.sh: go or Debian's stargz-snapshotter Go sources ($gocode) are missing:" \
    "run scripts/setup-debian.sh" >&2
  exit 1
fi
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src" "$(dirname "$out")"
ln -s "$tools/$name" "$gopath/src/$name"
GO111MODULE=off GOFLAGS= GOPATH="$gopath:$gocode" GOCACHE="$gopath/cache" \
  go build -o "$out.tmp.$$" "$name"
mv -f "$out.tmp.$$" "$out"
echo "built $out"
