package dev.quiver.storage;

import static dev.quiver.storage.ShardCodec.readFloats;
import static dev.quiver.storage.ShardCodec.readId;
import static dev.quiver.storage.ShardCodec.readMultiVectors;
import static dev.quiver.storage.ShardCodec.readSparse;
import static dev.quiver.storage.ShardCodec.readSparseVectors;
import static dev.quiver.storage.ShardCodec.readString;
import static dev.quiver.storage.ShardCodec.readStrings;
import static dev.quiver.storage.ShardCodec.readStruct;
import static dev.quiver.storage.ShardCodec.readVectors;
import static dev.quiver.storage.ShardCodec.writeFloats;
import static dev.quiver.storage.ShardCodec.writeId;
import static dev.quiver.storage.ShardCodec.writeMultiVectors;
import static dev.quiver.storage.ShardCodec.writeSparse;
import static dev.quiver.storage.ShardCodec.writeSparseVectors;
import static dev.quiver.storage.ShardCodec.writeString;
import static dev.quiver.storage.ShardCodec.writeStrings;
import static dev.quiver.storage.ShardCodec.writeValue;
import static dev.quiver.storage.ShardCodec.writeVectors;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * The binary form of what one replica asks another to read and what it answers: search requests,
 * the payload and vector selections, scored points and records. Stateless.
 */
public final class ReadCodec {
  private ReadCodec() {}

  public static void writeSearch(DataOutputStream out, SearchRequest r) throws IOException {
    writeString(out, r.vectorName());
    if (r.sparseVector() != null) {
      out.writeInt(-1); // no dense vector has a negative length
      writeSparse(out, r.sparseVector());
    } else {
      writeFloats(out, r.vector());
    }
    out.writeInt(r.limit());
    out.writeInt(r.offset());
    out.writeBoolean(r.scoreThreshold() != null);
    if (r.scoreThreshold() != null) {
      out.writeFloat(r.scoreThreshold());
    }
    writeWithPayload(out, r.withPayload());
    writeWithVectors(out, r.withVectors());
    out.writeInt(r.hnswEf() == null ? -1 : r.hnswEf());
    out.writeBoolean(r.exact());
    FilterCodec.writeOptional(out, r.filter());
    QuantizationParams q = r.quantization();
    out.writeBoolean(q != null);
    if (q != null) {
      out.writeBoolean(q.ignore());
      out.writeByte(q.rescore() == null ? 0 : q.rescore() ? 2 : 1);
      out.writeDouble(q.oversampling() == null ? Double.NaN : q.oversampling());
    }
  }

  public static SearchRequest readSearch(DataInputStream in) throws IOException {
    String name = readString(in);
    int length = in.readInt();
    SparseVector sparse = length == -1 ? readSparse(in) : null;
    float[] vector = sparse != null ? new float[0] : readFloats(in, length);
    int limit = in.readInt();
    int offset = in.readInt();
    Float threshold = in.readBoolean() ? in.readFloat() : null;
    WithPayload wp = readWithPayload(in);
    WithVectors wv = readWithVectors(in);
    int ef = in.readInt();
    boolean exact = in.readBoolean();
    Filter filter = FilterCodec.readOptional(in);
    QuantizationParams quantization = null;
    if (in.readBoolean()) {
      boolean ignore = in.readBoolean();
      int rescore = in.readUnsignedByte();
      double oversampling = in.readDouble();
      if (rescore > 2) {
        throw new ShardCodec.Malformed("unknown rescore flag " + rescore);
      }
      try {
        quantization =
            new QuantizationParams(
                ignore,
                rescore == 0 ? null : rescore == 2,
                Double.isNaN(oversampling) ? null : oversampling);
      } catch (IllegalArgumentException e) {
        throw new ShardCodec.Malformed(e.getMessage());
      }
    }
    return new SearchRequest(
        name,
        vector,
        limit,
        offset,
        threshold,
        wp,
        wv,
        ef < 0 ? null : ef,
        exact,
        filter,
        sparse,
        quantization);
  }

