package dev.quiver.storage;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * Which payload keys a read returns: all, none, only the listed top-level keys, or all but the
 * listed ones. Immutable.
 */
public record WithPayload(boolean enabled, List<String> include, List<String> exclude) {
  public static final WithPayload ALL = new WithPayload(true, List.of(), List.of());
  public static final WithPayload NONE = new WithPayload(false, List.of(), List.of());

  public WithPayload {
    include = List.copyOf(include);
    exclude = List.copyOf(exclude);
  }

  public static WithPayload include(List<String> keys) {
    return new WithPayload(true, keys, List.of());
  }

  public static WithPayload exclude(List<String> keys) {
    return new WithPayload(true, List.of(), keys);
  }

  /** Applies this selector to a stored payload; returns null when payloads are not wanted. */
  public Value.Struct select(Value.Struct payload) {
    if (!enabled) {
      return null;
    }
    if (include.isEmpty() && exclude.isEmpty()) {
      return payload;
    }
    var out = new LinkedHashMap<String, Value>();
    payload
        .fields()
        .forEach(
            (k, v) -> {
              boolean keep = include.isEmpty() ? !exclude.contains(k) : include.contains(k);
              if (keep) {
                out.put(k, v);
              }
            });
    return new Value.Struct(out);
  }
}
