package dev.quiver.cluster;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node's view of the cluster, as {@code GET /cluster} reports it.
 *
 * @param enabled false on a single node (then every other field is empty)
 * @param peerId this node's peer id
 * @param peers every known peer's id and URI
 * @param term current Raft term of the metadata group
 * @param commit highest committed index of the metadata group
 * @param pendingOperations proposed but not yet applied metadata operations
 * @param leader peer id of the metadata leader, or null when none is known
 * @param role {@code Leader}, {@code Follower}, {@code Candidate}, or null
 * @param voter whether this peer votes in the metadata group
 * @param messageFormat the format of Raft entries and peer messages the cluster writes (the newest
 *     every member reads)
 * @param maxMessageFormat the newest format this node reads
 */
public record ClusterStatus(
    boolean enabled,
    long peerId,
    Map<Long, String> peers,
    long term,
    long commit,
    long pendingOperations,
    Long leader,
    String role,
    boolean voter,
    int messageFormat,
    int maxMessageFormat) {
  public static final ClusterStatus DISABLED =
      new ClusterStatus(false, 0, Map.of(), 0, 0, 0, null, null, false, 0, 0);

  public ClusterStatus {
    peers = Collections.unmodifiableMap(new TreeMap<>(peers));
  }
}
