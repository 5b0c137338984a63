#!/bin/sh
# Runs the mutual-TLS cluster of cluster-tls/docker-compose.yml as three local processes from the
# release tarball, for machines without Docker:
#   compose/run-local-cluster.sh start    # prints the endpoints and the API key
#   compose/run-local-cluster.sh status
#   compose/run-local-cluster.sh stop
# Environment: BASE_DIR (default ./local-cluster), BASE_PORT (default 16333; node N uses
# BASE_PORT+10*(N-1) for REST, +1 gRPC, +2 P2P), TARBALL (default the one the build made),
# JAVA_HOME (a JDK 25). Everything listens on 127.0.0.1 only.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
BASE_DIR=${BASE_DIR:-./local-cluster}
BASE_PORT=${BASE_PORT:-16333}
NODES=3

mkdir -p "$BASE_DIR"
BASE_DIR=$(cd "$BASE_DIR" && pwd -P)

port() { echo $((BASE_PORT + 10 * ($1 - 1) + $2)); }

ready() { # node
  curl -fs --max-time 2 --cacert "$BASE_DIR/tls/cacert.pem" "https://127.0.0.1:$(port "$1" 0)/readyz" >/dev/null 2>&1
}

wait_ready() { # node
  i=0
  while ! ready "$1"; do
    i=$((i + 1))
    if [ $i -gt 120 ]; then
      echo "node $1 did not become ready; see $BASE_DIR/node$1/quiver.log" >&2
      exit 1
    fi
    if ! kill -0 "$(cat "$BASE_DIR/node$1/pid")" 2>/dev/null; then
      echo "node $1 exited; see $BASE_DIR/node$1/quiver.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

start_node() { # node, extra args...
  n=$1
  shift
  dir="$BASE_DIR/node$n"
  mkdir -p "$dir"
  (
    cd "$dir"
    QDRANT__SERVICE__HOST=127.0.0.1 \
    QDRANT__SERVICE__HTTP_PORT=$(port "$n" 0) \
    QDRANT__SERVICE__GRPC_PORT=$(port "$n" 1) \
    QDRANT__CLUSTER__ENABLED=true \
    QDRANT__CLUSTER__P2P__PORT=$(port "$n" 2) \
    QDRANT__CLUSTER__P2P__ENABLE_TLS=true \
    QDRANT__SERVICE__ENABLE_TLS=true \
    QDRANT__SERVICE__API_KEY="$(cat "$BASE_DIR/api-key")" \
    QDRANT__TLS__CERT="$BASE_DIR/tls/cert.pem" \
    QDRANT__TLS__KEY="$BASE_DIR/tls/key.pem" \
    QDRANT__TLS__CA_CERT="$BASE_DIR/tls/cacert.pem" \
    nohup "$BASE_DIR/quiver/qdrant" "$@" >>quiver.log 2>&1 &
    echo $! >pid
  )
}

case "${1:-start}" in
start)
  if [ ! -x "$BASE_DIR/quiver/qdrant" ]; then
    TARBALL=${TARBALL:-$(ls "$HERE"/../distribution/target/quiver-*.tar.gz 2>/dev/null | head -n 1)}
    if [ -z "$TARBALL" ] || [ ! -f "$TARBALL" ]; then
      echo "no release tarball; build it with ./mvnw -DskipTests package, or set TARBALL" >&2
      exit 1
    fi
    mkdir -p "$BASE_DIR/quiver"
    tar -xzf "$TARBALL" -C "$BASE_DIR/quiver" --strip-components=1
  fi
  [ -f "$BASE_DIR/tls/cacert.pem" ] || "$HERE/cluster-tls/gen-certs.sh" "$BASE_DIR/tls" >/dev/null
  if [ ! -f "$BASE_DIR/api-key" ]; then
    (umask 077 && openssl rand -hex 32 >"$BASE_DIR/api-key")
  fi
  FIRST="https://127.0.0.1:$(port 1 2)"
  if [ -f "$BASE_DIR/node1/storage/cluster/peer.identity" ] \
    || [ -f "$BASE_DIR/node1/storage/cluster/peer.properties" ]; then
    # restart: every node rejoins from its stored identity
    for n in 1 2 3; do start_node $n; done
  else
    start_node 1 --uri "$FIRST"
    wait_ready 1
    for n in 2 3; do
      start_node $n --bootstrap "$FIRST" --uri "https://127.0.0.1:$(port $n 2)"
      wait_ready $n
    done
  fi
  for n in 1 2 3; do wait_ready $n; done
  echo "cluster of $NODES nodes running under $BASE_DIR"
  for n in 1 2 3; do
    echo "  node $n: REST https://127.0.0.1:$(port $n 0)  gRPC 127.0.0.1:$(port $n 1)  P2P 127.0.0.1:$(port $n 2)"
  done
  echo "  CA: $BASE_DIR/tls/cacert.pem   API key: $BASE_DIR/api-key"
  echo "  curl --cacert $BASE_DIR/tls/cacert.pem -H \"api-key: \$(cat $BASE_DIR/api-key)\" https://127.0.0.1:$(port 1 0)/cluster"
  ;;
status)
  for n in 1 2 3; do
    if ready $n; then echo "node $n: ready"; else echo "node $n: down"; fi
  done
  ;;
stop)
  for n in 1 2 3; do
    f="$BASE_DIR/node$n/pid"
    if [ -f "$f" ]; then
      kill "$(cat "$f")" 2>/dev/null || true
    fi
  done
  for n in 1 2 3; do
    f="$BASE_DIR/node$n/pid"
    if [ -f "$f" ]; then
      i=0
      while kill -0 "$(cat "$f")" 2>/dev/null && [ $i -lt 60 ]; do
        sleep 0.5
        i=$((i + 1))
      done
      rm -f "$f"
    fi
  done
  echo "stopped"
  ;;
*)
  echo "usage: $0 start|status|stop" >&2
  exit 2
  ;;
esac
