package dev.quiver.server.config;

/** {@code tls}: certificate files for REST, gRPC and P2P; {@code certTtl} null or 0 = no reload. */
public record TlsSection(String cert, String key, String caCert, Long certTtl) {
  public TlsSection {
    cert = cert == null ? "./tls/cert.pem" : cert;
    key = key == null ? "./tls/key.pem" : key;
    caCert = caCert == null ? "./tls/cacert.pem" : caCert;
  }
}
