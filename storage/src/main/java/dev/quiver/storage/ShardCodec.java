package dev.quiver.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The binary form of the engine's values: WAL records, checkpoints, and the messages a cluster
 * sends between replicas (Raft log entries and forwarded reads). Big-endian through {@link
 * DataOutputStream}; every variant starts with a tag byte, so kinds can be added without breaking
 * old bytes. No Java serialization: decoding checks every tag and count, and bad bytes fail with
 * {@link Malformed}, never with a half-built object.
 */
public final class ShardCodec {
  private static final int OP_UPSERT = 1;
  private static final int OP_DELETE = 2;
  private static final int OP_SET_PAYLOAD = 3;
  private static final int OP_OVERWRITE_PAYLOAD = 4;
  private static final int OP_DELETE_PAYLOAD = 5;
  private static final int OP_CLEAR_PAYLOAD = 6;
  private static final int OP_DELETE_BY_FILTER = 7;
  private static final int OP_UPDATE_VECTORS = 8;
  private static final int OP_DELETE_VECTORS = 9;

  /** An upsert with an {@code update_mode} other than upsert: a mode byte, then as OP_UPSERT. */
  private static final int OP_UPSERT_MODE = 10;

  /** An upsert whose points carry sparse vectors: a mode byte, then points with a sparse map. */
  private static final int OP_UPSERT_SPARSE = 11;

  /** A vector update whose points carry sparse vectors. */
  private static final int OP_UPDATE_VECTORS_SPARSE = 12;

  /** An upsert whose points carry multivectors: a mode byte, then points with every kind. */
  private static final int OP_UPSERT_ALL = 13;

  /** A vector update whose points carry multivectors. */
  private static final int OP_UPDATE_VECTORS_ALL = 14;

  /**
   * Precedes an upsert or a vector update with an {@code update_filter}: the filter, then the op in
   * the form it has without one (ops without a filter are written as before).
   */
  private static final int OP_UPDATE_FILTER = 15;

  /** The sharding method byte of a configuration followed by its sparse vectors. */
  private static final int WITH_SPARSE = 0x80;

  /** Set on the sharding-method byte of a configuration whose metadata follows (last). */
  private static final int WITH_METADATA = 0x40;

  /**
   * Set on the sharding-method byte of a configuration whose strict mode settings follow (last).
   */
  private static final int WITH_STRICT_MODE = 0x20;

  /** Or-ed into a payload op's tag when its selector is a filter rather than ids. */
  private static final int BY_FILTER = 0x40;

  private ShardCodec() {}

  /** Bytes that do not decode. */
  public static final class Malformed extends IOException {
    private static final long serialVersionUID = 1L;

    public Malformed(String message) {
      super(message);
    }
  }

  /** Writes into a fresh array. */
  public interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads a whole array. */
  public interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  public static byte[] write(Writer writer) {
    var bytes = new ByteArrayOutputStream(256);
    try (var out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory stream failed", e); // cannot happen
    }
    return bytes.toByteArray();
  }

