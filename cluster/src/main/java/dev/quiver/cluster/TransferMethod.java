package dev.quiver.cluster;

import java.util.Locale;

/**
 * How a shard transfer fills the receiving replica, by Qdrant's names. A replica joins its shard's
 * Raft group and is sent what the group's leader holds: {@link #SNAPSHOT} has the leader take a
 * snapshot of the shard first, so the receiver installs the shard as of now and then the few log
 * entries after it; {@link #STREAM_RECORDS} and {@link #WAL_DELTA} take no new snapshot, so the
 * receiver is sent the leader's log from what it holds (the whole log for a new replica), after the
 * leader's latest snapshot where there is one.
 */
public enum TransferMethod {
  STREAM_RECORDS,
  SNAPSHOT,
  WAL_DELTA;

  /** The name in Qdrant's API ({@code stream_records}, ...). */
  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The method named {@code name} in Qdrant's API; null when it is none of these. */
  public static TransferMethod ofApiName(String name) {
    for (TransferMethod m : values()) {
      if (m.apiName().equals(name)) {
        return m;
      }
    }
    return null;
  }
}
