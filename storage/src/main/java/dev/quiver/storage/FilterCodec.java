package dev.quiver.storage;

import static dev.quiver.storage.ShardCodec.count;
import static dev.quiver.storage.ShardCodec.readIds;
import static dev.quiver.storage.ShardCodec.readOptDouble;
import static dev.quiver.storage.ShardCodec.readOptLong;
import static dev.quiver.storage.ShardCodec.readString;
import static dev.quiver.storage.ShardCodec.readValue;
import static dev.quiver.storage.ShardCodec.readValues;
import static dev.quiver.storage.ShardCodec.writeIds;
import static dev.quiver.storage.ShardCodec.writeOptDouble;
import static dev.quiver.storage.ShardCodec.writeOptLong;
import static dev.quiver.storage.ShardCodec.writeString;
import static dev.quiver.storage.ShardCodec.writeValue;
import static dev.quiver.storage.ShardCodec.writeValues;

import dev.quiver.storage.ShardCodec.Malformed;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The binary form of a {@link Filter}: its clauses, then each condition behind a tag byte, so
 * condition kinds can be added without breaking old bytes. Stateless.
 */
public final class FilterCodec {
  private FilterCodec() {}

  public static void write(DataOutputStream out, Filter f) throws IOException {
    writeConditions(out, f.must());
    writeConditions(out, f.should());
    writeConditions(out, f.mustNot());
    out.writeBoolean(f.minShould() != null);
    if (f.minShould() != null) {
      writeConditions(out, f.minShould().conditions());
      out.writeInt(f.minShould().minCount());
    }
  }

  public static Filter read(DataInputStream in) throws IOException {
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
      case Condition.MatchPrefix m -> {
        out.writeByte(18);
        writeString(out, m.key());
        writeString(out, m.prefix());
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
        write(out, n.filter());
      }
      case Condition.Sub s -> {
        out.writeByte(14);
        write(out, s.filter());
      }
      case Condition.HasVector h -> {
        out.writeByte(17);
        writeString(out, h.vector());
      }
      case Condition.InPart i -> {
        out.writeByte(20);
        out.writeInt(i.parts());
        out.writeInt(i.from());
        out.writeInt(i.to());
      }
      case Condition.InShard i -> {
        out.writeByte(19);
        out.writeByte(
            switch (i.routing()) {
              case MODULO -> 0;
              case JUMP -> 1;
            });
        out.writeInt(i.shards());
        out.writeInt(i.index());
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
      case 18 -> new Condition.MatchPrefix(readString(in), readString(in));
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
      case 13 -> new Condition.Nested(readString(in), read(in));
      case 14 -> new Condition.Sub(read(in));
      case 17 -> new Condition.HasVector(readString(in));
      case 20 -> {
        int parts = in.readInt();
        int from = in.readInt();
        int to = in.readInt();
        if (parts < 1 || from < 0 || to > parts || from >= to) {
          throw new Malformed("parts " + from + ".." + to + " of " + parts);
        }
        yield new Condition.InPart(parts, from, to);
      }
      case 19 -> {
        int routing = in.readUnsignedByte();
        int shards = in.readInt();
        int index = in.readInt();
        if (routing > 1 || shards < 1 || index < 0 || index >= shards) {
          throw new Malformed("routing " + routing + ", shard " + index + " of " + shards);
        }
        yield new Condition.InShard(
            routing == 0 ? PointRouting.MODULO : PointRouting.JUMP, shards, index);
      }
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

  public static void writeOptional(DataOutputStream out, Filter f) throws IOException {
    out.writeBoolean(f != null);
    if (f != null) {
      write(out, f);
    }
  }

  public static Filter readOptional(DataInputStream in) throws IOException {
    return in.readBoolean() ? read(in) : null;
  }
}
