package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The metadata group's state machine, the same on every peer: the peers and their URIs, and every
 * collection with its shard placement. Applying an entry updates that state and then calls the
 * node's {@link Effects} (create or drop local shards and their Raft groups), which skip entries
 * the node's storage already holds, so replaying the log on restart repeats nothing.
 *
 * <p>Every {@code compact_wal_entries} applied entries the whole state is written as a {@link
 * MetaSnapshot} and Ratis compacts the log up to it, so a restart loads the snapshot and replays
 * only what followed. A peer behind the compacted part (down for long, or joining) is sent the
 * snapshot: it takes the snapshot's state and brings its storage and shard groups to it ({@link
 * Effects#installed}, {@link Effects#placeGroups}).
 */
final class MetaStateMachine extends SnapshottingStateMachine {
  private static final Logger LOG = LogManager.getLogger(MetaStateMachine.class);

  /** What applying an entry does on this node besides updating the shared state. */
  interface Effects {
    void created(Placement placement, long index);

    void dropped(Placement placement, long index);

    /** {@code peer} gained ({@code added}) or lost a replica of {@code shard}. */
    void replicaChanged(Placement placement, int shard, long peer, boolean added, long index);

    /** {@code shards} were created for {@code key}; {@code placement} includes them. */
    void shardKeyCreated(Placement placement, ShardKey key, List<Integer> shards, long index);

    /** {@code key}'s {@code shards} were dropped; {@code before} still holds them. */
    void shardKeyDropped(Placement before, ShardKey key, List<Integer> shards, long index);

    /** The collection's configuration changed ({@code placement} has the new one). */
    void configChanged(Placement placement, long index);

    /** A payload index was recorded or removed. */
    void payloadIndexChanged(String collection, String field, PayloadIndexSpec spec, long index);

    /** Aliases changed: every node's registry applies the same actions. */
    void aliasesChanged(List<AliasAction> actions, long index);

    /** The quota configuration changed: every node's registry persists it. */
    void quotasChanged(QuotaConfig config, long index);

    /**
     * A transfer of one of {@code placement}'s shards began or restarted (its receiver, if new, is
     * already a holder).
     */
    default void transferStarted(Placement placement, Wire.Transfer transfer) {}

    /**
     * A resharding created {@code shard}, numbered after the existing ones, in {@code placement}.
     */
    default void reshardShardAdded(Placement placement, int shard, long index) {}

    /**
     * A resharding ended: {@code after} is the collection now (its shard number changed with auto
     * sharding); {@code dropped}, when not null, is the shard it removed, which {@code before}
     * still holds.
     */
    default void reshardEnded(Placement before, Placement after, Integer dropped, long index) {}

    /**
     * Whether this node has applied metadata {@code index} and ended every write it routed before
     * it ({@link ReshardGate}).
     */
    default boolean passed(long index) {
      return false;
    }

    /** Cluster membership changed: {@code peer} joined (at {@code uri}) or was removed (null). */
    void membershipChanged(long peer, String uri, long index);

    /** This node's audit entries matching {@code query} (JSON), as a JSON array. */
    byte[] auditEntries(byte[] query);

    /** What this node reports about its own quota usage when a peer asks. */
    ResourceQuota.PeerUsage quotaUsage();

    /** The index of the last entry this node's storage applied (0 for none). */
    long storedIndex();

    /** What this node's storage holds that a snapshot carries (as of {@link #storedIndex()}). */
    MetaSnapshot.Registry storedState();

    /**
     * Brings this node's storage to {@code snapshot} (collections, local shards, configurations,
     * payload indexes, aliases, quotas) in one step at its index; safe to repeat. With {@code
     * placeGroups} (the server runs) the shard groups are placed too: those the snapshot does not
     * give this node are stopped before the storage changes, the missing ones started after.
     */
    void installed(MetaSnapshot snapshot, boolean placeGroups);

