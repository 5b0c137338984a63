package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.TransferMethod;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.ConfigCodec;
import dev.quiver.storage.Filter;
import dev.quiver.storage.FilterCodec;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ReadCodec;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateOpCodec;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The messages peers exchange through Ratis: metadata log entries, shard log entries (batches of
 * update operations), forwarded reads, and their replies. Built on {@link ShardCodec}; every
 * message starts with its {@link WireFormat} header, then a tag byte (or a count). Bad bytes fail
 * with {@link ShardCodec.Malformed}, a format newer than the reader's with {@link
 * WireFormat.TooNew}.
 */
final class Wire {
  private Wire() {}

  // ---- metadata log entries ----

  sealed interface MetaEntry {}

  /** A peer became a member (or changed its URI). */
  record PeerJoined(long peerId, String uri) implements MetaEntry {}

  /** A peer was removed from the cluster. */
  record PeerRemoved(long peerId) implements MetaEntry {}

  /**
   * A collection, with its placement: {@code replicas.get(shard)} lists the peers holding that
   * shard, computed once by the proposer so every node applies the same placement.
   */
  record CreateCollection(String name, CollectionConfig config, List<List<Long>> replicas)
      implements MetaEntry {}

  record DropCollection(String name) implements MetaEntry {}

  /** A payload index recorded ({@code spec} given) or removed. */
  record SetPayloadIndex(String collection, String field, PayloadIndexSpec spec)
      implements MetaEntry {}

  /** Alias changes, applied all or none by every node's registry. */
  record ChangeAliases(List<AliasAction> actions) implements MetaEntry {}

  /** A collection's changed configuration (see {@code CollectionMetaOp.UpdateConfig}). */
  record UpdateCollection(String name, CollectionConfig config) implements MetaEntry {}

  /** {@code peer} now holds a replica of the shard (it starts empty and catches up by log). */
  record AddReplica(String collection, int shard, long peer) implements MetaEntry {}

  /** {@code peer} no longer holds a replica of the shard. */
  record RemoveReplica(String collection, int shard, long peer) implements MetaEntry {}

  /**
   * New shards for a key of a custom-sharded collection, numbered after the existing ones; {@code
   * replicas.get(i)} holds the i-th new shard.
   */
  record CreateShardKey(String collection, ShardKey key, List<List<Long>> replicas)
      implements MetaEntry {}

  /** Drops a key's shards. */
  record DropShardKey(String collection, ShardKey key) implements MetaEntry {}

  /** The cluster-wide resource quota configuration ({@code PUT /quotas}). */
  record SetQuotas(QuotaConfig config) implements MetaEntry {}

  /** A cluster metadata key set to {@code value}, or removed ({@code value} null). */
  record SetClusterMetadata(String key, Value value) implements MetaEntry {}

  /**
   * From this entry on the cluster writes messages in {@code version} (every member reads it; see
   * {@link FormatGate}). Formats only rise: a lower version than the current one changes nothing.
   */
  record RaiseFormat(int version) implements MetaEntry {}

  /** The first message format in which the transfer entries below may be written. */
  static final int TRANSFERS_FORMAT = 2;

  /**
   * A shard transfer, the key being (shard, from, to): {@code sync} true for a replication (the
   * source keeps its replica), false for a move.
   */
  record Transfer(int shard, long from, long to, boolean sync, TransferMethod method) {
    Transfer {
      Objects.requireNonNull(method, "method");
    }

    boolean sameKey(int shard, long from, long to) {
      return this.shard == shard && this.from == from && this.to == to;
    }

    /** Whether this transfer and {@code other} move the same shard through a common peer. */
    boolean conflicts(Transfer other) {
      return shard == other.shard
          && (from == other.from || from == other.to || to == other.from || to == other.to);
    }
  }

  /**
   * A transfer begins: {@code transfer.to()} holds a replica of the shard from here on (as with
   * {@link AddReplica}) and the transfer is recorded until {@link EndTransfer}. With {@code
   * restart} the recorded transfer of the same key runs again, with the given method. Written from
   * {@link #TRANSFERS_FORMAT} on.
   */
  record StartTransfer(String collection, Transfer transfer, boolean restart)
      implements MetaEntry {}

