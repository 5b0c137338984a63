package dev.quiver.cluster;

import java.util.Locale;

/**
 * Which data wins when a recovered shard has other replicas (Qdrant's snapshot recovery {@code
 * priority}). A shard with no replica on another peer takes the snapshot's data whatever the
 * priority.
 */
public enum RecoveryPriority {
  /** The other replicas' data stands (the default). */
  REPLICA,
  /** The snapshot's data, on every replica of the shard. */
  SNAPSHOT,
  /** This replica alone, without syncing the others: refused in a cluster, whose replicas agree. */
  NO_SYNC;

  /** The name in Qdrant's API ({@code replica}, ...). */
  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The priority named {@code name} in Qdrant's API; null when it is none of these. */
  public static RecoveryPriority ofApiName(String name) {
    for (RecoveryPriority p : values()) {
      if (p.apiName().equals(name)) {
        return p;
      }
    }
    return null;
  }
}
