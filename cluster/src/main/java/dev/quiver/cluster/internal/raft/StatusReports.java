package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.storage.Collection;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
   * know of is {@code Active}), and the {@code transfers} running. A transfer's receiver is, as in
   * Qdrant, {@code Recovery} while a {@code snapshot} or {@code wal_delta} transfer has not yet
   * brought it up to its leader, then {@code Partial} until the transfer ends ({@code Partial} from
   * the start with {@code stream_records}), whatever else its Raft progress says. A replica on one
   * of the {@code listeners} (peers of {@code Listener} nodes) that would be {@code Active} is
   * {@code Listener}. The replicas of a shard a snapshot recovery rewrites ({@code recovering}) are
   * {@code ManualRecovery} unless {@code Dead}.
   */
  static CollectionClusterInfo collection(
      MetaStateMachine.Placement p,
      Collection local,
      long self,
      BiFunction<MetaStateMachine.Placement, Integer, Map<Long, String>> states,
      List<Wire.Transfer> transfers,
      Set<Long> listeners,
      Map<Integer, Long> recovering,
      Wire.Resharding resharding) {
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
                Wire.Transfer receiving = receiving(transfers, s, peer);
                if (receiving != null) {
                  // not a full member yet: its leader's failing appends make it no less Partial
                  state = receiverState(receiving, known.get(peer));
                }
                if (listeners.contains(peer) && ReplicaStates.ACTIVE.equals(state)) {
                  state = ReplicaStates.LISTENER;
                }
                if (recovering.containsKey(s) && !ReplicaStates.DEAD.equals(state)) {
                  state = ReplicaStates.MANUAL_RECOVERY;
                }
                if (resharding != null
                    && resharding.shard() == s
                    && !ReplicaStates.DEAD.equals(state)) {
                  state =
                      resharding.up()
                          ? ReplicaStates.RESHARDING
                          : ReplicaStates.RESHARDING_SCALE_DOWN;
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
            .toList(),
        resharding == null
            ? List.of()
            : List.of(
                new CollectionClusterInfo.Resharding(
                    resharding.up(), resharding.shard(), resharding.peer(), resharding.key())));
  }

  /** The transfer of {@code shard} into {@code peer}, or null. */
  private static Wire.Transfer receiving(List<Wire.Transfer> transfers, int shard, long peer) {
    for (Wire.Transfer t : transfers) {
      if (t.shard() == shard && t.to() == peer) {
        return t;
      }
    }
    return null;
  }

  /**
   * A receiver's state: {@code Partial} once caught up ({@code progress}, its Raft progress as this
   * node knows it, is {@code Active}; null when this node cannot tell) or with {@code
   * stream_records}, which Qdrant streams into a {@code Partial} replica; {@code Recovery} before
   * that for the methods that recover the receiver first.
   */
  static String receiverState(Wire.Transfer t, String progress) {
    if (t.method() == TransferMethod.STREAM_RECORDS || ReplicaStates.ACTIVE.equals(progress)) {
      return ReplicaStates.PARTIAL;
    }
    return ReplicaStates.RECOVERY;
  }
}
