package dev.quiver.cluster;

import dev.quiver.security.AuditLog;
import dev.quiver.security.tls.TlsContexts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * How this node takes part in a cluster.
 *
 * @param storagePath the node's storage directory; peer identity and Raft logs live under {@code
 *     cluster/} in it
 * @param snapshotsPath where this node writes snapshots of its local replicas
 * @param host address the peer-to-peer port binds to
 * @param p2pPort {@code cluster.p2p.port}
 * @param uri {@code --uri}: how other peers reach this one; null to reuse the stored one (or, on a
 *     first start, {@code http(s)://host:p2pPort})
 * @param bootstrap {@code --bootstrap}: a member to join through on a first start; null to found a
 *     new cluster (or rejoin from the stored state)
 * @param peerTls mutual-TLS material when {@code cluster.p2p.enable_tls}, else null (plain text)
 * @param rpcTimeoutMin lower bound of the Raft election timeout
 * @param rpcTimeoutMax upper bound of the Raft election timeout
 * @param requestTimeout how long a forwarded request or a consensus operation may take
 * @param metaSnapshotEntries {@code cluster.consensus.compact_wal_entries}: applied metadata
 *     entries after which each peer snapshots the metadata and compacts its log; 0 never does
 * @param shardSnapshotEntries log entries of a shard after which its replicas take a snapshot and
 *     compact their Raft log
 * @param logSegmentBytes size of a Raft log segment file; compaction removes whole segments
 * @param peerNames {@code cluster.p2p.peer_names}: host names a peer certificate may name besides
 *     the hosts of the cluster's known peers (for a new peer with a certificate of its own)
 * @param audit where refused P2P calls and membership changes are recorded
 * @param auditReader answers a peer's audit-log query from this node's log (JSON in, JSON array
 *     out)
 * @param maxFormatVersion {@code cluster.p2p.max_format_version}: the newest format of Raft entries
 *     and peer messages this node reads and writes (null for the newest this release knows)
 * @param listener {@code storage.node_type: Listener}: this node's replicas take every update but
 *     serve no reads while another replica can
 * @param updateRateLimit {@code storage.performance.update_rate_limit}: updates this node runs at
 *     once, the others waiting their turn; null for no limit
 * @param fatal told why when this node cannot go on (a log in a format it does not read); its owner
 *     stops the node
 */
public record ClusterSettings(
    Path storagePath,
    Path snapshotsPath,
    String host,
    int p2pPort,
    URI uri,
    URI bootstrap,
    TlsContexts.PeerTls peerTls,
    Duration rpcTimeoutMin,
    Duration rpcTimeoutMax,
    Duration requestTimeout,
    long metaSnapshotEntries,
    long shardSnapshotEntries,
    long logSegmentBytes,
    List<String> peerNames,
    AuditLog audit,
    UnaryOperator<byte[]> auditReader,
    Integer maxFormatVersion,
    boolean listener,
    Integer updateRateLimit,
    Consumer<String> fatal) {

  /** The newest format of Raft entries and peer messages this release reads and writes. */
  public static final int NEWEST_FORMAT_VERSION = 5;

  public ClusterSettings {
    Objects.requireNonNull(storagePath, "storagePath");
    Objects.requireNonNull(snapshotsPath, "snapshotsPath");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(rpcTimeoutMin, "rpcTimeoutMin");
    Objects.requireNonNull(rpcTimeoutMax, "rpcTimeoutMax");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    peerNames = peerNames == null ? List.of() : List.copyOf(peerNames);
    audit = audit == null ? AuditLog.NONE : audit;
    auditReader =
        auditReader == null ? query -> "[]".getBytes(StandardCharsets.UTF_8) : auditReader;
    maxFormatVersion = maxFormatVersion == null ? NEWEST_FORMAT_VERSION : maxFormatVersion;
    fatal = fatal == null ? reason -> {} : fatal;
    if (maxFormatVersion < 0 || maxFormatVersion > NEWEST_FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "cluster.p2p.max_format_version must be 0 to "
              + NEWEST_FORMAT_VERSION
              + ", not "
              + maxFormatVersion);
    }
  }

  public boolean tls() {
    return peerTls != null;
  }
}
