package dev.quiver.storage;

/** What {@code GET /collections/{name}} reports: counts and the configuration. Immutable. */
public record CollectionInfo(
    String name,
    long pointsCount,
    long indexedVectorsCount,
    int segmentsCount,
    CollectionConfig config) {}
