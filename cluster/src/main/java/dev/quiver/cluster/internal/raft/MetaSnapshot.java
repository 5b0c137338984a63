package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.CheckedFiles;
import dev.quiver.storage.ConfigCodec;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The metadata group's whole state as of one log index: what a peer needs instead of the log up to
 * it. The shared state (peers, collections with their placement, cluster metadata keys) and what
 * every node's registry holds alike (aliases, quotas, each collection's payload indexes). Stored as
 * one self-checking file (magic, format version, length, CRC32C; see {@link CheckedFiles}), which
 * Ratis ships to a peer whose log is behind the compacted part. Immutable.
 *
 * <p>File format 2 adds {@code format} at the end; format 1 (read as message format 0) is still
 * written while the cluster writes message format 0, so that a peer of the previous release can
 * install it. File format 3 adds the running shard transfers after it, written once the cluster
 * writes message format 2 (the one with transfer entries); format 2 is written before. File format
 * 4 adds the listener peers and the running snapshot recoveries after them, written once the
 * cluster writes message format 3. File format 5 adds the running reshardings after them, written
 * once the cluster writes message format 4.
 *
 * @param quotas null when none was ever set
 * @param payloadIndexes by collection, then field
 * @param format the message format the cluster writes ({@link FormatGate})
 */
