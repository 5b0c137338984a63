package dev.quiver.cluster;

import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.function.Supplier;

/**
 * Enforces the {@link QuotaConfig} in force on this node: reads the process's resident memory and
 * the storage filesystem's fill level, and refuses writes that would consume a resource at its
 * limit ({@link StorageException.InsufficientStorage}). A resource that reached its limit stays
 * refused until it has fallen the release margin below it, so a reading resting on the limit does
 * not flip the node in and out of service. Readings are taken at most every {@link
 * #READING_TTL_NANOS}, so a write pays for one only now and then. Thread-safe.
 */
public final class ResourceQuota {
  /** How long one reading serves. */
  static final long READING_TTL_NANOS = 250_000_000L;

  /** The two readings, as whole percentages; null where the platform does not expose one. */
  public interface Readings {
    Integer residentMemoryPercent();

    Integer diskUsagePercent();

    /** Bytes a write may still use on the storage disk; null when it cannot be measured. */
    default Long diskFreeBytes() {
      return null;
    }
  }

  /** Utilization on this node ({@code QuotaUsage}); a field is null when it cannot be measured. */
  public record Usage(Integer residentMemoryPercent, Integer diskUsagePercent) {}

  /**
   * Which enforced limits this node is refusing work over ({@code QuotaExceeded}); null for a
   * resource it does not enforce (quota disabled, no limit, or no reading).
   */
  public record Exceeded(Boolean residentMemory, Boolean diskUsage) {
    public boolean any() {
      return Boolean.TRUE.equals(residentMemory) || Boolean.TRUE.equals(diskUsage);
    }
  }

  /** What one peer reports about itself ({@code PeerQuotaUsage}). */
  public record PeerUsage(
      boolean exceeded, Integer residentMemoryPercent, Integer diskUsagePercent) {}

  /**
   * {@code GET /quotas}: the configuration in force, this node's usage and verdict, and in a
   * cluster what every peer that answered reports, by peer id (null on a single node).
   */
  public record Status(
      QuotaConfig config, Usage usage, Exceeded exceeded, SortedMap<Long, PeerUsage> peers) {}

  private final Supplier<QuotaConfig> config;
  private final Readings readings;
  private final long readingTtlNanos;
  private final Object lock = new Object();
  private long readAt = Long.MIN_VALUE;
  private Usage last = new Usage(null, null);
  private boolean memoryOver; // under lock
  private boolean diskOver; // under lock
  private long freeReadAt = Long.MIN_VALUE; // under lock
  private Long free; // under lock

  /** Enforces what {@code config} supplies (read at every check) against {@code readings}. */
  public ResourceQuota(Supplier<QuotaConfig> config, Readings readings) {
    this(config, readings, READING_TTL_NANOS);
  }

  /** As above, a reading serving for {@code readingTtlNanos} (0: every call reads afresh). */
  ResourceQuota(Supplier<QuotaConfig> config, Readings readings, long readingTtlNanos) {
    this.config = config;
    this.readings = readings;
    this.readingTtlNanos = readingTtlNanos;
  }

  /** A quota that never refuses: disabled, whatever the readings. */
  public static ResourceQuota disabled() {
    return new ResourceQuota(() -> QuotaConfig.DISABLED, system(Path.of(".")));
  }

  /** The configuration in force. */
  public QuotaConfig config() {
    return config.get();
  }

  /** This node's current utilization. */
  public Usage usage() {
    synchronized (lock) {
      return read(System.nanoTime());
    }
  }

  /** This node's verdict under the configuration in force. */
  public Exceeded exceeded() {
    QuotaConfig c = config.get();
    synchronized (lock) {
      Usage u = read(System.nanoTime());
      boolean on = c.enabled();
      Integer memLimit = on ? c.maxResidentMemoryPercent() : null;
      Integer diskLimit = on ? c.maxDiskUsagePercent() : null;
      memoryOver = over(memoryOver, memLimit, u.residentMemoryPercent(), c.releaseMargin());
      diskOver = over(diskOver, diskLimit, u.diskUsagePercent(), c.releaseMargin());
      return new Exceeded(
          memLimit == null || u.residentMemoryPercent() == null ? null : memoryOver,
          diskLimit == null || u.diskUsagePercent() == null ? null : diskOver);
    }
  }

  /** The configuration, this node's usage and its verdict; no peers. */
  public Status localStatus() {
    return new Status(config(), usage(), exceeded(), null);
  }

  /** This node as a peer reports itself. */
  public PeerUsage peerUsage() {
    Exceeded e = exceeded();
    Usage u = usage();
    return new PeerUsage(e.any(), u.residentMemoryPercent(), u.diskUsagePercent());
  }

  /**
   * Refuses a write that adds data (points, vectors, payload) while memory or disk is over its
   * limit. Deletions pass: they are how a node gets back under.
   */
  public void checkUpdate(UpdateOp op) {
    if (consumes(op)) {
      checkWrite();
    }
  }

  /** Whether an update adds data (points, vectors, payload); deletions do not. */
  public static boolean consumes(UpdateOp op) {
    return switch (op) {
      case UpdateOp.Upsert u -> true;
      case UpdateOp.UpdateVectors u -> true;
      case UpdateOp.SetPayload s -> true;
      case UpdateOp.OverwritePayload o -> true;
      default -> false;
    };
  }

