package dev.quiver.storage;

import dev.quiver.storage.internal.collection.LocalRegistry;
import dev.quiver.storage.internal.space.IndexThreads;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Entry point of the engine: opens the collections stored under a directory. Stateless (static
 * methods only), so thread-safe.
 */
public final class Storage {
  private Storage() {}

  /**
   * Opens (creating if needed) the storage directory and every collection in it, replaying their
   * logs. The caller closes the returned registry.
   */
  public static CollectionRegistry open(Path storagePath) {
    return LocalRegistry.open(storagePath);
  }

  /**
   * Opens the storage of a cluster node: its shards keep no WAL, because each shard's Raft log is
   * the durable record of its operations; {@link ShardWriter#flush()} takes a checkpoint.
   */
  public static CollectionRegistry openReplicated(Path storagePath) {
    return LocalRegistry.open(storagePath, true);
  }

  /**
   * As {@link #open} ({@link #openReplicated} when {@code replicated}), for a node serving
   * requests: graphs build in the background on every core {@code cpuBudget} allows (Qdrant's
   * {@code optimizer_cpu_budget}: 0 every core, positive that many threads, negative the cores less
   * that many) while {@code requestsRunning} is false, and leave a core to requests while it is
   * true.
   */
  public static CollectionRegistry open(
      Path storagePath, boolean replicated, BooleanSupplier requestsRunning, int cpuBudget) {
    return LocalRegistry.open(
        storagePath, replicated, IndexThreads.withBudget(requestsRunning, cpuBudget));
  }
}
