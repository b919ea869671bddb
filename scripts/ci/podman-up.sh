#!/usr/bin/env bash
# Starts Podman's Docker-compatible API (rootful, /run/podman/podman.sock) if it
# does not answer, and loads the Chainlab node image into Podman from Docker (no
# registry needed). Used by .ci/run after docker-up.sh; safe to run twice.
# Needs: podman, catatonit (Podman's init for --init), docker with the image.
set -euo pipefail
cd "$(dirname "$0")/../.."
sock=/run/podman/podman.sock
log=/tmp/chainlab-podman.log

ping() {
  node -e "require('http').get({socketPath: process.argv[1], path: '/_ping', timeout: 2000}, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))" "$sock"
}

start_service() {
  mkdir -p "$(dirname "$sock")"
  nohup podman system service --time=0 "unix://$sock" >"$log" 2>&1 &
  echo $! >/run/podman/chainlab-service.pid
  for _ in $(seq 1 40); do ping && return 0; sleep 0.5; done
  echo "podman system service did not answer on $sock within 20 s:"; tail -20 "$log"; exit 1
}

if ! ping; then
  echo "starting podman system service on $sock"
  start_service
fi
echo "podman $(podman version --format '{{.Server.Version}}') answers on $sock"

# The tag docker-up.sh built (chainlab/node:<version>), as `chainlab image status` names it.
tag=$(node bin/chainlab.mjs image status | sed -n 's/^image: \(chainlab\/node:[^ ]*\) present.*/\1/p')
[ -n "$tag" ] || { echo "the node image is not in Docker; run scripts/ci/docker-up.sh first"; exit 1; }
if ! podman image exists "$tag"; then
  echo "loading $tag into podman (docker save | podman load)"
  docker save "$tag" | podman load >/dev/null 2>&1
fi

# A node must start. Where Podman runs without CAP_SYS_RESOURCE (CI inside a
# container), runc cannot raise nofile/nproc to Podman's defaults: keep the
# service's own limits instead, and restart it once.
if ! out=$(podman run --rm --init --network=none "$tag" true 2>&1); then
  if grep -q 'error setting rlimit' <<<"$out" && [ -f /run/podman/chainlab-service.pid ]; then
    pid=$(cat /run/podman/chainlab-service.pid)
    nofile=$(awk '/Max open files/ {print $5}' "/proc/$pid/limits")
    nproc=$(awk '/Max processes/ {print $4}' "/proc/$pid/limits")
    echo "podman may not raise ulimits here; default_ulimits nofile=$nofile nproc=$nproc (/etc/containers/containers.conf.d/chainlab-ulimits.conf)"
    mkdir -p /etc/containers/containers.conf.d
    printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' "$nofile" "$nofile" "$nproc" "$nproc" >/etc/containers/containers.conf.d/chainlab-ulimits.conf
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    start_service
    out=$(podman run --rm --init --network=none "$tag" true 2>&1) || { echo "a node container still cannot start under podman: $out"; exit 1; }
  else
    echo "a node container cannot start under podman: $out"; exit 1
  fi
fi
echo "podman runs $tag"
