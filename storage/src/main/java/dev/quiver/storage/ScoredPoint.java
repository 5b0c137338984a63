package dev.quiver.storage;

import java.util.Map;

/**
 * One search result. {@code payload} and {@code vectors} are null when not requested; {@code
 * version} is the operation number that last wrote the point.
 */
public record ScoredPoint(
    PointId id, long version, float score, Value.Struct payload, Map<String, float[]> vectors) {}
