package dev.quiver.storage.internal.collection;

import dev.quiver.storage.AliasAction;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionArchive;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionNames;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.files.Archives;
import dev.quiver.storage.internal.files.FileFormat;
import dev.quiver.storage.internal.files.StorageLock;
import dev.quiver.storage.internal.space.IndexThreads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The collections under one storage directory: {@code collections/<name>/} each, and {@code
 * registry.state} holding the last applied meta index. Creation builds the directory under a
 * temporary name and renames it into place; dropping renames it away before deleting, so a crash
 * leaves either the whole collection or none of it. Thread-safe: meta operations are serialised on
 * {@code metaLock}; lookups read a concurrent map.
 */
public final class LocalRegistry implements CollectionRegistry {
  private static final Logger LOG = LogManager.getLogger(LocalRegistry.class);
  private static final String STATE_FILE = "registry.state";
  private static final int STATE_MAGIC = 0x51524547; // "QREG"
  private static final int STATE_VERSION = 1;

  private final Path root;
  private final Path collectionsDir;
  private final Map<String, LocalCollection> collections = new ConcurrentHashMap<>();
  private static final String ALIASES_FILE = "aliases.meta";
  private static final int ALIASES_MAGIC = 0x51414C53; // "QALS"
  private static final int ALIASES_VERSION = 1;

  /** alias → collection; replaced whole (copy on write) under metaLock, persisted. */
  private volatile SortedMap<String, String> aliases =
      Collections.unmodifiableSortedMap(new TreeMap<>());

  private static final String QUOTA_FILE = "quota.json";

  /** The quota configuration last set; null until one is. Written under metaLock. */
  private volatile QuotaConfig quotas;

  private final Object metaLock = new Object();
  private volatile long lastApplied; // written under metaLock

  private final boolean externalLog;

  /** The threads that build every shard's graphs. */
  private final IndexThreads indexThreads;

  /** Held from open to close: no other process opens this storage meanwhile. */
  private final StorageLock lock;

  private LocalRegistry(Path root, boolean externalLog, IndexThreads indexThreads) {
    this.lock = StorageLock.acquire(root);
    this.externalLog = externalLog;
    this.indexThreads = indexThreads;
    this.root = root;
    this.collectionsDir = root.resolve("collections");
  }

  /** Opens or creates the storage at {@code root}. */
  public static LocalRegistry open(Path root) {
    return open(root, false);
  }

  /** As {@link #open(Path)}; with {@code externalLog} the shards keep no WAL of their own. */
  public static LocalRegistry open(Path root, boolean externalLog) {
    return open(root, externalLog, new IndexThreads());
  }

