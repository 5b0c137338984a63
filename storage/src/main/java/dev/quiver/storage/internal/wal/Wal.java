package dev.quiver.storage.internal.wal;

import dev.quiver.storage.StorageException;
import dev.quiver.storage.internal.files.FileFormat;
import dev.quiver.storage.internal.files.WriteFailures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A segmented write-ahead log of numbered operations.
 *
 * <p>Segment files are named by a sequence number ({@code 00000000000000000001.wal}) and start with
 * {@code [magic u32][version u32]}; records are {@code [length u32][crc32c u32][opNum u64][body]},
 * the CRC over opNum and body, little-endian. A new segment starts when the current one would pass
 * the capacity. On open every record is handed to the replay callback; a torn or checksum-failing
 * record at the end of the last segment (a crash mid-write) is cut off, anywhere else it is
 * corruption.
 *
 * <p>Thread-safe: appends are serialised on this object; {@link #force()} runs outside that lock so
 * that concurrent callers share one fsync.
 */
public final class Wal implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Wal.class);
  static final int MAGIC = 0x5157414C; // "QWAL"
  static final int VERSION = 1;
  private static final int FILE_HEADER = 8;
  private static final int RECORD_HEADER = 16;
  private static final int MAX_RECORD = 512 << 20;

  /** Receives each replayed record. */
  public interface Replay {
    void accept(long opNum, byte[] body);
  }

  /** Opens a segment's channel: {@link FileChannel#open} outside tests. */
  @FunctionalInterface
  interface Opener {
    FileChannel open(Path file, OpenOption... options) throws IOException;
  }

  private final Path dir;
  private final long capacityBytes;
  private final Opener opener;

  // guarded by this
  private FileChannel current;
  private long currentSeq;
  private long currentSize;
  private long lastAppended;

  /** Guards {@link #forcing} and {@link #durable}: the group commit of {@link #force()}. */
  private final Object forceLock = new Object();

  private boolean forcing; // an fsync is running
  private long durable; // every record up to this op is on stable storage
  private int segmentCount; // segment files on disk
  private int retained; // of those, closed ones a checkpoint covers, kept by wal_retain_closed

  private Wal(Path dir, long capacityBytes, Opener opener) {
    this.dir = dir;
    this.capacityBytes = capacityBytes;
    this.opener = opener;
  }

  public static Wal open(Path dir, long capacityBytes, Replay replay) {
    return open(dir, capacityBytes, replay, FileChannel::open);
  }

  /** As {@link #open(Path, long, Replay)}, the segments it appends to opened by {@code opener}. */
  static Wal open(Path dir, long capacityBytes, Replay replay, Opener opener) {
    Wal wal = new Wal(dir, capacityBytes, opener);
    try {
      Files.createDirectories(dir);
      List<Path> segments = wal.segments();
      for (int i = 0; i < segments.size(); i++) {
        wal.replaySegment(segments.get(i), i == segments.size() - 1, replay);
      }
      wal.segmentCount = segments.size();
      if (segments.isEmpty()) {
        wal.startSegment(1);
      } else {
        Path last = segments.getLast();
        wal.currentSeq = seqOf(last);
        wal.current = opener.open(last, StandardOpenOption.WRITE, StandardOpenOption.READ);
        wal.currentSize = wal.current.size();
        wal.current.position(wal.currentSize);
      }
    } catch (IOException e) {
      throw new StorageException.Io("cannot open WAL in " + dir + ": " + e.getMessage(), e);
    }
    return wal;
  }

  /** Appends one record. Not durable until {@link #force()}. */
  public synchronized void append(long opNum, byte[] body) {
    int length = RECORD_HEADER + body.length;
    ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(body.length).putInt(0).putLong(opNum).put(body);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 8, 8 + body.length);
    buf.putInt(4, (int) crc.getValue());
    buf.flip();
    try {
      if (currentSize > FILE_HEADER && currentSize + length > capacityBytes) {
        roll();
      }
      while (buf.hasRemaining()) {
        current.write(buf);
      }
    } catch (IOException e) {
      cutBack();
      throw WriteFailures.of("the WAL in " + dir, e);
    }
    currentSize += length;
    lastAppended = opNum;
  }

  /**
   * After a failed append (a full disk, typically): removes whatever part of the record reached the
   * file, so the next record follows the last whole one and a replay never meets a torn record in
   * the middle of the log (which would cut off every record after it).
   */
  private void cutBack() {
    try {
      current.truncate(currentSize);
      current.position(currentSize);
    } catch (IOException e) {
      // the channel is unusable: the next append fails too, and the replay at the next start cuts
      // the torn tail (nothing after it was acknowledged)
      LOG.warn("WAL {}: cannot cut a failed append back: {}", dir, e.toString());
    }
  }

  /**
   * Starts the next segment; the current one is closed only once the next is in place, so a roll
   * that fails (a full disk) leaves the WAL appending where it was.
   */
  private void roll() throws IOException {
    FileChannel previous = current;
    previous.force(false);
    startSegment(currentSeq + 1); // changes nothing unless the new segment is in place
    previous.close();
  }

  /**
   * Forces every record appended before the call to stable storage. Concurrent callers share fsyncs
   * (group commit): a caller whose records an fsync already in progress does not cover waits for it
   * to end and then starts one for everything appended by then, so N writers waiting together cost
   * about two fsyncs rather than N.
   *
   * @return the last operation number that is now durable
   */
  public long force() {
    FileChannel ch;
    long upTo;
    synchronized (forceLock) {
      long target;
      synchronized (this) {
        target = lastAppended;
      }
      while (forcing && durable < target) {
        try {
          forceLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StorageException.Io("interrupted while waiting for a WAL fsync", e);
        }
      }
      if (durable >= target) {
        return durable;
      }
      forcing = true;
      synchronized (this) {
        ch = current;
        upTo = lastAppended;
      }
    }
    boolean forced = false;
    try {
      ch.force(false);
      forced = true;
    } catch (ClosedChannelException e) {
      forced = true; // rolled over meanwhile: the roll forced that segment, which held upTo
    } catch (IOException e) {
      throw new StorageException.Io("WAL fsync failed in " + dir + ": " + e.getMessage(), e);
    } finally {
      synchronized (forceLock) {
        if (forced) {
          durable = Math.max(durable, upTo);
        }
        forcing = false;
        forceLock.notifyAll();
      }
    }
    return upTo;
  }

  /**
   * After a checkpoint that covers every record so far: starts a new segment and deletes the older
   * ones but the last {@code retainClosed} (Qdrant's {@code wal_retain_closed}).
   */
  public synchronized void dropCovered(int retainClosed) {
    try {
      current.force(false);
      current.close();
      long next = currentSeq + 1;
      startSegment(next);
      int kept = 0;
      for (Path p : segments()) {
        long seq = seqOf(p);
        if (seq < next - retainClosed) {
          Files.delete(p);
        } else if (seq < next) {
          kept++;
        }
      }
      retained = kept;
      segmentCount = 1 + kept;
      FileFormat.fsyncDirectory(dir);
    } catch (IOException e) {
      throw new StorageException.Io("cannot truncate WAL in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Number of segment files. */
  public synchronized int segmentCount() {
    return segmentCount;
  }

  /**
   * Segment files that may hold records no checkpoint covers: all but those {@link #dropCovered}
   * kept (after a reopen, all).
   */
  public synchronized int uncoveredSegments() {
    return segmentCount - retained;
  }

  @Override
  public synchronized void close() {
    try {
      if (current != null && current.isOpen()) {
        current.force(false);
        current.close();
      }
    } catch (IOException e) {
      throw new StorageException.Io("cannot close WAL in " + dir + ": " + e.getMessage(), e);
    }
  }

  // ---- internals ----

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().matches("\\d{20}\\.wal"))
          .sorted()
          .toList();
    }
  }

  private static long seqOf(Path segment) {
    String name = segment.getFileName().toString();
    return Long.parseLong(name.substring(0, 20));
  }

  private void startSegment(long seq) throws IOException {
    Path file = dir.resolve(String.format(Locale.ROOT, "%020d.wal", seq));
    FileChannel ch =
        opener.open(
            file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    try {
      ByteBuffer header = ByteBuffer.allocate(FILE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(MAGIC).putInt(VERSION).flip();
      while (header.hasRemaining()) {
        ch.write(header);
      }
      ch.force(true);
      FileFormat.fsyncDirectory(dir);
    } catch (IOException e) {
      // a full disk, typically: no half-made segment stays behind to be taken for the last one
      ch.close();
      Files.deleteIfExists(file);
      throw e;
    }
    current = ch;
    currentSeq = seq;
    segmentCount++;
    currentSize = FILE_HEADER;
  }

  private void replaySegment(Path file, boolean last, Replay replay) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (all.length < FILE_HEADER) {
      if (last) { // crashed while creating the segment
        rewriteHeader(file);
        return;
      }
      throw new StorageException.Corrupted(file, "truncated WAL segment header");
    }
    if (buf.getInt() != MAGIC) {
      throw new StorageException.Corrupted(file, "not a WAL segment (wrong magic)");
    }
    int version = buf.getInt();
    if (version != VERSION) {
      throw new StorageException.Corrupted(file, "unsupported WAL version " + version);
    }
    while (buf.remaining() > 0) {
      int start = buf.position();
      String problem = null;
      if (buf.remaining() < RECORD_HEADER) {
        problem = "torn record header";
      } else {
        int length = buf.getInt();
        int stored = buf.getInt();
        long opNum = buf.getLong();
        if (length < 0 || length > MAX_RECORD || length > buf.remaining()) {
          problem = "torn or oversized record (" + length + " bytes)";
        } else {
          CRC32C crc = new CRC32C();
          crc.update(all, start + 8, 8 + length);
          if ((int) crc.getValue() != stored) {
            problem = "record checksum mismatch at offset " + start;
          } else {
            byte[] body = new byte[length];
            buf.get(body);
            replay.accept(opNum, body);
            continue;
          }
        }
      }
      if (!last) {
        throw new StorageException.Corrupted(file, problem);
      }
      LOG.warn(
          "WAL {}: {}; cutting {} bytes at the tail (an interrupted write)",
          file,
          problem,
          all.length - start);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(start);
        ch.force(true);
      }
      return;
    }
  }

  private static void rewriteHeader(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(0);
      ByteBuffer header = ByteBuffer.allocate(FILE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(MAGIC).putInt(VERSION).flip();
      while (header.hasRemaining()) {
        ch.write(header);
      }
      ch.force(true);
    }
  }
}
