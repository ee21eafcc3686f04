#!/usr/bin/env bash
# Installs stargz-registry-storage on this node (or into a staging root): the jar, the launcher
# and auth helper, the systemd unit, an example config, bash completion and the docs. The one
# install mechanism: the release tarball ships this script at its top, and scripts/package.sh
# builds the .deb with it. Works from a checkout after `mvn -q -DskipTests package` too.
#
#   install.sh [--prefix DIR] [--destdir DIR] [--systemd-dir DIR] [--uninstall [--purge]]
#
# Also accepts PREFIX=DIR, DESTDIR=DIR, SYSTEMD_DIR=DIR as arguments or environment (as make
# does). Defaults: prefix /usr/local, systemd unit in /etc/systemd/system (/lib/systemd/system
# for prefix /usr). The config is always /etc/stargz-registry-storage/config.toml (the daemon's
# default), installed only if there is none yet: an upgrade keeps the operator's file.
# docs/install.md lists every file.
set -euo pipefail
me=install.sh
name=stargz-registry-storage

prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
systemd_dir=${SYSTEMD_DIR:-}
action=install
purge=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift ;;
    --prefix=*) prefix=${1#*=} ;;
    --destdir) destdir=$2; shift ;;
    --destdir=*) destdir=${1#*=} ;;
    --systemd-dir) systemd_dir=$2; shift ;;
    --systemd-dir=*) systemd_dir=${1#*=} ;;
    PREFIX=*) prefix=${1#*=} ;;
    DESTDIR=*) destdir=${1#*=} ;;
    SYSTEMD_DIR=*) systemd_dir=${1#*=} ;;
    --uninstall) action=uninstall ;;
    --purge) purge=true ;;
    -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "$me: unknown argument '$1' (see $0 --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$prefix" in
  /*) ;;
  *) echo "$me: --prefix must be an absolute path, not '$prefix'" >&2; exit 2 ;;
esac
prefix=${prefix%/}
if [ -z "$systemd_dir" ]; then
  if [ "$prefix" = /usr ]; then systemd_dir=/lib/systemd/system; else systemd_dir=/etc/systemd/system; fi
fi
destdir=${destdir%/}

bin_dir=$prefix/bin
lib_dir=$prefix/lib/$name
completion_dir=$prefix/share/bash-completion/completions
doc_dir=$prefix/share/doc/$name
conf_dir=/etc/$name
unit=$systemd_dir/$name.service
installed=(
  "$bin_dir/$name" "$bin_dir/$name-auth-helper" "$lib_dir/$name.jar"
  "$completion_dir/$name" "$unit"
)

reload_systemd() {
  if [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl daemon-reload
  fi
}

if [ "$action" = uninstall ]; then
  for f in "${installed[@]}"; do rm -f "$destdir$f"; done
  rm -rf "$destdir$doc_dir"
  rmdir "$destdir$lib_dir" 2>/dev/null || true
  if [ "$purge" = true ]; then rm -rf "$destdir$conf_dir"; fi
  reload_systemd
  echo "removed $name from $destdir$prefix (store /var/lib/$name and, without --purge, $conf_dir kept)"
  exit 0
fi

# Where the files come from: a release tarball (this script at its top, the jar and completion
# prebuilt) or a checkout (this script in scripts/, the jar from mvn package).
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../pom.xml" ]; then
  # a checkout: the completion is generated from the built jar (the tarball ships it)
  . "$here/lib.sh"
  src=$(cd "$here/.." && pwd)
  jar=$src/daemon/target/$name.jar
  completion=""
else
  src=$here
  jar=$src/lib/$name/$name.jar
  completion=$src/share/bash-completion/completions/$name
fi
if [ ! -f "$jar" ]; then
  echo "$me: $jar is missing; build it first with: mvn -q -DskipTests package" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$completion" ]; then
  completion=$tmp/$name.bash
  completion_script "$jar" > "$completion"
fi

install -d -m 0755 "$destdir$bin_dir" "$destdir$lib_dir" "$destdir$completion_dir" \
  "$destdir$doc_dir" "$destdir$systemd_dir" "$destdir$conf_dir"
install -m 0644 "$jar" "$destdir$lib_dir/$name.jar"
install -m 0755 "$src/bin/$name" "$destdir$bin_dir/$name"
install -m 0755 "$src/bin/$name-auth-helper" "$destdir$bin_dir/$name-auth-helper"
install -m 0644 "$completion" "$destdir$completion_dir/$name"
install -m 0644 "$src/README.md" "$destdir$doc_dir/README.md"
install -d -m 0755 "$destdir$doc_dir/docs"
install -m 0644 "$src"/docs/*.md "$destdir$doc_dir/docs/"

# The unit runs the launcher from where it is installed (the file in systemd/ names /usr/local/bin).
sed "s#/usr/local/bin/$name#$bin_dir/$name#g" "$src/systemd/$name.service" > "$tmp/$name.service"
if ! grep -q "^ExecStart=$bin_dir/$name " "$tmp/$name.service"; then
  echo "$me: $src/systemd/$name.service: ExecStart does not run /usr/local/bin/$name, cannot point it at $bin_dir/$name" >&2
  exit 1
fi
install -m 0644 "$tmp/$name.service" "$destdir$unit"

if [ -e "$destdir$conf_dir/config.toml" ]; then
  echo "kept $destdir$conf_dir/config.toml (the example is $destdir$doc_dir/config.toml)"
else
  install -m 0644 "$src/packaging/config.toml" "$destdir$conf_dir/config.toml"
fi
install -m 0644 "$src/packaging/config.toml" "$destdir$doc_dir/config.toml"
reload_systemd
echo "installed $name into $destdir$prefix (unit $destdir$unit, config $destdir$conf_dir/config.toml)"