  /**
   * The transfer of {@code shard} from {@code from} to {@code to} is no longer recorded: it
   * finished or was aborted (the replica changes that go with either are entries of their own).
   * Written from {@link #TRANSFERS_FORMAT} on.
   */
  record EndTransfer(String collection, int shard, long from, long to) implements MetaEntry {}

  /** The first message format in which {@link PeerRole} may be written. */
  static final int LISTENERS_FORMAT = 3;

  /**
   * A peer's {@code storage.node_type}: {@code listener} true for a {@code Listener} node, whose
   * replicas take every update but serve no reads while another replica can. Each node records its
   * own when its configuration differs from the record. Written from {@link #LISTENERS_FORMAT} on.
   */
  record PeerRole(long peerId, boolean listener) implements MetaEntry {}

  /** The first message format in which {@link ShardRecovery} may be written. */
  static final int RECOVERIES_FORMAT = 3;

  /**
   * A snapshot recovery that rewrites {@code shard} through its log, driven by {@code peer}, begins
   * ({@code running}) or ends: while it is recorded, writes to the shard are refused and its
   * replicas are reported {@code ManualRecovery}. Written from {@link #RECOVERIES_FORMAT} on.
   */
  record ShardRecovery(String collection, int shard, long peer, boolean running)
      implements MetaEntry {}

  /** The first message format in which the resharding entries below may be written. */
  static final int RESHARDING_FORMAT = 4;

  /**
   * The first message format in which a forwarded search carries its {@code params.acorn} (read tag
   * 6; tag 1 has no room for it).
   */
  static final int SEARCH_PARAMS_FORMAT = 5;

  /** Where a resharding stands. */
  enum ReshardStage {
    /**
     * Points that change shard move one part at a time ({@link Resharding#parts}): those of the
     * parts before {@link Resharding#done} live in their new shard, the others in their old one;
     * while part {@code done} is {@link Resharding#frozen}, its moving points are copied and writes
     * touching them wait.
     */
    MIGRATING,
    /** Requests route by the new layout; the old copies are being deleted. */
    SWITCHED,
    /** Aborted before the switch: requests route by the old layout; copies are being deleted. */
    ABORTING
  }

  /**
   * A resharding of {@code key}'s shards (null: the collection's shards without a key): {@code up}
   * adds {@code shard} (placed first on {@code peer}), down removes {@code shard}, the last of the
   * group (whose replica on {@code peer} is reported). {@code driver} is the peer that runs it. The
   * points move in {@code parts} parts; {@code done} of them have moved, and part {@code done} is
   * being copied while {@code frozen}.
   */
  record Resharding(
      ShardKey key,
      boolean up,
      int shard,
      long peer,
      long driver,
      ReshardStage stage,
      int parts,
      int done,
      boolean frozen) {
    Resharding {
      Objects.requireNonNull(stage, "stage");
      if (parts < 1 || done < 0 || done >= parts) {
        throw new IllegalArgumentException("part " + done + " of " + parts);
      }
    }

    /** In one part, none moved yet. */
    Resharding(ShardKey key, boolean up, int shard, long peer, long driver, ReshardStage stage) {
      this(key, up, shard, peer, driver, stage, 1, 0, false);
    }

    Resharding at(ReshardStage next, int nextDone, boolean nextFrozen) {
      return new Resharding(key, up, shard, peer, driver, next, parts, nextDone, nextFrozen);
    }

    Resharding drivenBy(long next) {
      return new Resharding(key, up, shard, peer, next, stage, parts, done, frozen);
    }
  }

  /**
   * A resharding begins ({@code resharding.stage()} is {@link ReshardStage#MIGRATING}); scaling up,
   * the new shard is created with {@code replicas} as its holders. Written from {@link
   * #RESHARDING_FORMAT} on.
   */
  record StartResharding(String collection, Resharding resharding, List<Long> replicas)
      implements MetaEntry {
    StartResharding {
      replicas = List.copyOf(replicas);
    }
  }

  /**
   * The collection's resharding moves to {@code stage}. Written from {@link #RESHARDING_FORMAT} on.
   */
  record ReshardingStage(String collection, ReshardStage stage, int done, boolean frozen)
      implements MetaEntry {

    /** A stage past the migration (its part fields unused). */
    ReshardingStage(String collection, ReshardStage stage) {
      this(collection, stage, 0, false);
    }
  }

