package dev.quiver.storage;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A JSON value as stored in a point's payload. The engine stores payloads without knowing any JSON
 * library; the edges convert their own trees (Jackson, protobuf {@code Value}) to this family.
 * Immutable and thread-safe.
 */
public sealed interface Value {

  /** JSON {@code null}. */
  enum Null implements Value {
    INSTANCE
  }

  /** JSON {@code true}/{@code false}. */
  record Bool(boolean value) implements Value {}

  /** An integer that fits a signed 64-bit long. */
  record Int(long value) implements Value {}

  /** Any other JSON number. */
  record Double(double value) implements Value {}

  /** A JSON string. */
  record Str(String value) implements Value {
    public Str {
      Objects.requireNonNull(value, "value");
    }
  }

  /** A JSON array. */
  record Array(List<Value> values) implements Value {
    public Array {
      values = List.copyOf(values);
    }
  }

  /** A JSON object, keeping key order. Payloads are objects. */
  record Struct(Map<String, Value> fields) implements Value {
    public static final Struct EMPTY = new Struct(Map.of());

    public Struct {
      fields = SmallMap.copyOf(fields);
    }

    public boolean isEmpty() {
      return fields.isEmpty();
    }
  }
}
