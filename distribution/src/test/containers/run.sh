#!/usr/bin/env bash
# The container suite: builds the image from the packaged node and runs the security guide's
# container lines against it with real containers (Podman with runc, as Docker's stand-in: the
# lines call `docker`, which this script maps to podman / podman-compose), plus the hardened
# compose files and the Kubernetes manifest checks.
#
# Usage (from the repository root, after `./mvnw package` or `verify` made the package):
#   distribution/src/test/containers/run.sh
# Needs root (rootful Podman). Installs podman, runc, podman-compose and debootstrap from Debian's
# packages when missing. The base image (Debian trixie with OpenJDK 25, made with debootstrap since
# no registry is reachable) is built once per machine and reused: localhost/quiver-base:trixie.
# Every container binds ports on the host and is talked to on localhost only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../../.." && pwd)
HERE="$ROOT/distribution/src/test/containers"
IMAGE=quiver/quiver:latest
BASE=${QUIVER_BASE_IMAGE:-localhost/quiver-base:trixie}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=$(mktemp -d /tmp/quiver-containers.XXXXXX)
STARTED=$(date +%s)

# ---- output ----
section() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
note() { printf '   note: %s\n' "$*"; }
shown() { printf '   $ %s\n' "$(printf '%s' "$*" | sed '2,$s/^/     /')"; }
fail() {
  printf '   FAILED: %s\n' "$*" >&2
  for c in $(podman ps -aq 2>/dev/null); do
    printf -- '---- log of %s (last 40 lines)\n' "$(podman inspect -f '{{.Name}}' "$c")" >&2
    podman logs --tail 40 "$c" 2>&1 | grep -v 'systemd' >&2 || true
  done
  exit 1
}

# ---- Docker's commands on Podman ----
# The guide's lines call `docker`; here that is podman (run with runc, the limits this sandbox
# accepts, see containers.conf below) and `docker compose` is podman-compose.
docker() {
  if [ "$1" = compose ]; then
    shift
    podman-compose "$@"
  else
    podman "$@"
  fi
}

