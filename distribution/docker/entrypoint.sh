#!/bin/sh
# Entry point of the Quiver image: runs its arguments (./qdrant ... by default) as the unprivileged
# user quiver (uid/gid 10001) with no capabilities.
#
# Started as root (the image's default, so that Qdrant's compose files and `docker run` lines work
# unchanged), it first
#   - takes ownership of /qdrant/storage and /qdrant/snapshots when they are empty directories that
#     belong to someone else: a bind mount such as ./node1_storage:/qdrant/storage, which the
#     container engine creates as root. Only the empty directory itself changes owner, never what
#     is in it and never through a symbolic link; a non-empty directory the node cannot write is
#     reported and the container stops.
#   - gives the node a private in-memory copy of /qdrant/tls when files there are readable by root
#     only (`openssl genrsa` writes key.pem with mode 600), since the node could not read them.
# and then drops to uid 10001 with setpriv: groups cleared, every capability cleared (also from the
# bounding set when the container may do that), no-new-privileges set.
#
# Started as any other user (Kubernetes' runAsUser with fsGroup, or --user), it only execs.
set -eu

UID_Q=10001
GID_Q=10001

say() {
  echo "quiver-entrypoint: $*" >&2
}

if [ "$(id -u)" != 0 ]; then
  exec "$@"
fi

as_quiver() {
  setpriv --reuid="$UID_Q" --regid="$GID_Q" --clear-groups "$@"
}

# claim DIR: make an empty data directory the node's; refuse a non-empty one it cannot write.
claim() {
  dir=$1
  if [ -L "$dir" ]; then
    say "$dir is a symbolic link; mount a directory there (links are not followed)"
    exit 1
  fi
  [ -d "$dir" ] || return 0
  owner=$(stat -c %u "$dir")
  [ "$owner" = "$UID_Q" ] && return 0
  if [ -z "$(ls -A "$dir")" ]; then
    # mode first: once the directory is the node's, root without CAP_FOWNER may not change it
    chmod 750 "$dir"
    chown -h "$UID_Q:$GID_Q" "$dir"
    say "took ownership of the empty directory $dir (was uid $owner) for uid $UID_Q"
  elif ! as_quiver test -w "$dir" -a -x "$dir"; then
    say "$dir belongs to uid $owner, holds data and is not writable by uid $UID_Q, which the node" \
      "runs as. Existing data is never re-owned automatically: run 'chown -R $UID_Q:$GID_Q' on the" \
      "host directory once, or start the container as its owner (--user $owner)."
    exit 1
  fi
}

claim /qdrant/storage
claim /qdrant/snapshots

# TLS files the node cannot read (cert.pem, key.pem, cacert.pem: the names the node reads by
# default): copy those to a directory only the node can read, in memory. Other files there, such as
# a CA's key, are never copied.
if [ -d /qdrant/tls ]; then
  copy=/dev/shm/quiver-tls
  copied=""
  for name in cert key cacert; do
    f=/qdrant/tls/$name.pem
    if [ -f "$f" ] && [ ! -L "$f" ] && ! as_quiver test -r "$f"; then
      [ -d "$copy" ] || mkdir -m 700 "$copy"
      cp "$f" "$copy/$name.pem"
      chmod 400 "$copy/$name.pem"
      chown "$UID_Q:$GID_Q" "$copy/$name.pem"
      copied="$copied $name.pem"
      case $name in
        cert) export QDRANT__TLS__CERT="${QDRANT__TLS__CERT:-$copy/cert.pem}" ;;
        key) export QDRANT__TLS__KEY="${QDRANT__TLS__KEY:-$copy/key.pem}" ;;
        cacert) export QDRANT__TLS__CA_CERT="${QDRANT__TLS__CA_CERT:-$copy/cacert.pem}" ;;
      esac
    fi
  done
  if [ -n "$copied" ]; then
    chown "$UID_Q:$GID_Q" "$copy"
    say "/qdrant/tls:$copied readable by root only; the node reads a private copy in $copy" \
      "(certificate reloads need a restart; make the files readable by uid $UID_Q to reload in place)"
  fi
fi

# Drop the bounding set too when the container holds CAP_SETPCAP (bit 8).
bounding=""
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
if [ $(((0x$capeff >> 8) & 1)) = 1 ]; then
  bounding="--bounding-set=-all"
fi
# shellcheck disable=SC2086 # bounding is one option or none
exec setpriv --reuid="$UID_Q" --regid="$GID_Q" --clear-groups --inh-caps=-all $bounding \
  --no-new-privs "$@"
