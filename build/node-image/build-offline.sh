#!/usr/bin/env bash
# Builds the Chainlab node image without an image registry: debootstrap a
# minimal Debian bookworm from the configured mirror, add the packages of
# packages.txt, and `docker import` the tree. Usage: build-offline.sh TAG
set -euo pipefail
tag=${1:?usage: build-offline.sh TAG}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${CHAINLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /tmp/chainlab-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
pkgs=$(grep -v '^#' "$here/packages.txt" | tr '\n' ',' | sed 's/,$//')
echo "step 1/3: debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase --include="$pkgs" bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
echo "step 2/3: trim caches"
chroot "$work/rootfs" sh -c 'update-alternatives --set iptables /usr/sbin/iptables-nft >/dev/null; update-alternatives --set ip6tables /usr/sbin/ip6tables-nft >/dev/null; apt-get clean'
rm -rf "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/cache/apt/*.bin "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/*
echo "step 3/3: docker import as $tag"
tar -C "$work/rootfs" -c . | docker import --change 'CMD ["sleep","infinity"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$tag" >/dev/null
echo "built $tag"
