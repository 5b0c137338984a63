package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.storage.Collection;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/** What {@code GET /cluster} and {@code GET /collections/{c}/cluster} report, read from Raft. */
final class StatusReports {
  private StatusReports() {}

  /** This node's view of the metadata group: term, commit, leader, its own role. */
  static ClusterStatus cluster(
      RaftServer server,
      RaftGroupId metaGroup,
      long self,
      Map<Long, String> peers,
      FormatGate format) {
    try {
      RaftServer.Division d = server.getDivision(metaGroup);
      var info = d.getInfo();
      RaftPeerId leader = info.getLeaderId();
      String role =
          switch (info.getCurrentRole()) {
            case LEADER -> "Leader";
            case FOLLOWER -> "Follower";
            case CANDIDATE -> "Candidate";
            case LISTENER -> "Follower";
            default -> null;
          };
      boolean voter =
          d.getRaftConf().getCurrentPeers(RaftPeerRole.FOLLOWER).stream()
              .anyMatch(x -> x.getId().equals(server.getId()));
      long commit = d.getRaftLog().getLastCommittedIndex();
      return new ClusterStatus(
          true,
          self,
          peers,
          info.getCurrentTerm(),
          commit,
          Math.max(0, commit - info.getLastAppliedIndex()),
          leader == null ? null : Long.parseLong(leader.toString()),
          role,
          voter,
          format.cluster(),
          format.ceiling());
    } catch (IOException e) {
      throw new StorageException.Unavailable("the metadata group is not running", e);
    }
  }

  /**
   * Where a collection's shards are: the replicas held here ({@code local}) and elsewhere, each
   * with its state as {@code states} gives it for a shard (peer to state; a replica it does not
   * know of is {@code Active}), and the {@code transfers} running. A transfer's receiver is {@code
   * Partial} until the transfer ends, as in Qdrant, whatever its Raft progress.
   */
  static CollectionClusterInfo collection(
      MetaStateMachine.Placement p,
      Collection local,
      long self,
      BiFunction<MetaStateMachine.Placement, Integer, Map<Long, String>> states,
      List<Wire.Transfer> transfers) {
    List<CollectionClusterInfo.LocalShard> locals = new ArrayList<>();
    List<CollectionClusterInfo.RemoteShard> remotes = new ArrayList<>();
    ShardLayout layout = p.layout();
    layout
        .shards()
        .forEach(
            (s, key) -> {
              Map<Long, String> known = states.apply(p, s);
              for (long peer : p.replicas().get(s)) {
                String state = known.getOrDefault(peer, ReplicaStates.ACTIVE);
                if (receiving(transfers, s, peer)) {
                  // not a full member yet: its leader's failing appends make it no less Partial
                  state = ReplicaStates.PARTIAL;
                }
                if (peer == self && local != null && local.shardIds().contains(s)) {
                  locals.add(
                      new CollectionClusterInfo.LocalShard(s, key, local.reader(s).count(), state));
                } else if (peer != self) {
                  remotes.add(new CollectionClusterInfo.RemoteShard(s, key, peer, state));
                }
              }
            });
    return new CollectionClusterInfo(
        self,
        layout.shards().size(),
        locals,
        remotes,
        transfers.stream()
            .map(
                t ->
                    new CollectionClusterInfo.Transfer(
                        t.shard(), t.from(), t.to(), t.sync(), t.method()))
            .toList());
  }

  private static boolean receiving(List<Wire.Transfer> transfers, int shard, long peer) {
    for (Wire.Transfer t : transfers) {
      if (t.shard() == shard && t.to() == peer) {
        return true;
      }
    }
    return false;
  }
}
