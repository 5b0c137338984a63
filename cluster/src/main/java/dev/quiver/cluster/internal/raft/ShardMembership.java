package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ShardOperation;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftServer;

/**
 * Shard replica placement changes ({@code replicate_shard}, {@code move_shard}, {@code
 * drop_replica}, {@code abort_transfer}) and peer removal: each is a metadata entry plus a
 * membership change of the shard's Raft group, ordered so that a replica is recorded before it
 * joins its group and leaves its group before it is dropped.
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
      case ShardOperation.Replicate r -> {
        checkTransfer(p, r.shardId(), r.fromPeer(), r.toPeer());
        addReplica(p, r.shardId(), r.toPeer());
      }
      case ShardOperation.Move m -> {
        checkTransfer(p, m.shardId(), m.fromPeer(), m.toPeer());
        addReplica(p, m.shardId(), m.toPeer());
        dropReplica(host.placement(p.name()), m.shardId(), m.fromPeer());
      }
      case ShardOperation.DropReplica d -> {
        checkShard(p, d.shardId());
        if (!p.replicas().get(d.shardId()).contains(d.peer())) {
          throw new StorageException.BadInput(
              "Shard " + d.shardId() + " is not on peer " + d.peer());
        }
        if (p.replicas().get(d.shardId()).size() == 1) {
          throw new StorageException.BadInput(
              "Shard " + d.shardId() + " has no other replica; dropping it would lose its data");
        }
        dropReplica(p, d.shardId(), d.peer());
      }
      case ShardOperation.AbortTransfer a ->
          throw new StorageException.BadInput(
              "Shard "
                  + a.shardId()
                  + " is not being transferred from peer "
                  + a.fromPeer()
                  + " to peer "
                  + a.toPeer()
                  + " (transfers complete within their request)");
      case ShardOperation.CreateShardKey k -> throw new IllegalArgumentException("not a move");
      case ShardOperation.DropShardKey k -> throw new IllegalArgumentException("not a move");
      case ShardOperation.ReplicatePoints r -> throw new IllegalArgumentException("not a move");
    }
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
    RaftGroup before = RaftGroup.valueOf(p.groupId(shard), host.replicaPeers(p, shard));
    host.propose(new Wire.AddReplica(p.name(), shard, peer));
    RaftPeer added = RaftClients.peer(peer, meta.peers().get(peer));
    changeMembers(
        before,
        SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(List.of(added))
            .setMode(SetConfigurationRequest.Mode.ADD)
            .build());
  }

  /** Takes the holder out of the shard's Raft group, then records it (its node deletes it). */
  private void dropReplica(MetaStateMachine.Placement p, int shard, long peer) {
    List<RaftPeer> all = host.replicaPeers(p, shard);
    List<RaftPeer> remaining =
        all.stream().filter(x -> !x.getId().toString().equals(Long.toString(peer))).toList();
    changeMembers(
        RaftGroup.valueOf(p.groupId(shard), all),
        SetConfigurationRequest.Arguments.newBuilder().setServersInNewConf(remaining).build());
    host.propose(new Wire.RemoveReplica(p.name(), shard, peer));
  }

  private void changeMembers(RaftGroup group, SetConfigurationRequest.Arguments change) {
    try (RaftClient c = host.client(group)) {
      RaftClientReply reply = c.admin().setConfiguration(change);
      if (!reply.isSuccess()) {
        throw new StorageException.Unavailable(
            "the shard group refused the membership change: " + reply.getException(),
            reply.getException());
      }
    } catch (IOException e) {
      throw new StorageException.Unavailable(
          "the shard group did not take the membership change: " + e.getMessage(), e);
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
