package dev.quiver.storage;

import java.util.List;

/** Which vectors a read returns: all, none, or the named ones. Immutable. */
public record WithVectors(boolean enabled, List<String> names) {
  public static final WithVectors ALL = new WithVectors(true, List.of());
  public static final WithVectors NONE = new WithVectors(false, List.of());

  public WithVectors {
    names = List.copyOf(names);
  }

  public static WithVectors only(List<String> names) {
    return new WithVectors(true, names);
  }

  public boolean wants(String name) {
    return enabled && (names.isEmpty() || names.contains(name));
  }
}
