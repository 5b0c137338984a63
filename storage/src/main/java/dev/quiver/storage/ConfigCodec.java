package dev.quiver.storage;

import static dev.quiver.storage.ShardCodec.count;
import static dev.quiver.storage.ShardCodec.readStruct;
import static dev.quiver.storage.ShardCodec.writeValue;

import dev.quiver.storage.ShardCodec.Malformed;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The binary form of a {@link CollectionConfig}, as checkpoints, snapshots and the cluster's
 * metadata store it. Later settings (sparse vectors, metadata, strict mode) follow behind flags on
 * the sharding-method byte, so configurations written before them read unchanged. Stateless.
 */
// enums are written by ordinal: their order is part of the format (EnumCodesTest pins it)
@SuppressWarnings("EnumOrdinal")
public final class ConfigCodec {
  private ConfigCodec() {}

  /** The sharding method byte of a configuration followed by its sparse vectors. */
  private static final int WITH_SPARSE = 0x80;

  /** Set on the sharding-method byte of a configuration whose metadata follows (last). */
  private static final int WITH_METADATA = 0x40;

  /**
   * Set on the sharding-method byte of a configuration whose strict mode settings follow (last).
   */
  private static final int WITH_STRICT_MODE = 0x20;

  /** Set on the sharding-method byte of a configuration whose quantization follows (last). */
  private static final int WITH_QUANTIZATION = 0x10;

  /** Set when {@code wal_retain_closed} is not its default: its value ends the configuration. */
  private static final int WITH_WAL_RETAIN = 0x08;

  /** Set when the collection's {@code payload_m} is set: its value ends the configuration. */
  private static final int WITH_PAYLOAD_M = 0x04;

  /**
   * Set when the collection routes points by {@link PointRouting#JUMP} (not set: {@link
   * PointRouting#MODULO}, as every configuration written before routing was a setting).
   */
  private static final int WITH_JUMP_ROUTING = 0x02;

  /** Added to a vector's flags byte when its own quantization follows. */
  private static final int VECTOR_QUANTIZATION = 24;

  /**
   * Added to a vector's flags byte when its own HNSW settings follow as given (a presence byte,
   * then the fields set); older configurations carry them whole (3 more), read as all set.
   */
  private static final int VECTOR_HNSW_DIFF = 48;

