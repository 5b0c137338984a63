package dev.quiver.storage.internal.payload;

import dev.quiver.storage.Value;
import java.util.List;

/** Dotted payload paths ({@code a.b.c}) and equality matching across arrays. Stateless. */
public final class PayloadPaths {
  private PayloadPaths() {}

  /** Whether the value at {@code path} equals {@code expected}, any array element counting. */
  static boolean matches(Value.Struct payload, String path, Value expected) {
    return matches(payload, List.of(path.split("\\.", -1)), 0, expected);
  }

  private static boolean matches(Value v, List<String> path, int i, Value expected) {
    if (v instanceof Value.Array a) {
      for (Value e : a.values()) {
        if (matches(e, path, i, expected)) {
          return true;
        }
      }
      return false;
    }
    if (i == path.size()) {
      return equal(v, expected);
    }
    if (v instanceof Value.Struct s) {
      Value child = s.fields().get(path.get(i));
      return child != null && matches(child, path, i + 1, expected);
    }
    return false;
  }

  private static boolean equal(Value a, Value b) {
    if (a instanceof Value.Int x && b instanceof Value.Double y) {
      return x.value() == y.value();
    }
    if (a instanceof Value.Double x && b instanceof Value.Int y) {
      return x.value() == y.value();
    }
    return a.equals(b);
  }
}
