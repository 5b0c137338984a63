package dev.quiver.server.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.cluster.ClusterStatus;

/** The cluster's status as {@code GET /cluster} and {@code /telemetry} show it. Stateless. */
final class ClusterJson {
  private ClusterJson() {}

  /** The metadata group's term, commit, pending operations, this node's role and vote. */
  static void raftState(ObjectNode out, ClusterStatus status) {
    out.put("term", status.term());
    out.put("commit", status.commit());
    out.put("pending_operations", status.pendingOperations());
    if (status.role() == null) {
      out.putNull("role");
    } else {
      out.put("role", status.role());
    }
    out.put("is_voter", status.voter());
  }

  /** {@code cluster} of {@code /telemetry}: whether it is on and, when it is, its Raft state. */
  static ObjectNode clusterTelemetry(ClusterStatus status) {
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.put("enabled", status.enabled());
    if (status.enabled()) {
      ObjectNode st = c.putObject("status");
      st.put("number_of_peers", status.peers().size());
      raftState(st, status);
      st.put("peer_id", status.peerId());
      st.putObject("consensus_thread_status").put("consensus_thread_status", "working");
    }
    return c;
  }
}
