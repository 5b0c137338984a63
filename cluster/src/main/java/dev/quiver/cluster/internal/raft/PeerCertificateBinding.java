package dev.quiver.cluster.internal.raft;

import dev.quiver.security.AuditEvent;
import dev.quiver.security.AuditLog;
import dev.quiver.security.tls.TlsContexts;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Binds the P2P port to the cluster's peers, not to everyone {@code tls.ca_cert} signed: mutual TLS
 * proves a certificate comes from the CA, and this interceptor then requires it to name (subject
 * alternative name) the host of a peer the cluster knows — a member of the metadata group, this
 * node itself, its bootstrap peer — or one of {@code cluster.p2p.peer_names}. A certificate the CA
 * issued to an application names none of them, so it opens no Raft client, no admin call and no
 * replication stream here. Every refusal is logged and audited.
 *
 * <p>Peers that share one certificate naming every node (as the compose files' script issues) pass
 * from the start; a new peer with a certificate of its own is let in by naming it in {@code
 * peer_names} on the nodes it joins through. Thread-safe.
 */
final class PeerCertificateBinding implements ServerInterceptor {
  private static final Logger LOG = LogManager.getLogger(PeerCertificateBinding.class);

  private final Supplier<Collection<String>> knownHosts;
  private final AuditLog audit;

  /**
   * @param knownHosts the hosts a peer certificate may name, read at each call (peers join)
   * @param audit where refusals are recorded
   */
  PeerCertificateBinding(Supplier<Collection<String>> knownHosts, AuditLog audit) {
    this.knownHosts = knownHosts;
    this.audit = audit;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    X509Certificate cert =
        peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (cert != null && bound(cert, knownHosts.get())) {
      return next.startCall(call, headers);
    }
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String subject = cert == null ? "no certificate" : cert.getSubjectX500Principal().getName();
    String method = call.getMethodDescriptor().getFullMethodName();
    String why = "the certificate (" + subject + ") names no peer of this cluster";
    LOG.warn("P2P: refused {} from {}: {}", method, remote, why);
    audit.record(
        new AuditEvent(
            Instant.now(),
            remote == null ? null : remote.toString(),
            "P2P",
            "/" + method,
            Status.Code.PERMISSION_DENIED.value(),
            null,
            0,
            "p2p",
            "Certificate",
            subject,
            null,
            null,
            "denied",
            "Forbidden: " + why));
    call.close(
        Status.PERMISSION_DENIED.withDescription("not a peer of this cluster"), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /** Whether {@code cert} names one of {@code hosts}. */
  static boolean bound(X509Certificate cert, Collection<String> hosts) {
    for (String h : hosts) {
      if (h != null && !h.isEmpty() && TlsContexts.certificateNames(cert, h)) {
        return true;
      }
    }
    return false;
  }

  private static X509Certificate peerCertificate(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
