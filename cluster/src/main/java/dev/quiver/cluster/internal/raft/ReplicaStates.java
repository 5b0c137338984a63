package dev.quiver.cluster.internal.raft;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * Qdrant's replica states, read from a shard group's Raft progress as this node sees it. A replica
 * is {@code Active} when it holds what its leader has committed, {@code Partial} while it catches
 * up (a restarted or new replica being sent the log or a snapshot) or when its state machine has
 * stopped applying, and {@code Dead} when the leader's updates to it have been failing for longer
 * than {@code dead} (a replica that merely has nothing to do keeps answering heartbeats and stays
 * {@code Active}). Stateless.
 *
 * <p>Only the group's leader knows every replica's progress; another node reports its own replica
 * from what the leader last told it, and the others as {@code Active}.
 */
final class ReplicaStates {
  static final String ACTIVE = "Active";
  static final String PARTIAL = "Partial";
  static final String DEAD = "Dead";
  static final String RECOVERY = "Recovery";
  static final String INITIALIZING = "Initializing";
  static final String LISTENER = "Listener";
  static final String MANUAL_RECOVERY = "ManualRecovery";
  static final String RESHARDING = "Resharding";
  static final String RESHARDING_SCALE_DOWN = "ReshardingScaleDown";

  /**
   * A follower this many entries behind its leader's commit is still caught up: under writes its
   * commit index trails the leader's by the entries in flight (each node's batcher keeps up to 8 in
   * flight per shard, and a follower learns the leader's commit with the next append).
   */
  static final long LAG = 64;

  /**
   * A replica that applied nothing for this many times the freshness bound while entries are
   * committed past it has stopped applying ({@link SnapshottingStateMachine#stalled}).
   */
  static final int STALL = 3;

  private ReplicaStates() {}

  /**
   * Whether this node's replica may serve reads: the leader once its first entry of the term is
   * committed; a follower that heard from its leader within {@code fresh} and has applied what the
   * leader had committed then.
   */
  static boolean caughtUp(RaftServer.Division d, Duration fresh) {
    var info = d.getInfo();
    long committed;
    try {
      committed = d.getRaftLog().getLastCommittedIndex();
    } catch (IllegalStateException starting) {
      return false; // Ratis' "log is uninitialized": the group has not opened its log yet
    }
    if (d.getStateMachine() instanceof SnapshottingStateMachine m
        && m.stalled(committed, fresh.multipliedBy(STALL).toNanos())) {
      return false;
    }
    if (info.isLeader()) {
      return info.isLeaderReady();
    }
    RaftPeerId leader = info.getLeaderId();
    if (!info.isFollower() || leader == null) {
      return false;
    }
    var role = info.getRoleInfoProto();
    if (!role.hasFollowerInfo()
        || role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs() > fresh.toMillis()) {
      return false;
    }
    long leaderCommit = commitOf(d, leader);
    return leaderCommit >= 0 && info.getLastAppliedIndex() + LAG >= leaderCommit;
  }

  /**
   * Each replica's state by peer id, for the replicas this node knows something about: all of them
   * when it leads the group, else its own.
   */
  static Map<Long, String> states(RaftServer.Division d, long self, Duration fresh, Duration dead) {
    Map<Long, String> states = new HashMap<>();
    var info = d.getInfo();
    if (info.isLeader()) {
      long commit = d.getRaftLog().getLastCommittedIndex();
      states.put(self, caughtUp(d, fresh) ? ACTIVE : PARTIAL);
      var role = info.getRoleInfoProto();
      if (role.hasLeaderInfo()) {
        for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
          RaftPeerId id = RaftPeerId.valueOf(follower.getId().getId());
          String state;
          if (follower.getLastRpcElapsedTimeMs() > dead.toMillis()) {
            state = DEAD;
          } else {
            state = commitOf(d, id) + LAG >= commit ? ACTIVE : PARTIAL;
          }
          states.put(Long.parseLong(id.toString()), state);
        }
      }
      return states;
    }
    states.put(self, caughtUp(d, fresh) ? ACTIVE : PARTIAL);
    return states;
  }

  /** The commit index of {@code peer} as this node last learned it; -1 when unknown. */
  private static long commitOf(RaftServer.Division d, RaftPeerId peer) {
    for (CommitInfoProto c : d.getCommitInfos()) {
      if (RaftPeerId.valueOf(c.getServer().getId()).equals(peer)) {
        return c.getCommitIndex();
      }
    }
    return -1;
  }
}