  /**
   * The collection's resharding ends: after a switch a removed shard is dropped, after an abort an
   * added one. Written from {@link #RESHARDING_FORMAT} on.
   */
  record EndResharding(String collection) implements MetaEntry {}

  static void writeResharding(DataOutputStream out, Resharding r) throws IOException {
    ShardCodec.writeShardKey(out, r.key());
    out.writeBoolean(r.up());
    out.writeInt(r.shard());
    out.writeLong(r.peer());
    out.writeLong(r.driver());
    writeStage(out, r.stage());
    out.writeInt(r.parts());
    out.writeInt(r.done());
    out.writeBoolean(r.frozen());
  }

  private static void writeStage(DataOutputStream out, ReshardStage stage) throws IOException {
    out.writeByte(
        switch (stage) {
          case MIGRATING -> 0;
          case SWITCHED -> 1;
          case ABORTING -> 2;
        });
  }

  static Resharding readResharding(DataInputStream in) throws IOException {
    ShardKey key = ShardCodec.readShardKey(in);
    boolean up = in.readBoolean();
    int shard = in.readInt();
    long peer = in.readLong();
    long driver = in.readLong();
    ReshardStage stage = readStage(in);
    int parts = in.readInt();
    int done = in.readInt();
    boolean frozen = in.readBoolean();
    if (parts < 1 || done < 0 || done >= parts) {
      throw new ShardCodec.Malformed("resharding part " + done + " of " + parts);
    }
    return new Resharding(key, up, shard, peer, driver, stage, parts, done, frozen);
  }

  private static ReshardStage readStage(DataInputStream in) throws IOException {
    int stage = in.readUnsignedByte();
    return switch (stage) {
      case 0 -> ReshardStage.MIGRATING;
      case 1 -> ReshardStage.SWITCHED;
      case 2 -> ReshardStage.ABORTING;
      default -> throw new ShardCodec.Malformed("unknown resharding stage " + stage);
    };
  }

