#!/usr/bin/env bash
# Writes distribution/src/test/resources/previous-format/node.tar.gz: the storage and snapshots of
# a one-peer cluster node run by an earlier build of Quiver, for PreviousFormatIT to open with the
# current one. Usage: build-support/previous-format-fixture.sh <unpacked quiver of that build>
# (its distribution/target/quiver). The node's P2P port is fixed (16399): a cluster node keeps the
# URI it was started with, and the test starts the new build on the same one.
set -euo pipefail
old="$(cd "$1" && pwd)"
out="$(cd "$(dirname "$0")/.." && pwd)/distribution/src/test/resources/previous-format"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export QDRANT__CLUSTER__ENABLED=true QDRANT__CLUSTER__P2P__PORT=16399 \
  QDRANT__SERVICE__HTTP_PORT=16397 QDRANT__SERVICE__GRPC_PORT=16398
"$old/bin/quiver" --uri http://127.0.0.1:16399 > node.log 2>&1 &
pid=$!
api=http://127.0.0.1:16397
for _ in $(seq 1 120); do curl -sf "$api/readyz" > /dev/null && break; sleep 0.5; done
call() { curl -sf -X "$1" "$api$2" -H 'content-type: application/json' ${3:+-d "$3"}; echo; }
call PUT /collections/docs '{"vectors":{"size":4,"distance":"Cosine"},"shard_number":2,
  "quantization_config":{"scalar":{"type":"int8","always_ram":true}}}'
call PUT '/collections/docs/index?wait=true' '{"field_name":"city","field_schema":"keyword"}'
points=""
for i in $(seq 1 40); do
  city=$([ $((i % 2)) -eq 0 ] && echo berlin || echo paris)
  points+="${points:+,}{\"id\":$i,\"vector\":[$i,1,0.5,0.25],\"payload\":{\"city\":\"$city\",\"n\":$i}}"
done
call PUT '/collections/docs/points?wait=true' "{\"points\":[$points]}"
call POST /collections/docs/snapshots
call POST '/collections/docs/points/delete?wait=true' '{"points":[40]}'
call POST /collections/aliases '{"actions":[{"create_alias":{"collection_name":"docs","alias_name":"current"}}]}'
kill -TERM "$pid"
wait "$pid" || true
mkdir -p "$out"
tar -czf "$out/node.tar.gz" storage snapshots
echo "wrote $out/node.tar.gz ($(du -h "$out/node.tar.gz" | cut -f1))"