  public static void write(DataOutputStream out, CollectionConfig c) throws IOException {
    var sorted = new TreeMap<>(c.vectors());
    out.writeInt(sorted.size());
    for (var e : sorted.entrySet()) {
      out.writeUTF(e.getKey());
      VectorParams p = e.getValue();
      out.writeInt(p.size());
      out.writeByte(p.distance().ordinal());
      // 0/1/2: on_disk false/true/unset; 6 more for a multivector; 12 more when a datatype byte
      // follows; 24 more when the vector's own quantization follows; 48 more when its own HNSW
      // settings follow (3 more, in older configurations, when they followed whole)
      int onDisk = p.onDisk() == null ? 2 : p.onDisk() ? 1 : 0;
      out.writeByte(
          onDisk
              + (p.multivector() ? 6 : 0)
              + (p.datatype() != null ? 12 : 0)
              + (p.quantization() != null ? VECTOR_QUANTIZATION : 0)
              + (p.hnsw() != null ? VECTOR_HNSW_DIFF : 0));
      if (p.hnsw() != null) {
        writeHnswDiff(out, p.hnsw());
      }
      if (p.datatype() != null) {
        out.writeByte(p.datatype().ordinal());
      }
      if (p.quantization() != null) {
        QuantizationCodec.write(out, p.quantization());
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
            | (c.strictMode() == null ? 0 : WITH_STRICT_MODE)
            | (c.quantization() == null ? 0 : WITH_QUANTIZATION)
            | (c.wal().walRetainClosed() == WalConfig.DEFAULT_RETAIN_CLOSED ? 0 : WITH_WAL_RETAIN)
            | (c.hnsw().payloadM() == null ? 0 : WITH_PAYLOAD_M)
            | (c.routing() == PointRouting.JUMP ? WITH_JUMP_ROUTING : 0));
    if (!c.sparseVectors().isEmpty()) {
      writeSparseParams(out, c.sparseVectors());
    }
    if (c.metadata() != null) {
      writeValue(out, c.metadata());
    }
    if (c.strictMode() != null) {
      writeValue(out, c.strictMode());
    }
    if (c.quantization() != null) {
      QuantizationCodec.write(out, c.quantization());
    }
    if (c.wal().walRetainClosed() != WalConfig.DEFAULT_RETAIN_CLOSED) {
      out.writeInt(c.wal().walRetainClosed());
    }
    if (c.hnsw().payloadM() != null) {
      out.writeInt(c.hnsw().payloadM());
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
      // on_disk 0/1/2 (false/true/unset), plus 3 x the memory placement (0 unset) when given,
      // plus 12 x the datatype (0 unset): configurations without these read as before
      out.writeByte(
          (p.onDisk() == null ? 2 : p.onDisk() ? 1 : 0)
              + 3 * (p.memory() == null ? 0 : p.memory().ordinal() + 1)
              + 12 * (p.datatype() == null ? 0 : p.datatype().ordinal() + 1));
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

  /** A presence byte (bit i: field i is set), then the fields set, in the record's order. */
  private static void writeHnswDiff(DataOutputStream out, HnswDiff h) throws IOException {
    out.writeByte(
        (h.m() != null ? 1 : 0)
            | (h.efConstruct() != null ? 2 : 0)
            | (h.fullScanThreshold() != null ? 4 : 0)
            | (h.maxIndexingThreads() != null ? 8 : 0)
            | (h.onDisk() != null ? 16 : 0)
            | (h.payloadM() != null ? 32 : 0));
    for (Integer v :
        new Integer[] {h.m(), h.efConstruct(), h.fullScanThreshold(), h.maxIndexingThreads()}) {
      if (v != null) {
        out.writeInt(v);
      }
    }
    if (h.onDisk() != null) {
      out.writeBoolean(h.onDisk());
    }
    if (h.payloadM() != null) {
      out.writeInt(h.payloadM());
    }
  }

  private static HnswDiff readHnswDiff(DataInputStream in) throws IOException {
    int set = in.readUnsignedByte();
    if (set >= 64) {
      throw new Malformed("unknown HNSW settings " + set);
    }
    Integer[] v = new Integer[4];
    for (int i = 0; i < 4; i++) {
      v[i] = (set & (1 << i)) != 0 ? in.readInt() : null;
    }
    Boolean onDisk = (set & 16) != 0 ? in.readBoolean() : null;
    Integer payloadM = (set & 32) != 0 ? in.readInt() : null;
    if (payloadM != null && payloadM < 0) {
      throw new Malformed("negative payload_m " + payloadM);
    }
    return new HnswDiff(v[0], v[1], v[2], v[3], onDisk, payloadM);
  }

  private static HnswConfig readHnsw(DataInputStream in) throws IOException {
    return new HnswConfig(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readBoolean());
  }

  public static CollectionConfig read(DataInputStream in) throws IOException {
    int n = count(in);
    Map<String, VectorParams> vectors = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int size = in.readInt();
      int distance = in.readUnsignedByte();
      int onDisk = in.readUnsignedByte();
      if (onDisk >= 2 * VECTOR_HNSW_DIFF) {
        throw new Malformed("unknown vector flags " + onDisk);
      }
      boolean withHnswDiff = onDisk >= VECTOR_HNSW_DIFF;
      onDisk %= VECTOR_HNSW_DIFF;
      boolean withQuantization = onDisk >= VECTOR_QUANTIZATION;
      onDisk %= VECTOR_QUANTIZATION;
      boolean withDatatype = onDisk >= 12;
      onDisk %= 12;
      boolean multivector = onDisk >= 6;
      onDisk %= 6;
      if (distance >= Distance.values().length || onDisk > 5) {
        throw new Malformed("unknown distance " + distance + " or flags " + onDisk);
      }
      if (withHnswDiff && onDisk >= 3) {
        throw new Malformed("vector HNSW settings given twice");
      }
      HnswDiff own =
          withHnswDiff ? readHnswDiff(in) : onDisk >= 3 ? HnswDiff.of(readHnsw(in)) : null;
      VectorDatatype datatype = null;
      if (withDatatype) {
        int d = in.readUnsignedByte();
        if (d >= VectorDatatype.values().length) {
          throw new Malformed("unknown datatype " + d);
        }
        datatype = VectorDatatype.values()[d];
      }
      Quantization quantization = withQuantization ? QuantizationCodec.read(in) : null;
      onDisk = onDisk % 3;
      vectors.put(
          name,
          new VectorParams(
              size,
              Distance.values()[distance],
              onDisk == 2 ? null : onDisk == 1,
              own,
              multivector,
              datatype,
              quantization));
    }
    int shards = in.readInt();
    int rf = in.readInt();
    int wcf = in.readInt();
    boolean onDiskPayload = in.readBoolean();
    HnswConfig hnsw = readHnsw(in);
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
    int walCapacity = in.readInt();
    int walAhead = in.readInt();
    int method = in.readUnsignedByte();
    boolean withMetadata = (method & WITH_METADATA) != 0;
    boolean withStrictMode = (method & WITH_STRICT_MODE) != 0;
    boolean withQuantization = (method & WITH_QUANTIZATION) != 0;
    boolean withWalRetain = (method & WITH_WAL_RETAIN) != 0;
    boolean withPayloadM = (method & WITH_PAYLOAD_M) != 0;
    PointRouting routing =
        (method & WITH_JUMP_ROUTING) != 0 ? PointRouting.JUMP : PointRouting.MODULO;
    method &=
        ~(WITH_METADATA
            | WITH_STRICT_MODE
            | WITH_QUANTIZATION
            | WITH_WAL_RETAIN
            | WITH_PAYLOAD_M
            | WITH_JUMP_ROUTING);
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
        int memory = flags / 3 % 4;
        int datatype = flags / 12;
        if (memory > SparseVectorParams.Memory.values().length
            || datatype > VectorDatatype.values().length
            || modifier > SparseVectorParams.Modifier.values().length) {
          throw new Malformed("unknown sparse vector flags " + flags + "/" + modifier);
        }
        sparse.put(
            name,
            new SparseVectorParams(
                threshold < 0 ? null : threshold,
                onDisk == 2 ? null : onDisk == 1,
                modifier == 0 ? null : SparseVectorParams.Modifier.values()[modifier - 1],
                memory == 0 ? null : SparseVectorParams.Memory.values()[memory - 1],
                datatype == 0 ? null : VectorDatatype.values()[datatype - 1]));
      }
    }
    if (method >= ShardingMethod.values().length) {
      throw new Malformed("unknown sharding method " + method);
    }
    Value.Struct metadata = withMetadata ? readStruct(in) : null;
    Value.Struct strictMode = withStrictMode ? readStruct(in) : null;
    Quantization quantization = withQuantization ? QuantizationCodec.read(in) : null;
    // written before wal_retain_closed existed: Qdrant's default
    int retain = withWalRetain ? in.readInt() : WalConfig.DEFAULT_RETAIN_CLOSED;
    if (withPayloadM) {
      int payloadM = in.readInt();
      if (payloadM < 0) {
        throw new Malformed("negative payload_m " + payloadM);
      }
      hnsw =
          new HnswConfig(
              hnsw.m(),
              hnsw.efConstruct(),
              hnsw.fullScanThreshold(),
              hnsw.maxIndexingThreads(),
              hnsw.onDisk(),
              payloadM);
    }
    return new CollectionConfig(
        vectors,
        shards,
        rf,
        wcf,
        onDiskPayload,
        hnsw,
        optimizers,
        new WalConfig(walCapacity, walAhead, retain),
        ShardingMethod.values()[method],
        sparse,
        metadata,
        strictMode,
        quantization,
        routing);
  }
}
