#!/bin/sh
# Builds the local base images the packaging tests use instead of pulling (CI has no registry to pull from):
# a Debian bookworm minbase from the apt mirror, plus this machine's Node (the image's runtime, as in the public
# node:20-bookworm-slim). The root filesystem is cached as a tarball and rebuilt only when missing; the podman
# image is imported from it when podman does not have it.
#   test/packaging/base-image.sh node    -> prints localhost/flink-guardian-base:bookworm-node
set -eu
kind=${1:-node}
cache=${FLINK_GUARDIAN_IMAGE_CACHE:-$HOME/.cache/flink-guardian/images}
mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}
image=localhost/flink-guardian-base:bookworm-$kind
mkdir -p "$cache"
# Two test files (or two engineers) asking at once build it once.
exec 9>"$cache/.lock"
flock 9

minbase() { # DIR [--include=...]
  dir=$1
  shift
  debootstrap --variant=minbase "$@" bookworm "$dir" "$mirror" >"$cache/debootstrap-$kind.log" 2>&1 || {
    tail -n 30 "$cache/debootstrap-$kind.log" >&2
    exit 1
  }
  # Package lists and caches are not needed at run time.
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
}

build_rootfs() {
  root=$(mktemp -d "$cache/rootfs-$kind.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  case $kind in
    node)
      minbase "$root"
      node=$(command -v node)
      install -m 0755 "$node" "$root/usr/local/bin/node"
      npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
      mkdir -p "$root/usr/local/lib/node_modules"
      cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
      ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
      ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
      ;;
    *)
      echo "unknown base image kind: $kind" >&2
      exit 2
      ;;
  esac
  tar -C "$root" -cf "$cache/bookworm-$kind.tar.tmp" .
  mv "$cache/bookworm-$kind.tar.tmp" "$cache/bookworm-$kind.tar"
}

[ -f "$cache/bookworm-$kind.tar" ] || build_rootfs
if ! podman image exists "$image"; then
  podman import --change 'CMD ["/bin/bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$cache/bookworm-$kind.tar" "$image" >/dev/null
fi
echo "$image"
