#!/bin/sh
# Health check of the Quiver image: exit 0 when the local node answers /healthz. Plain HTTP first;
# then HTTPS (the certificate is not verified: this is the node itself on 127.0.0.1) presenting
# the node's own certificate, so that it also passes when client certificates are required.
port=${QDRANT__SERVICE__HTTP_PORT:-6333}
if curl -fs -m 3 -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
  exit 0
fi
cert=${QDRANT__TLS__CERT:-/qdrant/tls/cert.pem}
key=${QDRANT__TLS__KEY:-/qdrant/tls/key.pem}
if [ -r "$cert" ] && [ -r "$key" ]; then
  exec curl -fsk -m 3 -o /dev/null --cert "$cert" --key "$key" "https://127.0.0.1:$port/healthz"
fi
exec curl -fsk -m 3 -o /dev/null "https://127.0.0.1:$port/healthz"
