package dev.quiver.cluster.internal.raft;

import dev.quiver.security.AuditEvent;
import dev.quiver.security.AuditLog;
import java.time.Instant;

/**
 * The cluster changes a node records in its audit log as it applies them (peers joining and
 * leaving, replicas added and removed): every node records them in its own log, with {@code method:
 * "P2P"}. Thread-safe.
 */
final class ClusterAudit {
  private final AuditLog log;

  ClusterAudit(AuditLog log) {
    this.log = log;
  }

  /**
   * One applied change: what, where (a path naming it), its collection, and the address of the peer
   * it concerns when known (written as the entry's {@code client_ip}).
   */
  void record(String operation, String path, String collection, String peerAddress) {
    log.record(
        new AuditEvent(
            Instant.now(),
            peerAddress,
            "P2P",
            path,
            0,
            null,
            0,
            operation,
            null,
            null,
            collection,
            null,
            "ok",
            null));
  }
}