record MetaSnapshot(
    long term,
    long index,
    SortedMap<Long, String> peers,
    SortedMap<String, MetaStateMachine.Placement> collections,
    SortedMap<String, Value> clusterMetadata,
    SortedMap<String, String> aliases,
    QuotaConfig quotas,
    SortedMap<String, SortedMap<String, PayloadIndexSpec>> payloadIndexes,
    SortedMap<String, List<Wire.Transfer>> transfers,
    SortedSet<Long> listeners,
    SortedMap<String, Map<Integer, Long>> recoveries,
    SortedMap<String, Wire.Resharding> reshardings,
    int format) {

  static final int MAGIC = 0x514d5350; // "QMSP"
  static final int VERSION = 5;

  MetaSnapshot {
    peers = Collections.unmodifiableSortedMap(new TreeMap<>(peers));
    collections = Collections.unmodifiableSortedMap(new TreeMap<>(collections));
    clusterMetadata = Collections.unmodifiableSortedMap(new TreeMap<>(clusterMetadata));
    aliases = Collections.unmodifiableSortedMap(new TreeMap<>(aliases));
    var indexes = new TreeMap<String, SortedMap<String, PayloadIndexSpec>>();
    payloadIndexes.forEach(
        (c, fields) -> indexes.put(c, Collections.unmodifiableSortedMap(new TreeMap<>(fields))));
    payloadIndexes = Collections.unmodifiableSortedMap(indexes);
    var running = new TreeMap<String, List<Wire.Transfer>>();
    transfers.forEach((c, ts) -> running.put(c, List.copyOf(ts)));
    transfers = Collections.unmodifiableSortedMap(running);
    listeners = Collections.unmodifiableSortedSet(new TreeSet<>(listeners));
    var recovering = new TreeMap<String, Map<Integer, Long>>();
    recoveries.forEach(
        (c, shards) -> recovering.put(c, Collections.unmodifiableMap(new TreeMap<>(shards))));
    recoveries = Collections.unmodifiableSortedMap(recovering);
    reshardings = Collections.unmodifiableSortedMap(new TreeMap<>(reshardings));
  }

  /** What the registry side contributes: the same on every node at the same index. */
  record Registry(
      SortedMap<String, String> aliases,
      QuotaConfig quotas,
      SortedMap<String, SortedMap<String, PayloadIndexSpec>> payloadIndexes) {}

  Registry registry() {
    return new Registry(aliases, quotas, payloadIndexes);
  }

  /** Writes the snapshot to {@code file} atomically (a reader sees the old file or this one). */
  void write(Path file) {
    CheckedFiles.write(file, MAGIC, fileVersion(), ShardCodec.write(this::writeBody));
  }

  /** The file format: the newest unless the cluster still writes the previous message format. */
  int fileVersion() {
    if (format >= Wire.RESHARDING_FORMAT) {
      return VERSION;
    }
    if (format >= Wire.LISTENERS_FORMAT) {
      return 4;
    }
    return format >= Wire.TRANSFERS_FORMAT ? 3 : format > 0 ? 2 : 1;
  }

  /** Reads and checks a snapshot file; {@link StorageException.Corrupted} when it is not one. */
  static MetaSnapshot read(Path file) {
    CheckedFiles.Versioned read = CheckedFiles.readVersioned(file, MAGIC, VERSION);
    try {
      return ShardCodec.read(read.body(), in -> readBody(in, read.version()));
    } catch (ShardCodec.Malformed e) {
      throw new StorageException.Corrupted(file, e.getMessage());
    }
  }

  private void writeBody(DataOutputStream out) throws IOException {
    out.writeLong(term);
    out.writeLong(index);
    out.writeInt(peers.size());
    for (var p : peers.entrySet()) {
      out.writeLong(p.getKey());
      ShardCodec.writeString(out, p.getValue());
    }
    out.writeInt(collections.size());
    for (MetaStateMachine.Placement p : collections.values()) {
      ShardCodec.writeString(out, p.name());
      ConfigCodec.write(out, p.config());
      Wire.writeReplicas(out, p.replicas());
      out.writeInt(p.keys().size());
      for (ShardKey k : p.keys()) {
        ShardCodec.writeShardKey(out, k);
      }
      out.writeLong(p.createdIndex());
      var fields = payloadIndexes.getOrDefault(p.name(), Collections.emptySortedMap());
      out.writeInt(fields.size());
      for (var f : fields.entrySet()) {
        ShardCodec.writeString(out, f.getKey());
        Wire.writeSpec(out, f.getValue());
      }
    }
    out.writeInt(clusterMetadata.size());
    for (var m : clusterMetadata.entrySet()) {
      ShardCodec.writeString(out, m.getKey());
      ShardCodec.writeValue(out, m.getValue());
    }
    out.writeInt(aliases.size());
    for (var a : aliases.entrySet()) {
      ShardCodec.writeString(out, a.getKey());
      ShardCodec.writeString(out, a.getValue());
    }
    out.writeBoolean(quotas != null);
    if (quotas != null) {
      Wire.writeQuotas(out, quotas);
    }
    if (fileVersion() >= 2) {
      out.writeByte(format);
    }
    if (fileVersion() >= 3) {
      out.writeInt(transfers.size());
      for (var c : transfers.entrySet()) {
        ShardCodec.writeString(out, c.getKey());
        out.writeInt(c.getValue().size());
        for (Wire.Transfer t : c.getValue()) {
          Wire.writeTransfer(out, t);
        }
      }
    }
    if (fileVersion() >= 4) {
      out.writeInt(listeners.size());
      for (long peer : listeners) {
        out.writeLong(peer);
      }
      out.writeInt(recoveries.size());
      for (var c : recoveries.entrySet()) {
        ShardCodec.writeString(out, c.getKey());
        out.writeInt(c.getValue().size());
        for (var r : c.getValue().entrySet()) {
          out.writeInt(r.getKey());
          out.writeLong(r.getValue());
        }
      }
    }
    if (fileVersion() >= 5) {
      out.writeInt(reshardings.size());
      for (var r : reshardings.entrySet()) {
        ShardCodec.writeString(out, r.getKey());
        Wire.writeResharding(out, r.getValue());
      }
    }
  }

  private static MetaSnapshot readBody(DataInputStream in, int fileVersion) throws IOException {
    long term = in.readLong();
    long index = in.readLong();
    if (term < 0 || index < 0) {
      throw new ShardCodec.Malformed("negative term or index");
    }
    var peers = new TreeMap<Long, String>();
    for (int i = ShardCodec.count(in); i > 0; i--) {
      peers.put(in.readLong(), ShardCodec.readString(in));
    }
    var collections = new TreeMap<String, MetaStateMachine.Placement>();
    var payloadIndexes = new TreeMap<String, SortedMap<String, PayloadIndexSpec>>();
    for (int i = ShardCodec.count(in); i > 0; i--) {
      String name = ShardCodec.readString(in);
      var config = ConfigCodec.read(in);
      List<List<Long>> replicas = Wire.readReplicas(in);
      int keyCount = ShardCodec.count(in);
      if (keyCount != replicas.size()) {
        throw new ShardCodec.Malformed(
            name + ": " + keyCount + " shard keys for " + replicas.size() + " shards");
      }
      List<ShardKey> keys = new ArrayList<>(keyCount);
      for (int k = 0; k < keyCount; k++) {
        keys.add(ShardCodec.readShardKey(in));
      }
      long created = in.readLong();
      var fields = new TreeMap<String, PayloadIndexSpec>();
      for (int f = ShardCodec.count(in); f > 0; f--) {
        String field = ShardCodec.readString(in);
        PayloadIndexSpec spec = Wire.readSpec(in);
        if (spec == null) {
          throw new ShardCodec.Malformed(name + "." + field + ": an index without a type");
        }
        fields.put(field, spec);
      }
      if (!fields.isEmpty()) {
        payloadIndexes.put(name, fields);
      }
      collections.put(name, new MetaStateMachine.Placement(name, config, replicas, keys, created));
    }
    var metadata = new TreeMap<String, Value>();
    for (int i = ShardCodec.count(in); i > 0; i--) {
      metadata.put(ShardCodec.readString(in), ShardCodec.readValue(in));
    }
    var aliases = new TreeMap<String, String>();
    for (int i = ShardCodec.count(in); i > 0; i--) {
      aliases.put(ShardCodec.readString(in), ShardCodec.readString(in));
    }
    QuotaConfig quotas = in.readBoolean() ? Wire.readQuotas(in) : null;
    int format = fileVersion >= 2 ? in.readUnsignedByte() : 0;
    if (format > WireFormat.NEWEST) {
      throw new ShardCodec.Malformed("message format " + format + " is unknown to this release");
    }
    var transfers = new TreeMap<String, List<Wire.Transfer>>();
    if (fileVersion >= 3) {
      for (int i = ShardCodec.count(in); i > 0; i--) {
        String name = ShardCodec.readString(in);
        List<Wire.Transfer> running = new ArrayList<>();
        for (int t = ShardCodec.count(in); t > 0; t--) {
          running.add(Wire.readTransfer(in));
        }
        transfers.put(name, running);
      }
    }
    var listeners = new TreeSet<Long>();
    var recoveries = new TreeMap<String, Map<Integer, Long>>();
    if (fileVersion >= 4) {
      for (int i = ShardCodec.count(in); i > 0; i--) {
        listeners.add(in.readLong());
      }
      for (int i = ShardCodec.count(in); i > 0; i--) {
        String name = ShardCodec.readString(in);
        var shards = new TreeMap<Integer, Long>();
        for (int r = ShardCodec.count(in); r > 0; r--) {
          shards.put(in.readInt(), in.readLong());
        }
        recoveries.put(name, shards);
      }
    }
    var reshardings = new TreeMap<String, Wire.Resharding>();
    if (fileVersion >= 5) {
      for (int i = ShardCodec.count(in); i > 0; i--) {
        reshardings.put(ShardCodec.readString(in), Wire.readResharding(in));
      }
    }
    return new MetaSnapshot(
        term,
        index,
        peers,
        collections,
        metadata,
        aliases,
        quotas,
        payloadIndexes,
        transfers,
        listeners,
        recoveries,
        reshardings,
        format);
  }
}
