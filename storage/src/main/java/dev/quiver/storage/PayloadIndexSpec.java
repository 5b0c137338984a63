package dev.quiver.storage;

import java.util.Objects;
import java.util.Set;

/**
 * A payload field index a user asked for ({@code PUT /collections/{c}/index}): Qdrant's {@code
 * field_schema} type ({@code keyword}, {@code integer}, {@code float}, {@code bool}, {@code geo},
 * {@code datetime}, {@code uuid}, {@code text}) and its parameters as given (null when none). It is
 * part of the collection's metadata and reported in {@code payload_schema}; filters on the field
 * evaluate the same with or without it.
 */
public record PayloadIndexSpec(String dataType, Value.Struct params) {
  public static final Set<String> TYPES =
      Set.of("keyword", "integer", "float", "bool", "geo", "datetime", "uuid", "text");

  public PayloadIndexSpec {
    Objects.requireNonNull(dataType, "dataType");
    if (!TYPES.contains(dataType)) {
      throw new IllegalArgumentException("unknown payload index type " + dataType);
    }
  }
}
