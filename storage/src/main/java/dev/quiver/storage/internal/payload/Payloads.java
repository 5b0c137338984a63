package dev.quiver.storage.internal.payload;

import dev.quiver.storage.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Payload edits: merging (optionally at a dotted key) and removing keys. Stateless. */
public final class Payloads {
  private Payloads() {}

  /**
   * {@code base} with {@code changes} merged in at the top level, or into the object at {@code
   * key}.
   */
  public static Value.Struct set(Value.Struct base, String key, Value.Struct changes) {
    if (key == null || key.isEmpty()) {
      Map<String, Value> out = new LinkedHashMap<>(base.fields());
      out.putAll(changes.fields());
      return new Value.Struct(out);
    }
    int dot = key.indexOf('.');
    String head = dot < 0 ? key : key.substring(0, dot);
    String rest = dot < 0 ? null : key.substring(dot + 1);
    Value child = base.fields().get(head);
    Value.Struct childStruct = child instanceof Value.Struct s ? s : Value.Struct.EMPTY;
    Map<String, Value> out = new LinkedHashMap<>(base.fields());
    out.put(head, set(childStruct, rest, changes));
    return new Value.Struct(out);
  }

  /** {@code base} without the (dotted) {@code keys}. */
  public static Value.Struct remove(Value.Struct base, List<String> keys) {
    Value.Struct out = base;
    for (String k : keys) {
      out = remove(out, k);
    }
    return out;
  }

  private static Value.Struct remove(Value.Struct base, String key) {
    Map<String, Value> out = new LinkedHashMap<>(base.fields());
    if (out.remove(key) != null) {
      return new Value.Struct(out);
    }
    int dot = key.indexOf('.');
    if (dot > 0 && out.get(key.substring(0, dot)) instanceof Value.Struct child) {
      out.put(key.substring(0, dot), remove(child, key.substring(dot + 1)));
      return new Value.Struct(out);
    }
    return base;
  }
}
