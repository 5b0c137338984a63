package dev.quiver.storage.internal;

import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import java.nio.file.Path;

/** A collection on this node: its configuration and its one local shard. Thread-safe. */
final class LocalCollection implements Collection, AutoCloseable {
  static final String META_FILE = "collection.meta";
  static final int META_MAGIC = 0x51434F4C; // "QCOL"
  static final int META_VERSION = 1;

  private final String name;
  private final CollectionConfig config;
  private final LocalShard shard;

  LocalCollection(String name, Path dir, CollectionConfig config) {
    this.name = name;
    this.config = config;
    this.shard = new LocalShard(dir.resolve("shards").resolve("0"), config);
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
      throw new dev.quiver.storage.StorageException.Corrupted(file, e.getMessage());
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
  public ShardReader reader() {
    return shard;
  }

  @Override
  public ShardWriter writer() {
    return shard;
  }

  @Override
  public CollectionInfo info() {
    long count = shard.count();
    return new CollectionInfo(name, count, 0, 1, config);
  }

  @Override
  public void close() {
    shard.close();
  }
}
