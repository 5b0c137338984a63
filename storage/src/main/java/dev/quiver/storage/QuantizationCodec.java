package dev.quiver.storage;

import dev.quiver.storage.ShardCodec.Malformed;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The binary form of a {@link Quantization} inside a collection configuration (metadata file, Raft
 * entries): a kind byte, {@code always_ram} and {@code memory} bytes (0: not given), then the
 * kind's own fields. Stateless (static methods only), so thread-safe.
 */
// enums are written by ordinal: their order is part of the format (EnumCodesTest pins it)
@SuppressWarnings("EnumOrdinal")
public final class QuantizationCodec {
  private static final int SCALAR = 1;
  private static final int BINARY = 2;
  private static final int PRODUCT = 3;
  private static final int TURBO = 4;
  private static final int DISABLED = 5;

  private QuantizationCodec() {}

  public static void write(DataOutputStream out, Quantization q) throws IOException {
    out.writeByte(
        switch (q) {
          case Quantization.Scalar s -> SCALAR;
          case Quantization.Binary b -> BINARY;
          case Quantization.Product p -> PRODUCT;
          case Quantization.Turbo t -> TURBO;
          case Quantization.Disabled d -> DISABLED;
        });
    out.writeByte(q.alwaysRam() == null ? 0 : q.alwaysRam() ? 2 : 1);
    out.writeByte(q.memory() == null ? 0 : q.memory().ordinal() + 1);
    switch (q) {
      case Quantization.Scalar s -> out.writeFloat(s.quantile() == null ? Float.NaN : s.quantile());
      case Quantization.Binary b -> {
        out.writeByte(b.encoding() == null ? 0 : b.encoding().ordinal() + 1);
        out.writeByte(b.queryEncoding() == null ? 0 : b.queryEncoding().ordinal() + 1);
      }
      case Quantization.Product p -> out.writeUTF(p.compression());
      case Quantization.Turbo t -> out.writeUTF(t.bits() == null ? "" : t.bits());
      case Quantization.Disabled d -> {
        // nothing more
      }
    }
  }

  public static Quantization read(DataInputStream in) throws IOException {
    int kind = in.readUnsignedByte();
    int ram = in.readUnsignedByte();
    int memory = in.readUnsignedByte();
    if (ram > 2 || memory > SparseVectorParams.Memory.values().length) {
      throw new Malformed("unknown quantization placement " + ram + "/" + memory);
    }
    Boolean alwaysRam = ram == 0 ? null : ram == 2;
    SparseVectorParams.Memory placement =
        memory == 0 ? null : SparseVectorParams.Memory.values()[memory - 1];
    try {
      return switch (kind) {
        case SCALAR -> {
          float quantile = in.readFloat();
          yield new Quantization.Scalar(
              Float.isNaN(quantile) ? null : quantile, alwaysRam, placement);
        }
        case BINARY -> {
          int encoding = in.readUnsignedByte();
          int query = in.readUnsignedByte();
          if (encoding > Quantization.BinaryEncoding.values().length
              || query > Quantization.BinaryQueryEncoding.values().length) {
            throw new Malformed("unknown binary encoding " + encoding + "/" + query);
          }
          yield new Quantization.Binary(
              encoding == 0 ? null : Quantization.BinaryEncoding.values()[encoding - 1],
              query == 0 ? null : Quantization.BinaryQueryEncoding.values()[query - 1],
              alwaysRam,
              placement);
        }
        case PRODUCT -> new Quantization.Product(in.readUTF(), alwaysRam, placement);
        case TURBO -> {
          String bits = in.readUTF();
          yield new Quantization.Turbo(bits.isEmpty() ? null : bits, alwaysRam, placement);
        }
        case DISABLED -> new Quantization.Disabled();
        default -> throw new Malformed("unknown quantization kind " + kind);
      };
    } catch (IllegalArgumentException e) {
      throw new Malformed("bad quantization: " + e.getMessage());
    }
  }
}
