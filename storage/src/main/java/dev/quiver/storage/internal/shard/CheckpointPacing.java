package dev.quiver.storage.internal.shard;

import java.util.function.LongSupplier;

/**
 * When a shard with a WAL of its own takes its next checkpoint. A checkpoint holds the shard's
 * writes while it forces the vectors and rewrites {@code checkpoint.bin}, so two rules pace it:
 *
 * <ul>
 *   <li>by size: at least {@link #MIN_SEGMENTS} WAL segments, and as many as the last checkpoint
 *       was large, so that rewriting a big shard's checkpoint costs at most about as many bytes as
 *       the writes it covers, and a replay at most one checkpoint's worth of log;
 *   <li>by time: past that, writes run at least {@link #QUIET_FACTOR} times as long as the last
 *       checkpoint held them, so checkpoints take at most a tenth of a busy shard's time, until the
 *       log holds {@link #MAX_SEGMENTS} segments past the size rule (a bound on the disk the log
 *       takes and on the replay after a crash).
 * </ul>
 *
 * Under a sustained bulk load of 384-dimension vectors on one node a checkpoint held writes for
 * 380-630 ms every 1.3 s by the size rule alone (two 32 MiB segments), writes waiting a third of
 * the time. Qdrant flushes on a timer ({@code flush_interval_sec}, 5 s) without holding writes;
 * these checkpoints do hold them, so their spacing follows what they cost. Not thread-safe: the
 * shard calls it under its write lock.
 */
final class CheckpointPacing {
  /** The least WAL segments a checkpoint waits for. */
  static final long MIN_SEGMENTS = 2;

  /** WAL segments past the size rule after which a checkpoint runs whatever the time. */
  static final long MAX_SEGMENTS = 16;

  /** Writes run at least this many times as long as the last checkpoint held them. */
  static final long QUIET_FACTOR = 9;

  private final LongSupplier nanoTime;

  /** The size rule's segments; guarded by the shard's write lock, as all fields. */
  private long afterSegments = MIN_SEGMENTS;

  private long lastTook;
  private long lastEnded;

  /** Pacing on {@code nanoTime} (System::nanoTime but in tests). */
  CheckpointPacing(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.lastEnded = nanoTime.getAsLong();
  }

  /** Whether a checkpoint is due with {@code uncoveredSegments} WAL segments it would cover. */
  boolean due(long uncoveredSegments) {
    if (uncoveredSegments <= afterSegments) {
      return false;
    }
    if (uncoveredSegments > afterSegments + MAX_SEGMENTS) {
      return true;
    }
    return nanoTime.getAsLong() - lastEnded >= QUIET_FACTOR * lastTook;
  }

  /**
   * A checkpoint of {@code checkpointBytes} that held writes {@code tookNanos} has just ended;
   * {@code segmentBytes} is the WAL's segment size.
   */
  void taken(long tookNanos, long checkpointBytes, long segmentBytes) {
    afterSegments = Math.max(MIN_SEGMENTS, checkpointBytes / Math.max(1, segmentBytes));
    lastTook = tookNanos;
    lastEnded = nanoTime.getAsLong();
  }

  /** A checkpoint failed ({@code checkpointBytes} unknown): tried again after one more segment. */
  void failed(long uncoveredSegments) {
    afterSegments = Math.max(MIN_SEGMENTS, uncoveredSegments);
    lastTook = 0;
  }
}
