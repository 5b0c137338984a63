package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * What runs on the shards of each collection, as the metadata log records it: shard transfers,
 * snapshot recoveries and a resharding, with the rules that say which may start while others run
 * (Qdrant's messages). Part of the metadata state machine's state: changed only by its apply
 * thread, read by any (the maps are concurrent and their values immutable).
 */
final class ShardTasks {
  /** The shard transfers running, by collection (none listed for a collection without any). */
  private final Map<String, List<Wire.Transfer>> transfers = new ConcurrentHashMap<>();

  /** Snapshot recoveries rewriting a shard: by collection, shard to the peer driving it. */
  private final Map<String, Map<Integer, Long>> recoveries = new ConcurrentHashMap<>();

  /** The running reshardings, by collection (at most one each). */
  private final Map<String, Wire.Resharding> reshardings = new ConcurrentHashMap<>();

  /** Counts the changes to each collection's resharding record since this process started. */
  private final Map<String, AtomicLong> reshardingChanges = new ConcurrentHashMap<>();

  /** Counts the changes to every resharding record since this process started. */
  private final AtomicLong allReshardingChanges = new AtomicLong();

  /** The transfers of {@code collection} running, in the order they began. */
  List<Wire.Transfer> transfers(String collection) {
    return transfers.getOrDefault(collection, List.of());
  }

  /** Every running transfer, by collection. */
  Map<String, List<Wire.Transfer>> transfers() {
    return Map.copyOf(transfers);
  }

  /** The shards of {@code collection} a snapshot recovery rewrites, to the peer driving each. */
  Map<Integer, Long> recoveries(String collection) {
    return recoveries.getOrDefault(collection, Map.of());
  }

  /** Every recorded snapshot recovery, by collection. */
  Map<String, Map<Integer, Long>> recoveries() {
    return Map.copyOf(recoveries);
  }

  /** The collection's running resharding, if any. */
  Optional<Wire.Resharding> resharding(String collection) {
    return Optional.ofNullable(reshardings.get(collection));
  }

  /** Every running resharding, by collection. */
  Map<String, Wire.Resharding> reshardings() {
    return Map.copyOf(reshardings);
  }

  /** Takes a snapshot's records (key by key, so a concurrent reader never sees an empty map). */
  void load(MetaSnapshot snapshot) {
    replace(transfers, snapshot.transfers());
    replace(recoveries, snapshot.recoveries());
    replace(reshardings, snapshot.reshardings());
    snapshot.reshardings().keySet().forEach(this::changed);
  }

  private static <K, V> void replace(Map<K, V> target, Map<K, V> source) {
    target.putAll(source);
    target.keySet().retainAll(source.keySet());
  }

  /**
   * Records the restart of the transfer of {@code t}'s shard between its peers with {@code t}'s
   * method; returns the transfer as it now runs.
   */
  Wire.Transfer restartTransfer(String collection, Wire.Transfer t) {
    List<Wire.Transfer> next = new ArrayList<>(transfers(collection));
    for (int i = 0; i < next.size(); i++) {
      Wire.Transfer running = next.get(i);
      if (running.sameKey(t.shard(), t.from(), t.to())) {
        Wire.Transfer restarted =
            new Wire.Transfer(t.shard(), t.from(), t.to(), running.sync(), t.method());
        next.set(i, restarted);
        transfers.put(collection, List.copyOf(next));
        return restarted;
      }
    }
    throw noTransfer(t.shard(), t.from(), t.to());
  }

  /**
   * Refuses a new transfer when another transfer of the shard shares a peer with it, or the shard
   * is being recovered or resharded.
   */
  void checkNewTransfer(String collection, MetaStateMachine.Placement p, Wire.Transfer t) {
    for (Wire.Transfer other : transfers(collection)) {
      if (other.conflicts(t)) {
        throw new StorageException.BadRequest(
            "Shard "
                + t.shard()
                + " is already involved in transfer "
                + other.from()
                + " -> "
                + other.to());
      }
    }
    if (recoveries(collection).containsKey(t.shard())) {
      throw new StorageException.BadRequest(
          "Shard " + t.shard() + " is being recovered from a snapshot");
    }
    refuseWhileResharded(collection, p, t.shard());
  }

  /** Records a new transfer ({@link #checkNewTransfer} passed). */
  void addTransfer(String collection, Wire.Transfer t) {
    List<Wire.Transfer> next = new ArrayList<>(transfers(collection));
    next.add(t);
    transfers.put(collection, List.copyOf(next));
  }

  /** Qdrant's answer to aborting or restarting a transfer that is not running. */
  static StorageException.BadRequest noTransfer(int shard, long from, long to) {
    return new StorageException.BadRequest(
        "There is no transfer for shard " + shard + " from " + from + " to " + to);
  }

  void endTransfers(String collection, Predicate<Wire.Transfer> which) {
    transfers.computeIfPresent(
        collection,
        (c, running) -> {
          List<Wire.Transfer> left = running.stream().filter(which.negate()).toList();
          return left.isEmpty() ? null : left;
        });
  }

  /**
   * Records a snapshot recovery of a shard, refused while another recovery, a transfer or a
   * resharding involves the shard.
   */
  void startRecovery(MetaStateMachine.Placement p, Wire.ShardRecovery r) {
    Long driver = recoveries(r.collection()).get(r.shard());
    if (driver != null) {
      throw new StorageException.BadRequest(
          "Shard "
              + r.shard()
              + " is already being recovered from a snapshot through peer "
              + driver);
    }
    for (Wire.Transfer t : transfers(r.collection())) {
      if (t.shard() == r.shard()) {
        throw new StorageException.BadRequest(
            "Shard " + r.shard() + " is involved in transfer " + t.from() + " -> " + t.to());
      }
    }
    refuseWhileResharded(r.collection(), p, r.shard());
    Map<Integer, Long> next = new TreeMap<>(recoveries(r.collection()));
    next.put(r.shard(), r.peer());
    recoveries.put(r.collection(), Collections.unmodifiableMap(next));
  }

  void endRecoveries(String collection, BiPredicate<Integer, Long> which) {
    recoveries.computeIfPresent(
        collection,
        (c, running) -> {
          Map<Integer, Long> left = new TreeMap<>(running);
          left.entrySet().removeIf(e -> which.test(e.getKey(), e.getValue()));
          return left.isEmpty() ? null : Collections.unmodifiableMap(left);
        });
  }

  /** Refuses a change to {@code shard} while a resharding moves points in or out of it. */
  private void refuseWhileResharded(String collection, MetaStateMachine.Placement p, int shard) {
    Wire.Resharding r = reshardings.get(collection);
    if (r != null && Reshard.group(p.layout(), r.key()).contains(shard)) {
      throw new StorageException.BadRequest(
          "Shard " + shard + " is being resharded; wait for the resharding to end or abort it");
    }
  }

  /**
   * Refuses a resharding of {@code group} while one runs on the collection or a transfer or
   * recovery involves the group.
   */
  void checkNewResharding(String collection, List<Integer> group) {
    if (reshardings.containsKey(collection)) {
      throw new StorageException.BadRequest(
          "Resharding is already in progress for collection " + collection);
    }
    for (Wire.Transfer t : transfers(collection)) {
      if (group.contains(t.shard())) {
        throw new StorageException.BadRequest(
            "Shard " + t.shard() + " is involved in transfer " + t.from() + " -> " + t.to());
      }
    }
    for (int shard : recoveries(collection).keySet()) {
      if (group.contains(shard)) {
        throw new StorageException.BadRequest(
            "Shard " + shard + " is being recovered from a snapshot");
      }
    }
  }

  void putResharding(String collection, Wire.Resharding r) {
    reshardings.put(collection, r);
    changed(collection);
  }

  /**
   * How many times the collection's resharding record (null: any collection's) has changed
   * (started, moved on) since this process started: a reader that sees the same count before and
   * after some work knows that no resharding step of the collection was applied here meanwhile.
   */
  long reshardingChanges(String collection) {
    if (collection == null) {
      return allReshardingChanges.get();
    }
    AtomicLong n = reshardingChanges.get(collection);
    return n == null ? 0 : n.get();
  }

  private void changed(String collection) {
    reshardingChanges.computeIfAbsent(collection, c -> new AtomicLong()).incrementAndGet();
    allReshardingChanges.incrementAndGet();
  }

  /** The collection's resharding; a 400 when none runs. */
  Wire.Resharding requireResharding(String collection) {
    Wire.Resharding r = reshardings.get(collection);
    if (r == null) {
      throw new StorageException.BadRequest(
          "No resharding in progress for collection " + collection);
    }
    return r;
  }

  void endResharding(String collection) {
    reshardings.remove(collection);
  }

  /**
   * A peer left: its transfers and recoveries end, and a resharding it drove is driven by {@code
   * successor} (null: none left) from its stage.
   */
  void peerRemoved(long peer, Long successor) {
    for (String c : List.copyOf(recoveries.keySet())) {
      endRecoveries(c, (shard, driver) -> driver == peer);
    }
    for (String c : List.copyOf(transfers.keySet())) {
      endTransfers(c, t -> t.from() == peer || t.to() == peer);
    }
    if (successor != null) {
      reshardings.replaceAll((c, r) -> r.driver() == peer ? r.drivenBy(successor) : r);
    }
  }

  /** A shard key's shards were dropped: a resharding of them has nothing left to do. */
  void shardKeyDropped(String collection, ShardKey key) {
    reshardings.computeIfPresent(collection, (c, r) -> key.equals(r.key()) ? null : r);
  }

  /** The collection was dropped: nothing runs on it any more. */
  void collectionDropped(String collection) {
    transfers.remove(collection);
    recoveries.remove(collection);
    reshardings.remove(collection);
  }
}
