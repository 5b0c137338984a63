package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ShardKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * What an applied metadata entry does on this node: the local registry applies the same change at
 * the entry's index (once: a replayed entry at or below the registry's index was applied before),
 * the shard groups of local replicas start and stop, and membership changes are audited. Runs on
 * the metadata state machine's apply thread.
 */
final class MetaEffects implements MetaStateMachine.Effects {
  private final CollectionRegistry registry;
  private final ShardGroups groups;
  private final ClusterAudit audit;
  private final LongSupplier self;
  private final ResourceQuota quota;
  private final UnaryOperator<byte[]> auditReader;
  private final LongPredicate passed;

  /**
   * @param self this node's peer id, known once the node has read or made its identity
   * @param auditReader this node's audit entries matching a query (JSON in, JSON array out)
   */
  MetaEffects(
      CollectionRegistry registry,
      ShardGroups groups,
      ClusterAudit audit,
      LongSupplier self,
      ResourceQuota quota,
      UnaryOperator<byte[]> auditReader,
      LongPredicate passed) {
    this.passed = passed;
    this.registry = registry;
    this.groups = groups;
    this.audit = audit;
    this.self = self;
    this.quota = quota;
    this.auditReader = auditReader;
  }

  /** Applies {@code op} at {@code index} unless the registry has it already. */
  private boolean applyOnce(CollectionMetaOp op, long index) {
    if (index <= registry.lastAppliedIndex()) {
      return false;
    }
    registry.apply(op, index);
    return true;
  }

  /** The shards among {@code shards} with a replica on this node. */
  private Set<Integer> local(MetaStateMachine.Placement p, Collection<Integer> shards) {
    Set<Integer> local = new TreeSet<>();
    for (int s : shards) {
      if (p.replicas().get(s).contains(self.getAsLong())) {
        local.add(s);
      }
    }
    return local;
  }

  @Override
  public void created(MetaStateMachine.Placement p, long index) {
    var all = new TreeSet<Integer>();
    for (int s = 0; s < p.shardCount(); s++) {
      all.add(s);
    }
    Set<Integer> local = local(p, all);
    // replayed: storage and groups were made when the entry was first applied
    if (applyOnce(new CollectionMetaOp.Create(p.name(), p.config(), local), index)) {
      local.forEach(s -> groups.start(p, s));
    }
  }

  @Override
  public void dropped(MetaStateMachine.Placement p, long index) {
    groups.stop(p, p.layout().shards().keySet());
    applyOnce(new CollectionMetaOp.Drop(p.name()), index);
  }

  @Override
  public void shardKeyCreated(
      MetaStateMachine.Placement p, ShardKey key, List<Integer> shards, long index) {
    Set<Integer> local = local(p, shards);
    if (applyOnce(new CollectionMetaOp.CreateShardKey(p.name(), key, local), index)) {
      local.forEach(s -> groups.start(p, s));
    }
  }

  @Override
  public void reshardShardAdded(MetaStateMachine.Placement p, int shard, long index) {
    if (!local(p, List.of(shard)).isEmpty()
        && applyOnce(new CollectionMetaOp.AddShard(p.name(), shard, p.keys().get(shard)), index)) {
      groups.start(p, shard);
    }
  }

  @Override
  public void reshardEnded(
      MetaStateMachine.Placement before,
      MetaStateMachine.Placement after,
      Integer dropped,
      long index) {
    if (dropped != null) {
      groups.stop(before, List.of(dropped));
    }
    if (index <= registry.lastAppliedIndex()) {
      return;
    }
    List<CollectionMetaOp> ops = new ArrayList<>();
    if (!before.config().equals(after.config())) {
      ops.add(new CollectionMetaOp.UpdateConfig(after.name(), after.config()));
    }
    if (dropped != null && !local(before, List.of(dropped)).isEmpty()) {
      ops.add(new CollectionMetaOp.DropShard(before.name(), dropped));
    }
    if (!ops.isEmpty()) {
      registry.applyAll(ops, index);
    }
  }

  @Override
  public boolean passed(long index) {
    return passed.test(index);
  }

  @Override
  public void shardKeyDropped(
      MetaStateMachine.Placement before, ShardKey key, List<Integer> shards, long index) {
    groups.stop(before, shards);
    applyOnce(new CollectionMetaOp.DropShardKey(before.name(), key), index);
  }

  @Override
  public void configChanged(MetaStateMachine.Placement p, long index) {
    applyOnce(new CollectionMetaOp.UpdateConfig(p.name(), p.config()), index);
  }

  @Override
  public void payloadIndexChanged(
      String collection, String field, PayloadIndexSpec spec, long index) {
    applyOnce(new CollectionMetaOp.SetPayloadIndex(collection, field, spec), index);
  }

  @Override
  public void aliasesChanged(List<AliasAction> actions, long index) {
    applyOnce(new CollectionMetaOp.ChangeAliases(actions), index);
  }

  @Override
  public void quotasChanged(QuotaConfig config, long index) {
    applyOnce(new CollectionMetaOp.SetQuotas(config), index);
  }

  @Override
  public void membershipChanged(long peer, String uri, long index) {
    audit.record(uri == null ? "peer_removed" : "peer_joined", "/cluster/peer/" + peer, null, uri);
  }

  @Override
  public void transferStarted(MetaStateMachine.Placement p, Wire.Transfer transfer) {
    if (transfer.method() == TransferMethod.SNAPSHOT) {
      groups.wantSnapshot(p, transfer.shard());
    }
  }

