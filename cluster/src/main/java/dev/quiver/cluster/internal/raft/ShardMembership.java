package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ShardOperation;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.server.RaftServer;

/**
 * Shard replica placement changes ({@code replicate_shard}, {@code move_shard}, {@code
 * drop_replica}, {@code abort_transfer}, {@code restart_transfer}) and peer removal: each is a
 * metadata entry plus a membership change of the shard's Raft group, ordered so that a replica is
 * recorded before it joins its group and leaves its group before it is dropped.
 *
 * <p>A transfer is recorded ({@link Wire.StartTransfer}) and answered; its source peer's {@link
 * ShardTransfers} then runs its steps ({@link #runTransfer}). A cluster still writing a message
 * format without transfer entries (a previous-release member) runs a transfer within its request
 * instead, by the default method. Thread-safe.
 */
final class ShardMembership {
  private static final Logger LOG = LogManager.getLogger(ShardMembership.class);

  /** What membership changes need from the cluster. */
  interface Host {
    MetaStateMachine.Placement placement(String collection);

    void propose(Wire.MetaEntry entry);

    RaftClient client(RaftGroup group);

    List<RaftPeer> replicaPeers(MetaStateMachine.Placement p, int shard);

    long selfId();

    RaftServer.Division metaDivision() throws IOException;

    /** Asks the shard group's leader for a snapshot of the shard as of now. */
    void snapshotNow(MetaStateMachine.Placement p, int shard);
  }

  private final MetaStateMachine meta;
  private final Host host;

  ShardMembership(MetaStateMachine meta, Host host) {
    this.meta = meta;
    this.host = host;
  }

  /** A placement change of one shard (shard keys are the cluster's business). */
  void change(MetaStateMachine.Placement p, ShardOperation operation) {
    switch (operation) {
      case ShardOperation.Replicate r ->
          transfer(p, r.shardId(), r.fromPeer(), r.toPeer(), true, r.method());
      case ShardOperation.Move m ->
          transfer(p, m.shardId(), m.fromPeer(), m.toPeer(), false, m.method());
      case ShardOperation.DropReplica d -> {
        checkShard(p, d.shardId());
        if (!p.replicas().get(d.shardId()).contains(d.peer())) {
          throw new StorageException.BadInput(
              "Shard " + d.shardId() + " is not on peer " + d.peer());
        }
        for (Wire.Transfer t : meta.transfers(p.name())) {
          if (t.shard() == d.shardId() && (t.from() == d.peer() || t.to() == d.peer())) {
            throw new StorageException.BadRequest(
                "Shard "
                    + d.shardId()
                    + " is already involved in transfer "
                    + t.from()
                    + " -> "
                    + t.to());
          }
        }
        if (p.replicas().get(d.shardId()).size() == 1) {
          throw new StorageException.BadInput(
              "Shard " + d.shardId() + " has no other replica; dropping it would lose its data");
        }
        dropReplica(p, d.shardId(), d.peer());
      }
      case ShardOperation.AbortTransfer a -> abort(p, a.shardId(), a.fromPeer(), a.toPeer());
      case ShardOperation.RestartTransfer r -> {
        recorded(p.name(), r.shardId(), r.fromPeer(), r.toPeer());
        host.propose(
            new Wire.StartTransfer(
                p.name(),
                new Wire.Transfer(r.shardId(), r.fromPeer(), r.toPeer(), true, r.method()),
                true));
      }
      case ShardOperation.CreateShardKey k -> throw new IllegalArgumentException("not a move");
      case ShardOperation.DropShardKey k -> throw new IllegalArgumentException("not a move");
      case ShardOperation.ReplicatePoints r -> throw new IllegalArgumentException("not a move");
      case ShardOperation.StartResharding r -> throw new IllegalArgumentException("not a move");
      case ShardOperation.AbortResharding r -> throw new IllegalArgumentException("not a move");
    }
  }

  private void transfer(
      MetaStateMachine.Placement p,
      int shard,
      long from,
      long to,
      boolean sync,
      TransferMethod method) {
    checkTransfer(p, shard, from, to);
    if (meta.format().writing() < Wire.TRANSFERS_FORMAT) {
      if (method != null) {
        throw new StorageException.BadInput(
            "a shard transfer `method` needs every peer on a release that reads message format "
                + Wire.TRANSFERS_FORMAT);
      }
      addReplica(p, shard, to);
      if (!sync) {
        dropReplica(host.placement(p.name()), shard, from);
      }
      return;
    }
    host.propose(
        new Wire.StartTransfer(
            p.name(),
            new Wire.Transfer(
                shard, from, to, sync, method == null ? TransferMethod.STREAM_RECORDS : method),
            false));
  }

  /** The running transfer of that key, or Qdrant's 400 when there is none. */
  private Wire.Transfer recorded(String collection, int shard, long from, long to) {
    for (Wire.Transfer t : meta.transfers(collection)) {
      if (t.sameKey(shard, from, to)) {
        return t;
      }
    }
    throw ShardTasks.noTransfer(shard, from, to);
  }

