#!/usr/bin/env bash
# A Debian trixie root with podman 5.4, for end-to-end tests and manual checks against podman 5
# on hosts (Debian 12) that only package podman 4.3. Must run as root.
#
#   podman5-root.sh create   debootstrap the root once (about 1.5 min), then reuse it; prints it
#   podman5-root.sh mount    make it usable: bind mount on itself, /proc, /sys, /dev, /run
#   podman5-root.sh umount   undo `mount` (reverse order, the host's /sys and /dev untouched)
#   podman5-root.sh path     print the root
#
# Then: PODMAN_IGNORE_CGROUPSV1_WARNING=1 chroot ROOT podman --cgroup-manager cgroupfs ...
#
# SRS_PODMAN5_ROOT  the root (default /var/cache/stargz-registry-storage/podman5-root)
# SRS_DEBIAN_MIRROR the Debian URI to bootstrap from (default: the first non-security URI of
#                   this host's apt sources)
# All commands are idempotent and serialised by a lock file next to the root.
set -euo pipefail

root=${SRS_PODMAN5_ROOT:-/var/cache/stargz-registry-storage/podman5-root}
root=${root%/}
suite=trixie
# curl: the auth helper (bin/stargz-registry-storage-auth-helper) runs inside the root
packages=podman,crun,conmon,netavark,aardvark-dns,fuse3,ca-certificates,iptables,curl
complete_marker=$root/.srs-podman5-root-complete

die() {
  echo "podman5-root: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, mount and chroot need it)"

# Mount points at or below the root, deepest first (the order to unmount them in).
mounts_below_root() {
  awk -v r="$root" '{ gsub(/\\040/, " ", $5); if ($5 == r || index($5, r "/") == 1) print $5 }' \
    /proc/self/mountinfo | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

is_mount_point() {
  awk -v p="$1" '$5 == p { found = 1 } END { exit !found }' /proc/self/mountinfo
}

debian_mirror() {
  if [ -n "${SRS_DEBIAN_MIRROR:-}" ]; then
    echo "$SRS_DEBIAN_MIRROR"
    return
  fi
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
      /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list (set SRS_DEBIAN_MIRROR)"
  echo "$uri"
}

create() {
  if [ -f "$complete_marker" ]; then
    echo "$root"
    return
  fi
  command -v debootstrap >/dev/null 2>&1 \
    || die "debootstrap is not installed (apt-get install debootstrap, or scripts/setup-debian.sh)"
  if [ -e "$root" ]; then
    # a bootstrap that did not finish: start again, but never delete through a live mount
    [ -z "$(mounts_below_root)" ] || die "$root is an unfinished root with mounts below it; run '$0 umount' first"
    rm -rf --one-file-system "$root"
  fi
  local mirror
  mirror=$(debian_mirror)
  mkdir -p "$(dirname "$root")"
  echo "podman5-root: bootstrapping Debian $suite with podman into $root from $mirror" >&2
  if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
      >"$root.debootstrap.log" 2>&1; then
    die "debootstrap failed; see $root.debootstrap.log (last lines: $(tail -n 3 "$root.debootstrap.log" | tr '\n' ' '))"
  fi
  mkdir -p "$root/w" "$root/etc/containers/registries.conf.d"
  [ -x "$root/usr/bin/podman" ] || die "debootstrap finished but $root/usr/bin/podman is missing; see $root.debootstrap.log"
  touch "$complete_marker"
  echo "$root"
}

mount_root() {
  [ -f "$complete_marker" ] || die "$root is not bootstrapped; run '$0 create' first"
  if ! is_mount_point "$root"; then
    # podman remounts / inside the root: it must be a mount point
    # (or: "remount /, flags: 0x44000: invalid argument")
    mount --bind "$root" "$root"
    # private: the host's /sys and /dev below stay out of the host's mount table elsewhere
    mount --make-private "$root"
  fi
  is_mount_point "$root/proc" || mount -t proc proc "$root/proc"
  if ! is_mount_point "$root/sys"; then
    mount --rbind /sys "$root/sys"
    mount --make-rslave "$root/sys"
    # crun refuses the hybrid cgroup v1/v2 layout: hide the v2 hierarchy inside the root only
    if is_mount_point "$root/sys/fs/cgroup/unified"; then
      umount "$root/sys/fs/cgroup/unified"
    fi
  fi
  if ! is_mount_point "$root/dev"; then
    mount --rbind /dev "$root/dev"
    mount --make-rslave "$root/dev"
  fi
  is_mount_point "$root/run" || mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  mkdir -p "$root/w"
}

umount_root() {
  local m failed=""
  # deepest first; rslave/private, so this never reaches the host's own /sys and /dev mounts
  while read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" || failed="$failed $m"
  done < <(mounts_below_root)
  [ -z "$failed" ] || die "could not unmount:$failed"
}

mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9

case "${1:-create}" in
  create) create ;;
  mount) mount_root ;;
  umount) umount_root ;;
  path) echo "$root" ;;
  *) die "usage: $0 [create|mount|umount|path]" ;;
esac