  /**
   * A search's {@code params.acorn} (null: disabled), which follows the search in newer formats.
   */
  public static void writeAcorn(DataOutputStream out, AcornParams acorn) throws IOException {
    out.writeBoolean(acorn != null);
    if (acorn != null) {
      out.writeDouble(acorn.maxSelectivity());
    }
  }

  public static AcornParams readAcorn(DataInputStream in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    double maxSelectivity = in.readDouble();
    try {
      return new AcornParams(maxSelectivity);
    } catch (IllegalArgumentException e) {
      throw new ShardCodec.Malformed(e.getMessage());
    }
  }

  public static void writeWithPayload(DataOutputStream out, WithPayload w) throws IOException {
    out.writeBoolean(w.enabled());
    writeStrings(out, w.include());
    writeStrings(out, w.exclude());
  }

  public static WithPayload readWithPayload(DataInputStream in) throws IOException {
    return new WithPayload(in.readBoolean(), readStrings(in), readStrings(in));
  }

  public static void writeWithVectors(DataOutputStream out, WithVectors w) throws IOException {
    out.writeBoolean(w.enabled());
    writeStrings(out, w.names());
  }

  public static WithVectors readWithVectors(DataInputStream in) throws IOException {
    return new WithVectors(in.readBoolean(), readStrings(in));
  }

  public static void writeScored(DataOutputStream out, ScoredPoint p) throws IOException {
    writeId(out, p.id());
    out.writeLong(p.version());
    out.writeFloat(p.score());
    writeOptStruct(out, p.payload());
    writeOptVectors(out, p.vectors(), p.sparseVectors(), p.multiVectors());
  }

  public static ScoredPoint readScored(DataInputStream in) throws IOException {
    PointId id = readId(in);
    long version = in.readLong();
    float score = in.readFloat();
    Value.Struct payload = readOptStruct(in);
    int vectors = in.readUnsignedByte();
    return new ScoredPoint(
        id,
        version,
        score,
        payload,
        vectors == 0 ? null : readVectors(in),
        null,
        null,
        vectors >= 2 ? readSparseVectors(in) : null,
        vectors == 3 ? readMultiVectors(in) : null);
  }

  public static void writeRecord(DataOutputStream out, PointRecord p) throws IOException {
    writeId(out, p.id());
    writeOptStruct(out, p.payload());
    writeOptVectors(out, p.vectors(), p.sparseVectors(), p.multiVectors());
  }

  public static PointRecord readRecord(DataInputStream in) throws IOException {
    PointId id = readId(in);
    Value.Struct payload = readOptStruct(in);
    int vectors = in.readUnsignedByte();
    return new PointRecord(
        id,
        payload,
        vectors == 0 ? null : readVectors(in),
        null,
        vectors >= 2 ? readSparseVectors(in) : null,
        vectors == 3 ? readMultiVectors(in) : null);
  }

  private static void writeOptStruct(DataOutputStream out, Value.Struct s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      writeValue(out, s);
    }
  }

  private static Value.Struct readOptStruct(DataInputStream in) throws IOException {
    return in.readBoolean() ? readStruct(in) : null;
  }

  /** 0: no vectors; 1: dense ones; 2: dense, then sparse ones; 3: then multivectors too. */
  private static void writeOptVectors(
      DataOutputStream out,
      Map<String, float[]> v,
      Map<String, SparseVector> sparse,
      Map<String, float[][]> multi)
      throws IOException {
    boolean withMulti = multi != null && !multi.isEmpty();
    boolean withSparse = withMulti || (sparse != null && !sparse.isEmpty());
    out.writeByte(withMulti ? 3 : withSparse ? 2 : v == null ? 0 : 1);
    if (v != null || withSparse) {
      writeVectors(out, v == null ? Map.of() : v);
    }
    if (withSparse) {
      writeSparseVectors(out, sparse == null ? Map.of() : sparse);
    }
    if (withMulti) {
      writeMultiVectors(out, multi);
    }
  }
}
