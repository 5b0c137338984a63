package dev.quiver.cluster.internal.raft;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;

/** Ratis settings for in-JVM tests of log compaction. */
final class InJvmRaftTuning {
  private InJvmRaftTuning() {}

  /** Snapshots asked for every 4 entries, tiny log segments, and the log purged up to them. */
  static void compactEarly(RaftProperties p) {
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, 4);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, 4);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(1024));
  }
}