  static byte[] encode(MetaEntry e, int version) {
    return WireFormat.write(
        version,
        out -> {
          switch (e) {
            case PeerJoined p -> {
              out.writeByte(1);
              out.writeLong(p.peerId());
              ShardCodec.writeString(out, p.uri());
            }
            case PeerRemoved p -> {
              out.writeByte(2);
              out.writeLong(p.peerId());
            }
            case CreateCollection c -> {
              out.writeByte(3);
              ShardCodec.writeString(out, c.name());
              ConfigCodec.write(out, c.config());
              writeReplicas(out, c.replicas());
            }
            case DropCollection d -> {
              out.writeByte(4);
              ShardCodec.writeString(out, d.name());
            }
            case AddReplica a -> {
              out.writeByte(5);
              ShardCodec.writeString(out, a.collection());
              out.writeInt(a.shard());
              out.writeLong(a.peer());
            }
            case RemoveReplica r -> {
              out.writeByte(6);
              ShardCodec.writeString(out, r.collection());
              out.writeInt(r.shard());
              out.writeLong(r.peer());
            }
            case CreateShardKey k -> {
              out.writeByte(7);
              ShardCodec.writeString(out, k.collection());
              ShardCodec.writeShardKey(out, k.key());
              writeReplicas(out, k.replicas());
            }
            case DropShardKey k -> {
              out.writeByte(8);
              ShardCodec.writeString(out, k.collection());
              ShardCodec.writeShardKey(out, k.key());
            }
            case SetPayloadIndex x -> {
              out.writeByte(11);
              ShardCodec.writeString(out, x.collection());
              ShardCodec.writeString(out, x.field());
              writeSpec(out, x.spec());
            }
            case ChangeAliases a -> {
              out.writeByte(10);
              out.writeInt(a.actions().size());
              for (var action : a.actions()) {
                switch (action) {
                  case AliasAction.Create c -> {
                    out.writeByte(1);
                    ShardCodec.writeString(out, c.alias());
                    ShardCodec.writeString(out, c.collection());
                  }
                  case AliasAction.Delete d -> {
                    out.writeByte(2);
                    ShardCodec.writeString(out, d.alias());
                  }
                  case AliasAction.Rename r -> {
                    out.writeByte(3);
                    ShardCodec.writeString(out, r.from());
                    ShardCodec.writeString(out, r.to());
                  }
                }
              }
            }
            case SetQuotas q -> {
              out.writeByte(12);
              writeQuotas(out, q.config());
            }
            case SetClusterMetadata m -> {
              out.writeByte(13);
              ShardCodec.writeString(out, m.key());
              out.writeBoolean(m.value() != null);
              if (m.value() != null) {
                ShardCodec.writeValue(out, m.value());
              }
            }
            case RaiseFormat f -> {
              out.writeByte(14);
              out.writeByte(f.version());
            }
            case UpdateCollection u -> {
              out.writeByte(9);
              ShardCodec.writeString(out, u.name());
              ConfigCodec.write(out, u.config());
            }
            case StartTransfer t -> {
              requireFormat(version, TRANSFERS_FORMAT, "a shard transfer");
              out.writeByte(15);
              ShardCodec.writeString(out, t.collection());
              writeTransfer(out, t.transfer());
              out.writeBoolean(t.restart());
            }
            case EndTransfer t -> {
              requireFormat(version, TRANSFERS_FORMAT, "a shard transfer");
              out.writeByte(16);
              ShardCodec.writeString(out, t.collection());
              out.writeInt(t.shard());
              out.writeLong(t.from());
              out.writeLong(t.to());
            }
            case PeerRole r -> {
              requireFormat(version, LISTENERS_FORMAT, "a peer's node type");
              out.writeByte(17);
              out.writeLong(r.peerId());
              out.writeBoolean(r.listener());
            }
            case ShardRecovery r -> {
              requireFormat(version, RECOVERIES_FORMAT, "a shard recovery");
              out.writeByte(18);
              ShardCodec.writeString(out, r.collection());
              out.writeInt(r.shard());
              out.writeLong(r.peer());
              out.writeBoolean(r.running());
            }
            case StartResharding r -> {
              requireFormat(version, RESHARDING_FORMAT, "a resharding");
              out.writeByte(19);
              ShardCodec.writeString(out, r.collection());
              writeResharding(out, r.resharding());
              out.writeInt(r.replicas().size());
              for (long peer : r.replicas()) {
                out.writeLong(peer);
              }
            }
            case ReshardingStage r -> {
              requireFormat(version, RESHARDING_FORMAT, "a resharding");
              out.writeByte(20);
              ShardCodec.writeString(out, r.collection());
              writeStage(out, r.stage());
              out.writeInt(r.done());
              out.writeBoolean(r.frozen());
            }
            case EndResharding r -> {
              requireFormat(version, RESHARDING_FORMAT, "a resharding");
              out.writeByte(21);
              ShardCodec.writeString(out, r.collection());
            }
          }
        });
  }

  private static void requireFormat(int version, int first, String what) {
    if (version < first) {
      throw new IllegalArgumentException(
          what + " is written from message format " + first + ", not " + version);
    }
  }

  static void writeTransfer(DataOutputStream out, Transfer t) throws IOException {
    out.writeInt(t.shard());
    out.writeLong(t.from());
    out.writeLong(t.to());
    out.writeBoolean(t.sync());
    out.writeByte(
        switch (t.method()) {
          case STREAM_RECORDS -> 0;
          case SNAPSHOT -> 1;
          case WAL_DELTA -> 2;
        });
  }

  static Transfer readTransfer(DataInputStream in) throws IOException {
    int shard = in.readInt();
    long from = in.readLong();
    long to = in.readLong();
    boolean sync = in.readBoolean();
    int method = in.readUnsignedByte();
    if (shard < 0 || method > 2) {
      throw new ShardCodec.Malformed("a transfer of shard " + shard + " by method " + method);
    }
    return new Transfer(
        shard,
        from,
        to,
        sync,
        switch (method) {
          case 0 -> TransferMethod.STREAM_RECORDS;
          case 1 -> TransferMethod.SNAPSHOT;
          default -> TransferMethod.WAL_DELTA;
        });
  }

