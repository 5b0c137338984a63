package dev.quiver.storage;

/**
 * The answer to an accepted update: its operation number, and whether it has been applied ({@code
 * completed}) or only accepted ({@code acknowledged}, for {@code wait=false}).
 */
public record UpdateResult(long operationId, Status status) {
  /** Qdrant's {@code UpdateStatus}. */
  public enum Status {
    ACKNOWLEDGED,
    COMPLETED
  }
}
