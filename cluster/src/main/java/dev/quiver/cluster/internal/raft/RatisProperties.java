package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ClusterSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** The Ratis settings of a node's server and clients, from the cluster section of the config. */
final class RatisProperties {
  private RatisProperties() {}

  /** Snapshot chunks a leader sends a peer before the first is answered. */
  static final int SNAPSHOT_CHUNKS_IN_FLIGHT = 1;

  /** How long a peer has to answer a snapshot chunk (16 MiB) before the install is given up. */
  static final long SNAPSHOT_CHUNK_TIMEOUT_MS = 4_000;

  /**
   * The zeros Ratis writes ahead of a log write: the least it allows (it cannot skip the fill), so
   * each fill reaches only as far as the writes waiting in its buffer.
   */
  static final long LOG_PREALLOCATION_BYTES = 1;

  /** The largest Raft log entry (Ratis' default limit). */
  static final int MAX_ENTRY_BYTES = 4 << 20;

  /** The entries after which Ratis asks a group's state machine for a snapshot; 0 for never. */
  static long snapshotThreshold(ClusterSettings s) {
    long meta = s.metaSnapshotEntries();
    long shard = Math.max(1, s.shardSnapshotEntries());
    return meta > 0 ? Math.min(meta, shard) : shard;
  }

  static RaftProperties of(ClusterSettings s, Path raftDir) {
    var p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(raftDir.toFile()));
    GrpcConfigKeys.Server.setHost(p, s.host());
    GrpcConfigKeys.Server.setPort(p, s.p2pPort());
    RaftServerConfigKeys.Rpc.setTimeoutMin(
        p, TimeDuration.valueOf(s.rpcTimeoutMin().toMillis(), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(
        p, TimeDuration.valueOf(s.rpcTimeoutMax().toMillis(), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(
        p, TimeDuration.valueOf(s.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
    // a request to a leader that died is given up (and retried elsewhere) within the election
    // timeout rather than Ratis' default 3 s, which shortens fail-over for writers
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        p, TimeDuration.valueOf(s.rpcTimeoutMax().toMillis(), TimeUnit.MILLISECONDS));
    // a new client's first call would otherwise be a dummy watch, which waits out the watch
    // timeout (10 s) when the peer it asks first has gone silent, with every request queued
    // behind it: the first real request makes the connection just as well
    RaftClientConfigKeys.Async.Experimental.setSendDummyRequest(p, false);
    // a node's metadata sync (a name made through another node a moment ago) asks the leader's
    // read index; consistency=majority|all shard reads commit a barrier instead (ShardChannel)
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // every group is asked for a snapshot once the smaller of the two thresholds is reached; each
    // state machine declines until its own is (the metadata's compact_wal_entries, a shard's
    // compact_shard_log_entries), then Ratis purges the log up to the snapshot
    long threshold = snapshotThreshold(s);
    if (threshold > 0) {
      RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
      RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, threshold);
      RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
      RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, threshold));
      // the newest entries stay past a purge, so a replica that has just loaded the leader's
      // snapshot goes on from the log instead of being sent the next snapshot at once
      RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, threshold);
    }
    // every group's log keeps a direct write buffer as large as the largest entry (one shard's
    // share of a request, refused above this) plus its frame: Ratis' default, 8 MiB for a 4 MiB
    // entry, made a node that holds 90 replicas run out of direct memory under -Xmx512m
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(MAX_ENTRY_BYTES));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(MAX_ENTRY_BYTES + 8));
    // a snapshot goes to a peer one chunk at a time, each answered within 4 s. Ratis 3.3 keeps
    // sending chunks of a stream that failed at once (the peer was down when the install began)
    // until one of them times out, and that wait is the element limit times this timeout: with its
    // defaults (8 unanswered chunks, 3 s) a peer that came back waited up to 24 s for the next
    // attempt. One chunk in flight also holds 16 MiB of the heap per install instead of 128 MiB;
    // the peer's load of the snapshot runs after the last chunk is answered, so no chunk waits for
    // it
    GrpcConfigKeys.Server.setInstallSnapshotRequestElementLimit(p, SNAPSHOT_CHUNKS_IN_FLIGHT);
    GrpcConfigKeys.Server.setInstallSnapshotRequestTimeout(
        p, TimeDuration.valueOf(SNAPSHOT_CHUNK_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    // segments are what a purge removes; the default (8 MiB) holds tens of thousands of metadata
    // entries and a few of a shard's 1 MiB batches
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(s.logSegmentBytes()));
    // Ratis fills a segment with zeros before it writes entries there, 4 MiB at a time by default;
    // a group's next force then wrote those zero pages to the disk, and the entries written over
    // them later were written again. Filled only as far as the entries waiting in its write
    // buffer reach (Ratis counts them again at each write, so up to twice that), the zeros ahead of
    // a force are at most what one batch of entries holds, and a force after each entry leaves
    // none
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(LOG_PREALLOCATION_BYTES));
    return p;
  }
}