  /** A metadata entry in any format up to {@code ceiling}. */
  static MetaEntry decodeMeta(byte[] bytes, int ceiling) throws ShardCodec.Malformed {
    return WireFormat.read(
        bytes,
        ceiling,
        (in, version) -> {
          int tag = in.readUnsignedByte();
          return switch (tag) {
            case 1 -> new PeerJoined(in.readLong(), ShardCodec.readString(in));
            case 2 -> new PeerRemoved(in.readLong());
            case 3 -> {
              String name = ShardCodec.readString(in);
              CollectionConfig config = ConfigCodec.read(in);
              yield new CreateCollection(name, config, readReplicas(in));
            }
            case 4 -> new DropCollection(ShardCodec.readString(in));
            case 5 -> new AddReplica(ShardCodec.readString(in), in.readInt(), in.readLong());
            case 6 -> new RemoveReplica(ShardCodec.readString(in), in.readInt(), in.readLong());
            case 7 ->
                new CreateShardKey(ShardCodec.readString(in), requireKey(in), readReplicas(in));
            case 8 -> new DropShardKey(ShardCodec.readString(in), requireKey(in));
            case 9 -> new UpdateCollection(ShardCodec.readString(in), ConfigCodec.read(in));
            case 11 -> {
              String collection = ShardCodec.readString(in);
              String field = ShardCodec.readString(in);
              yield new SetPayloadIndex(collection, field, readSpec(in));
            }
            case 10 -> {
              int n = ShardCodec.count(in);
              List<AliasAction> actions = new ArrayList<>(n);
              for (int i = 0; i < n; i++) {
                int kind = in.readUnsignedByte();
                actions.add(
                    switch (kind) {
                      case 1 ->
                          new AliasAction.Create(
                              ShardCodec.readString(in), ShardCodec.readString(in));
                      case 2 -> new AliasAction.Delete(ShardCodec.readString(in));
                      case 3 ->
                          new AliasAction.Rename(
                              ShardCodec.readString(in), ShardCodec.readString(in));
                      default -> throw new ShardCodec.Malformed("unknown alias action " + kind);
                    });
              }
              yield new ChangeAliases(actions);
            }
            case 13 -> {
              String key = ShardCodec.readString(in);
              yield new SetClusterMetadata(key, in.readBoolean() ? ShardCodec.readValue(in) : null);
            }
            case 12 -> new SetQuotas(readQuotas(in));
            case 14 -> new RaiseFormat(in.readUnsignedByte());
            case 15 -> {
              formatAtLeast(version, TRANSFERS_FORMAT, tag);
              yield new StartTransfer(
                  ShardCodec.readString(in), readTransfer(in), in.readBoolean());
            }
            case 16 -> {
              formatAtLeast(version, TRANSFERS_FORMAT, tag);
              yield new EndTransfer(
                  ShardCodec.readString(in), in.readInt(), in.readLong(), in.readLong());
            }
            case 17 -> {
              formatAtLeast(version, LISTENERS_FORMAT, tag);
              yield new PeerRole(in.readLong(), in.readBoolean());
            }
            case 18 -> {
              formatAtLeast(version, RECOVERIES_FORMAT, tag);
              yield new ShardRecovery(
                  ShardCodec.readString(in), in.readInt(), in.readLong(), in.readBoolean());
            }
            case 19 -> {
              formatAtLeast(version, RESHARDING_FORMAT, tag);
              String collection = ShardCodec.readString(in);
              Resharding r = readResharding(in);
              int n = ShardCodec.count(in);
              List<Long> replicas = new ArrayList<>(n);
              for (int i = 0; i < n; i++) {
                replicas.add(in.readLong());
              }
              yield new StartResharding(collection, r, replicas);
            }
            case 20 -> {
              formatAtLeast(version, RESHARDING_FORMAT, tag);
              yield new ReshardingStage(
                  ShardCodec.readString(in), readStage(in), in.readInt(), in.readBoolean());
            }
            case 21 -> {
              formatAtLeast(version, RESHARDING_FORMAT, tag);
              yield new EndResharding(ShardCodec.readString(in));
            }
            default -> throw new ShardCodec.Malformed("unknown metadata entry tag " + tag);
          };
        });
  }

  private static void formatAtLeast(int version, int first, int tag) throws ShardCodec.Malformed {
    if (version < first) {
      throw new ShardCodec.Malformed("metadata entry tag " + tag + " in message format " + version);
    }
  }

  /** A payload index's spec, or null (the index removed). */
  static void writeSpec(DataOutputStream out, PayloadIndexSpec spec) throws IOException {
    out.writeBoolean(spec != null);
    if (spec != null) {
      ShardCodec.writeString(out, spec.dataType());
      out.writeBoolean(spec.params() != null);
      if (spec.params() != null) {
        ShardCodec.writeValue(out, spec.params());
      }
    }
  }

