package dev.quiver.storage.internal.files;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.ConfigCodec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateOpCodec;
import dev.quiver.storage.Value;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The engine's own files (WAL records, collection metadata) through {@link
 * dev.quiver.storage.ShardCodec}, with decoding failures as a checked exception that callers turn
 * into a Corrupted error naming the file. Stateless (static methods only), so thread-safe.
 */
public final class Codec {
  private Codec() {}

  /**
   * Thrown for bytes that do not decode; callers turn it into a Corrupted error naming the file.
   */
  public static final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    DecodeException(String message) {
      super(message);
    }
  }

  // ---- update operations ----

  public static byte[] encode(UpdateOp op) {
    return ShardCodec.write(out -> UpdateOpCodec.write(out, op));
  }

  public static UpdateOp decodeOp(byte[] bytes) throws DecodeException {
    return read(bytes, UpdateOpCodec::read);
  }

  // ---- collection configuration ----

  public static byte[] encode(CollectionConfig c) {
    return write(out -> ConfigCodec.write(out, c));
  }

  public static CollectionConfig decodeConfig(byte[] bytes) throws DecodeException {
    return read(bytes, ConfigCodec::read);
  }

  // ---- pieces ----

  public static void writeId(DataOutputStream out, PointId id) throws IOException {
    ShardCodec.writeId(out, id);
  }

  public static PointId readId(DataInputStream in) throws IOException {
    return ShardCodec.readId(in);
  }

  public static void writeValue(DataOutputStream out, Value value) throws IOException {
    ShardCodec.writeValue(out, value);
  }

  public static Value readValue(DataInputStream in) throws IOException {
    return ShardCodec.readValue(in);
  }

  static int count(DataInputStream in) throws IOException {
    return ShardCodec.count(in);
  }

  // ---- plumbing ----

  private static byte[] write(ShardCodec.Writer writer) {
    return ShardCodec.write(writer);
  }

  private static <T> T read(byte[] bytes, ShardCodec.Reader<T> reader) throws DecodeException {
    try {
      return ShardCodec.read(bytes, reader);
    } catch (ShardCodec.Malformed e) {
      throw new DecodeException(e.getMessage());
    }
  }
}
