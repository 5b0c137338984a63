package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.Catalog;
import dev.quiver.cluster.ClusterControl;
import dev.quiver.cluster.ClusterMetadata;
import dev.quiver.cluster.ClusterSettings;
import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The cluster as this node sees it and changes it: the metadata group's status, shard placement and
 * its changes ({@link ShardMembership}), peer removal, the other peers' audit entries and the
 * replicated metadata keys. Thread-safe.
 */
final class RaftClusterControl implements ClusterControl {
  private static final Logger LOG = LogManager.getLogger(RaftClusterControl.class);

  private final RaftServer server;
  private final RaftGroupId metaGroup;
  private final long self;
  private final MetaStateMachine meta;
  private final MetaLog metaLog;
  private final CollectionRegistry registry;
  private final Catalog catalog;
  private final ShardGroups groups;
  private final ShardMembership membership;
  private final ClusterMetadata metadata;
  private final RaftClients clients;
  private final ClusterSettings settings;

  RaftClusterControl(
      RaftServer server,
      RaftGroupId metaGroup,
      long self,
      MetaStateMachine meta,
      MetaLog metaLog,
      CollectionRegistry registry,
      Catalog catalog,
      ShardMembership membership,
      ShardGroups groups,
      RaftClients clients,
      ClusterSettings settings) {
    this.server = server;
    this.metaGroup = metaGroup;
    this.self = self;
    this.meta = meta;
    this.metaLog = metaLog;
    this.registry = registry;
    this.catalog = catalog;
    this.membership = membership;
    this.groups = groups;
    this.metadata = new RaftClusterMetadata(meta, metaLog::propose);
    this.clients = clients;
    this.settings = settings;
  }

  @Override
  public ClusterStatus clusterStatus() {
    return StatusReports.cluster(server, metaGroup, self, meta.peers(), meta.format());
  }

  @Override
  public CollectionClusterInfo collectionClusterInfo(String collection) {
    return StatusReports.collection(
        metaLog.placement(collection),
        registry.get(collection).orElse(null),
        self,
        (p, shard) -> groups.states(p, shard, self),
        meta.transfers(collection),
        meta.listeners(),
        meta.recoveries(collection),
        meta.resharding(collection).orElse(null));
  }

  @Override
  public void updateCollectionCluster(String collection, ShardOperation operation) {
    switch (operation) {
      case ShardOperation.CreateShardKey k ->
          catalog.createShardKey(
              collection, k.key(), k.shards(), k.replicationFactor(), k.placement());
      case ShardOperation.DropShardKey k -> catalog.deleteShardKey(collection, k.key());
      case ShardOperation.StartResharding r -> startResharding(collection, r);
      case ShardOperation.AbortResharding a -> {
        metaLog.placement(collection);
        if (meta.resharding(collection).isEmpty()) {
          throw new StorageException.BadRequest(
              "No resharding in progress for collection " + collection);
        }
        metaLog.propose(new Wire.ReshardingStage(collection, Wire.ReshardStage.ABORTING));
      }
      default -> membership.change(metaLog.placement(collection), operation);
    }
  }

  /**
   * Records a resharding that this peer drives; scaling up, the new shard gets as many replicas as
   * the group's last shard, the first on the asked peer.
   */
  private void startResharding(String collection, ShardOperation.StartResharding r) {
    if (meta.format().writing() < Wire.RESHARDING_FORMAT) {
      throw new StorageException.BadRequest(
          "Resharding needs every peer on a release that reads message format "
              + Wire.RESHARDING_FORMAT
              + "; the cluster writes format "
              + meta.format().writing());
    }
    MetaStateMachine.Placement p = metaLog.placement(collection);
    List<Integer> group = Reshard.group(p.layout(), r.key());
    Set<Long> peers = meta.peers().keySet();
    if (r.peer() != null && !peers.contains(r.peer())) {
      throw new StorageException.NotFound("Peer " + r.peer() + " does not exist");
    }
    List<Long> replicas =
        r.up()
            ? Reshard.newShardHolders(p, peers, r.peer(), p.replicas().get(group.getLast()).size())
            : List.of();
    metaLog.propose(
        new Wire.StartResharding(
            collection,
            new Wire.Resharding(
                r.key(),
                r.up(),
                -1,
                r.peer() == null ? -1 : r.peer(),
                self,
                Wire.ReshardStage.MIGRATING,
                parts(catalog.collectionInfo(collection).pointsCount()),
                0,
                false),
            replicas));
  }

  /**
   * The parts a resharding of {@code points} points moves them in, one after the other: about
   * {@link #POINTS_PER_PART} each, at most {@link #MAX_PARTS}. Writes touching a moving point wait
   * only while its part is copied.
   */
  static int parts(long points) {
    return (int) Math.clamp((points + POINTS_PER_PART - 1) / POINTS_PER_PART, 1, MAX_PARTS);
  }

  static final long POINTS_PER_PART = 5_000;
  static final int MAX_PARTS = 32;

  @Override
  public void removePeer(long peerId, boolean force) {
    membership.removePeer(peerId, force);
  }

  @Override
  public Map<Long, byte[]> peerAuditEntries(byte[] query) {
    Set<Long> others = new TreeSet<>(meta.peers().keySet());
    others.remove(self);
    // the group as it is now: a peer that joined since the node's own client was built
    try (RaftClient asking = clients.once(server.getDivision(metaGroup).getGroup())) {
      Map<Long, byte[]> answers = new TreeMap<>();
      PeerReads.ask(
              asking,
              others,
              MetaStateMachine.question(
                  meta.format().writing(),
                  MetaStateMachine.AUDIT_QUERY.concat(ByteString.copyFrom(query))),
              settings.requestTimeout())
          .forEach(
              (peer, bytes) -> {
                try {
                  answers.put(
                      peer,
                      WireFormat.read(
                          bytes.toByteArray(), WireFormat.NEWEST, (in, v) -> in.readAllBytes()));
                } catch (ShardCodec.Malformed e) {
                  LOG.warn("peer {} sent audit entries that do not decode: {}", peer, e.toString());
                }
              });
      return answers;
    } catch (IOException e) {
      LOG.warn("cannot ask the peers for their audit entries: {}", e.toString());
      return Map.of();
    }
  }

  @Override
  public ClusterMetadata clusterMetadata() {
    return metadata;
  }
}