  static PayloadIndexSpec readSpec(DataInputStream in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    String type = ShardCodec.readString(in);
    Value.Struct params = null;
    if (in.readBoolean()) {
      if (!(ShardCodec.readValue(in) instanceof Value.Struct st)) {
        throw new ShardCodec.Malformed("payload index params");
      }
      params = st;
    }
    try {
      return new PayloadIndexSpec(type, params);
    } catch (IllegalArgumentException e) {
      throw new ShardCodec.Malformed(e.getMessage());
    }
  }

  static void writeQuotas(DataOutputStream out, QuotaConfig q) throws IOException {
    out.writeBoolean(q.enabled());
    writePercent(out, q.maxResidentMemoryPercent());
    writePercent(out, q.maxDiskUsagePercent());
    writePercent(out, q.releaseMarginPercent());
  }

  static QuotaConfig readQuotas(DataInputStream in) throws IOException {
    boolean enabled = in.readBoolean();
    Integer memory = readPercent(in);
    Integer disk = readPercent(in);
    Integer margin = readPercent(in);
    String problem = QuotaConfig.problem(memory, disk, margin);
    if (problem != null) {
      throw new ShardCodec.Malformed(problem);
    }
    return new QuotaConfig(enabled, memory, disk, margin);
  }

  /** A percentage, or null, in one signed byte (-1 for null). */
  static void writePercent(DataOutputStream out, Integer percent) throws IOException {
    out.writeByte(percent == null ? -1 : percent);
  }

  static Integer readPercent(DataInputStream in) throws IOException {
    int v = in.readByte();
    return v < 0 ? null : v;
  }

  static void writeReplicas(DataOutputStream out, List<List<Long>> replicas) throws IOException {
    out.writeInt(replicas.size());
    for (List<Long> peers : replicas) {
      out.writeInt(peers.size());
      for (long p : peers) {
        out.writeLong(p);
      }
    }
  }

