package dev.quiver.storage;

import static dev.quiver.storage.ShardCodec.count;
import static dev.quiver.storage.ShardCodec.readId;
import static dev.quiver.storage.ShardCodec.readIds;
import static dev.quiver.storage.ShardCodec.readMultiVectors;
import static dev.quiver.storage.ShardCodec.readSparseVectors;
import static dev.quiver.storage.ShardCodec.readString;
import static dev.quiver.storage.ShardCodec.readStrings;
import static dev.quiver.storage.ShardCodec.readStruct;
import static dev.quiver.storage.ShardCodec.readVectors;
import static dev.quiver.storage.ShardCodec.writeId;
import static dev.quiver.storage.ShardCodec.writeIds;
import static dev.quiver.storage.ShardCodec.writeMultiVectors;
import static dev.quiver.storage.ShardCodec.writeSparseVectors;
import static dev.quiver.storage.ShardCodec.writeString;
import static dev.quiver.storage.ShardCodec.writeStrings;
import static dev.quiver.storage.ShardCodec.writeValue;
import static dev.quiver.storage.ShardCodec.writeVectors;

import dev.quiver.storage.ShardCodec.Malformed;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The binary form of an {@link UpdateOp}: the record of a write in the WAL and in a Raft log entry.
 * A tag byte names the operation; forms added later (update modes, sparse vectors, multivectors, an
 * update filter) have tags of their own, and an op is written in the narrowest form that holds it,
 * so logs written before a form existed read unchanged. Stateless.
 */
// enums are written by ordinal: their order is part of the format (EnumCodesTest pins it)
@SuppressWarnings("EnumOrdinal")
public final class UpdateOpCodec {
  private UpdateOpCodec() {}

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

  /** Or-ed into a payload op's tag when its selector is a filter rather than ids. */
  private static final int BY_FILTER = 0x40;

  public static void write(DataOutputStream out, UpdateOp op) throws IOException {
    Filter updateFilter =
        switch (op) {
          case UpdateOp.Upsert u -> u.updateFilter();
          case UpdateOp.UpdateVectors v -> v.updateFilter();
          default -> null;
        };
    if (updateFilter != null) {
      out.writeByte(OP_UPDATE_FILTER);
      FilterCodec.write(out, updateFilter);
      write(
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
        FilterCodec.write(out, f.filter());
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

  public static UpdateOp read(DataInputStream in) throws IOException {
    int tag = in.readUnsignedByte();
    if (tag == OP_UPDATE_FILTER) {
      Filter filter = FilterCodec.read(in);
      return switch (read(in)) {
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
        return new UpdateOp.DeleteByFilter(FilterCodec.read(in));
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
            ? new PointSelector.ByFilter(FilterCodec.read(in))
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
        FilterCodec.write(out, f.filter());
      }
    }
  }
}