    /**
     * Runs exactly the local shard groups that {@code placements} give this node: starts the
     * missing ones, stops (and deletes) those of shards it no longer holds.
     */
    void placeGroups(Collection<Placement> placements);

    /**
     * Records that the leader at {@code leader} (null if unknown) sent the snapshot at {@code
     * index}.
     */
    void snapshotInstalled(long index, String leader);
  }

  /**
   * A collection and where its shards live: {@code replicas.get(s)} are shard s's peers (none for a
   * dropped shard of a custom-sharded collection), {@code keys.get(s)} its key (null with auto
   * sharding).
   */
  record Placement(
      String name,
      CollectionConfig config,
      List<List<Long>> replicas,
      List<ShardKey> keys,
      long createdIndex) {

    Placement {
      replicas = List.copyOf(replicas);
      keys = Collections.unmodifiableList(new ArrayList<>(keys));
    }

    /** Shard ids ever allocated (dropped ones included). */
    int shardCount() {
      return replicas.size();
    }

    /** The live shards and their keys. */
    ShardLayout layout() {
      var shards = new TreeMap<Integer, ShardKey>();
      for (int s = 0; s < replicas.size(); s++) {
        if (!replicas.get(s).isEmpty()) {
          shards.put(s, keys.get(s));
        }
      }
      return new ShardLayout(config.customSharding(), shards, config.routing());
    }

    /** The same placement with {@code peer} added to or removed from shard {@code shard}. */
    Placement with(int shard, long peer, boolean add) {
      List<List<Long>> next = new ArrayList<>(replicas);
      var holders = new ArrayList<>(replicas.get(shard));
      holders.remove(Long.valueOf(peer));
      if (add) {
        holders.add(peer);
      }
      next.set(shard, List.copyOf(holders));
      return new Placement(name, config, next, keys, createdIndex);
    }

    /** With new shards for {@code key}, numbered after the existing ones. */
    Placement withKey(ShardKey key, List<List<Long>> added) {
      List<List<Long>> r = new ArrayList<>(replicas);
      List<ShardKey> k = new ArrayList<>(keys);
      for (List<Long> holders : added) {
        r.add(holders);
        k.add(key);
      }
      return new Placement(name, config, r, k, createdIndex);
    }

    /** With {@code shards} dropped: no replicas and no key. */
    Placement without(List<Integer> shards) {
      List<List<Long>> r = new ArrayList<>(replicas);
      List<ShardKey> k = new ArrayList<>(keys);
      for (int s : shards) {
        r.set(s, List.of());
        k.set(s, null);
      }
      return new Placement(name, config, r, k, createdIndex);
    }

    /** The Raft group of one shard; new for every creation, so a re-created name starts clean. */
    RaftGroupId groupId(int shard) {
      return RaftGroupId.valueOf(
          UUID.nameUUIDFromBytes(
              ("quiver-shard/" + createdIndex + "/" + name + "/" + shard)
                  .getBytes(StandardCharsets.UTF_8)));
    }
  }

  private final Map<Long, String> peers = new ConcurrentSkipListMap<>();
  private final Map<String, Placement> collections = new ConcurrentHashMap<>();

  /** The cluster metadata keys and their values, in key order. */
  private final ConcurrentSkipListMap<String, Value> clusterMetadata =
      new ConcurrentSkipListMap<>();

  /** The peers recorded as {@code Listener} nodes ({@link Wire.PeerRole}). */
  private final Set<Long> listeners = new ConcurrentSkipListSet<>();

  /** What runs on the collections' shards: transfers, snapshot recoveries, reshardings. */
  private final ShardTasks tasks = new ShardTasks();

  private final Effects effects;
  private final FormatGate format;
  private final Object appliedMonitor = new Object();

  /** Placements whose shard groups are to be placed before the next entry (apply thread only). */
  private Collection<Placement> groupsToPlace;