  /**
   * Refuses a write that consumes memory and disk (new collections, shards, indexes, restored
   * snapshots, added points) while either is over its limit.
   */
  public void checkWrite() {
    QuotaConfig c = config.get();
    if (!c.enabled()) {
      return;
    }
    Exceeded e = exceeded();
    if (!e.any()) {
      return;
    }
    Usage u = usage();
    int margin = c.releaseMargin();
    if (Boolean.TRUE.equals(e.residentMemory())) {
      throw new StorageException.InsufficientStorage(
          refusal(
              "resident memory", u.residentMemoryPercent(), c.maxResidentMemoryPercent(), margin));
    }
    throw new StorageException.InsufficientStorage(
        refusal("disk usage", u.diskUsagePercent(), c.maxDiskUsagePercent(), margin));
  }

  /**
   * Refuses a write that adds data ({@link #consumes}) when the storage disk has less than {@code
   * neededBytes} free, whether or not quotas are enabled: as Qdrant refuses updates when less than
   * the collection's WAL capacity is free, so a write is turned away before it half-lands on a full
   * disk, and searches go on. Deletions pass. The reading is at most {@link
   * #FREE_READING_TTL_NANOS} old.
   */
  public void checkFreeSpace(UpdateOp op, long neededBytes) {
    if (!consumes(op)) {
      return;
    }
    Long bytes;
    synchronized (lock) {
      long now = System.nanoTime();
      if (freeReadAt == Long.MIN_VALUE
          || now - freeReadAt >= Math.min(readingTtlNanos, FREE_READING_TTL_NANOS)) {
        free = readings.diskFreeBytes();
        freeReadAt = now;
      }
      bytes = free;
    }
    if (bytes != null && bytes < neededBytes) {
      throw new StorageException.InsufficientStorage(
          "No space left on device: "
              + mebibytes(bytes)
              + " MiB free on the storage disk, writes need at least "
              + mebibytes(neededBytes)
              + " MiB (the collection's WAL capacity); free space or delete data");
    }
  }

  /** How long one free-space reading serves: a write burst cannot outrun it by much. */
  static final long FREE_READING_TTL_NANOS = 50_000_000L;

  private static long mebibytes(long bytes) {
    return bytes >> 20;
  }

  private static String refusal(String what, Integer reading, int limit, int margin) {
    return what
        + " is at "
        + reading
        + "%, the quota is "
        + limit
        + "%: writes are refused until it is "
        + (margin == 0 ? "below " + limit : "at or below " + (limit - margin))
        + "%";
  }

  /**
   * Whether a resource is over: it trips on reaching {@code limit} and stays tripped until it is at
   * or below {@code limit - margin} (below the limit with no margin). No limit or no reading:
   * never.
   */
  static boolean over(boolean wasOver, Integer limit, Integer reading, int margin) {
    if (limit == null || reading == null) {
      return false;
    }
    if (reading >= limit) {
      return true;
    }
    return wasOver && margin > 0 && reading > limit - margin;
  }

  private Usage read(long now) {
    if (readAt == Long.MIN_VALUE || now - readAt >= readingTtlNanos) {
      last = new Usage(readings.residentMemoryPercent(), readings.diskUsagePercent());
      readAt = now;
    }
    return last;
  }

  /**
   * The readings of this machine: resident memory of this process (Linux {@code /proc}) against the
   * cgroup's memory limit if one applies, else the system's memory; the fill level of the
   * filesystem holding {@code storage}.
   */
  public static Readings system(Path storage) {
    return new Readings() {
      @Override
      public Integer residentMemoryPercent() {
        Long rss = kilobytes(Path.of("/proc/self/status"), "VmRSS:");
        Long available = availableMemoryKb();
        if (rss == null || available == null || available <= 0) {
          return null;
        }
        return (int) Math.min(100, rss * 100 / available);
      }

      @Override
      public Integer diskUsagePercent() {
        try {
          var store = storageStore(storage);
          long total = store.getTotalSpace();
          if (total <= 0) {
            return null;
          }
          return (int) Math.min(100, (total - store.getUsableSpace()) * 100 / total);
        } catch (IOException | SecurityException e) {
          return null;
        }
      }

      @Override
      public Long diskFreeBytes() {
        try {
          return storageStore(storage).getUsableSpace();
        } catch (IOException | SecurityException e) {
          return null;
        }
      }
    };
  }

  /** The file system holding {@code storage} (its root's, before the directory exists). */
  private static FileStore storageStore(Path storage) throws IOException {
    return Files.getFileStore(Files.exists(storage) ? storage : storage.toAbsolutePath().getRoot());
  }

  private static Long availableMemoryKb() {
    Long total = kilobytes(Path.of("/proc/meminfo"), "MemTotal:");
    Long cgroup = cgroupLimitBytes();
    if (cgroup != null && (total == null || cgroup / 1024 < total)) {
      return cgroup / 1024;
    }
    return total;
  }

  /** The cgroup (v2, else v1) memory limit in bytes; null when none applies. */
  private static Long cgroupLimitBytes() {
    for (String file :
        new String[] {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
      try {
        String v = Files.readString(Path.of(file)).strip();
        if (!v.equals("max")) {
          return Long.parseLong(v);
        }
      } catch (IOException | NumberFormatException | SecurityException e) {
        // not this cgroup version, or no limit readable
      }
    }
    return null;
  }

  /** The kB value of the line starting with {@code key} in a {@code /proc} file; null if none. */
  private static Long kilobytes(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          String[] parts = line.substring(key.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]);
        }
      }
    } catch (IOException | NumberFormatException | SecurityException e) {
      // not Linux, or not readable
    }
    return null;
  }
}
