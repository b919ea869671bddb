#!/usr/bin/env bash
# Starts a Docker engine if none answers, and builds the Chainlab node image
# offline if it is missing. Used by .ci/run; safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  echo "starting dockerd"
  nohup dockerd >/tmp/chainlab-dockerd.log 2>&1 &
  for i in $(seq 1 60); do
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
    sleep 1
  done
  docker version --format 'dockerd {{.Server.Version}} is up' || { tail -20 /tmp/chainlab-dockerd.log; exit 1; }
fi
node bin/chainlab.mjs image build