  /**
   * A state machine that never takes a snapshot (its log is kept and replayed in full), reading
   * every format.
   */
  MetaStateMachine(Effects effects) {
    this(effects, 0, new FormatGate(WireFormat.NEWEST));
  }

  /**
   * @param snapshotEvery applied entries between snapshots; 0 for none
   * @param format this node's message format, raised as the log says
   */
  MetaStateMachine(Effects effects, long snapshotEvery, FormatGate format) {
    super(snapshotEvery);
    this.effects = effects;
    this.format = format;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    var latest = loadLatest();
    if (latest == null) {
      return;
    }
    MetaSnapshot snapshot = load(latest);
    if (effects.storedIndex() < snapshot.index()) {
      // the storage stopped short of the snapshot (an install cut off, or the last entries before
      // it changed only the shared state): finish it; the groups are placed once the server runs
      effects.installed(snapshot, false);
      groupsToPlace = snapshot.collections().values();
    }
  }

  /** Takes the snapshot's state and position. */
  private MetaSnapshot load(SnapshotInfo info) {
    MetaSnapshot snapshot = MetaSnapshot.read(info.getFiles().getFirst().getPath());
    if (snapshot.index() != info.getIndex()) {
      throw new StorageException.Corrupted(
          info.getFiles().getFirst().getPath(),
          "holds index " + snapshot.index() + ", named for " + info.getIndex());
    }
    // replaced key by key, so that a concurrent reader never sees an empty map
    replace(peers, snapshot.peers());
    replace(collections, snapshot.collections());
    replace(clusterMetadata, snapshot.clusterMetadata());
    listeners.addAll(snapshot.listeners());
    listeners.retainAll(snapshot.listeners());
    tasks.load(snapshot);
    format.reset(snapshot.format());
    updateLastAppliedTermIndex(info.getTerm(), info.getIndex());
    return snapshot;
  }

  private static <K, V> void replace(Map<K, V> target, Map<K, V> source) {
    target.putAll(source);
    target.keySet().retainAll(source.keySet());
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex at = snapshotDue();
    // while a restart replays entries the storage already holds, its state is ahead of this one's
    if (at == null || effects.storedIndex() > at.getIndex()) {
      return latestSnapshotIndex();
    }
    long started = System.nanoTime();
    MetaSnapshot.Registry stored = effects.storedState();
    var snapshot =
        new MetaSnapshot(
            at.getTerm(),
            at.getIndex(),
            new TreeMap<>(peers),
            new TreeMap<>(collections),
            clusterMetadata,
            stored.aliases(),
            stored.quotas(),
            stored.payloadIndexes(),
            new TreeMap<>(tasks.transfers()),
            new TreeSet<>(listeners),
            new TreeMap<>(tasks.recoveries()),
            new TreeMap<>(tasks.reshardings()),
            format.cluster());
    File file = snapshotFile(at);
    snapshot.write(file.toPath());
    keepSnapshot(file, at);
    LOG.info(
        "metadata snapshot at log index {} ({} collections, {} bytes, {} ms)",
        at.getIndex(),
        collections.size(),
        file.length(),
        (System.nanoTime() - started) / 1_000_000);
    return at.getIndex();
  }

  /** This peer takes the state of the leader's snapshot. */
  @Override
  void installed(SingleFileSnapshotInfo latest) {
    MetaSnapshot snapshot = load(latest);
    effects.installed(snapshot, true);
    String leader = leaderAddress();
    effects.snapshotInstalled(snapshot.index(), leader);
    LOG.info(
        "caught up from the leader's metadata snapshot at log index {} ({} collections; leader at"
            + " {})",
        snapshot.index(),
        snapshot.collections().size(),
        leader);
    synchronized (appliedMonitor) {
      appliedMonitor.notifyAll();
    }
  }