# A guide line: printed as written, then run, its output indented (or written to the file "$2").
# "$1" is the line's text, with only the image name changed.
guide() {
  printf '   guide line:\n' >&2
  printf '%s\n' "$1" | sed 's/^/     | /' >&2
  if [ $# -gt 1 ]; then
    eval "$1" >"$2" 2>&1 || { tail -30 "$2"; return 1; }
  else
    # stdout only (curl's progress meter goes to stderr)
    eval "$1" 2>"$WORK/guide-stderr.log" | sed 's/^/     > /'
    echo
  fi
}

cleanup() {
  local rc=$?
  podman ps -aq 2>/dev/null | xargs -r podman rm -f -t 2 >/dev/null 2>&1 || true
  podman network ls -q 2>/dev/null | grep -E '^quiver' | xargs -r podman network rm -f >/dev/null 2>&1 || true
  podman volume ls -q 2>/dev/null | grep -E '^quiver' | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'printf "   FAILED at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

# wait_for SECONDS DESCRIPTION COMMAND...: runs COMMAND every second until it succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      fail "$what: not within ${limit}s"
    fi
    sleep 1
  done
}

code() { curl -s -o /dev/null -w '%{http_code}' "$@" || true; }
expect_code() {
  local want=$1 what=$2
  shift 2
  local got
  got=$(code "$@")
  [ "$got" = "$want" ] || fail "$what: HTTP $got, expected $want"
  ok "$what: HTTP $got"
}

# A container's name, or the first 12 characters of its id.
label() {
  if [[ $1 =~ ^[0-9a-f]{64}$ ]]; then echo "${1:0:12}"; else echo "$1"; fi
}

# The node process (pid 1 in its container): uid, capabilities, no-new-privileges.
check_process() {
  local c=$1 status
  status=$(podman exec "$c" cat /proc/1/status)
  grep -Eq '^Uid:[[:space:]]+10001[[:space:]]+10001' <<<"$status" || fail "$c: the node does not run as uid 10001"
  grep -Eq '^Gid:[[:space:]]+10001[[:space:]]+10001' <<<"$status" || fail "$c: the node does not run as gid 10001"
  for cap in CapPrm CapEff CapBnd CapAmb CapInh; do
    grep -Eq "^$cap:[[:space:]]+0+$" <<<"$status" || fail "$c: $cap is not empty: $(grep "^$cap" <<<"$status")"
  done
  grep -Eq '^NoNewPrivs:[[:space:]]+1' <<<"$status" || fail "$c: no_new_privs is not set"
  ok "$(label "$c"): the node runs as uid/gid 10001 with no capabilities (effective, permitted, bounding, ambient, inheritable) and no_new_privs"
}

check_healthy() {
  local c=$1 what=$2
  # without systemd, podman runs the image's HEALTHCHECK when asked
  podman healthcheck run "$c" >/dev/null 2>&1 || fail "$c: the health check does not pass ($what)"
  ok "$(label "$c"): health check passes ($what)"
}

# Stops a container with SIGTERM and a 30 s grace period: it must be gone well before SIGKILL.
check_stop() {
  local c=$1 start end rc
  start=$(date +%s%N)
  podman stop -t 30 "$c" >/dev/null 2>&1
  end=$(date +%s%N)
  rc=$(podman inspect -f '{{.State.ExitCode}}' "$c")
  [ "$rc" != 137 ] || fail "$c: killed after the grace period"
  podman logs "$c" 2>&1 | grep 'Main - stopped' >/dev/null || fail "$c: no clean shutdown in its log"
  ok "$(label "$c"): SIGTERM stopped it cleanly in $(((end - start) / 1000000)) ms (grace 30 s, exit code $rc)"
}

# Starts a guide `docker run` line (which runs in the foreground) in the background and prints the
# new container's id.
start_line() {
  local before after id
  before=$(podman ps -aq --no-trunc | sort)
  printf '   guide line (run in the background):\n' >&2
  printf '%s\n' "$1" | sed 's/^/     | /' >&2
  eval "$1" >"$WORK/run-$(date +%s%N).log" 2>&1 &
  for _ in $(seq 1 60); do
    after=$(podman ps -aq --no-trunc | sort)
    id=$(comm -13 <(echo "$before") <(echo "$after") | head -1)
    if [ -n "$id" ]; then
      echo "$id"
      return
    fi
    sleep 0.5
  done
  fail "the container of the line did not appear"
}

http_up() { [ "$(code "$@")" != 000 ]; }

# ============================================================================================
section "set-up"
need=""
for tool in podman runc podman-compose debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || need="$need $tool"
done
if [ -n "$need" ]; then
  note "installing from Debian's packages:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc podman-compose debootstrap >/dev/null
fi
# runc as the runtime (crun fails on this machine's cgroups) and limits the sandbox accepts
cat >"$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$WORK/containers.conf"
versions=$(podman-compose version 2>/dev/null || true)
ok "$(podman --version), runc $(runc --version | awk 'NR == 1 {print $3}'), podman-compose $(awk '/podman-compose/ {print $NF; exit}' <<<"$versions")"
# containers left by an interrupted run would hold the ports
podman ps -aq | xargs -r podman rm -f >/dev/null 2>&1 || true

if podman image exists "$BASE"; then
  ok "base image $BASE present (built earlier on this machine)"
else
  note "building the base image $BASE from Debian's packages (debootstrap trixie, once per machine)"
  t=$(date +%s)
  debootstrap --variant=minbase --include=curl,ca-certificates,openjdk-25-jre-headless \
    trixie "$WORK/rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log"; fail "debootstrap"; }
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
  tar -C "$WORK/rootfs" -c . | podman import -q - "$BASE" >/dev/null
  rm -rf "$WORK/rootfs"
  ok "base image built in $(($(date +%s) - t)) s"
fi

ls "$ROOT"/distribution/target/quiver-*.tar.gz >/dev/null 2>&1 \
  || fail "no package in distribution/target: run ./mvnw -DskipTests package first"