  /** As {@link #open(Path, boolean)}; graphs build on {@code indexThreads}. */
  public static LocalRegistry open(Path root, boolean externalLog, IndexThreads indexThreads) {
    LocalRegistry registry = new LocalRegistry(root, externalLog, indexThreads);
    try {
      Files.createDirectories(registry.collectionsDir);
      Path state = root.resolve(STATE_FILE);
      if (Files.exists(state)) {
        registry.lastApplied =
            ByteBuffer.wrap(FileFormat.read(state, STATE_MAGIC, STATE_VERSION)).getLong();
      }
      registry.loadCollections();
      registry.loadAliases();
      registry.loadQuotas();
    } catch (IOException e) {
      registry.close();
      throw new StorageException.Io("cannot open storage at " + root + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
    return registry;
  }

  private void loadCollections() throws IOException {
    try (Stream<Path> dirs = Files.list(collectionsDir)) {
      for (Path dir : dirs.sorted().toList()) {
        String name = dir.getFileName().toString();
        if (name.startsWith(".")) { // unfinished create or drop
          Archives.deleteRecursively(dir);
          continue;
        }
        long started = System.nanoTime();
        LocalCollection c =
            new LocalCollection(
                name, dir, LocalCollection.readMeta(dir), externalLog, indexThreads);
        collections.put(name, c);
        LOG.info(
            "loaded collection {} ({} points) in {} ms",
            name,
            c.info().pointsCount(),
            (System.nanoTime() - started) / 1_000_000);
      }
    }
  }

  @Override
  public boolean apply(CollectionMetaOp op, long index) {
    return applyAll(List.of(op), index);
  }

  @Override
  public boolean applyAll(List<CollectionMetaOp> ops, long index) {
    synchronized (metaLock) {
      if (index <= lastApplied) {
        return false;
      }
      for (CollectionMetaOp op : ops) {
        applyOne(op);
      }
      lastApplied = index;
      FileFormat.writeAtomically(
          root.resolve(STATE_FILE),
          STATE_MAGIC,
          STATE_VERSION,
          ByteBuffer.allocate(8).putLong(index).array());
      return true;
    }
  }

  private void applyOne(CollectionMetaOp op) {
    String problem =
        op instanceof CollectionMetaOp.ChangeAliases || op instanceof CollectionMetaOp.SetQuotas
            ? null
            : CollectionNames.problem(op.collection());
    if (problem != null) {
      throw new StorageException.BadInput(problem);
    }
    switch (op) {
      case CollectionMetaOp.Create c -> create(c);
      case CollectionMetaOp.Drop d -> drop(d.collection());
      case CollectionMetaOp.Restore r -> restore(r);
      case CollectionMetaOp.AddShard a -> local(a.collection()).addShard(a.shard(), a.key());
      case CollectionMetaOp.DropShard d -> local(d.collection()).dropShard(d.shard());
      case CollectionMetaOp.CreateShardKey k -> {
        LocalCollection c = local(k.collection());
        for (int shard : new TreeSet<>(k.localShards())) {
          c.addShard(shard, k.key());
        }
      }
      case CollectionMetaOp.DropShardKey k -> local(k.collection()).dropShardKey(k.key());
      case CollectionMetaOp.UpdateConfig u -> local(u.collection()).updateConfig(u.config());
      case CollectionMetaOp.ChangeAliases a -> saveAliases(changed(aliases, a.actions()));
      case CollectionMetaOp.SetQuotas q -> saveQuotas(q.config());
      case CollectionMetaOp.SetPayloadIndex x ->
          local(x.collection()).setPayloadIndex(x.field(), x.spec());
    }
  }

  private void create(CollectionMetaOp.Create c) {
    String name = c.collection();
    if (collections.containsKey(name)) {
      throw new StorageException.AlreadyExists("Collection `" + name + "` already exists!");
    }
    if (aliases.containsKey(name)) {
      throw new StorageException.AlreadyExists(
          "Collection `" + name + "` cannot be created: an alias has that name");
    }
    Path target = collectionsDir.resolve(name);
    Path tmp = collectionsDir.resolve(".create-" + name);
    try {
      Archives.deleteRecursively(tmp);
      Files.createDirectories(tmp);
      LocalCollection.writeMeta(tmp, c.config());
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      FileFormat.fsyncDirectory(collectionsDir);
    } catch (IOException e) {
      throw new StorageException.Io("cannot create collection " + name + ": " + e.getMessage(), e);
    }
    collections.put(
        name,
        new LocalCollection(name, target, c.config(), c.localShards(), externalLog, indexThreads));
  }

  /** Unpacks the archive beside the collections, checks it opens, then swaps it in. */
  private void restore(CollectionMetaOp.Restore r) {
    String name = r.collection();
    Path staging = collectionsDir.resolve(".restore-" + name);
    unpack(r.archive(), staging);
    drop(name);
    Path target = collectionsDir.resolve(name);
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      FileFormat.fsyncDirectory(collectionsDir);
    } catch (IOException e) {
      throw new StorageException.Io("cannot restore collection " + name + ": " + e.getMessage(), e);
    }
    collections.put(
        name,
        new LocalCollection(
            name, target, LocalCollection.readMeta(target), externalLog, indexThreads));
  }

  /**
   * Unpacks a collection snapshot into {@code staging} (emptied first) and checks its configuration
   * reads; BadInput, with nothing left behind, when it is not a collection snapshot.
   */
  private static void unpack(Path archive, Path staging) {
    try {
      Archives.deleteRecursively(staging);
      Files.createDirectories(staging);
      Archives.unzip(archive, staging);
      LocalCollection.readMeta(staging); // a missing or corrupt configuration stops here
    } catch (IOException e) {
      deleteQuietly(staging);
      throw new StorageException.BadInput("the snapshot cannot be read: " + Archives.describe(e));
    } catch (StorageException e) {
      deleteQuietly(staging);
      throw new StorageException.BadInput("the snapshot is not a collection: " + e.getMessage());
    }
  }

  @Override
  public CollectionArchive openArchive(Path archive) {
    Path staging = collectionsDir.resolve(".archive-" + archiveIds.incrementAndGet());
    unpack(archive, staging);
    LocalCollection opened;
    try {
      opened =
          new LocalCollection(
              ".archive", staging, LocalCollection.readMeta(staging), externalLog, indexThreads);
    } catch (RuntimeException e) {
      deleteQuietly(staging);
      throw new StorageException.BadInput("the snapshot cannot be opened: " + e.getMessage());
    }
    return new CollectionArchive() {
      @Override
      public Collection collection() {
        return opened;
      }

      @Override
      public void close() {
        opened.close();
        deleteQuietly(staging);
      }
    };
  }

  /** Numbers the directories archives are opened in (several recoveries may run at once). */
  private final AtomicLong archiveIds = new AtomicLong();

  private static void deleteQuietly(Path dir) {
    try {
      Archives.deleteRecursively(dir);
    } catch (IOException e) {
      LOG.warn("cannot clean up {}: {}", dir, e.toString());
    }
  }

  private void drop(String name) {
    LocalCollection c = collections.remove(name);
    if (c == null) {
      return;
    }
    if (aliases.containsValue(name)) { // a dropped collection takes its aliases with it
      var left = new TreeMap<>(aliases);
      left.values().removeIf(name::equals);
      saveAliases(left);
    }
    c.close();
    Path dir = collectionsDir.resolve(name);
    Path doomed = collectionsDir.resolve(".drop-" + name + "-" + System.nanoTime());
    try {
      Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
      FileFormat.fsyncDirectory(collectionsDir);
      Archives.deleteRecursively(doomed);
    } catch (IOException e) {
      throw new StorageException.Io("cannot drop collection " + name + ": " + e.getMessage(), e);
    }
  }

  private LocalCollection local(String name) {
    LocalCollection c = collections.get(name);
    if (c == null) {
      throw StorageException.NotFound.collection(name);
    }
    return c;
  }

  /**
   * {@code current} with {@code actions} applied, or the first action's error (nothing changes).
   */
  private SortedMap<String, String> changed(
      SortedMap<String, String> current, List<AliasAction> actions) {
    var next = new TreeMap<>(current);
    for (var action : actions) {
      switch (action) {
        case AliasAction.Create c -> {
          checkAliasName(c.alias());
          if (!collections.containsKey(c.collection())) {
            throw StorageException.NotFound.collection(c.collection());
          }
          next.put(c.alias(), c.collection());
        }
        case AliasAction.Delete d -> {
          if (next.remove(d.alias()) == null) {
            throw new StorageException.NotFound("Alias " + d.alias() + " does not exists!");
          }
        }
        case AliasAction.Rename r -> {
          String target = next.remove(r.from());
          if (target == null) {
            throw new StorageException.NotFound("Alias " + r.from() + " does not exists!");
          }
          checkAliasName(r.to());
          next.put(r.to(), target);
        }
      }
    }
    return next;
  }

  private void checkAliasName(String alias) {
    String problem = CollectionNames.problem(alias);
    if (problem != null) {
      throw new StorageException.BadInput(problem);
    }
    if (collections.containsKey(alias)) {
      throw new StorageException.AlreadyExists(
          "Collection `" + alias + "` already exists! An alias cannot take a collection's name");
    }
  }

  private void saveAliases(SortedMap<String, String> next) {
    byte[] body =
        ShardCodec.write(
            out -> {
              out.writeInt(next.size());
              for (var e : next.entrySet()) {
                ShardCodec.writeString(out, e.getKey());
                ShardCodec.writeString(out, e.getValue());
              }
            });
    FileFormat.writeAtomically(root.resolve(ALIASES_FILE), ALIASES_MAGIC, ALIASES_VERSION, body);
    aliases = Collections.unmodifiableSortedMap(new TreeMap<>(next));
  }

  private void saveQuotas(QuotaConfig config) {
    FileFormat.replace(
        root.resolve(QUOTA_FILE),
        ch -> ch.write(ByteBuffer.wrap(config.toJson().getBytes(StandardCharsets.UTF_8))));
    quotas = config;
  }

  private void loadQuotas() throws IOException {
    Path file = root.resolve(QUOTA_FILE);
    if (Files.exists(file)) {
      try {
        quotas = QuotaConfig.fromJson(Files.readString(file));
      } catch (ShardCodec.Malformed e) {
        throw new StorageException.Corrupted(file, e.getMessage());
      }
    }
  }

  @Override
  public Optional<QuotaConfig> quotas() {
    return Optional.ofNullable(quotas);
  }

  private void loadAliases() {
    Path file = root.resolve(ALIASES_FILE);
    if (!Files.exists(file)) {
      return;
    }
    try {
      aliases =
          Collections.unmodifiableSortedMap(
              ShardCodec.read(
                  FileFormat.read(file, ALIASES_MAGIC, ALIASES_VERSION),
                  in -> {
                    int n = ShardCodec.count(in);
                    var map = new TreeMap<String, String>();
                    for (int i = 0; i < n; i++) {
                      map.put(ShardCodec.readString(in), ShardCodec.readString(in));
                    }
                    return map;
                  }));
    } catch (ShardCodec.Malformed e) {
      throw new StorageException.Corrupted(file, e.getMessage());
    }
  }

  @Override
  public SortedMap<String, String> aliases() {
    return aliases;
  }

  @Override
  public long lastAppliedIndex() {
    return lastApplied;
  }

  @Override
  public List<String> list() {
    return collections.keySet().stream().sorted().toList();
  }

  @Override
  public Optional<Collection> get(String name) {
    return Optional.ofNullable(collections.get(name));
  }

  @Override
  public void close() {
    synchronized (metaLock) {
      for (LocalCollection c : collections.values()) {
        try {
          c.close();
        } catch (StorageException e) {
          LOG.error("closing collection {} failed: {}", c.name(), e.getMessage());
        }
      }
      collections.clear();
      lock.close();
    }
  }
}
