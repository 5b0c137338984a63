package dev.quiver.security;

/**
 * What an operation needs from the caller, in Qdrant's access model (reference §3.4 and §4). Global
 * {@code r} passes the read-only kinds; global {@code m} passes all; a per-collection token passes
 * only the collection kinds, for its collections, by mode: {@code r} reads, {@code prw} reads and
 * point writes, {@code rw} also the "extras" (indexes, named vectors, snapshots).
 */
public enum Requirement {
  /** No credential needed: {@code /}, health checks. */
  OPEN,
  /** Any authenticated caller (collection-scoped tokens too); lists are filtered. */
  ANY,
  /** Global read: global {@code r} or {@code m}, no collection-scoped token. */
  GLOBAL_READ,
  /** Global manage: global {@code m} only. */
  GLOBAL_MANAGE,
  /** Read of one collection. */
  COLLECTION_READ,
  /** Read of a collection's extras (snapshot lists and downloads): not {@code prw}. */
  COLLECTION_READ_EXTRAS,
  /** Point writes to one collection: {@code rw} or {@code prw}. */
  COLLECTION_WRITE,
  /** Extras of one collection (indexes, named vectors, snapshots): {@code rw} only. */
  COLLECTION_EXTRAS,
  /** Management of one collection (update, delete, cluster setup, recovery): global {@code m}. */
  COLLECTION_MANAGE;

  /** True for the kinds that act on the collection named by the request. */
  public boolean collectionScoped() {
    return switch (this) {
      case COLLECTION_READ,
          COLLECTION_READ_EXTRAS,
          COLLECTION_WRITE,
          COLLECTION_EXTRAS,
          COLLECTION_MANAGE ->
          true;
      default -> false;
    };
  }
}
