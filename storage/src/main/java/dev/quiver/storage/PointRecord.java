package dev.quiver.storage;

import java.util.Map;

/** A point read back by id. {@code payload} and {@code vectors} are null when not requested. */
public record PointRecord(PointId id, Value.Struct payload, Map<String, float[]> vectors) {}
