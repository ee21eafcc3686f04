#!/usr/bin/env bash
# Builds the release artifacts of stargz-registry-storage, offline, into OUTDIR (default
# target/dist):
#   stargz-registry-storage-VERSION.tar.gz   unpack and run ./install.sh (or bin/ in place)
#   stargz-registry-storage_DEBVERSION_all.deb   apt install ./FILE.deb
# VERSION is the Maven project version (read from the built jar); a -SNAPSHOT becomes ~SNAPSHOT
# in the .deb so the release sorts after it. The .deb is the tarball installed by its own
# install.sh with prefix /usr, plus its control files (dpkg-deb, no debhelper needed).
#
#   scripts/package.sh [--no-build] [OUTDIR]     --no-build: use daemon/target's jar as is
set -euo pipefail
me=package.sh
name=stargz-registry-storage
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/lib.sh"
build=true
out=""
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "$me: unknown option '$arg'" >&2; exit 2 ;;
    *) out=$arg ;;
  esac
done
out=${out:-$here/target/dist}

jar=$here/daemon/target/$name.jar
if [ "$build" = true ]; then
  echo ">> mvn package"
  (cd "$here" && mvn -B -q -ntp -DskipTests package)
fi
if [ ! -f "$jar" ]; then
  echo "$me: $jar is missing; build it with: mvn -q -DskipTests package" >&2
  exit 1
fi
version=$(java -jar "$jar" --version | sed -n "s/^$name //p")
case "$version" in
  ""|*" "*|"(development build)") echo "$me: no version in $jar (got '$version')" >&2; exit 1 ;;
esac
deb_version=${version//-/\~}

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The tarball: runnable in place (bin/ finds lib/), installable with its install.sh.
tree=$work/$name-$version
install -d "$tree/bin" "$tree/lib/$name" "$tree/share/bash-completion/completions" \
  "$tree/systemd" "$tree/packaging" "$tree/docs"
install -m 0755 "$here/bin/$name" "$here/bin/$name-auth-helper" "$tree/bin/"
install -m 0644 "$jar" "$tree/lib/$name/$name.jar"
completion_script "$jar" > "$tree/share/bash-completion/completions/$name"
install -m 0644 "$here/systemd/$name.service" "$tree/systemd/"
install -m 0644 "$here/packaging/config.toml" "$tree/packaging/"
install -m 0644 "$here/README.md" "$tree/"
install -m 0644 "$here"/docs/*.md "$tree/docs/"
install -m 0755 "$here/scripts/install.sh" "$tree/install.sh"
tarball=$out/$name-$version.tar.gz
tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name -czf "$tarball" "$name-$version"

# The .deb: the tarball's own install.sh into a staging root.
root=$work/deb
bash "$tree/install.sh" --prefix /usr --destdir "$root" --systemd-dir /lib/systemd/system >/dev/null
install -d -m 0755 "$root/DEBIAN"
echo "/etc/$name/config.toml" > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<EOF
Package: $name
Version: $deb_version
Architecture: all
Maintainer: ${DEB_MAINTAINER:-stargz-registry-storage developers <dev@localhost>}
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: openjdk-17-jre-headless | java17-runtime-headless, fuse3, libfuse2 | libfuse2t64, curl
Suggests: podman
Section: admin
Priority: optional
Homepage: https://github.com/stargz-registry-storage/stargz-registry-storage
Description: lazily pulled container image layers for podman and CRI-O
 An additional layer store for containers/storage: a FUSE file system that
 shows every eStargz or zstd:chunked layer of a remote image as an extracted
 directory and fetches only the bytes containers read, verifying each chunk
 against the layer's table of contents.
EOF
# systemd learns about the unit; it is not enabled or (re)started: storage.conf must name the
# store first, and restarting the daemon would pull the layers from under running containers.
for script in postinst postrm; do
  cat > "$root/DEBIAN/$script" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload || true
fi
EOF
  chmod 0755 "$root/DEBIAN/$script"
done
deb=$out/${name}_${deb_version}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null

echo "$tarball"
echo "$deb"
