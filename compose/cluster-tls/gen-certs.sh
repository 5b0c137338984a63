#!/bin/sh
# Makes the certificates of a mutual-TLS cluster with openssl:
#   tls/cacert.pem, tls/cacert-key.pem  a CA (keep its key offline in production)
#   tls/cert.pem, tls/key.pem           one node certificate, serverAuth + clientAuth, with SANs
#                                       for every node name given, localhost and 127.0.0.1
# Usage: gen-certs.sh [output dir] [node names...]
#   default: ./tls  qdrant_node_1 qdrant_node_2 qdrant_node_3
# Peers verify each other's certificate against cacert.pem and check the host name in the peer
# URI (--uri / --bootstrap) against the SANs.
set -eu

OUT=${1:-"$(dirname "$0")/tls"}
[ $# -gt 0 ] && shift
NAMES=${*:-"qdrant_node_1 qdrant_node_2 qdrant_node_3"}
DAYS=${CERT_DAYS:-365}

mkdir -p "$OUT"
cd "$OUT"
umask 077

SAN="DNS:localhost,IP:127.0.0.1"
for n in $NAMES; do
  SAN="$SAN,DNS:$n"
done

openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days "$DAYS" \
  -keyout cacert-key.pem -out cacert.pem -subj "/CN=Quiver cluster CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -sha256 \
  -keyout key.pem -out cert.csr -subj "/CN=quiver-node" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' \
  "$SAN" > cert.ext
openssl x509 -req -sha256 -days "$DAYS" -in cert.csr -CA cacert.pem -CAkey cacert-key.pem \
  -CAcreateserial -out cert.pem -extfile cert.ext 2>/dev/null
rm -f cert.csr cert.ext cacert.srl
chmod 644 cacert.pem cert.pem
# key.pem and cacert-key.pem stay readable by their owner only (umask 077): the image's entry point
# gives the node (uid 10001) a private copy of a root-only key.pem
echo "wrote $OUT/cacert.pem, $OUT/cert.pem, $OUT/key.pem (SANs: $SAN)"