  @Override
  public void replicaChanged(
      MetaStateMachine.Placement p, int shard, long peer, boolean added, long index) {
    audit.record(
        added ? "replica_added" : "replica_removed",
        "/collections/" + p.name() + "/shards/" + shard + "/peer/" + peer,
        p.name(),
        null);
    groups.forgetChannel(p.groupId(shard)); // its client knows the old members
    if (peer != self.getAsLong() || index <= registry.lastAppliedIndex()) {
      return;
    }
    if (added) {
      registry.apply(new CollectionMetaOp.AddShard(p.name(), shard, p.keys().get(shard)), index);
      groups.join(p, shard);
    } else {
      groups.stopLocal(p, shard);
      registry.apply(new CollectionMetaOp.DropShard(p.name(), shard), index);
    }
  }

  @Override
  public long storedIndex() {
    return registry.lastAppliedIndex();
  }

  @Override
  public MetaSnapshot.Registry storedState() {
    var indexes = new TreeMap<String, SortedMap<String, PayloadIndexSpec>>();
    for (String name : registry.list()) {
      registry
          .get(name)
          .map(c -> c.payloadIndexes())
          .filter(fields -> !fields.isEmpty())
          .ifPresent(fields -> indexes.put(name, fields));
    }
    return new MetaSnapshot.Registry(registry.aliases(), registry.quotas().orElse(null), indexes);
  }

  /**
   * The storage is brought to the snapshot by the difference between the two, applied as one step
   * at the snapshot's index: collections the snapshot lacks are dropped, its new ones created, and
   * for the rest the configuration, payload indexes and local shards are set to its own. A local
   * shard is kept only when this node still runs its group (same replica, same incarnation of the
   * collection); otherwise it is dropped and made again, empty, for its new group's leader to fill.
   * Aliases are removed first and set last, so that they name what exists.
   */
  @Override
  public void installed(MetaSnapshot snapshot, boolean placeGroups) {
    if (snapshot.index() <= registry.lastAppliedIndex()) {
      return;
    }
    long me = self.getAsLong();
    Collection<MetaStateMachine.Placement> placements = snapshot.collections().values();
    if (placeGroups) {
      groups.stopOthers(placements, me);
    }
    List<CollectionMetaOp> ops = new ArrayList<>();
    SortedMap<String, String> aliases = registry.aliases();
    boolean aliasesChange = !aliases.equals(snapshot.aliases());
    if (aliasesChange && !aliases.isEmpty()) {
      ops.add(
          new CollectionMetaOp.ChangeAliases(
              aliases.keySet().stream().<AliasAction>map(AliasAction.Delete::new).toList()));
    }
    for (String name : registry.list()) {
      if (!snapshot.collections().containsKey(name)) {
        ops.add(new CollectionMetaOp.Drop(name));
      }
    }
    for (MetaStateMachine.Placement p : placements) {
      SortedMap<String, PayloadIndexSpec> fields =
          snapshot.payloadIndexes().getOrDefault(p.name(), new TreeMap<>());
      var existing = registry.get(p.name());
      if (existing.isEmpty()) {
        Set<Integer> local = new TreeSet<>();
        for (int s = 0; s < p.shardCount(); s++) {
          if (p.replicas().get(s).contains(me)) {
            local.add(s);
          }
        }
        ops.add(new CollectionMetaOp.Create(p.name(), p.config(), local));
        fields.forEach(
            (field, spec) -> ops.add(new CollectionMetaOp.SetPayloadIndex(p.name(), field, spec)));
        continue;
      }
      var c = existing.get();
      if (!c.config().equals(p.config())) {
        ops.add(new CollectionMetaOp.UpdateConfig(p.name(), p.config()));
      }
      Set<Integer> held = c.shardIds();
      for (int s : held) {
        boolean mine = s < p.shardCount() && p.replicas().get(s).contains(me);
        if (!mine || !groups.runs(p, s)) {
          ops.add(new CollectionMetaOp.DropShard(p.name(), s));
        }
      }
      for (int s = 0; s < p.shardCount(); s++) {
        if (p.replicas().get(s).contains(me) && !(held.contains(s) && groups.runs(p, s))) {
          ops.add(new CollectionMetaOp.AddShard(p.name(), s, p.keys().get(s)));
        }
      }
      SortedMap<String, PayloadIndexSpec> have = c.payloadIndexes();
      have.keySet().stream()
          .filter(field -> !fields.containsKey(field))
          .forEach(field -> ops.add(new CollectionMetaOp.SetPayloadIndex(p.name(), field, null)));
      fields.forEach(
          (field, spec) -> {
            if (!spec.equals(have.get(field))) {
              ops.add(new CollectionMetaOp.SetPayloadIndex(p.name(), field, spec));
            }
          });
    }
    if (aliasesChange && !snapshot.aliases().isEmpty()) {
      ops.add(
          new CollectionMetaOp.ChangeAliases(
              snapshot.aliases().entrySet().stream()
                  .<AliasAction>map(a -> new AliasAction.Create(a.getKey(), a.getValue()))
                  .toList()));
    }
    QuotaConfig quotas = snapshot.quotas();
    if (quotas != null && !quotas.equals(registry.quotas().orElse(null))) {
      ops.add(new CollectionMetaOp.SetQuotas(quotas));
    }
    registry.applyAll(ops, snapshot.index());
    if (placeGroups) {
      groups.startMissing(placements, me);
    }
  }

  @Override
  public void snapshotInstalled(long index, String leader) {
    audit.record("install_metadata_snapshot", "/cluster/metadata/snapshot@" + index, null, leader);
  }

  @Override
  public void placeGroups(Collection<MetaStateMachine.Placement> placements) {
    groups.place(placements, self.getAsLong());
  }

  @Override
  public byte[] auditEntries(byte[] query) {
    return auditReader.apply(query);
  }

  @Override
  public ResourceQuota.PeerUsage quotaUsage() {
    return quota.peerUsage();
  }
}