  static List<List<Long>> readReplicas(DataInputStream in) throws IOException {
    int shards = ShardCodec.count(in);
    List<List<Long>> replicas = new ArrayList<>(shards);
    for (int s = 0; s < shards; s++) {
      int n = ShardCodec.count(in);
      List<Long> peers = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        peers.add(in.readLong());
      }
      replicas.add(List.copyOf(peers));
    }
    return List.copyOf(replicas);
  }

  private static ShardKey requireKey(DataInputStream in) throws IOException {
    ShardKey key = ShardCodec.readShardKey(in);
    if (key == null) {
      throw new ShardCodec.Malformed("a shard key entry without a key");
    }
    return key;
  }

  // ---- shard log entries: a batch of operations ----

  static byte[] encodeBatch(List<UpdateOp> ops, int version) {
    return WireFormat.write(
        version,
        out -> {
          out.writeInt(ops.size());
          for (UpdateOp op : ops) {
            UpdateOpCodec.write(out, op);
          }
        });
  }

  /** A shard entry in any format up to {@code ceiling}. */
  static List<UpdateOp> decodeBatch(byte[] bytes, int ceiling) throws ShardCodec.Malformed {
    return WireFormat.read(
        bytes,
        ceiling,
        (in, version) -> {
          int n = ShardCodec.count(in);
          List<UpdateOp> ops = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            ops.add(UpdateOpCodec.read(in));
          }
          return ops;
        });
  }

  // ---- replies: ok, or a storage error to raise again on the caller's node ----

  private static final int OK = 0;
  private static final int NOT_FOUND = 1;
  private static final int ALREADY_EXISTS = 2;
  private static final int BAD_INPUT = 3;
  private static final int FAILED = 4;
  // read as FAILED (503) by a release before them, which is how it took these errors
  private static final int BAD_REQUEST = 5;
  private static final int OVER_LIMIT = 6;

  /** Writes an error reply for {@code e}. */
  static void writeError(DataOutputStream out, RuntimeException e) throws IOException {
    int kind =
        switch (e) {
          case StorageException.NotFound n -> NOT_FOUND;
          case StorageException.AlreadyExists a -> ALREADY_EXISTS;
          case StorageException.BadInput b -> BAD_INPUT;
          case StorageException.BadRequest b -> BAD_REQUEST;
          case StorageException.OverLimit o -> OVER_LIMIT;
          default -> FAILED;
        };
    out.writeByte(kind);
    ShardCodec.writeString(out, e.getMessage() == null ? e.toString() : e.getMessage());
  }

  static void writeOk(DataOutputStream out) throws IOException {
    out.writeByte(OK);
  }

  /** Reads a status byte; returns normally for ok, throws the carried error otherwise. */
  static void readStatus(DataInputStream in) throws IOException {
    int kind = in.readUnsignedByte();
    if (kind == OK) {
      return;
    }
    String message = ShardCodec.readString(in);
    throw switch (kind) {
      case NOT_FOUND -> new StorageException.NotFound(message);
      case ALREADY_EXISTS -> new StorageException.AlreadyExists(message);
      case BAD_INPUT -> new StorageException.BadInput(message);
      case BAD_REQUEST -> new StorageException.BadRequest(message);
      case OVER_LIMIT -> new StorageException.OverLimit(message);
      default -> new StorageException.Unavailable(message, null);
    };
  }

  // ---- forwarded reads ----

  sealed interface Read {}

  record Search(SearchRequest request) implements Read {}

  record Retrieve(List<PointId> ids, WithPayload withPayload, WithVectors withVectors)
      implements Read {}

  record Scroll(
      Filter filter, PointId offset, int limit, WithPayload withPayload, WithVectors withVectors)
      implements Read {}

  record Count(Filter filter) implements Read {}

  record PayloadMatch(Filter filter) implements Read {}

  static byte[] encode(Read r, int version) {
    return WireFormat.write(
        version,
        out -> {
          switch (r) {
            case Search s -> {
              if (version >= SEARCH_PARAMS_FORMAT) {
                out.writeByte(6);
                ReadCodec.writeSearch(out, s.request());
                ReadCodec.writeAcorn(out, s.request().acorn());
              } else {
                if (s.request().acorn() != null) {
                  throw new IllegalArgumentException(
                      "a search's params.acorn is written from message format "
                          + SEARCH_PARAMS_FORMAT
                          + ", not "
                          + version);
                }
                out.writeByte(1);
                ReadCodec.writeSearch(out, s.request());
              }
            }
            case Retrieve g -> {
              out.writeByte(2);
              ShardCodec.writeIds(out, g.ids());
              ReadCodec.writeWithPayload(out, g.withPayload());
              ReadCodec.writeWithVectors(out, g.withVectors());
            }
            case Scroll s -> {
              out.writeByte(3);
              FilterCodec.writeOptional(out, s.filter());
              out.writeBoolean(s.offset() != null);
              if (s.offset() != null) {
                ShardCodec.writeId(out, s.offset());
              }
              out.writeInt(s.limit());
              ReadCodec.writeWithPayload(out, s.withPayload());
              ReadCodec.writeWithVectors(out, s.withVectors());
            }
            case Count c -> {
              out.writeByte(4);
              FilterCodec.writeOptional(out, c.filter());
            }
            case PayloadMatch m -> {
              out.writeByte(5);
              FilterCodec.write(out, m.filter());
            }
          }
        });
  }

  /** A forwarded read's body, in message format {@code version} (its header already read). */
  static Read decodeRead(DataInputStream in, int version) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 1 -> new Search(ReadCodec.readSearch(in));
      case 6 -> {
        if (version < SEARCH_PARAMS_FORMAT) {
          throw new ShardCodec.Malformed("read tag 6 in message format " + version);
        }
        yield new Search(ReadCodec.readSearch(in).withAcorn(ReadCodec.readAcorn(in)));
      }
      case 2 ->
          new Retrieve(
              ShardCodec.readIds(in), ReadCodec.readWithPayload(in), ReadCodec.readWithVectors(in));
      case 3 -> {
        Filter f = FilterCodec.readOptional(in);
        PointId offset = in.readBoolean() ? ShardCodec.readId(in) : null;
        yield new Scroll(
            f, offset, in.readInt(), ReadCodec.readWithPayload(in), ReadCodec.readWithVectors(in));
      }
      case 4 -> new Count(FilterCodec.readOptional(in));
      case 5 -> new PayloadMatch(FilterCodec.read(in));
      default -> throw new ShardCodec.Malformed("unknown read tag " + tag);
    };
  }
}
