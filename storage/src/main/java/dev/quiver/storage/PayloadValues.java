package dev.quiver.storage;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading a payload the way filters and payload indexes read it: the values a key path reaches
 * ({@code a.b}, {@code a[].b}, arrays at the end flattened one level), date-times as Qdrant accepts
 * them, and great-circle distances between geo points. Stateless; thread-safe.
 */
public final class PayloadValues {
  /** The mean Earth radius of the haversine distance, in metres (as the {@code geo} crate's). */
  public static final double EARTH_RADIUS_M = 6_371_008.8;

  private PayloadValues() {}

  /** The values at a path, arrays at the end flattened one level. */
  public static List<Value> values(Value.Struct payload, String key) {
    List<Value> out = new ArrayList<>();
    for (Value v : raw(payload, key)) {
      if (v instanceof Value.Array a) {
        out.addAll(a.values());
      } else {
        out.add(v);
      }
    }
    return out;
  }

  /** The values a path reaches, going through arrays on the way. */
  public static List<Value> raw(Value.Struct payload, String key) {
    List<Value> current = List.of(payload);
    for (String part : key.split("\\.", -1)) {
      boolean all = part.endsWith("[]");
      String name = all ? part.substring(0, part.length() - 2) : part;
      List<Value> next = new ArrayList<>();
      for (Value v : current) {
        collect(v, name, next);
      }
      if (all) {
        List<Value> flat = new ArrayList<>();
        for (Value v : next) {
          if (v instanceof Value.Array a) {
            flat.addAll(a.values());
          } else {
            flat.add(v);
          }
        }
        next = flat;
      }
      current = next;
    }
    return current;
  }

  private static void collect(Value v, String name, List<Value> out) {
    if (v instanceof Value.Struct s) {
      Value child = s.fields().get(name);
      if (child != null) {
        out.add(child);
      }
    } else if (v instanceof Value.Array a) {
      for (Value e : a.values()) {
        collect(e, name, out);
      }
    }
  }

  /**
   * RFC 3339, or a date-time or a date without a zone (read as UTC), to epoch milliseconds; null if
   * {@code s} is none of these.
   */
  public static Double epochMillis(String s) {
    try {
      return (double) OffsetDateTime.parse(s).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      try {
        return (double) Instant.parse(s + (s.length() <= 10 ? "T00:00:00Z" : "Z")).toEpochMilli();
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /** The haversine distance in metres between two (lat, lon) points given in degrees. */
  public static double haversine(double lat1, double lon1, double lat2, double lon2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLon = Math.toRadians(lon2 - lon1);
    double a =
        Math.sin(dLat / 2) * Math.sin(dLat / 2)
            + Math.cos(Math.toRadians(lat1))
                * Math.cos(Math.toRadians(lat2))
                * Math.sin(dLon / 2)
                * Math.sin(dLon / 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
  }
}