section "image: podman build with BASE_IMAGE, no network inside the build"
cd "$ROOT"
build="podman build --network=none --format docker --build-arg BASE_IMAGE=$BASE -f distribution/Dockerfile -t $IMAGE ."
shown "$build"
$build >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "image build"; }
ok "built $IMAGE ($(podman image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
podman image inspect -f '{{json .Config.Healthcheck}}' "$IMAGE" | grep quiver-healthcheck >/dev/null \
  || fail "the image has no health check"
ok "the image declares its health check"
podman run --rm --entrypoint cat "$IMAGE" /qdrant/sbom/quiver.cdx.json >"$WORK/sbom.json"
podman run --rm --entrypoint ls "$IMAGE" /qdrant/lib >"$WORK/jars.txt"
# every jar in /qdrant/lib is a component of the SBOM (name-version.jar)
missing=$(node -e '
  const fs = require("fs");
  const bom = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const file = (c) => {
    const classifier = new URLSearchParams((c.purl ?? "").split("?")[1] ?? "").get("classifier");
    return `${c.name}-${c.version}${classifier ? "-" + classifier : ""}.jar`;
  };
  const listed = new Set(bom.components.map(file));
  const jars = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((j) => j.endsWith(".jar"));
  const out = jars.filter((j) => !listed.has(j));
  console.log(`${jars.length} ${bom.specVersion} ${out.join(" ")}`);
' "$WORK/sbom.json" "$WORK/jars.txt")
read -r jars spec unlisted <<<"$missing"
[ -z "$unlisted" ] || fail "jars missing from the SBOM: $unlisted"
ok "the image carries its SBOM: /qdrant/sbom/quiver.cdx.json (CycloneDX $spec) lists all $jars jars of /qdrant/lib"

# ============================================================================================
section "the guide's docker run line with an API key"
mkdir -p "$WORK/api-key" && cd "$WORK/api-key"
c=$(start_line "docker run -p 6333:6333 \\
-e QDRANT__SERVICE__API_KEY=your_secret_api_key_here \\
quiver/quiver:latest")
wait_for 90 "the node answers on 6333" http_up http://localhost:6333/healthz
expect_code 401 "no key" -X GET http://localhost:6333/collections
guide "curl -X GET http://localhost:6333/collections \\
-H 'api-key: your_secret_api_key_here'"
expect_code 200 "with the key" -X GET http://localhost:6333/collections -H 'api-key: your_secret_api_key_here'
expect_code 401 "a wrong key" -X GET http://localhost:6333/collections -H 'api-key: not_the_key'
check_process "$c"
check_healthy "$c" "plain HTTP"
check_stop "$c"
podman rm -f "$c" >/dev/null

section "the guide's read-only key, set with its environment variables"
c=$(start_line "docker run -p 6333:6333 \\
-e QDRANT__SERVICE__API_KEY=your_secret_api_key_here \\
-e QDRANT__SERVICE__READ_ONLY_API_KEY=your_read_only_key_here \\
quiver/quiver:latest")
wait_for 90 "the node answers on 6333" http_up http://localhost:6333/healthz
W=(-H 'api-key: your_secret_api_key_here' -H 'Content-Type: application/json')
R=(-H 'api-key: your_read_only_key_here' -H 'Content-Type: application/json')
expect_code 200 "write key creates my_collection" -X PUT http://localhost:6333/collections/my_collection "${W[@]}" \
  -d '{"vectors": {"size": 4, "distance": "Dot"}}'
expect_code 200 "write key upserts a point" -X PUT 'http://localhost:6333/collections/my_collection/points?wait=true' "${W[@]}" \
  -d '{"points": [{"id": 1, "vector": [0.1, 0.2, 0.3, 0.4], "payload": {"city": "Berlin"}}]}'
out=$(guide "curl -X POST http://localhost:6333/collections/my_collection/points/search \\
-H 'api-key: your_read_only_key_here' \\
-H 'Content-Type: application/json' \\
-d '{
\"vector\": [0.1, 0.2, 0.3, 0.4],
\"limit\": 10
}'")
printf '%s\n' "$out"
grep -q '"id":1' <<<"$out" || fail "the read-only key's search did not find the point"
ok "read-only key: search answers the point"
expect_code 200 "read-only key: scroll" -X POST http://localhost:6333/collections/my_collection/points/scroll "${R[@]}" -d '{}'
expect_code 403 "read-only key: create a collection" -X PUT http://localhost:6333/collections/other "${R[@]}" \
  -d '{"vectors": {"size": 4, "distance": "Dot"}}'
expect_code 403 "read-only key: upsert" -X PUT http://localhost:6333/collections/my_collection/points "${R[@]}" \
  -d '{"points": [{"id": 2, "vector": [0.1, 0.2, 0.3, 0.4]}]}'
expect_code 403 "read-only key: delete the collection" -X DELETE http://localhost:6333/collections/my_collection "${R[@]}"
expect_code 403 "read-only key: create a snapshot" -X POST http://localhost:6333/collections/my_collection/snapshots "${R[@]}"
podman rm -f -t 10 "$c" >/dev/null

# ============================================================================================
section "the guide's TLS line, with the guide's own certificate commands"
mkdir -p "$WORK/tls-line" && cd "$WORK/tls-line"
guide 'mkdir -p tls
# Generate private key
openssl genrsa -out tls/key.pem 2048
# Generate certificate
openssl req -new -x509 -key tls/key.pem -out tls/cert.pem -days 365 \
-subj "/C=US/ST=State/L=City/O=Organization/CN=localhost"
# For cluster mode, create CA certificate
openssl genrsa -out tls/ca-key.pem 2048
openssl req -new -x509 -key tls/ca-key.pem -out tls/cacert.pem -days 365 \
-subj "/C=US/ST=State/L=City/O=Organization/CN=Qdrant-CA"' "$WORK/openssl.log"
note "tls/key.pem is $(stat -c '%a, owner uid %u' tls/key.pem): the node (uid 10001) cannot read it, the entry point gives it a private copy"
c=$(start_line 'docker run -p 6333:6333 -p 6334:6334 \
-v $(pwd)/tls:/qdrant/tls:z \
-e QDRANT__SERVICE__ENABLE_TLS=true \
-e QDRANT__SERVICE__API_KEY=your_secret_key \
quiver/quiver:latest')
wait_for 90 "the node answers HTTPS on 6333" http_up -k https://localhost:6333/healthz
guide "curl -k https://localhost:6333/collections \\
-H 'api-key: your_secret_key'"
expect_code 200 "HTTPS with the key of the run line" -k https://localhost:6333/collections -H 'api-key: your_secret_key'
note "the guide's curl under this line sends 'your_secret_api_key_here', a key the run line did not set:"
expect_code 401 "HTTPS with the guide's other key" -k https://localhost:6333/collections -H 'api-key: your_secret_api_key_here'
rc=0
curl -s -m 5 -o /dev/null http://localhost:6333/collections -H 'api-key: your_secret_key' || rc=$?
[ "$rc" != 0 ] || fail "plain HTTP answered on the TLS port"
ok "plain HTTP refused on the TLS port (curl exit $rc, no HTTP answer)"
podman logs "$c" 2>&1 | grep 'private copy' >/dev/null || fail "the entry point did not say how it handled the root-only key"
ok "the entry point said it gave the node a private copy of key.pem"
check_process "$c"
check_healthy "$c" "HTTPS"
check_stop "$c"
podman rm -f "$c" >/dev/null

section "the guide's certificates in a cluster: refused at start, saying why"
c=$(podman run -d -v "$(pwd)/tls:/qdrant/tls:z" -e QDRANT__CLUSTER__ENABLED=true \
  -e QDRANT__CLUSTER__P2P__ENABLE_TLS=true -e QDRANT__SERVICE__ENABLE_TLS=true \
  -e QDRANT__SERVICE__API_KEY=your_secret_key "$IMAGE" ./qdrant --uri 'https://localhost:6335')
wait_for 60 "the node to stop" sh -c "[ \"\$(podman inspect -f '{{.State.Running}}' $c)\" = false ]"
msg=$(podman logs "$c" 2>&1 | grep -m1 'is not signed by tls.ca_cert' || true)
[ -n "$msg" ] || fail "the node did not say that cert.pem is not signed by cacert.pem"
ok "exit code $(podman inspect -f '{{.State.ExitCode}}' "$c"), and the log says:"
printf '%s\n' "$msg" | fold -w 100 | sed 's/^/     | /'
podman rm -f "$c" >/dev/null

section "client certificate verification (verify_https_client_certificate), certificates from gen-certs.sh"
mkdir -p "$WORK/mtls" && cd "$WORK/mtls"
shown "compose/cluster-tls/gen-certs.sh ./tls"
sh "$ROOT/compose/cluster-tls/gen-certs.sh" ./tls >/dev/null
sh "$ROOT/compose/cluster-tls/gen-certs.sh" ./other >/dev/null # another CA's
c=$(start_line 'docker run -p 6333:6333 -p 6334:6334 \
-v $(pwd)/tls:/qdrant/tls:z \
-e QDRANT__SERVICE__ENABLE_TLS=true \
-e QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE=true \
-e QDRANT__SERVICE__API_KEY=your_secret_key \
quiver/quiver:latest')
M=(--cacert tls/cacert.pem -H 'api-key: your_secret_key')
wait_for 90 "the node answers HTTPS on 6333" http_up "${M[@]}" --cert tls/cert.pem --key tls/key.pem https://localhost:6333/healthz
expect_code 200 "with a client certificate the CA signed" "${M[@]}" --cert tls/cert.pem --key tls/key.pem https://localhost:6333/collections
expect_code 000 "without a client certificate (handshake refused)" "${M[@]}" https://localhost:6333/collections
expect_code 000 "with another CA's client certificate (handshake refused)" "${M[@]}" --cert other/cert.pem --key other/key.pem https://localhost:6333/collections
check_healthy "$c" "client certificates required: it presents the node's own"
podman rm -f -t 10 "$c" >/dev/null

# ============================================================================================
section "the guide's compose cluster: three nodes, P2P mutual TLS, API key, ./nodeN_storage bind mounts"
mkdir -p "$WORK/quiverguide" && cd "$WORK/quiverguide"
sh "$ROOT/compose/cluster-tls/gen-certs.sh" ./tls >/dev/null
cp "$HERE/guide-cluster-compose.yml" docker-compose.yml
note "docker-compose.yml: distribution/src/test/containers/guide-cluster-compose.yml (the guide's file, image name changed)"
shown "compose/cluster-tls/gen-certs.sh ./tls"
guide "docker compose up -d" "$WORK/compose-up.log" || fail "compose up"
cname() { echo "quiverguide_qdrant_node_$1_1"; }
# a request to node N's REST port from inside its container (the guide publishes no ports)
on() {
  local n=$1
  shift
  podman exec "$(cname "$n")" curl -sk -m 30 -H 'api-key: cluster_secret_key' -H 'Content-Type: application/json' "$@"
}
peers_seen() { [ "$(on "$1" https://localhost:6333/cluster | grep -o '"uri"' | wc -l)" = 3 ]; }
for n in 1 2 3; do wait_for 120 "node $n sees three peers" peers_seen "$n"; done
ok "the cluster formed: every node lists three peers"
for n in 1 2 3; do
  owner=$(stat -c %u "node${n}_storage")
  [ "$owner" = 10001 ] || fail "node${n}_storage belongs to uid $owner"
  podman logs "$(cname "$n")" 2>&1 | grep 'took ownership of the empty directory /qdrant/storage' >/dev/null \
    || fail "node $n: the entry point did not take the bind mount"
  check_process "$(cname "$n")"
done
ok "./node1_storage .. ./node3_storage: created by the engine as root, taken by the entry point (now uid 10001)"
out=$(on 1 -X PUT https://localhost:6333/collections/acked \
  -d '{"vectors": {"size": 4, "distance": "Dot"}, "shard_number": 1, "replication_factor": 3}')
grep -q '"result":true' <<<"$out" || fail "create collection: $out"
for n in 1 2 3; do
  wait_for 60 "node $n sees the collection" sh -c "podman exec $(cname "$n") curl -sfk -H 'api-key: cluster_secret_key' https://localhost:6333/collections/acked"
done
ok "collection acked created with replication_factor 3"
points() { # points FIRST COUNT: a batch of upserts
  local first=$1 count=$2 i sep=""
  printf '{"points": ['
  for ((i = first; i < first + count; i++)); do
    printf '%s{"id": %d, "vector": [%d.0, 1.0, 0.5, 0.25], "payload": {"batch": %d}}' "$sep" "$i" "$((i % 7))" "$first"
    sep=", "
  done
  printf ']}'
}
acked=()
refused=0
peer2=$(on 2 https://localhost:6333/cluster | grep -o '"peer_id":[0-9]*' | head -1)
for b in $(seq 0 29); do
  n=$((b % 3 + 1))
  if [ "$b" = 10 ]; then
    podman kill "$(cname 2)" >/dev/null
    ok "podman kill $(cname 2) (SIGKILL) after $((${#acked[@]})) acknowledged points"
  fi
  if [ "$b" = 20 ]; then
    podman start "$(cname 2)" >/dev/null
    ok "podman start $(cname 2): it restarts on its volume"
  fi
  if [ "$b" -ge 10 ] && [ "$b" -lt 20 ] && [ "$n" = 2 ]; then
    n=$(((b / 3) % 2 == 0 ? 1 : 3)) # node 2 is down: the write goes to another node
  fi
  status=$(on "$n" -o /dev/null -w '%{http_code}' -X PUT 'https://localhost:6333/collections/acked/points?wait=true' \
    -d "$(points $((b * 10 + 1)) 10)" 2>/dev/null || echo 000)
  if [ "$status" = 200 ]; then
    for ((i = b * 10 + 1; i <= b * 10 + 10; i++)); do acked+=("$i"); done
  else
    refused=$((refused + 1))
  fi
done
ok "${#acked[@]} points acknowledged through nodes 1, 2 and 3 (batches of 10, wait=true); $refused batches not acknowledged"
[ "${#acked[@]}" -ge 200 ] || fail "too few writes were acknowledged while a node was down"
wait_for 120 "node 2 lists three peers again" peers_seen 2
[ "$(on 2 https://localhost:6333/cluster | grep -o '"peer_id":[0-9]*' | head -1)" = "$peer2" ] \
  || fail "node 2 came back as another peer"
ok "node 2 rejoined with the peer id on its volume ($peer2)"
ids=$(IFS=,; echo "${acked[*]}")
all_acked_on() {
  local got
  got=$(on "$1" -X POST https://localhost:6333/collections/acked/points -d "{\"ids\": [$ids], \"with_payload\": false}" \
    | grep -o '"id":[0-9]*' | wc -l)
  [ "$got" = "${#acked[@]}" ]
}
for n in 1 2 3; do
  wait_for 120 "every acknowledged point readable through node $n" all_acked_on "$n"
done
ok "all ${#acked[@]} acknowledged points read back through each of the three nodes"
count=$(on 2 -X POST https://localhost:6333/collections/acked/points/count -d '{"exact": true}' | grep -o '"count":[0-9]*')
ok "exact count through node 2: ${count#*:} (acknowledged: ${#acked[@]})"

section "a node whose certificate another CA signed is refused by the cluster"
sh "$ROOT/compose/cluster-tls/gen-certs.sh" ./rogue-tls qdrant_rogue >/dev/null
network=$(podman inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "$(cname 1)")
r=$(podman run -d --name quiverguide_rogue --network "$network" --network-alias qdrant_rogue \
  -v "$(pwd)/rogue-tls:/qdrant/tls:z" -e QDRANT__CLUSTER__ENABLED=true -e QDRANT__CLUSTER__P2P__PORT=6335 \
  -e QDRANT__CLUSTER__P2P__ENABLE_TLS=true -e QDRANT__SERVICE__ENABLE_TLS=true \
  -e QDRANT__SERVICE__API_KEY=cluster_secret_key "$IMAGE" \
  ./qdrant --bootstrap 'https://qdrant_node_1:6335' --uri 'https://qdrant_rogue:6335')
wait_for 90 "the refusal in the new node's log" sh -c "podman logs $r 2>&1 | grep 'refused the certificate of qdrant_node_1' >/dev/null"
printf '%s\n' "$(podman logs "$r" 2>&1 | grep -m1 'refused the certificate' | cut -c1-220)" | sed 's/^/     | /'
wait_for 30 "node 1 logs the refused connection" sh -c "podman logs $(cname 1) 2>&1 | grep 'P2P: refused a connection' >/dev/null"
printf '%s\n' "$(podman logs "$(cname 1)" 2>&1 | grep -m1 'P2P: refused a connection' | cut -c1-220)" | sed 's/^/     | /'
peers_seen 1 || fail "the cluster's membership changed"
ok "the new node is refused (both logs say so) and the cluster still has three peers"
podman rm -f -t 2 "$r" >/dev/null
guide "docker compose down" "$WORK/compose-down.log"

# ============================================================================================
section "hardened compose files: compose/docker-compose.yml and compose/cluster-tls/docker-compose.yml"
mkdir -p "$WORK/quiversingle" && cd "$WORK/quiversingle"
cp "$ROOT/compose/docker-compose.yml" docker-compose.yml
guide 'export QUIVER_API_KEY=$(openssl rand -hex 32)
docker compose up -d' "$WORK/single-up.log" || fail "compose up"
c=quiversingle_quiver_1
wait_for 90 "the node answers on 6333" http_up http://localhost:6333/healthz
expect_code 401 "no key" http://localhost:6333/collections
expect_code 200 "with the key" -H "api-key: $QUIVER_API_KEY" http://localhost:6333/collections
check_process "$c"
check_healthy "$c" "read-only root, no capabilities"
podman exec "$c" sh -c 'touch /qdrant/probe' 2>/dev/null && fail "the root filesystem is writable"
ok "$c: the root filesystem is read-only"
check_stop "$c"
docker compose down -v >/dev/null 2>&1

mkdir -p "$WORK/quiverhard" && cd "$WORK/quiverhard"
cp "$ROOT/compose/cluster-tls/docker-compose.yml" docker-compose.yml
cp "$ROOT/compose/cluster-tls/gen-certs.sh" .
guide "./gen-certs.sh
docker compose up -d" "$WORK/hard-up.log" || fail "compose up"
cname() { echo "quiverhard_qdrant_node_$1_1"; }
for n in 1 2 3; do wait_for 120 "node $n sees three peers" peers_seen "$n"; done
expect_code 200 "the published HTTPS port with the CA" --cacert tls/cacert.pem -H 'api-key: cluster_secret_key' https://localhost:6333/cluster
for n in 1 2 3; do
  check_process "$(cname "$n")"
  podman exec "$(cname "$n")" sh -c 'touch /qdrant/probe' 2>/dev/null && fail "node $n: the root filesystem is writable"
done
ok "the hardened cluster formed with read-only roots"
# the security checklist, evaluated by the node against its running configuration
check=$(curl -s --cacert tls/cacert.pem -H 'api-key: cluster_secret_key' https://localhost:6333/security/check)
node -e '
  const r = JSON.parse(process.argv[1]).result;
  for (const i of r.items) console.log(`     | ${i.verdict.padEnd(4)} ${i.item}: ${i.reason}`);
  process.exit(r.passed ? 0 : 1);
' "$check" || fail "the security check of the hardened cluster has failing items"
ok "GET /security/check on the hardened cluster: no item fails"
check_healthy "$(cname 2)" "HTTPS, hardened"
docker compose down >/dev/null 2>&1

# ============================================================================================
section "Kubernetes manifests: schemas, unknown fields, restricted Pod Security Standard"
cd "$ROOT/compose/kubernetes/validate"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
shown "node validate.mjs --self-test ../service.yaml ../statefulset.yaml ../networkpolicy.yaml"
node validate.mjs --self-test ../service.yaml ../statefulset.yaml ../networkpolicy.yaml | sed 's/^/     | /' \
  || fail "the Kubernetes manifests"
ok "manifests valid"

section "container suite passed in $(($(date +%s) - STARTED)) s"
