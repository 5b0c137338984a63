package dev.quiver.storage;

/**
 * What {@code GET /collections/{name}} reports: counts and the configuration. Immutable.
 *
 * @param indexedVectorsCount vectors already in a search graph
 * @param optimizing background work is pending (vectors waiting for the graph): Qdrant's {@code
 *     yellow} status
 */
public record CollectionInfo(
    String name,
    long pointsCount,
    long indexedVectorsCount,
    int segmentsCount,
    CollectionConfig config,
    boolean optimizing) {

  /** A collection with no background work pending. */
  public CollectionInfo(
      String name,
      long pointsCount,
      long indexedVectorsCount,
      int segmentsCount,
      CollectionConfig config) {
    this(name, pointsCount, indexedVectorsCount, segmentsCount, config, false);
  }
}
