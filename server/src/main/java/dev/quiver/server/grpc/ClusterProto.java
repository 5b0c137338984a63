package dev.quiver.server.grpc;

import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.server.request.RequestException;
import io.qdrant.client.grpc.Collections;
import java.util.Locale;

/**
 * The gRPC edge's codec for a collection's cluster: the operations of {@code
 * UpdateCollectionClusterSetup} and {@code CreateShardKey} to {@link ShardOperation}s, and {@link
 * CollectionClusterInfo} to {@code CollectionClusterInfoResponse}. Stateless.
 */
final class ClusterProto {
  private ClusterProto() {}

  static ShardOperation.CreateShardKey createShardKey(Collections.CreateShardKey k) {
    return new ShardOperation.CreateShardKey(
        ProtoCodec.shardKey(k.getShardKey(), "request.shard_key"),
        k.hasShardsNumber()
            ? ProtoCodec.range(
                Integer.toUnsignedLong(k.getShardsNumber()), 1, 65536, "shards_number")
            : null,
        k.hasReplicationFactor()
            ? ProtoCodec.range(
                Integer.toUnsignedLong(k.getReplicationFactor()), 1, 65536, "replication_factor")
            : null,
        k.getPlacementList());
  }

  /** {@code UpdateCollectionClusterSetup}'s operation. */
  static ShardOperation shardOperation(Collections.UpdateCollectionClusterSetupRequest r) {
    return switch (r.getOperationCase()) {
      case MOVE_SHARD -> {
        var m = r.getMoveShard();
        checkTransfer(m.getFromPeerId(), m.getToPeerId(), "move_shard");
        yield new ShardOperation.Move(
            m.getShardId(),
            m.getFromPeerId(),
            m.getToPeerId(),
            m.hasMethod() ? method(m.getMethod(), "move_shard.method") : null);
      }
      case REPLICATE_SHARD -> {
        var m = r.getReplicateShard();
        checkTransfer(m.getFromPeerId(), m.getToPeerId(), "replicate_shard");
        yield new ShardOperation.Replicate(
            m.getShardId(),
            m.getFromPeerId(),
            m.getToPeerId(),
            m.hasMethod() ? method(m.getMethod(), "replicate_shard.method") : null);
      }
      case RESTART_TRANSFER -> {
        var m = r.getRestartTransfer();
        checkTransfer(m.getFromPeerId(), m.getToPeerId(), "restart_transfer");
        yield new ShardOperation.RestartTransfer(
            m.getShardId(),
            m.getFromPeerId(),
            m.getToPeerId(),
            method(m.getMethod(), "restart_transfer.method"));
      }
      case ABORT_TRANSFER -> {
        var m = r.getAbortTransfer();
        yield new ShardOperation.AbortTransfer(m.getShardId(), m.getFromPeerId(), m.getToPeerId());
      }
      case DROP_REPLICA ->
          new ShardOperation.DropReplica(
              r.getDropReplica().getShardId(), r.getDropReplica().getPeerId());
      case CREATE_SHARD_KEY -> createShardKey(r.getCreateShardKey());
      case DELETE_SHARD_KEY ->
          new ShardOperation.DropShardKey(
              ProtoCodec.shardKey(
                  r.getDeleteShardKey().getShardKey(), "delete_shard_key.shard_key"));
      case REPLICATE_POINTS -> {
        var m = r.getReplicatePoints();
        yield new ShardOperation.ReplicatePoints(
            ProtoCodec.shardKey(m.getFromShardKey(), "replicate_points.from_shard_key"),
            ProtoCodec.shardKey(m.getToShardKey(), "replicate_points.to_shard_key"),
            FilterProto.parse(m.hasFilter(), m.getFilter()));
      }
      case OPERATION_NOT_SET ->
          throw new RequestException.Invalid("body", "operation", "an operation must be given");
      default ->
          throw new RequestException.Unsupported(
              r.getOperationCase().name().toLowerCase(Locale.ROOT)
                  + " is not supported by Quiver yet");
    };
  }

  /** A transfer method; resharding's is refused by name (a resharding copies its own points). */
  private static TransferMethod method(Collections.ShardTransferMethod m, String field) {
    return switch (m) {
      case StreamRecords -> TransferMethod.STREAM_RECORDS;
      case Snapshot -> TransferMethod.SNAPSHOT;
      case WalDelta -> TransferMethod.WAL_DELTA;
      case ReshardingStreamRecords ->
          throw new RequestException.Unsupported(
              field
                  + " resharding_stream_records is not supported by Quiver: a resharding copies its points itself"
                  + " (start one with start_resharding)");
      case UNRECOGNIZED ->
          throw new RequestException.Invalid("body", field, "unknown shard transfer method");
    };
  }

  /** A replica state by Qdrant's name. */
  private static Collections.ReplicaState replicaState(String name) {
    try {
      return Collections.ReplicaState.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("no gRPC replica state " + name, e);
    }
  }

  private static void checkTransfer(long from, long to, String kind) {
    if (from == to) {
      throw new RequestException.Invalid(
          "body", kind + ".to_peer_id", "cannot transfer shard to itself");
    }
  }

  static Collections.CollectionClusterInfoResponse proto(CollectionClusterInfo info) {
    var b =
        Collections.CollectionClusterInfoResponse.newBuilder()
            .setPeerId(info.peerId())
            .setShardCount(info.shardCount());
    for (var s : info.localShards()) {
      var l =
          Collections.LocalShardInfo.newBuilder()
              .setShardId(s.shardId())
              .setPointsCount(s.pointsCount())
              .setState(replicaState(s.state()));
      if (s.shardKey() != null) {
        l.setShardKey(ProtoCodec.proto(s.shardKey()));
      }
      b.addLocalShards(l);
    }
    for (var s : info.remoteShards()) {
      var rs =
          Collections.RemoteShardInfo.newBuilder()
              .setShardId(s.shardId())
              .setPeerId(s.peerId())
              .setState(replicaState(s.state()));
      if (s.shardKey() != null) {
        rs.setShardKey(ProtoCodec.proto(s.shardKey()));
      }
      b.addRemoteShards(rs);
    }
    for (var t : info.transfers()) {
      b.addShardTransfers(
          Collections.ShardTransferInfo.newBuilder()
              .setShardId(t.shardId())
              .setFrom(t.from())
              .setTo(t.to())
              .setSync(t.sync()));
    }
    for (var rs : info.reshardings()) {
      var op =
          Collections.ReshardingInfo.newBuilder()
              .setShardId(rs.shardId())
              .setPeerId(rs.peerId())
              .setDirection(
                  rs.up()
                      ? Collections.ReshardingDirection.Up
                      : Collections.ReshardingDirection.Down);
      if (rs.shardKey() != null) {
        op.setShardKey(ProtoCodec.proto(rs.shardKey()));
      }
      b.addReshardingOperations(op);
    }
    return b.build();
  }
}
