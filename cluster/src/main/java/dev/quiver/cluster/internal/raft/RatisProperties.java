package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ClusterSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;

/** The Ratis settings of a node's server and clients, from the cluster section of the config. */
final class RatisProperties {
  private RatisProperties() {}

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
    // consistency=majority|all reads go through the leader's read index
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // shard groups snapshot (and purge their logs) every so many entries; the metadata state
    // machine declines snapshots, its small log is kept and replayed in full
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, Math.max(1, s.shardSnapshotEntries()));
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(
        p, (int) Math.max(1, Math.min(1024, s.shardSnapshotEntries())));
    return p;
  }
}
