package dev.quiver.server.config;

import java.util.List;

/** {@code cluster}: distributed mode and the peer-to-peer port. */
public record ClusterSection(
    Boolean enabled,
    Long peerId,
    Integer grpcTimeoutMs,
    Integer connectionTimeoutMs,
    P2p p2p,
    Consensus consensus) {

  public ClusterSection {
    enabled = enabled != null && enabled;
    grpcTimeoutMs = grpcTimeoutMs == null ? 60_000 : grpcTimeoutMs;
    connectionTimeoutMs = connectionTimeoutMs == null ? 2000 : connectionTimeoutMs;
    p2p = p2p == null ? new P2p(null, null, null, null, null) : p2p;
    consensus = consensus == null ? new Consensus(null, null, null, null, null) : consensus;
  }

  /** {@code cluster.p2p}. */
  public record P2p(
      Integer port,
      Boolean enableTls,
      Integer connectionPoolSize,
      List<String> peerNames,
      Integer maxFormatVersion) {
    public P2p {
      port = port == null ? 6335 : port;
      enableTls = enableTls != null && enableTls;
      connectionPoolSize = connectionPoolSize == null ? 2 : connectionPoolSize;
      peerNames = peerNames == null ? List.of() : List.copyOf(peerNames);
    }
  }

  /** {@code cluster.consensus}. */
  public record Consensus(
      Integer tickPeriodMs,
      Integer bootstrapTimeoutSec,
      Integer compactWalEntries,
      Integer compactShardLogEntries,
      Integer logSegmentKb) {
    public Consensus {
      tickPeriodMs = tickPeriodMs == null ? 100 : tickPeriodMs;
      bootstrapTimeoutSec = bootstrapTimeoutSec == null ? 15 : bootstrapTimeoutSec;
      compactWalEntries = compactWalEntries == null ? 128 : compactWalEntries;
      compactShardLogEntries = compactShardLogEntries == null ? 10_000 : compactShardLogEntries;
      logSegmentKb = logSegmentKb == null ? 8192 : logSegmentKb;
      if (compactWalEntries < 0 || compactShardLogEntries < 1 || logSegmentKb < 4) {
        throw new IllegalArgumentException(
            "compact_wal_entries must be 0 or more, compact_shard_log_entries 1 or more and"
                + " log_segment_kb 4 or more");
      }
    }
  }
}