  private boolean stillRecorded(String collection, Wire.Transfer t) {
    return meta.transfers(collection).stream()
        .anyMatch(x -> x.sameKey(t.shard(), t.from(), t.to()));
  }

  /**
   * Stops a transfer: no longer recorded (its driver stops at its next step), its receiver out of
   * the shard's group, then no longer a holder (its node deletes the replica). The source keeps its
   * replica.
   */
  private void abort(MetaStateMachine.Placement p, int shard, long from, long to) {
    recorded(p.name(), shard, from, to);
    host.propose(new Wire.EndTransfer(p.name(), shard, from, to));
    MetaStateMachine.Placement now = host.placement(p.name());
    List<Long> holders = now.replicas().get(shard);
    // a move that dropped its source meanwhile has finished: its receiver is the shard now
    if (holders.contains(to) && holders.contains(from)) {
      dropReplica(now, shard, to);
    }
    LOG.info("{}/{}: transfer {} -> {} aborted", p.name(), shard, from, to);
  }

  /**
   * The steps of a recorded transfer, run by its source peer: a snapshot of the shard first for
   * {@link TransferMethod#SNAPSHOT}; the receiver joins the group, where Ratis stages it until it
   * caught up (the leader sends its latest snapshot, if any, then the log); a move then drops the
   * source; the transfer ends. Each step checks that the transfer is still recorded (an abort ends
   * it); safe to run again after an interruption, since each step is.
   */
  void runTransfer(String collection, Wire.Transfer t) {
    MetaStateMachine.Placement p = host.placement(collection);
    if (!stillRecorded(collection, t)) {
      return;
    }
    if (t.method() == TransferMethod.SNAPSHOT) {
      host.snapshotNow(p, t.shard());
    }
    addToGroup(p, t.shard(), t.to(), () -> stillRecorded(collection, t));
    if (!stillRecorded(collection, t)) {
      // aborted meanwhile: the abort may have looked at the group before this member joined it
      MetaStateMachine.Placement now = host.placement(collection);
      if (!now.replicas().get(t.shard()).contains(t.to())) {
        removeFromGroup(now, t.shard(), t.to(), true);
      }
      return;
    }
    if (!t.sync()) {
      MetaStateMachine.Placement now = host.placement(collection);
      if (!stillRecorded(collection, t) || !now.replicas().get(t.shard()).contains(t.to())) {
        return; // aborted while the receiver caught up: the source stays
      }
      dropReplica(now, t.shard(), t.from());
    }
    if (stillRecorded(collection, t)) {
      host.propose(new Wire.EndTransfer(collection, t.shard(), t.from(), t.to()));
    }
    LOG.info(
        "{}/{}: transfer {} -> {} ({}) finished",
        collection,
        t.shard(),
        t.from(),
        t.to(),
        t.method().apiName());
  }

  private static void checkShard(MetaStateMachine.Placement p, int shard) {
    if (!p.layout().shards().containsKey(shard)) {
      throw new StorageException.NotFound(
          "Shard " + shard + " of collection `" + p.name() + "` does not exist");
    }
  }

  private void checkTransfer(MetaStateMachine.Placement p, int shard, long from, long to) {
    checkShard(p, shard);
    if (!meta.peers().containsKey(to)) {
      throw new StorageException.NotFound("Peer " + to + " does not exist");
    }
    List<Long> holders = p.replicas().get(shard);
    if (!holders.contains(from)) {
      throw new StorageException.BadInput("Shard " + shard + " is not on peer " + from);
    }
    if (holders.contains(to)) {
      throw new StorageException.BadInput("Shard " + shard + " is already on peer " + to);
    }
  }

  /**
   * Records the new holder (its node creates an empty replica and an empty group member), then adds
   * it to the shard's Raft group; Ratis stages it until the log caught it up.
   */
  private void addReplica(MetaStateMachine.Placement p, int shard, long peer) {
    host.propose(new Wire.AddReplica(p.name(), shard, peer));
    addToGroup(p, shard, peer, () -> true); // (the caller waits: no one else can withdraw it)
  }

  /**
   * Adds a recorded holder to the shard's group; returns once Ratis has caught it up (a member
   * already there is left as it is), or once {@code wanted} says the addition is no longer asked
   * for while another change is in progress.
   */
  private void addToGroup(
      MetaStateMachine.Placement p, int shard, long peer, BooleanSupplier wanted) {
    RaftPeer added = RaftClients.peer(peer, meta.peers().get(peer));
    changeMembers(
        RaftGroup.valueOf(p.groupId(shard), host.replicaPeers(p, shard)),
        SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(List.of(added))
            .setMode(SetConfigurationRequest.Mode.ADD)
            .build(),
        wanted);
  }