  /** Reads {@code bytes} completely; trailing bytes, truncation and bad values are Malformed. */
  public static <T> T read(byte[] bytes, Reader<T> reader) throws Malformed {
    try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      T value = reader.read(in);
      if (in.available() != 0) {
        throw new Malformed(in.available() + " trailing bytes");
      }
      return value;
    } catch (Malformed e) {
      throw e;
    } catch (IOException e) {
      throw new Malformed("truncated: " + e.getMessage());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new Malformed("invalid value: " + e.getMessage());
    }
  }

  // ---- update operations ----

  public static void writeOp(DataOutputStream out, UpdateOp op) throws IOException {
    Filter updateFilter =
        switch (op) {
          case UpdateOp.Upsert u -> u.updateFilter();
          case UpdateOp.UpdateVectors v -> v.updateFilter();
          default -> null;
        };
    if (updateFilter != null) {
      out.writeByte(OP_UPDATE_FILTER);
      writeFilter(out, updateFilter);
      writeOp(
          out,
          switch (op) {
            case UpdateOp.Upsert u -> new UpdateOp.Upsert(u.points(), u.mode());
            case UpdateOp.UpdateVectors v -> new UpdateOp.UpdateVectors(v.points());
            default -> throw new IllegalStateException();
          });
      return;
    }
    switch (op) {
      case UpdateOp.Upsert u -> {
        // the narrowest form that holds the points: earlier versions read the narrower ones
        int kinds = kinds(u.points());
        if (kinds == 0 && u.mode() == UpdateOp.Upsert.Mode.UPSERT) {
          out.writeByte(OP_UPSERT); // the form every earlier version wrote and reads
        } else {
          out.writeByte(
              kinds == 0 ? OP_UPSERT_MODE : kinds == 1 ? OP_UPSERT_SPARSE : OP_UPSERT_ALL);
          out.writeByte(u.mode().ordinal());
        }
        writePoints(out, u.points(), kinds, true);
      }
      case UpdateOp.DeletePoints d -> {
        out.writeByte(OP_DELETE);
        writeIds(out, d.ids());
      }
      case UpdateOp.DeleteByFilter f -> {
        out.writeByte(OP_DELETE_BY_FILTER);
        writeFilter(out, f.filter());
      }
      case UpdateOp.SetPayload sp -> {
        writeSelector(out, OP_SET_PAYLOAD, sp.selector());
        writeValue(out, sp.payload());
        out.writeBoolean(sp.key() != null);
        if (sp.key() != null) {
          writeString(out, sp.key());
        }
      }
      case UpdateOp.OverwritePayload op2 -> {
        writeSelector(out, OP_OVERWRITE_PAYLOAD, op2.selector());
        writeValue(out, op2.payload());
      }
      case UpdateOp.DeletePayload dp -> {
        writeSelector(out, OP_DELETE_PAYLOAD, dp.selector());
        writeStrings(out, dp.keys());
      }
      case UpdateOp.ClearPayload cp -> writeSelector(out, OP_CLEAR_PAYLOAD, cp.selector());
      case UpdateOp.UpdateVectors u -> {
        int kinds = kinds(u.points());
        out.writeByte(
            kinds == 0
                ? OP_UPDATE_VECTORS
                : kinds == 1 ? OP_UPDATE_VECTORS_SPARSE : OP_UPDATE_VECTORS_ALL);
        writePoints(out, u.points(), kinds, false);
      }
      case UpdateOp.DeleteVectors dv -> {
        writeSelector(out, OP_DELETE_VECTORS, dv.selector());
        writeStrings(out, dv.names());
      }
    }
  }

  /** 0: dense vectors only; 1: sparse ones too; 2: multivectors too. */
  private static int kinds(List<Point> points) {
    int kinds = 0;
    for (Point p : points) {
      if (!p.multiVectors().isEmpty()) {
        return 2;
      }
      if (!p.sparseVectors().isEmpty()) {
        kinds = 1;
      }
    }
    return kinds;
  }

  /** Each point: its id, dense vectors, the other kinds {@code kinds} names, and its payload. */
  private static void writePoints(
      DataOutputStream out, List<Point> points, int kinds, boolean payload) throws IOException {
    out.writeInt(points.size());
    for (Point p : points) {
      writeId(out, p.id());
      writeVectors(out, p.vectors());
      if (kinds >= 1) {
        writeSparseVectors(out, p.sparseVectors());
      }
      if (kinds == 2) {
        writeMultiVectors(out, p.multiVectors());
      }
      if (payload) {
        writeValue(out, p.payload());
      }
    }
  }

  public static UpdateOp readOp(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    if (tag == OP_UPDATE_FILTER) {
      Filter filter = readFilter(in);
      return switch (readOp(in)) {
        case UpdateOp.Upsert u -> new UpdateOp.Upsert(u.points(), u.mode(), filter);
        case UpdateOp.UpdateVectors v -> new UpdateOp.UpdateVectors(v.points(), filter);
        default -> throw new Malformed("an update filter on an op that takes none");
      };
    }
    switch (tag) {
      case OP_UPSERT, OP_UPSERT_MODE, OP_UPSERT_SPARSE, OP_UPSERT_ALL -> {
        UpdateOp.Upsert.Mode mode = UpdateOp.Upsert.Mode.UPSERT;
        boolean sparse = tag == OP_UPSERT_SPARSE || tag == OP_UPSERT_ALL;
        boolean multi = tag == OP_UPSERT_ALL;
        if (tag != OP_UPSERT) {
          int m = in.readUnsignedByte();
          if (m >= UpdateOp.Upsert.Mode.values().length) {
            throw new Malformed("unknown update mode " + m);
          }
          mode = UpdateOp.Upsert.Mode.values()[m];
        }
        int n = count(in);
        List<Point> points = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          PointId id = readId(in);
          Map<String, float[]> vectors = readVectors(in);
          Map<String, SparseVector> sparseVectors = sparse ? readSparseVectors(in) : Map.of();
          Map<String, float[][]> multiVectors = multi ? readMultiVectors(in) : Map.of();
          points.add(new Point(id, vectors, sparseVectors, readStruct(in), multiVectors));
        }
        return new UpdateOp.Upsert(points, mode);
      }
      case OP_DELETE -> {
        return new UpdateOp.DeletePoints(readIds(in));
      }
      case OP_DELETE_BY_FILTER -> {
        return new UpdateOp.DeleteByFilter(readFilter(in));
      }
      case OP_UPDATE_VECTORS, OP_UPDATE_VECTORS_SPARSE, OP_UPDATE_VECTORS_ALL -> {
        int n = count(in);
        List<Point> points = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          PointId id = readId(in);
          Map<String, float[]> vectors = readVectors(in);
          Map<String, SparseVector> sparseVectors =
              tag != OP_UPDATE_VECTORS ? readSparseVectors(in) : Map.of();
          Map<String, float[][]> multiVectors =
              tag == OP_UPDATE_VECTORS_ALL ? readMultiVectors(in) : Map.of();
          points.add(new Point(id, vectors, sparseVectors, null, multiVectors));
        }
        return new UpdateOp.UpdateVectors(points);
      }
      default -> {}
    }
    PointSelector selector =
        (tag & BY_FILTER) != 0
            ? new PointSelector.ByFilter(readFilter(in))
            : new PointSelector.Ids(readIds(in));
    return switch (tag & ~BY_FILTER) {
      case OP_SET_PAYLOAD -> {
        Value.Struct payload = readStruct(in);
        String key = in.readBoolean() ? readString(in) : null;
        yield new UpdateOp.SetPayload(selector, payload, key);
      }
      case OP_OVERWRITE_PAYLOAD -> new UpdateOp.OverwritePayload(selector, readStruct(in));
      case OP_DELETE_PAYLOAD -> new UpdateOp.DeletePayload(selector, readStrings(in));
      case OP_CLEAR_PAYLOAD -> new UpdateOp.ClearPayload(selector);
      case OP_DELETE_VECTORS -> new UpdateOp.DeleteVectors(selector, readStrings(in));
      default -> throw new Malformed("unknown operation tag " + tag);
    };
  }

  private static void writeSelector(DataOutputStream out, int tag, PointSelector selector)
      throws IOException {
    switch (selector) {
      case PointSelector.Ids ids -> {
        out.writeByte(tag);
        writeIds(out, ids.ids());
      }
      case PointSelector.ByFilter f -> {
        out.writeByte(tag | BY_FILTER);
        writeFilter(out, f.filter());
      }
    }
  }

  // ---- filters ----

  public static void writeFilter(DataOutputStream out, Filter f) throws IOException {
    writeConditions(out, f.must());
    writeConditions(out, f.should());
    writeConditions(out, f.mustNot());
    out.writeBoolean(f.minShould() != null);
    if (f.minShould() != null) {
      writeConditions(out, f.minShould().conditions());
      out.writeInt(f.minShould().minCount());
    }
  }

  public static Filter readFilter(DataInputStream in) throws IOException {
    var must = readConditions(in);
    var should = readConditions(in);
    var mustNot = readConditions(in);
    Filter.MinShould min = null;
    if (in.readBoolean()) {
      min = new Filter.MinShould(readConditions(in), in.readInt());
    }
    return new Filter(must, should, mustNot, min);
  }

  private static void writeConditions(DataOutputStream out, List<Condition> conditions)
      throws IOException {
    out.writeInt(conditions.size());
    for (Condition c : conditions) {
      writeCondition(out, c);
    }
  }

  private static List<Condition> readConditions(DataInputStream in) throws IOException {
    int n = count(in);
    List<Condition> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(readCondition(in));
    }
    return list;
  }

  private static void writeCondition(DataOutputStream out, Condition c) throws IOException {
    switch (c) {
      case Condition.Match m -> {
        out.writeByte(1);
        writeString(out, m.key());
        writeValue(out, m.value());
      }
      case Condition.MatchAny m -> {
        out.writeByte(2);
        writeString(out, m.key());
        writeValues(out, m.values());
      }
      case Condition.MatchExcept m -> {
        out.writeByte(3);
        writeString(out, m.key());
        writeValues(out, m.values());
      }
      case Condition.MatchText m -> {
        // text keeps its first tag; text_any and phrase came later with tags of their own
        out.writeByte(
            switch (m.kind()) {
              case ALL -> 4;
              case ANY -> 15;
              case PHRASE -> 16;
            });
        writeString(out, m.key());
        writeString(out, m.text());
      }
      case Condition.Range r -> {
        out.writeByte(5);
        writeString(out, r.key());
        writeOptDouble(out, r.gt());
        writeOptDouble(out, r.gte());
        writeOptDouble(out, r.lt());
        writeOptDouble(out, r.lte());
        out.writeBoolean(r.datetime());
      }
      case Condition.ValuesCount v -> {
        out.writeByte(6);
        writeString(out, v.key());
        writeOptLong(out, v.gt());
        writeOptLong(out, v.gte());
        writeOptLong(out, v.lt());
        writeOptLong(out, v.lte());
      }
      case Condition.GeoBoundingBox g -> {
        out.writeByte(7);
        writeString(out, g.key());
        out.writeDouble(g.topLeftLat());
        out.writeDouble(g.topLeftLon());
        out.writeDouble(g.bottomRightLat());
        out.writeDouble(g.bottomRightLon());
      }
      case Condition.GeoRadius g -> {
        out.writeByte(8);
        writeString(out, g.key());
        out.writeDouble(g.lat());
        out.writeDouble(g.lon());
        out.writeDouble(g.radiusMeters());
      }
      case Condition.GeoPolygon g -> {
        out.writeByte(9);
        writeString(out, g.key());
        writeRing(out, g.exterior());
        out.writeInt(g.interiors().size());
        for (List<double[]> ring : g.interiors()) {
          writeRing(out, ring);
        }
      }
      case Condition.IsEmpty e -> {
        out.writeByte(10);
        writeString(out, e.key());
      }
      case Condition.IsNull e -> {
        out.writeByte(11);
        writeString(out, e.key());
      }
      case Condition.HasId h -> {
        out.writeByte(12);
        // sets iterate in no fixed order: sorted, so equal conditions encode to equal bytes
        writeIds(out, h.ids().stream().sorted(PointId::compareTo).toList());
      }
      case Condition.Nested n -> {
        out.writeByte(13);
        writeString(out, n.key());
        writeFilter(out, n.filter());
      }
      case Condition.Sub s -> {
        out.writeByte(14);
        writeFilter(out, s.filter());
      }
      case Condition.HasVector h -> {
        out.writeByte(17);
        writeString(out, h.vector());
      }
    }
  }

  private static Condition readCondition(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 1 -> new Condition.Match(readString(in), readValue(in));
      case 2 -> new Condition.MatchAny(readString(in), readValues(in));
      case 3 -> new Condition.MatchExcept(readString(in), readValues(in));
      case 4 -> new Condition.MatchText(readString(in), readString(in));
      case 15 -> new Condition.MatchText(readString(in), readString(in), Condition.TextMatch.ANY);
      case 16 ->
          new Condition.MatchText(readString(in), readString(in), Condition.TextMatch.PHRASE);
      case 5 ->
          new Condition.Range(
              readString(in),
              readOptDouble(in),
              readOptDouble(in),
              readOptDouble(in),
              readOptDouble(in),
              in.readBoolean());
      case 6 ->
          new Condition.ValuesCount(
              readString(in), readOptLong(in), readOptLong(in), readOptLong(in), readOptLong(in));
      case 7 ->
          new Condition.GeoBoundingBox(
              readString(in), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
      case 8 ->
          new Condition.GeoRadius(
              readString(in), in.readDouble(), in.readDouble(), in.readDouble());
      case 9 -> {
        String key = readString(in);
        List<double[]> exterior = readRing(in);
        int n = count(in);
        List<List<double[]>> interiors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          interiors.add(readRing(in));
        }
        yield new Condition.GeoPolygon(key, exterior, interiors);
      }
      case 10 -> new Condition.IsEmpty(readString(in));
      case 11 -> new Condition.IsNull(readString(in));
      case 12 -> new Condition.HasId(new LinkedHashSet<>(readIds(in)));
      case 13 -> new Condition.Nested(readString(in), readFilter(in));
      case 14 -> new Condition.Sub(readFilter(in));
      case 17 -> new Condition.HasVector(readString(in));
      default -> throw new Malformed("unknown condition tag " + tag);
    };
  }

  private static void writeRing(DataOutputStream out, List<double[]> ring) throws IOException {
    out.writeInt(ring.size());
    for (double[] p : ring) {
      out.writeDouble(p[0]);
      out.writeDouble(p[1]);
    }
  }

  private static List<double[]> readRing(DataInputStream in) throws IOException {
    int n = count(in);
    List<double[]> ring = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ring.add(new double[] {in.readDouble(), in.readDouble()});
    }
    return ring;
  }

  // ---- reads and their results ----

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
    writeOptFilter(out, r.filter());
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
    Filter filter = readOptFilter(in);
    return new SearchRequest(
        name, vector, limit, offset, threshold, wp, wv, ef < 0 ? null : ef, exact, filter, sparse);
  }

  public static void writeOptFilter(DataOutputStream out, Filter f) throws IOException {
    out.writeBoolean(f != null);
    if (f != null) {
      writeFilter(out, f);
    }
  }

  public static Filter readOptFilter(DataInputStream in) throws IOException {
    return in.readBoolean() ? readFilter(in) : null;
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

  // ---- collection configuration ----

  public static void writeConfig(DataOutputStream out, CollectionConfig c) throws IOException {
    var sorted = new TreeMap<>(c.vectors());
    out.writeInt(sorted.size());
    for (var e : sorted.entrySet()) {
      out.writeUTF(e.getKey());
      VectorParams p = e.getValue();
      out.writeInt(p.size());
      out.writeByte(p.distance().ordinal());
      // 0/1/2: on_disk false/true/unset; 3 more when the vector's own HNSW settings follow; 6
      // more for a multivector; 12 more when a datatype byte follows
      int onDisk = p.onDisk() == null ? 2 : p.onDisk() ? 1 : 0;
      out.writeByte(
          (p.hnsw() == null ? onDisk : onDisk + 3)
              + (p.multivector() ? 6 : 0)
              + (p.datatype() != null ? 12 : 0));
      if (p.hnsw() != null) {
        writeHnsw(out, p.hnsw());
      }
      if (p.datatype() != null) {
        out.writeByte(p.datatype().ordinal());
      }
    }
    out.writeInt(c.shardNumber());
    out.writeInt(c.replicationFactor());
    out.writeInt(c.writeConsistencyFactor());
    out.writeBoolean(c.onDiskPayload());
    writeHnsw(out, c.hnsw());
    OptimizersConfig o = c.optimizers();
    out.writeDouble(o.deletedThreshold());
    out.writeInt(o.vacuumMinVectorNumber());
    out.writeInt(o.defaultSegmentNumber());
    out.writeInt(o.maxSegmentSize() == null ? -1 : o.maxSegmentSize());
    out.writeInt(o.indexingThreshold());
    out.writeInt(o.flushIntervalSec());
    out.writeInt(o.maxOptimizationThreads() == null ? -1 : o.maxOptimizationThreads());
    out.writeInt(c.wal().walCapacityMb());
    out.writeInt(c.wal().walSegmentsAhead());
    // configurations without sparse vectors or metadata are written as before either existed
    out.writeByte(
        c.shardingMethod().ordinal()
            | (c.sparseVectors().isEmpty() ? 0 : WITH_SPARSE)
            | (c.metadata() == null ? 0 : WITH_METADATA)
            | (c.strictMode() == null ? 0 : WITH_STRICT_MODE));
    if (!c.sparseVectors().isEmpty()) {
      writeSparseParams(out, c.sparseVectors());
    }
    if (c.metadata() != null) {
      writeValue(out, c.metadata());
    }
    if (c.strictMode() != null) {
      writeValue(out, c.strictMode());
    }
  }

  private static void writeSparseParams(DataOutputStream out, Map<String, SparseVectorParams> all)
      throws IOException {
    var sparse = new TreeMap<>(all);
    out.writeInt(sparse.size());
    for (var e : sparse.entrySet()) {
      out.writeUTF(e.getKey());
      SparseVectorParams p = e.getValue();
      out.writeInt(p.fullScanThreshold() == null ? -1 : p.fullScanThreshold());
      // on_disk 0/1/2 (false/true/unset), plus 3 x the memory placement (0 unset) when given
      out.writeByte(
          (p.onDisk() == null ? 2 : p.onDisk() ? 1 : 0)
              + 3 * (p.memory() == null ? 0 : p.memory().ordinal() + 1));
      out.writeByte(p.modifier() == null ? 0 : p.modifier().ordinal() + 1);
    }
  }

  private static void writeHnsw(DataOutputStream out, HnswConfig h) throws IOException {
    out.writeInt(h.m());
    out.writeInt(h.efConstruct());
    out.writeInt(h.fullScanThreshold());
    out.writeInt(h.maxIndexingThreads());
    out.writeBoolean(h.onDisk());
  }

  private static HnswConfig readHnsw(DataInputStream in) throws IOException {
    return new HnswConfig(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readBoolean());
  }

  public static CollectionConfig readConfig(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, VectorParams> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int size = in.readInt();
      int distance = in.readUnsignedByte();
      int onDisk = in.readUnsignedByte();
      if (onDisk >= 24) {
        throw new Malformed("unknown vector flags " + onDisk);
      }
      boolean withDatatype = onDisk >= 12;
      onDisk %= 12;
      boolean multivector = onDisk >= 6;
      onDisk %= 6;
      if (distance >= Distance.values().length || onDisk > 5) {
        throw new Malformed("unknown distance " + distance + " or flags " + onDisk);
      }
      HnswConfig own = onDisk >= 3 ? readHnsw(in) : null;
      VectorDatatype datatype = null;
      if (withDatatype) {
        int d = in.readUnsignedByte();
        if (d >= VectorDatatype.values().length) {
          throw new Malformed("unknown datatype " + d);
        }
        datatype = VectorDatatype.values()[d];
      }
      onDisk = onDisk % 3;
      vectors.put(
          name,
          new VectorParams(
              size,
              Distance.values()[distance],
              onDisk == 2 ? null : onDisk == 1,
              own,
              multivector,
              datatype));
    }
    int shards = in.readInt();
    int rf = in.readInt();
    int wcf = in.readInt();
    boolean onDiskPayload = in.readBoolean();
    var hnsw = readHnsw(in);
    double deleted = in.readDouble();
    int vacuum = in.readInt();
    int segments = in.readInt();
    int maxSegment = in.readInt();
    int indexing = in.readInt();
    int flush = in.readInt();
    int threads = in.readInt();
    var optimizers =
        new OptimizersConfig(
            deleted,
            vacuum,
            segments,
            maxSegment < 0 ? null : maxSegment,
            indexing,
            flush,
            threads < 0 ? null : threads);
    var wal = new WalConfig(in.readInt(), in.readInt());
    int method = in.readUnsignedByte();
    boolean withMetadata = (method & WITH_METADATA) != 0;
    boolean withStrictMode = (method & WITH_STRICT_MODE) != 0;
    method &= ~(WITH_METADATA | WITH_STRICT_MODE);
    Map<String, SparseVectorParams> sparse = new LinkedHashMap<>();
    if ((method & WITH_SPARSE) != 0) {
      method &= ~WITH_SPARSE;
      int k = count(in);
      for (int i = 0; i < k; i++) {
        String name = in.readUTF();
        int threshold = in.readInt();
        int flags = in.readUnsignedByte();
        int modifier = in.readUnsignedByte();
        int onDisk = flags % 3;
        int memory = flags / 3;
        if (memory > SparseVectorParams.Memory.values().length
            || modifier > SparseVectorParams.Modifier.values().length) {
          throw new Malformed("unknown sparse vector flags " + flags + "/" + modifier);
        }
        sparse.put(
            name,
            new SparseVectorParams(
                threshold < 0 ? null : threshold,
                onDisk == 2 ? null : onDisk == 1,
                modifier == 0 ? null : SparseVectorParams.Modifier.values()[modifier - 1],
                memory == 0 ? null : SparseVectorParams.Memory.values()[memory - 1]));
      }
    }
    if (method >= ShardingMethod.values().length) {
      throw new Malformed("unknown sharding method " + method);
    }
    return new CollectionConfig(
        vectors,
        shards,
        rf,
        wcf,
        onDiskPayload,
        hnsw,
        optimizers,
        wal,
        ShardingMethod.values()[method],
        sparse,
        withMetadata ? readStruct(in) : null,
        withStrictMode ? readStruct(in) : null);
  }

  /** A shard key, or null: tag 0 none, 1 number, 2 string. */
  public static void writeShardKey(DataOutputStream out, ShardKey key) throws IOException {
    switch (key) {
      case null -> out.writeByte(0);
      case ShardKey.Number n -> {
        out.writeByte(1);
        out.writeLong(n.value());
      }
      case ShardKey.Keyword k -> {
        out.writeByte(2);
        writeString(out, k.value());
      }
    }
  }

  public static ShardKey readShardKey(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> null;
      case 1 -> {
        long v = in.readLong();
        if (v < 0) {
          throw new Malformed("negative shard key " + v);
        }
        yield new ShardKey.Number(v);
      }
      case 2 -> new ShardKey.Keyword(readString(in));
      default -> throw new Malformed("unknown shard key tag " + tag);
    };
  }

  // ---- pieces ----

  public static void writeId(DataOutputStream out, PointId id) throws IOException {
    switch (id) {
      case PointId.Num n -> {
        out.writeByte(0);
        out.writeLong(n.value());
      }
      case PointId.Uuid u -> {
        out.writeByte(1);
        out.writeLong(u.value().getMostSignificantBits());
        out.writeLong(u.value().getLeastSignificantBits());
      }
    }
  }

  public static PointId readId(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> new PointId.Num(in.readLong());
      case 1 -> new PointId.Uuid(new UUID(in.readLong(), in.readLong()));
      default -> throw new Malformed("unknown id tag " + tag);
    };
  }

  public static void writeIds(DataOutputStream out, List<PointId> ids) throws IOException {
    out.writeInt(ids.size());
    for (PointId id : ids) {
      writeId(out, id);
    }
  }

  public static List<PointId> readIds(DataInputStream in) throws IOException {
    int n = count(in);
    List<PointId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(readId(in));
    }
    return ids;
  }

  public static void writeVectors(DataOutputStream out, Map<String, float[]> vectors)
      throws IOException {
    out.writeInt(vectors.size());
    for (var e : new TreeMap<>(vectors).entrySet()) {
      out.writeUTF(e.getKey());
      writeFloats(out, e.getValue());
    }
  }

  public static Map<String, float[]> readVectors(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, float[]> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      vectors.put(in.readUTF(), readFloats(in));
    }
    return vectors;
  }

  /**
   * A vector as its length and big-endian floats (what {@code writeFloat} would write), copied in
   * one block: per-float stream calls were a visible cost of replicating batch upserts.
   */
  private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
    out.writeInt(v.length);
    byte[] bytes = new byte[v.length * Float.BYTES];
    ByteBuffer.wrap(bytes).asFloatBuffer().put(v);
    out.write(bytes);
  }

  private static float[] readFloats(DataInputStream in) throws IOException {
    return readFloats(in, in.readInt());
  }

  private static float[] readFloats(DataInputStream in, int length) throws IOException {
    if (length < 0 || (long) length * Float.BYTES > in.available()) {
      throw new Malformed("bad vector length " + length);
    }
    float[] v = new float[length];
    byte[] bytes = new byte[v.length * Float.BYTES];
    in.readFully(bytes);
    ByteBuffer.wrap(bytes).asFloatBuffer().get(v);
    return v;
  }

  /** A sparse vector: its length, then its indices and its values, each as one block. */
  public static void writeSparse(DataOutputStream out, SparseVector v) throws IOException {
    int n = v.size();
    out.writeInt(n);
    byte[] bytes = new byte[n * (Integer.BYTES + Float.BYTES)];
    var buf = ByteBuffer.wrap(bytes);
    buf.asIntBuffer().put(v.indices());
    buf.position(n * Integer.BYTES);
    buf.slice().asFloatBuffer().put(v.values());
    out.write(bytes);
  }

  /** A sparse vector as {@link #writeSparse} wrote it; its indices must be ascending and unique. */
  public static SparseVector readSparse(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || (long) n * (Integer.BYTES + Float.BYTES) > in.available()) {
      throw new Malformed("bad sparse vector length " + n);
    }
    byte[] bytes = new byte[n * (Integer.BYTES + Float.BYTES)];
    in.readFully(bytes);
    int[] indices = new int[n];
    float[] values = new float[n];
    var buf = ByteBuffer.wrap(bytes);
    buf.asIntBuffer().get(indices);
    buf.position(n * Integer.BYTES);
    buf.slice().asFloatBuffer().get(values);
    for (int i = 1; i < n; i++) {
      if (Integer.compareUnsigned(indices[i - 1], indices[i]) >= 0) {
        throw new Malformed("sparse vector indices out of order");
      }
    }
    return new SparseVector(indices, values);
  }

  /** Multivectors by name: each its row count, row size and rows as one block of floats. */
  public static void writeMultiVectors(DataOutputStream out, Map<String, float[][]> vectors)
      throws IOException {
    out.writeInt(vectors.size());
    for (var e : new TreeMap<>(vectors).entrySet()) {
      out.writeUTF(e.getKey());
      writeRows(out, e.getValue());
    }
  }

  public static Map<String, float[][]> readMultiVectors(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, float[][]> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      vectors.put(in.readUTF(), readRows(in));
    }
    return vectors;
  }

  /** Rows of one size: the count, the size, then the floats. */
  public static void writeRows(DataOutputStream out, float[][] rows) throws IOException {
    int dim = rows.length == 0 ? 0 : rows[0].length;
    out.writeInt(rows.length);
    out.writeInt(dim);
    byte[] bytes = new byte[rows.length * dim * Float.BYTES];
    var floats = ByteBuffer.wrap(bytes).asFloatBuffer();
    for (float[] row : rows) {
      floats.put(row);
    }
    out.write(bytes);
  }

  public static float[][] readRows(DataInputStream in) throws IOException {
    int n = in.readInt();
    int dim = in.readInt();
    if (n < 0 || dim < 0 || (long) n * dim * Float.BYTES > in.available()) {
      throw new Malformed("bad multivector shape " + n + " x " + dim);
    }
    byte[] bytes = new byte[n * dim * Float.BYTES];
    in.readFully(bytes);
    var floats = ByteBuffer.wrap(bytes).asFloatBuffer();
    float[][] rows = new float[n][dim];
    for (float[] row : rows) {
      floats.get(row);
    }
    return rows;
  }

  public static void writeSparseVectors(DataOutputStream out, Map<String, SparseVector> vectors)
      throws IOException {
    out.writeInt(vectors.size());
    for (var e : new TreeMap<>(vectors).entrySet()) {
      out.writeUTF(e.getKey());
      writeSparse(out, e.getValue());
    }
  }

  public static Map<String, SparseVector> readSparseVectors(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, SparseVector> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      vectors.put(in.readUTF(), readSparse(in));
    }
    return vectors;
  }

  public static void writeValue(DataOutputStream out, Value value) throws IOException {
    switch (value) {
      case Value.Null n -> out.writeByte(0);
      case Value.Bool b -> {
        out.writeByte(1);
        out.writeBoolean(b.value());
      }
      case Value.Int i -> {
        out.writeByte(2);
        out.writeLong(i.value());
      }
      case Value.Double d -> {
        out.writeByte(3);
        out.writeDouble(d.value());
      }
      case Value.Str s -> {
        out.writeByte(4);
        writeString(out, s.value());
      }
      case Value.Array a -> {
        out.writeByte(5);
        writeValues(out, a.values());
      }
      case Value.Struct s -> {
        out.writeByte(6);
        out.writeInt(s.fields().size());
        for (var e : s.fields().entrySet()) {
          writeString(out, e.getKey());
          writeValue(out, e.getValue());
        }
      }
    }
  }

  public static Value readValue(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case 0 -> Value.Null.INSTANCE;
      case 1 -> new Value.Bool(in.readBoolean());
      case 2 -> new Value.Int(in.readLong());
      case 3 -> new Value.Double(in.readDouble());
      case 4 -> new Value.Str(readString(in));
      case 5 -> new Value.Array(readValues(in));
      case 6 -> {
        int n = count(in);
        Map<String, Value> fields = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          fields.put(readString(in), readValue(in));
        }
        yield new Value.Struct(fields);
      }
      default -> throw new Malformed("unknown value tag " + tag);
    };
  }

  public static Value.Struct readStruct(DataInputStream in) throws IOException {
    if (readValue(in) instanceof Value.Struct s) {
      return s;
    }
    throw new Malformed("payload is not an object");
  }

  private static void writeValues(DataOutputStream out, List<Value> values) throws IOException {
    out.writeInt(values.size());
    for (Value v : values) {
      writeValue(out, v);
    }
  }

  private static List<Value> readValues(DataInputStream in) throws IOException {
    int n = count(in);
    List<Value> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      values.add(readValue(in));
    }
    return values;
  }

  /** Strings of any length (writeUTF is limited to 64 KiB). */
  public static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  public static String readString(DataInputStream in) throws IOException {
    byte[] b = new byte[count(in)];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  public static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
    out.writeInt(strings.size());
    for (String s : strings) {
      writeString(out, s);
    }
  }

  public static List<String> readStrings(DataInputStream in) throws IOException {
    int n = count(in);
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(readString(in));
    }
    return list;
  }

  private static void writeOptDouble(DataOutputStream out, Double d) throws IOException {
    out.writeBoolean(d != null);
    if (d != null) {
      out.writeDouble(d);
    }
  }

  private static Double readOptDouble(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readDouble() : null;
  }

  private static void writeOptLong(DataOutputStream out, Long d) throws IOException {
    out.writeBoolean(d != null);
    if (d != null) {
      out.writeLong(d);
    }
  }

  private static Long readOptLong(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readLong() : null;
  }

  /** An element count that cannot exceed the bytes left, so bad input cannot allocate wildly. */
  public static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new Malformed("bad element count " + n);
    }
    return n;
  }
}
