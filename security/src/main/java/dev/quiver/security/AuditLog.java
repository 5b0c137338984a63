package dev.quiver.security;

import dev.quiver.security.internal.RollingAuditLog;
import java.nio.file.Path;

/** Where audit entries go. Thread-safe; the node closes it. */
public interface AuditLog extends AutoCloseable {

  /** Records one entry; never throws for a write problem (it is logged instead). */
  void record(AuditEvent event);

  /** Whether entries are kept at all. */
  boolean enabled();

  /** The directory holding the audit files, or null when disabled. */
  Path directory();

  @Override
  void close();

  /** How files roll over. */
  enum Rotation {
    DAILY("yyyy-MM-dd"),
    HOURLY("yyyy-MM-dd-HH"),
    /** For tests: a new file every second. */
    SECONDLY("yyyy-MM-dd-HH-mm-ss");

    final String pattern;

    Rotation(String pattern) {
      this.pattern = pattern;
    }

    public String datePattern() {
      return pattern;
    }
  }

  /** The log that keeps nothing. */
  AuditLog NONE =
      new AuditLog() {
        @Override
        public void record(AuditEvent event) {}

        @Override
        public boolean enabled() {
          return false;
        }

        @Override
        public Path directory() {
          return null;
        }

        @Override
        public void close() {}
      };

  /** A file rolls over past this size too (within its period). */
  long DEFAULT_MAX_FILE_BYTES = 100L << 20;

  /** The files together never hold more: the oldest are deleted first. */
  long DEFAULT_MAX_TOTAL_BYTES = 1L << 30;

  /**
   * Opens the rolling audit log in {@code dir} ({@code audit.<date>.<n>.log}), keeping at most
   * {@code maxFiles} files and the default size limits.
   *
   * @throws IllegalStateException if the directory cannot be created or written
   */
  static AuditLog open(Path dir, Rotation rotation, int maxFiles) {
    return open(dir, rotation, maxFiles, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_TOTAL_BYTES);
  }

  /**
   * As {@link #open(Path, Rotation, int)}, with a file rolling over past {@code maxFileBytes} and
   * the oldest files deleted while all of them hold more than {@code maxTotalBytes}.
   */
  static AuditLog open(
      Path dir, Rotation rotation, int maxFiles, long maxFileBytes, long maxTotalBytes) {
    return RollingAuditLog.open(dir, rotation, maxFiles, maxFileBytes, maxTotalBytes);
  }
}