  /** Takes the holder out of the shard's Raft group, then records it (its node deletes it). */
  private void dropReplica(MetaStateMachine.Placement p, int shard, long peer) {
    removeFromGroup(p, shard, peer, false);
    host.propose(new Wire.RemoveReplica(p.name(), shard, peer));
  }

  /**
   * Takes {@code peer} out of the shard's group; {@code absentFromPlacement} when the placement no
   * longer lists it (an aborted receiver that joined late), so it is added to the addresses.
   */
  private void removeFromGroup(
      MetaStateMachine.Placement p, int shard, long peer, boolean absentFromPlacement) {
    List<RaftPeer> all = new ArrayList<>(host.replicaPeers(p, shard));
    if (absentFromPlacement && meta.peers().containsKey(peer)) {
      all.add(RaftClients.peer(peer, meta.peers().get(peer)));
    }
    List<RaftPeer> remaining =
        all.stream().filter(x -> !x.getId().toString().equals(Long.toString(peer))).toList();
    changeMembers(
        RaftGroup.valueOf(p.groupId(shard), all),
        SetConfigurationRequest.Arguments.newBuilder().setServersInNewConf(remaining).build());
  }

  /**
   * How long a membership change waits for one in progress (a replica being caught up) to end
   * before it fails.
   */
  static final Duration RECONFIGURATION_WAIT = Duration.ofSeconds(60);

  /** Asks the group for {@code change} until it is made (see the method below). */
  private void changeMembers(RaftGroup group, SetConfigurationRequest.Arguments change) {
    changeMembers(group, change, () -> true);
  }

  /**
   * Asks the group for {@code change}, again every 200 ms while another change is in progress (a
   * staging member being caught up), for at most {@link #RECONFIGURATION_WAIT}; stops asking, and
   * returns, once {@code wanted} is false. A transfer's driver stops so as soon as the transfer is
   * aborted: each of its attempts that won the race against the abort's own change staged the
   * receiver again (an unreachable one for Ratis' staging timeout), and the abort's request waited
   * behind them.
   */
  private void changeMembers(
      RaftGroup group, SetConfigurationRequest.Arguments change, BooleanSupplier wanted) {
    long deadline = System.nanoTime() + RECONFIGURATION_WAIT.toNanos();
    while (wanted.getAsBoolean()) {
      try (RaftClient c = host.client(group)) {
        RaftClientReply reply = c.admin().setConfiguration(change);
        if (reply.isSuccess()) {
          return;
        }
        if (!(reply.getException() instanceof ReconfigurationInProgressException)
            || System.nanoTime() > deadline) {
          throw new StorageException.Unavailable(
              "the shard group refused the membership change: " + reply.getException(),
              reply.getException());
        }
      } catch (ReconfigurationInProgressException e) {
        if (System.nanoTime() > deadline) {
          throw new StorageException.Unavailable(
              "the shard group is still changing its members: " + e.getMessage(), e);
        }
      } catch (IOException e) {
        throw new StorageException.Unavailable(
            "the shard group did not take the membership change: " + e.getMessage(), e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageException.Unavailable("interrupted while changing a shard group", e);
      }
    }
  }

  /**
   * {@code DELETE /cluster/peer/{id}}: its replicas dropped (with {@code force}), then the peer.
   */
  void removePeer(long peerId, boolean force) {
    Map<Long, String> peers = meta.peers();
    if (!peers.containsKey(peerId)) {
      throw new StorageException.NotFound("Peer " + peerId + " does not exist");
    }
    if (peerId == host.selfId() && peers.size() == 1) {
      throw new StorageException.BadInput("Cannot remove the last peer of the cluster");
    }
    for (String name : meta.collectionNames()) {
      MetaStateMachine.Placement p = meta.collection(name).orElse(null);
      for (int s = 0; p != null && s < p.shardCount(); s++) {
        if (!p.replicas().get(s).contains(peerId)) { // dropped shards have no replicas
          continue;
        }
        if (!force) {
          throw new StorageException.BadInput(
              "Cannot remove peer " + peerId + " as there are shards on it");
        }
        if (p.replicas().get(s).size() > 1) {
          dropReplica(p, s, peerId);
        } else {
          LOG.warn("removing peer {} loses the only replica of {}/{}", peerId, name, s);
          host.propose(new Wire.RemoveReplica(name, s, peerId));
        }
        p = meta.collection(name).orElse(null);
      }
    }
    RaftServer.Division d;
    try {
      d = host.metaDivision();
    } catch (IOException e) {
      throw new StorageException.Unavailable("the metadata group is not running", e);
    }
    List<RaftPeer> remaining =
        d.getRaftConf().getCurrentPeers().stream()
            .filter(x -> !x.getId().toString().equals(Long.toString(peerId)))
            .toList();
    changeMembers(
        d.getGroup(),
        SetConfigurationRequest.Arguments.newBuilder().setServersInNewConf(remaining).build());
    host.propose(new Wire.PeerRemoved(peerId));
  }
}