  /** Places the shard groups a restart left to place, before anything else changes them. */
  private void placePendingGroups() {
    if (groupsToPlace != null) {
      var placements = groupsToPlace;
      groupsToPlace = null;
      effects.placeGroups(placements);
    }
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    if (format.stopped()) {
      return; // an entry before this one is unapplied: nothing after it counts as applied
    }
    placePendingGroups();
    super.notifyTermIndexUpdated(term, index);
  }

  Map<Long, String> peers() {
    return Map.copyOf(peers);
  }

  /** The cluster metadata as applied here (a read-only view). */
  SortedMap<String, Value> clusterMetadata() {
    return Collections.unmodifiableSortedMap(clusterMetadata);
  }

  Optional<Placement> collection(String name) {
    return Optional.ofNullable(collections.get(name));
  }

  /** The transfers of {@code collection} running, in the order they began. */
  List<Wire.Transfer> transfers(String collection) {
    return tasks.transfers(collection);
  }

  /** The peers recorded as {@code Listener} nodes. */
  Set<Long> listeners() {
    return Set.copyOf(listeners);
  }

  /** The shards of {@code collection} a snapshot recovery rewrites, to the peer driving each. */
  Map<Integer, Long> recoveries(String collection) {
    return tasks.recoveries(collection);
  }

  /** Every recorded snapshot recovery, by collection. */
  Map<String, Map<Integer, Long>> recoveries() {
    return tasks.recoveries();
  }

  /** The collection's running resharding, if any. */
  Optional<Wire.Resharding> resharding(String collection) {
    return tasks.resharding(collection);
  }

  /** Every running resharding, by collection. */
  Map<String, Wire.Resharding> reshardings() {
    return tasks.reshardings();
  }

  /** See {@link ShardTasks#reshardingChanges}. */
  long reshardingChanges(String collection) {
    return tasks.reshardingChanges(collection);
  }

  /** Every running transfer, by collection. */
  Map<String, List<Wire.Transfer>> transfers() {
    return tasks.transfers();
  }

