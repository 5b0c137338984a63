package dev.quiver.storage.internal.collection;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.ShardArchive;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.internal.files.Archives;
import dev.quiver.storage.internal.files.Codec;
import dev.quiver.storage.internal.files.FileFormat;
import dev.quiver.storage.internal.shard.Checkpoint;
import dev.quiver.storage.internal.shard.LocalShard;
import dev.quiver.storage.internal.space.IndexThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A collection on this node: its configuration and the shards it holds, under {@code shards/<id>/}.
 * A single node holds shard 0; a cluster node holds the shards placed on it, possibly none.
 * Thread-safe.
 */
public final class LocalCollection implements Collection, AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(LocalCollection.class);

  static final String META_FILE = "collection.meta";
  static final int META_MAGIC = 0x51434F4C; // "QCOL"
  static final int META_VERSION = 1;
  private static final String SHARDS_DIR = "shards";
  static final String KEYS_FILE = "shard_keys.meta";
  static final String INDEXES_FILE = "payload_index.meta";
  private static final int INDEXES_MAGIC = 0x51504958; // "QPIX"
  private static final int KEYS_MAGIC = 0x51534B59; // "QSKY"
  private static final int KEYS_VERSION = 1;

  private final String name;
  private volatile CollectionConfig config;
  private final Path dir;
  private final ConcurrentSkipListMap<Integer, LocalShard> shards = new ConcurrentSkipListMap<>();

  /** Shard id → its key (custom sharding), persisted in {@link #KEYS_FILE}. */
  private final ConcurrentSkipListMap<Integer, ShardKey> keys = new ConcurrentSkipListMap<>();

  private final boolean externalLog;

  /** The registry's graph-building threads, shared by every shard. */
  private final IndexThreads indexThreads;

  /** field → payload index asked for; replaced whole, persisted in {@link #INDEXES_FILE}. */
  private volatile SortedMap<String, PayloadIndexSpec> indexes;

  /** Opens the collection at {@code dir} with the shards found under it. */
  LocalCollection(
      String name, Path dir, CollectionConfig config, boolean externalLog, IndexThreads threads) {
    this(name, dir, config, existingShards(dir), externalLog, threads);
  }

  /**
   * Opens (creating as needed) the collection at {@code dir} with exactly {@code shardIds}; with
   * {@code externalLog} its shards keep no WAL (a Raft log is their durable record).
   */
  LocalCollection(
      String name,
      Path dir,
      CollectionConfig config,
      Set<Integer> shardIds,
      boolean externalLog,
      IndexThreads threads) {
    this.indexThreads = threads;
    this.externalLog = externalLog;
    this.name = name;
    this.config = config;
    this.dir = dir;
    keys.putAll(readKeys(dir));
    indexes = readIndexes(dir);
    try {
      for (int id : new TreeSet<>(shardIds)) {
        addShard(id);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private Path shardDir(int id) {
    return dir.resolve(SHARDS_DIR).resolve(Integer.toString(id));
  }

  /** Opens (creating when new) the replica of shard {@code id}. */
  synchronized void addShard(int id) {
    addShard(id, null);
  }

  /** Opens (creating when new) the replica of shard {@code id}, owned by {@code key} if given. */
  synchronized void addShard(int id, ShardKey key) {
    if (key != null && !key.equals(keys.get(id))) {
      keys.put(id, key);
      writeKeys();
    }
    if (!shards.containsKey(id)) {
      LocalShard shard = new LocalShard(shardDir(id), config, externalLog, indexThreads);
      shard.payloadIndexes(indexes);
      shards.put(id, shard);
    }
  }

  private void writeKeys() {
    var snapshot = new TreeMap<>(keys);
    byte[] body =
        ShardCodec.write(
            out -> {
              out.writeInt(snapshot.size());
              for (var e : snapshot.entrySet()) {
                out.writeInt(e.getKey());
                ShardCodec.writeShardKey(out, e.getValue());
              }
            });
    FileFormat.writeAtomically(dir.resolve(KEYS_FILE), KEYS_MAGIC, KEYS_VERSION, body);
  }

  private static Map<Integer, ShardKey> readKeys(Path dir) {
    Path file = dir.resolve(KEYS_FILE);
    if (!Files.exists(file)) {
      return Map.of();
    }
    byte[] body = FileFormat.read(file, KEYS_MAGIC, KEYS_VERSION);
    try {
      return ShardCodec.read(
          body,
          in -> {
            int n = ShardCodec.count(in);
            var out = new HashMap<Integer, ShardKey>();
            for (int i = 0; i < n; i++) {
              out.put(in.readInt(), ShardCodec.readShardKey(in));
            }
            return out;
          });
    } catch (ShardCodec.Malformed e) {
      throw new StorageException.Corrupted(file, e.getMessage());
    }
  }

  /** Closes and deletes the replica of shard {@code id}, if held. */
  synchronized void dropShard(int id) {
    LocalShard shard = shards.remove(id);
    if (shard == null) {
      return;
    }
    shard.close();
    if (keys.remove(id) != null) {
      writeKeys();
    }
    Path doomed = dir.resolve(SHARDS_DIR).resolve(".drop-" + id + "-" + System.nanoTime());
    try {
      Files.move(shardDir(id), doomed, StandardCopyOption.ATOMIC_MOVE);
      Archives.deleteRecursively(doomed);
    } catch (IOException e) {
      throw new StorageException.Io(
          "cannot delete shard " + id + " of " + name + ": " + e.getMessage(), e);
    }
  }

  /** Records ({@code spec} given) or removes a payload index; removing a missing one is fine. */
  synchronized void setPayloadIndex(String field, PayloadIndexSpec spec) {
    var next = new TreeMap<>(indexes);
    if (spec == null) {
      next.remove(field);
    } else {
      next.put(field, spec);
    }
    byte[] body =
        ShardCodec.write(
            out -> {
              out.writeInt(next.size());
              for (var e : next.entrySet()) {
                ShardCodec.writeString(out, e.getKey());
                ShardCodec.writeString(out, e.getValue().dataType());
                out.writeBoolean(e.getValue().params() != null);
                if (e.getValue().params() != null) {
                  ShardCodec.writeValue(out, e.getValue().params());
                }
              }
            });
    FileFormat.writeAtomically(dir.resolve(INDEXES_FILE), INDEXES_MAGIC, 1, body);
    indexes = Collections.unmodifiableSortedMap(next);
    shards.values().forEach(shard -> shard.payloadIndexes(indexes));
  }

  private static SortedMap<String, PayloadIndexSpec> readIndexes(Path dir) {
    Path file = dir.resolve(INDEXES_FILE);
    if (!Files.exists(file)) {
      return Collections.unmodifiableSortedMap(new TreeMap<>());
    }
    try {
      return Collections.unmodifiableSortedMap(
          ShardCodec.read(
              FileFormat.read(file, INDEXES_MAGIC, 1),
              in -> {
                int n = ShardCodec.count(in);
                var out = new TreeMap<String, PayloadIndexSpec>();
                for (int i = 0; i < n; i++) {
                  String field = ShardCodec.readString(in);
                  String type = ShardCodec.readString(in);
                  Value.Struct params = null;
                  if (in.readBoolean()) {
                    if (!(ShardCodec.readValue(in) instanceof Value.Struct s)) {
                      throw new ShardCodec.Malformed("index params");
                    }
                    params = s;
                  }
                  try {
                    out.put(field, new PayloadIndexSpec(type, params));
                  } catch (IllegalArgumentException e) {
                    throw new ShardCodec.Malformed(e.getMessage());
                  }
                }
                return out;
              }));
    } catch (ShardCodec.Malformed e) {
      throw new StorageException.Corrupted(file, e.getMessage());
    }
  }

  @Override
  public SortedMap<String, PayloadIndexSpec> payloadIndexes() {
    return indexes;
  }

  /** Persists and applies a changed configuration (see {@link LocalShard#updateConfig}). */
  synchronized void updateConfig(CollectionConfig next) {
    config.checkUpdate(next);
    writeMeta(dir, next);
    config = next;
    shards.values().forEach(s -> s.updateConfig(next));
  }

  /** Closes and deletes the replicas of {@code key}'s shards held here. */
  synchronized void dropShardKey(ShardKey key) {
    for (var e : new TreeMap<>(keys).entrySet()) {
      if (e.getValue().equals(key)) {
        dropShard(e.getKey());
      }
    }
  }

  /** The name prefix of a shard set aside while a restore opens its archive in its place. */
  private static final String REPLACED = ".replaced-";

  private static boolean isShardName(String n) {
    return !n.isEmpty() && n.length() < 10 && n.chars().allMatch(Character::isDigit);
  }

  private static Set<Integer> existingShards(Path dir) {
    Path shardsDir = dir.resolve(SHARDS_DIR);
    if (!Files.isDirectory(shardsDir)) {
      return Set.of();
    }
    try (Stream<Path> list = Files.list(shardsDir)) {
      var ids = new TreeSet<Integer>();
      for (Path p : list.toList()) {
        String n = p.getFileName().toString();
        if (isShardName(n)) {
          ids.add(Integer.parseInt(n));
        } else if (n.startsWith(REPLACED) && isShardName(n.substring(REPLACED.length()))) {
          // a restore stopped between setting the shard aside and opening the archive in its place
          Path shard = shardsDir.resolve(n.substring(REPLACED.length()));
          if (Files.exists(shard)) {
            Archives.deleteRecursively(p);
          } else {
            Files.move(p, shard, StandardCopyOption.ATOMIC_MOVE);
            ids.add(Integer.parseInt(shard.getFileName().toString()));
          }
        } else if (n.startsWith(".")) {
          // a snapshot's links, a restore or an opened archive that a crash interrupted
          Archives.deleteRecursively(p);
        }
      }
      return ids;
    } catch (IOException e) {
      throw new StorageException.Io("cannot list shards of " + dir + ": " + e.getMessage(), e);
    }
  }

  static void writeMeta(Path dir, CollectionConfig config) {
    FileFormat.writeAtomically(
        dir.resolve(META_FILE), META_MAGIC, META_VERSION, Codec.encode(config));
  }

  static CollectionConfig readMeta(Path dir) {
    Path file = dir.resolve(META_FILE);
    byte[] body = FileFormat.read(file, META_MAGIC, META_VERSION);
    try {
      return Codec.decodeConfig(body);
    } catch (Codec.DecodeException e) {
      throw new StorageException.Corrupted(file, e.getMessage());
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CollectionConfig config() {
    return config;
  }

  @Override
  public SortedSet<Integer> shardIds() {
    return Collections.unmodifiableSortedSet(shards.navigableKeySet()); // a live view, no copy
  }

  @Override
  public Map<Integer, ShardKey> shardKeys() {
    return Collections.unmodifiableMap(keys);
  }

  @Override
  public ShardReader reader(int shardId) {
    return shard(shardId);
  }

  @Override
  public ShardWriter writer(int shardId) {
    return shard(shardId);
  }

  private LocalShard shard(int shardId) {
    LocalShard shard = shards.get(shardId);
    if (shard == null) {
      throw new StorageException.NotFound(
          "Shard " + shardId + " of collection `" + name + "` is not on this node");
    }
    return shard;
  }

  @Override
  public CollectionInfo info() {
    long count = 0;
    long indexed = 0;
    long pending = 0;
    for (LocalShard shard : shards.values()) {
      count += shard.count();
      indexed += shard.indexedVectors();
      pending += shard.pendingIndex();
    }
    return new CollectionInfo(name, count, indexed, shards.size(), config, pending > 0);
  }

  @Override
  public long payloadBytes() {
    long bytes = 0;
    for (LocalShard shard : shards.values()) {
      bytes += shard.payloadBytes();
    }
    return bytes;
  }

  /**
   * Archives are stored, not compressed: they are mostly vectors, which Deflate shrinks by a tenth
   * at its fastest while costing most of a snapshot's time (a 147 MB shard took 6.5 s to archive, a
   * transfer's snapshot waiting on it).
   */
  private static final int ARCHIVE_LEVEL = Deflater.NO_COMPRESSION;

  @Override
  public synchronized void snapshot(OutputStream out) throws IOException {
    var zip = new ZipOutputStream(out);
    zip.setLevel(ARCHIVE_LEVEL);
    zip.putNextEntry(new ZipEntry(META_FILE));
    Files.copy(dir.resolve(META_FILE), zip);
    zip.closeEntry();
    for (String extra : new String[] {KEYS_FILE, INDEXES_FILE}) {
      if (Files.exists(dir.resolve(extra))) {
        zip.putNextEntry(new ZipEntry(extra));
        Files.copy(dir.resolve(extra), zip);
        zip.closeEntry();
      }
    }
    for (var e : shards.entrySet()) {
      e.getValue().snapshotTo(zip, SHARDS_DIR + "/" + e.getKey() + "/");
    }
    zip.finish();
  }

  @Override
  public void snapshotShard(int shardId, OutputStream out) throws IOException {
    LocalShard shard = shard(shardId);
    var zip = new ZipOutputStream(out);
    zip.setLevel(ARCHIVE_LEVEL);
    shard.snapshotTo(zip, "");
    zip.finish();
  }

  /**
   * The shard in place steps aside (renamed) while the archive is opened in its stead, and comes
   * back when the archive does not open as a shard of this collection: the archive's shard is
   * opened once, and that open is its check.
   */
  @Override
  public synchronized void restoreShard(int shardId, Path archive) throws IOException {
    Path shardsDir = dir.resolve(SHARDS_DIR);
    Path staging = shardsDir.resolve(".restore-" + shardId);
    unpackShard(archive, staging);
    Path target = shardDir(shardId);
    Path replaced = shardsDir.resolve(REPLACED + shardId);
    Archives.deleteRecursively(replaced);
    LocalShard old = shards.remove(shardId);
    if (old != null) {
      old.close();
    }
    boolean had = Files.exists(target);
    if (had) {
      Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
    }
    LocalShard restored;
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      restored = openUnpacked(target);
    } catch (IOException e) {
      Archives.deleteRecursively(staging);
      Archives.deleteRecursively(target);
      if (had) {
        Files.move(replaced, target, StandardCopyOption.ATOMIC_MOVE);
      }
      if (old != null) {
        try {
          LocalShard back = new LocalShard(target, config, externalLog, indexThreads);
          back.payloadIndexes(indexes);
          shards.put(shardId, back);
        } catch (RuntimeException reopen) {
          e.addSuppressed(reopen);
        }
      }
      throw e;
    }
    Archives.deleteRecursively(replaced);
    FileFormat.fsyncDirectory(shardsDir);
    restored.payloadIndexes(indexes);
    shards.put(shardId, restored);
  }

  @Override
  public ShardArchive openShardArchive(Path archive) throws IOException {
    Path staging = dir.resolve(SHARDS_DIR).resolve(".archive-" + archiveIds.incrementAndGet());
    unpackShard(archive, staging);
    LocalShard opened;
    try {
      opened = openUnpacked(staging);
    } catch (IOException e) {
      Archives.deleteRecursively(staging);
      throw e;
    }
    return new ShardArchive() {
      @Override
      public ShardReader reader() {
        return opened;
      }

      @Override
      public void close() {
        opened.close();
        try {
          Archives.deleteRecursively(staging);
        } catch (IOException e) {
          LOG.warn("cannot clean up {}: {}", staging, e.toString());
        }
      }
    };
  }

  /** Numbers the directories shard archives are opened in. */
  private final AtomicLong archiveIds = new AtomicLong();

  /**
   * Unpacks a shard snapshot into {@code staging} (emptied first) and checks it holds a checkpoint;
   * IOException, with nothing left behind, when it does not. Whether it is a shard of this
   * collection shows when it is opened ({@link #openUnpacked}).
   */
  private void unpackShard(Path archive, Path staging) throws IOException {
    Archives.deleteRecursively(staging);
    Files.createDirectories(staging);
    try {
      Archives.unzip(archive, staging);
    } catch (IOException e) {
      Archives.deleteRecursively(staging);
      throw new IOException(Archives.describe(e), e); // the message reaches clients: no paths
    }
    if (!Checkpoint.exists(staging)) { // every shard snapshot holds its checkpoint
      Archives.deleteRecursively(staging);
      throw new IOException("not a shard snapshot (no checkpoint in it)");
    }
  }

  /** Opens an unpacked shard snapshot; IOException when it is not a shard of this collection. */
  private LocalShard openUnpacked(Path unpacked) throws IOException {
    try {
      return new LocalShard(unpacked, config, externalLog, indexThreads);
    } catch (RuntimeException e) {
      throw new IOException("not a shard of this collection: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    for (LocalShard shard : shards.values()) {
      shard.close();
    }
    shards.clear();
  }
}
