#!/usr/bin/env bash
# Installs what building, testing and running stargz-registry-storage needs on Debian 12.
# Idempotent: safe to run again; it only adds what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  openjdk-17-jdk-headless maven          # build
  fuse3 libfuse2 attr                    # FUSE (fusermount, libfuse.so.2 for jnr-fuse), getfattr
  docker-registry                        # the real registry, started by tests and the demo
  podman runc containers-storage         # end-to-end tests and the demo
  zstd gzip python3 curl                 # format tools, the scripts in tools/
  busybox-static                         # the shell of end-to-end test images
  debootstrap                            # the podman 5 root of podman 5 tests (scripts/podman5-root.sh)
  golang-go golang-github-containerd-stargz-snapshotter-dev  # tools/refgen, tools/peer-stargz-store
  golang-github-vbatts-tar-split-dev     # tar-split checker of the zstd:chunked writer tests
)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

echo ">> apt-get update"
$sudo apt-get update -qq
echo ">> apt-get install ${packages[*]}"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

# The project's reference tools (tools/README.md), built into tools/bin from Debian's packaged
# Go sources; again only when a source is newer than its build.
for tool in refgen peer-stargz-store; do
  if ! [ -x "$here/tools/bin/$tool" ] || [ "$here/tools/$tool/main.go" -nt "$here/tools/bin/$tool" ]; then
    echo ">> building tools/bin/$tool"
    bash "$here/tools/build-go.sh" "$tool" >/dev/null
  fi
done

if [ ! -e /dev/fuse ]; then
  echo "!! /dev/fuse is missing: the daemon cannot mount (load the fuse module or run with --device /dev/fuse)" >&2
fi
echo ">> system packages ready"
