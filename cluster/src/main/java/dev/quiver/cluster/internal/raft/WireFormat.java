package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ClusterSettings;
import dev.quiver.storage.ShardCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The format version of every Raft entry and peer message Quiver writes: metadata entries, shard
 * entries (batches and barriers), forwarded reads, peer queries, and the replies to each.
 *
 * <p>Format 0 is the bare message (a tag byte or a count first), as written before formats were
 * versioned; it stays readable. From format 1 on a message starts with {@link #MARKER} and the
 * version byte, then the body. No format-0 message can start with the marker: its first byte is a
 * tag below 64, the high byte of a count below 2^16 (zero), or ASCII.
 *
 * <p>Which format a node writes is the cluster's: the highest every member reads ({@link
 * FormatGate}), so a node of the previous release in the cluster is never sent what it cannot read.
 * A message newer than the reader's {@code ceiling} fails as {@link TooNew}. Format 2 adds the
 * shard transfer entries of the metadata log ({@link Wire.StartTransfer}, {@link
 * Wire.EndTransfer}); format 5 a forwarded search's {@code params.acorn} (read tag 6); the rest
 * reads as in format 1. Stateless.
 */
final class WireFormat {
  private WireFormat() {}

  /** The newest format this release writes and reads. */
  static final int NEWEST = ClusterSettings.NEWEST_FORMAT_VERSION;

  /** The first byte of a versioned message. */
  static final int MARKER = 0xF7;

  /** A message in a format newer than this node reads. */
  static final class TooNew extends ShardCodec.Malformed {
    private static final long serialVersionUID = 1L;

    TooNew(int version, int ceiling) {
      super(
          "a message in format "
              + version
              + ", and this node reads formats up to "
              + ceiling
              + " (cluster.p2p.max_format_version, or an older release)");
    }
  }

  /** Reads a message body once its header is read; {@code version} is the message's format. */
  interface BodyReader<T> {
    T read(DataInputStream in, int version) throws IOException;
  }

  /** The header of a message in {@code version} (nothing for format 0). */
  static void writeHeader(DataOutputStream out, int version) throws IOException {
    check(version);
    if (version > 0) {
      out.writeByte(MARKER);
      out.writeByte(version);
    }
  }

  /** A message in {@code version}: the header, then what {@code body} writes. */
  static byte[] write(int version, ShardCodec.Writer body) {
    check(version);
    return ShardCodec.write(
        out -> {
          writeHeader(out, version);
          body.write(out);
        });
  }

  /**
   * Reads a header (a format-0 message has none, and nothing is consumed) and returns the message's
   * version; {@link TooNew} when it is above {@code ceiling}.
   */
  static int readHeader(DataInputStream in, int ceiling) throws IOException {
    in.mark(2);
    int first = in.read();
    if (first != MARKER) {
      in.reset();
      return 0;
    }
    int version = in.readUnsignedByte();
    if (version == 0) {
      throw new ShardCodec.Malformed("a versioned message of format 0");
    }
    if (version > ceiling) {
      throw new TooNew(version, ceiling);
    }
    return version;
  }

  /** Reads a whole message of any format up to {@code ceiling}. */
  static <T> T read(byte[] bytes, int ceiling, BodyReader<T> body) throws ShardCodec.Malformed {
    return ShardCodec.read(bytes, in -> body.read(in, readHeader(in, ceiling)));
  }

  /** The version of {@code bytes}' header, without reading further (0 for none). */
  static int versionOf(byte[] bytes) {
    return bytes.length >= 2 && (bytes[0] & 0xFF) == MARKER ? bytes[1] & 0xFF : 0;
  }

  /** How many bytes the header of {@code version} takes. */
  static int headerBytes(int version) {
    return version > 0 ? 2 : 0;
  }

  private static void check(int version) {
    if (version < 0 || version > NEWEST) {
      throw new IllegalArgumentException("no message format " + version);
    }
  }
}
