package dev.quiver.server.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the other collections a request reads from: {@code lookup_from} (also inside prefetches)
 * and {@code with_lookup}, in REST JSON and in protobuf messages alike.
 *
 * <p>The walk has no depth limit of its own: every level is visited, because a level it skipped
 * would be a collection nobody checked. Its recursion is bounded by the parsers, which refuse
 * deeper documents before the walk runs (JSON bodies at 128 levels, protobuf messages at 100).
 * Thread-safe.
 */
public final class Lookups {
  private static final Set<String> OPERATIONS =
      Set.of(
          "query_points",
          "query_batch_points",
          "query_points_groups",
          "recommend_points",
          "recommend_batch_points",
          "recommend_point_groups",
          "discover_points",
          "discover_batch_points",
          "search_point_groups");

  private Lookups() {}

  /** Whether requests of this operation can look into other collections. */
  public static boolean relevant(String operation) {
    return OPERATIONS.contains(operation);
  }

  public static List<String> of(JsonNode body) {
    List<String> out = new ArrayList<>();
    walk(body, out);
    return out;
  }

  private static void walk(JsonNode n, List<String> out) {
    if (n == null) {
      return;
    }
    if (n.isObject()) {
      JsonNode lf = n.get("lookup_from");
      if (lf != null && lf.path("collection").isTextual()) {
        out.add(lf.get("collection").asText());
      }
      JsonNode wl = n.get("with_lookup");
      if (wl != null && wl.isTextual()) {
        out.add(wl.asText());
      } else if (wl != null && wl.path("collection").isTextual()) {
        out.add(wl.get("collection").asText());
      }
      JsonNode pf = n.get("prefetch");
      if (pf != null) {
        walk(pf, out);
      }
      JsonNode searches = n.get("searches");
      if (searches != null) {
        walk(searches, out);
      }
    } else if (n.isArray()) {
      n.forEach(x -> walk(x, out));
    }
  }

  public static List<String> of(Message m) {
    List<String> out = new ArrayList<>();
    walk(m, out);
    return out;
  }

  private static void walk(Message m, List<String> out) {
    if (!mayRefer(m.getDescriptorForType())) {
      return; // e.g. a query's vector: nothing in it can name a collection
    }
    for (var e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      List<?> values = f.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
      for (Object v : values) {
        if (!(v instanceof Message child)) {
          continue; // map entries of scalars
        }
        if (f.getName().equals("lookup_from")) {
          addString(child, "collection_name", out);
        } else if (f.getName().equals("with_lookup")) {
          addString(child, "collection", out);
        } else {
          walk(child, out);
        }
      }
    }
  }

  /** Whether messages of a type can hold {@code lookup_from} or {@code with_lookup}, by type. */
  private static final Map<Descriptor, Boolean> REFERS = new ConcurrentHashMap<>();

  static boolean mayRefer(Descriptor type) {
    Boolean known = REFERS.get(type);
    if (known == null) {
      known = reaches(type, new HashSet<>());
      REFERS.put(type, known);
    }
    return known;
  }

  private static boolean reaches(Descriptor type, Set<Descriptor> seen) {
    if (!seen.add(type)) {
      return false; // a cycle: whatever it reaches is found through the first visit
    }
    for (FieldDescriptor f : type.getFields()) {
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.getName().equals("lookup_from")
          || f.getName().equals("with_lookup")
          || reaches(f.getMessageType(), seen)) {
        return true;
      }
    }
    return false;
  }

  private static void addString(Message m, String field, List<String> out) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
    if (f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING && m.hasField(f)) {
      out.add((String) m.getField(f));
    }
  }

  /** The request's {@code collection_name} field, or null. */
  public static String collectionName(Message m) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName("collection_name");
    if (f == null || f.getJavaType() != FieldDescriptor.JavaType.STRING || f.isRepeated()) {
      return null;
    }
    return (String) m.getField(f);
  }
}