  List<String> collectionNames() {
    return collections.keySet().stream().sorted().toList();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    placePendingGroups();
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    int version = format.replyFormat(data);
    if (format.stopped()) {
      return notApplied(version, index);
    }
    byte[] reply;
    try {
      apply(Wire.decodeMeta(data, format.ceiling()), index);
      reply = WireFormat.write(version, Wire::writeOk);
    } catch (WireFormat.TooNew e) {
      // skipping it would leave this node's metadata behind every other's: the node stops instead
      LOG.error("metadata entry {} cannot be read here: {}", index, e.getMessage());
      format.refuse(e.getMessage());
      return notApplied(version, index);
    } catch (ShardCodec.Malformed e) {
      LOG.error("metadata entry {} does not decode, skipped: {}", index, e.getMessage());
      reply =
          WireFormat.write(
              version, out -> Wire.writeError(out, new StorageException.BadInput(e.getMessage())));
    } catch (FormatGate.Refused e) {
      LOG.error("metadata entry {} cannot be applied here: {}", index, e.getMessage());
      return notApplied(version, index);
    } catch (RuntimeException e) {
      if (!(e instanceof StorageException.AlreadyExists
          || e instanceof StorageException.BadInput
          || e instanceof StorageException.BadRequest
          || e instanceof StorageException.NotFound)) {
        LOG.error("applying metadata entry {} failed", index, e);
      }
      reply = WireFormat.write(version, out -> Wire.writeError(out, e));
    }
    updateLastAppliedTermIndex(entry.getTerm(), index);
    synchronized (appliedMonitor) {
      appliedMonitor.notifyAll();
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  /** The answer to an entry this node leaves unapplied because it stops ({@link FormatGate}). */
  static CompletableFuture<Message> notApplied(int version, long index) {
    var e =
        new StorageException.Unavailable(
            "entry " + index + " is not applied: this peer cannot read its log and stops", null);
    return CompletableFuture.completedFuture(
        Message.valueOf(
            ByteString.copyFrom(WireFormat.write(version, out -> Wire.writeError(out, e)))));
  }

  private void apply(Wire.MetaEntry e, long index) {
    switch (e) {
      case Wire.PeerJoined p -> {
        peers.put(p.peerId(), p.uri());
        LOG.info("peer {} is a member at {}", p.peerId(), p.uri());
        effects.membershipChanged(p.peerId(), p.uri(), index);
      }
      case Wire.PeerRemoved p -> {
        peers.remove(p.peerId());
        listeners.remove(p.peerId());
        // a resharding the removed peer drove goes on from its stage, driven by the lowest peer
        tasks.peerRemoved(p.peerId(), peers.isEmpty() ? null : peers.keySet().iterator().next());
        LOG.info("peer {} was removed", p.peerId());
        effects.membershipChanged(p.peerId(), null, index);
      }
      case Wire.PeerRole r -> {
        if (!peers.containsKey(r.peerId())) {
          throw new StorageException.NotFound("Peer " + r.peerId() + " does not exist");
        }
        boolean changed = r.listener() ? listeners.add(r.peerId()) : listeners.remove(r.peerId());
        if (changed) {
          LOG.info("peer {} is a {} node", r.peerId(), r.listener() ? "Listener" : "Normal");
        }
      }
      case Wire.CreateCollection c -> {
        if (collections.containsKey(c.name())) {
          throw new StorageException.AlreadyExists("Collection `" + c.name() + "` already exists!");
        }
        var placement =
            new Placement(
                c.name(),
                c.config(),
                c.replicas(),
                Collections.nCopies(c.replicas().size(), null),
                index);
        collections.put(c.name(), placement);
        effects.created(placement, index);
      }
      case Wire.AddReplica a -> changeReplica(a.collection(), a.shard(), a.peer(), true, index);
      case Wire.RemoveReplica r -> {
        changeReplica(r.collection(), r.shard(), r.peer(), false, index);
        // a transfer to or from a replica that is gone cannot go on
        tasks.endTransfers(
            r.collection(),
            t -> t.shard() == r.shard() && (t.to() == r.peer() || t.from() == r.peer()));
      }
      case Wire.StartTransfer t -> startTransfer(t, index);
      case Wire.ShardRecovery r -> {
        if (r.running()) {
          startRecovery(r);
        } else {
          tasks.endRecoveries(r.collection(), (shard, peer) -> shard == r.shard());
        }
      }
      case Wire.EndTransfer t ->
          tasks.endTransfers(t.collection(), x -> x.sameKey(t.shard(), t.from(), t.to()));
      case Wire.StartResharding r -> startResharding(r, index);
      case Wire.ReshardingStage r -> {
        require(r.collection());
        Wire.Resharding running = tasks.requireResharding(r.collection());
        Wire.Resharding next = Reshard.step(running, r);
        if (!next.equals(running)) {
          tasks.putResharding(r.collection(), next);
          LOG.info(
              "resharding of {}: {}",
              r.collection(),
              next.stage() == Wire.ReshardStage.MIGRATING
                  ? "part "
                      + (next.done() + 1)
                      + " of "
                      + next.parts()
                      + (next.frozen() ? " moving" : "")
                  : next.stage());
        }
      }
      case Wire.EndResharding r -> endResharding(r.collection(), index);
      case Wire.CreateShardKey k -> {
        Placement p = require(k.collection());
        p.layout().checkNewKey(k.collection(), k.key());
        Placement next = p.withKey(k.key(), k.replicas());
        List<Integer> shards = new ArrayList<>();
        for (int i = 0; i < k.replicas().size(); i++) {
          shards.add(p.shardCount() + i);
        }
        collections.put(k.collection(), next);
        effects.shardKeyCreated(next, k.key(), List.copyOf(shards), index);
      }
      case Wire.DropShardKey k -> {
        Placement p = require(k.collection());
        p.layout().checkExistingKey(k.key());
        List<Integer> shards = p.layout().shardsOf(k.key());
        tasks.shardKeyDropped(k.collection(), k.key());
        collections.put(k.collection(), p.without(shards));
        effects.shardKeyDropped(p, k.key(), shards, index);
      }
      case Wire.ChangeAliases a -> effects.aliasesChanged(a.actions(), index);
      case Wire.SetQuotas q -> effects.quotasChanged(q.config(), index);
      case Wire.SetClusterMetadata m -> {
        if (m.value() == null) {
          clusterMetadata.remove(m.key());
        } else {
          clusterMetadata.put(m.key(), m.value());
        }
      }
      case Wire.SetPayloadIndex x -> {
        require(x.collection());
        effects.payloadIndexChanged(x.collection(), x.field(), x.spec(), index);
      }
      case Wire.UpdateCollection u -> {
        Placement p = require(u.name());
        Placement next =
            new Placement(p.name(), u.config(), p.replicas(), p.keys(), p.createdIndex());
        collections.put(u.name(), next);
        effects.configChanged(next, index);
      }
      case Wire.DropCollection d -> {
        Placement p = collections.remove(d.name());
        tasks.collectionDropped(d.name());
        if (p != null) {
          effects.dropped(p, index);
        }
      }
      case Wire.RaiseFormat f -> {
        int before = format.cluster();
        format.raised(f.version());
        if (format.cluster() != before) {
          LOG.info("the cluster writes message format {} from log index {}", f.version(), index);
        }
      }
    }
  }

  /** This node's message formats: what it reads, what the cluster writes as applied here. */
  FormatGate format() {
    return format;
  }

  private Placement require(String collection) {
    Placement p = collections.get(collection);
    if (p == null) {
      throw StorageException.NotFound.collection(collection);
    }
    return p;
  }

  private void changeReplica(String collection, int shard, long peer, boolean add, long index) {
    Placement p = require(collection);
    if (!p.layout().shards().containsKey(shard)) {
      throw new StorageException.NotFound("Shard " + shard + " does not exist");
    }
    Placement next = p.with(shard, peer, add);
    collections.put(collection, next);
    effects.replicaChanged(next, shard, peer, add, index);
  }

  /**
   * Records a transfer and, unless it restarts one, its receiver as a holder of the shard. Checked
   * here, in log order, so that two requests cannot start conflicting transfers: Qdrant's messages.
   */
  private void startTransfer(Wire.StartTransfer start, long index) {
    Wire.Transfer t = start.transfer();
    Placement p = require(start.collection());
    if (!p.layout().shards().containsKey(t.shard())) {
      throw new StorageException.NotFound("Shard " + t.shard() + " does not exist");
    }
    if (start.restart()) {
      effects.transferStarted(p, tasks.restartTransfer(start.collection(), t));
      return;
    }
    tasks.checkNewTransfer(start.collection(), p, t);
    List<Long> holders = p.replicas().get(t.shard());
    if (!holders.contains(t.from())) {
      throw new StorageException.BadInput("Shard " + t.shard() + " is not on peer " + t.from());
    }
    if (holders.contains(t.to())) {
      throw new StorageException.BadInput("Shard " + t.shard() + " is already on peer " + t.to());
    }
    tasks.addTransfer(start.collection(), t);
    changeReplica(start.collection(), t.shard(), t.to(), true, index);
    effects.transferStarted(require(start.collection()), t);
  }

  /**
   * Records a resharding; scaling up, creates its shard after the existing ones. Checked here, in
   * log order: one resharding at a time, none while a shard of the group is transferred or
   * recovered.
   */
  private void startResharding(Wire.StartResharding start, long index) {
    Placement p = require(start.collection());
    Wire.Resharding asked = start.resharding();
    List<Integer> group = Reshard.group(p.layout(), asked.key());
    tasks.checkNewResharding(start.collection(), group);
    if (asked.up()) {
      if (start.replicas().isEmpty()) {
        throw new StorageException.BadInput("A new shard needs at least one replica");
      }
      for (long peer : start.replicas()) {
        if (!peers.containsKey(peer)) {
          throw new StorageException.NotFound("Peer " + peer + " does not exist");
        }
      }
      int shard = p.shardCount();
      Placement next = p.withKey(asked.key(), List.of(start.replicas()));
      Wire.Resharding r =
          new Wire.Resharding(
              asked.key(),
              true,
              shard,
              start.replicas().getFirst(),
              asked.driver(),
              Wire.ReshardStage.MIGRATING,
              asked.parts(),
              0,
              false);
      tasks.putResharding(start.collection(), r);
      collections.put(start.collection(), next);
      LOG.info("resharding of {}: adding shard {}", start.collection(), shard);
      effects.reshardShardAdded(next, shard, index);
      return;
    }
    if (group.size() < 2) {
      throw new StorageException.BadRequest(
          "Cannot scale down: collection " + start.collection() + " has only one shard");
    }
    int shard = group.getLast();
    List<Long> holders = p.replicas().get(shard);
    long peer = holders.contains(asked.peer()) ? asked.peer() : holders.getFirst();
    if (asked.peer() >= 0 && !holders.contains(asked.peer())) {
      throw new StorageException.BadInput("Shard " + shard + " is not on peer " + asked.peer());
    }
    tasks.putResharding(
        start.collection(),
        new Wire.Resharding(
            asked.key(),
            false,
            shard,
            peer,
            asked.driver(),
            Wire.ReshardStage.MIGRATING,
            asked.parts(),
            0,
            false));
    LOG.info("resharding of {}: removing shard {}", start.collection(), shard);
  }

  /** Ends the collection's resharding, dropping the shard it removed or the one its abort undid. */
  private void endResharding(String collection, long index) {
    require(collection);
    Wire.Resharding r = tasks.requireResharding(collection);
    if (r.stage() == Wire.ReshardStage.MIGRATING) {
      throw new StorageException.BadRequest(
          "Resharding of collection " + collection + " has not switched or been aborted");
    }
    tasks.endResharding(collection);
    Placement before = require(collection);
    Placement after = before;
    boolean drop = r.up() == (r.stage() == Wire.ReshardStage.ABORTING);
    if (drop) {
      after = after.without(List.of(r.shard()));
    }
    if (r.key() == null && r.stage() == Wire.ReshardStage.SWITCHED) {
      // auto sharding: the collection's shard number is its shard count from now on
      after =
          new Placement(
              after.name(),
              after.config().withShardNumber(after.layout().shards().size()),
              after.replicas(),
              after.keys(),
              after.createdIndex());
    }
    collections.put(collection, after);
    LOG.info(
        "resharding of {} ended ({}){}",
        collection,
        r.stage() == Wire.ReshardStage.ABORTING ? "aborted" : "done",
        drop ? ", shard " + r.shard() + " dropped" : "");
    effects.reshardEnded(before, after, drop ? r.shard() : null, index);
  }

  /**
   * Records a snapshot recovery of a live shard, refused while another recovery or a transfer of
   * the shard runs.
   */
  private void startRecovery(Wire.ShardRecovery r) {
    Placement p = require(r.collection());
    if (!p.layout().shards().containsKey(r.shard())) {
      throw new StorageException.NotFound("Shard " + r.shard() + " does not exist");
    }
    tasks.startRecovery(p, r);
  }

  /**
   * A read of the metadata: answered once this peer has applied what the leader had committed
   * (Ratis' linearizable read), which is all a caller of it wants.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    ByteString content = request.getContent();
    if (FORMAT_QUERY.equals(content)) {
      // the one unversioned question: it is how peers learn which formats they may use
      byte[] reply = {(byte) format.ceiling(), (byte) format.cluster()};
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
    }
    int version = WireFormat.versionOf(content.toByteArray());
    if (version > format.ceiling()) {
      return CompletableFuture.failedFuture(new WireFormat.TooNew(version, format.ceiling()));
    }
    ByteString question = content.substring(WireFormat.headerBytes(version));
    try {
      if (question.startsWith(AUDIT_QUERY)) {
        byte[] query = question.substring(AUDIT_QUERY.size()).toByteArray();
        byte[] entries = effects.auditEntries(query);
        return answer(WireFormat.write(version, out -> out.write(entries)));
      }
      if (question.startsWith(RESHARD_PASSED) && question.size() == RESHARD_PASSED.size() + 8) {
        long index = question.substring(RESHARD_PASSED.size()).asReadOnlyByteBuffer().getLong();
        boolean passed = effects.passed(index);
        return answer(WireFormat.write(version, out -> out.writeBoolean(passed)));
      }
      if (QUOTA_USAGE.equals(question)) {
        var u = effects.quotaUsage();
        return answer(
            WireFormat.write(
                version,
                out -> {
                  out.writeBoolean(u.exceeded());
                  Wire.writePercent(out, u.residentMemoryPercent());
                  Wire.writePercent(out, u.diskUsagePercent());
                }));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  private static CompletableFuture<Message> answer(byte[] reply) {
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply)));
  }

  /**
   * A resharding's question to a peer: these bytes, then a metadata index (8 bytes); answered by
   * whether the peer passed it ({@link Effects#passed}).
   */
  static final ByteString RESHARD_PASSED = ByteString.copyFromUtf8("reshard-passed:");

  /** The question {@link #RESHARD_PASSED} for {@code index}. */
  static ByteString reshardPassed(long index) {
    return RESHARD_PASSED.concat(
        ByteString.copyFrom(ByteBuffer.allocate(8).putLong(index).array()));
  }

  /** A peer's answer to {@link #RESHARD_PASSED}. */
  static boolean decodePassed(ByteString reply) throws ShardCodec.Malformed {
    return WireFormat.read(
        reply.toByteArray(), WireFormat.NEWEST, (in, version) -> in.readBoolean());
  }

  /** The query a peer answers with its own quota usage (a stale read, served by that peer). */
  static final ByteString QUOTA_USAGE = ByteString.copyFromUtf8("quota-usage");

  /** A peer's audit-log query: these bytes, then the query's JSON. */
  static final ByteString AUDIT_QUERY = ByteString.copyFromUtf8("audit-query:");

  /**
   * Which formats a peer reads: answered, without a format header, by two bytes (the newest format
   * the peer reads, the format its cluster writes). A node of a release before versioned formats
   * answers it with nothing, which reads as format 0 for both.
   */
  static final ByteString FORMAT_QUERY = ByteString.copyFromUtf8("formats");

  /** A question to a peer in {@code version}: the header, then {@code question}. */
  static Message question(int version, ByteString question) {
    return Message.valueOf(
        ByteString.copyFrom(WireFormat.write(version, out -> out.write(question.toByteArray()))));
  }

  /** A peer's answer to {@link #FORMAT_QUERY}: {newest it reads, its cluster's format}. */
  static int[] decodeFormats(ByteString reply) {
    if (reply.size() < 2) {
      return new int[] {0, 0};
    }
    return new int[] {reply.byteAt(0) & 0xFF, reply.byteAt(1) & 0xFF};
  }

  static ResourceQuota.PeerUsage decodeQuotaUsage(ByteString bytes) throws ShardCodec.Malformed {
    return WireFormat.read(
        bytes.toByteArray(),
        WireFormat.NEWEST,
        (in, version) ->
            new ResourceQuota.PeerUsage(
                in.readBoolean(), Wire.readPercent(in), Wire.readPercent(in)));
  }

  /** Waits until this peer has applied {@code index}; false on timeout. */
  boolean awaitApplied(long index, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    synchronized (appliedMonitor) {
      while (getLastAppliedTermIndex().getIndex() < index) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return false;
        }
        appliedMonitor.wait(left);
      }
    }
    return true;
  }
}
