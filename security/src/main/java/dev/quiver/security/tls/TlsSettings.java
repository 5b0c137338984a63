package dev.quiver.security.tls;

import java.nio.file.Path;

/**
 * The TLS files and policy of a node ({@code tls.*}, {@code
 * service.verify_https_client_certificate}).
 *
 * @param caCert CA bundle, or null when none is configured
 * @param certTtlSeconds seconds between re-reads of certificate and key; null or 0 turns it off
 * @param requireClientCertificate clients must present a certificate signed by {@code caCert}
 */
public record TlsSettings(
    Path cert, Path key, Path caCert, Long certTtlSeconds, boolean requireClientCertificate) {}
