#!/usr/bin/env bash
# The whole thing on one machine: builds stargz-registry-storage, starts a local registry, pushes
# a sample image with podman and converts it to eStargz with this project's converter (registry
# to registry), starts the daemon, runs a container with podman through it, and prints how many
# bytes were fetched against the image size. Installs what it needs (Debian 12).
# Cleans up after itself; DEMO_KEEP=1 leaves the work directory for a look around.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash scripts/setup-debian.sh
echo ">> building (mvn package)"
mvn -B -q -ntp -DskipTests package
srs="$here/bin/stargz-registry-storage"

work=$(mktemp -d /tmp/srs-demo.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
mnt=$work/store
daemon_pid="" registry_pid=""
cleanup() {
  set +e
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  podman_ rm -a -f >/dev/null 2>&1; podman_ rmi -a -f >/dev/null 2>&1
  podman_ system reset -f >/dev/null 2>&1
  podman_src rmi -a -f >/dev/null 2>&1; podman_src system reset -f >/dev/null 2>&1
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null
  mountpoint -q "$mnt" 2>/dev/null && fusermount -u -z "$mnt"
  [ "${DEMO_KEEP:-0}" = 1 ] && echo ">> kept $work" || rm -rf "$work"
}
trap cleanup EXIT

echo ">> starting a registry at $reg"
mkdir -p "$work/registry"
cat > "$work/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: true}}
http: {addr: $reg, secret: demo}
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -fs "http://$reg/v2/" >/dev/null && break; sleep 0.1; done

echo ">> building a sample image: busybox plus 64 MiB of data the container never reads"
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/data"
cp /bin/busybox "$work/rootfs/bin/"
for a in sh cat echo ls; do ln -s busybox "$work/rootfs/bin/$a"; done
echo "Hello from a container whose image was never downloaded." > "$work/rootfs/etc/motd"
head -c $((64 << 20)) /dev/urandom > "$work/rootfs/data/unused.bin"
tar -C "$work/rootfs" -cf "$work/layer.tar" .
cat > "$work/registries.conf" <<CONF
unqualified-search-registries = []
[[registry]]
location = "$reg"
insecure = true
CONF
cat > "$work/config.toml" <<CONF
[store]
root = "$work/root"
[registry]
registries_conf = "$work/registries.conf"
[fetch]
background = false
CONF
cat > "$work/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$work/graph"
runroot = "$work/run"
[storage.options]
additionallayerstores = ["$mnt:ref"]
CONF
cat > "$work/storage-src.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$work/src-graph"
runroot = "$work/src-run"
CONF
# podman as a container node uses it (through the daemon's store), and podman that only builds
# and pushes the sample image (plain storage of its own)
podman_() {
  CONTAINERS_STORAGE_CONF="$work/storage.conf" CONTAINERS_REGISTRIES_CONF="$work/registries.conf" \
    podman --cgroup-manager cgroupfs --events-backend file "$@"
}
podman_src() {
  CONTAINERS_STORAGE_CONF="$work/storage-src.conf" CONTAINERS_REGISTRIES_CONF="$work/registries.conf" \
    podman --cgroup-manager cgroupfs --events-backend file "$@"
}

echo ">> pushing it with podman (gzip) as $reg/demo/hello:gzip"
podman_src import -q --change 'CMD ["/bin/cat", "/etc/motd"]' "$work/layer.tar" localhost/demo/hello:src >/dev/null
podman_src push -q --tls-verify=false localhost/demo/hello:src "docker://$reg/demo/hello:gzip"
echo ">> converting it to eStargz, registry to registry: $srs convert --format estargz ..."
"$srs" --config "$work/config.toml" convert --format estargz --tls-verify=false \
  --registries-conf "$work/registries.conf" "docker://$reg/demo/hello:gzip" "docker://$reg/demo/hello:1" >/dev/null

echo ">> starting the daemon: $srs --config $work/config.toml $mnt"
"$srs" --config "$work/config.toml" "$mnt" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do "$srs" --config "$work/config.toml" status >/dev/null 2>&1 && break; sleep 0.1; done

echo ">> podman run $reg/demo/hello:1 cat /etc/motd"
start=$(date +%s.%N)
podman_ run --rm --network none --runtime "$here/tools/no-rlimits/runc" "$reg/demo/hello:1" /bin/cat /etc/motd
end=$(date +%s.%N)

echo ">> what the daemon fetched"
"$srs" --config "$work/config.toml" status
"$srs" --config "$work/config.toml" status --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
size = sum(l["size"] for i in r["images"] for l in i["layers"])
got = sum(l.get("bytesFetched", 0) for i in r["images"] for l in i["layers"])
print(f">> fetched {got:,} bytes of a {size:,}-byte image ({100.0 * got / size:.1f} %)")'
python3 -c "print(f'>> pull + run took {float(\"$end\") - float(\"$start\"):.2f} s')"
