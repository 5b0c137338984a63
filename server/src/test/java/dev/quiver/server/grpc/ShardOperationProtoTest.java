package dev.quiver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.server.request.RequestException;
import io.qdrant.client.grpc.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shard transfer operations and the cluster report on the gRPC edge. */
class ShardOperationProtoTest {

  @Test
  void transfersTakeAMethodOrTheDefault() {
    var move =
        Collections.UpdateCollectionClusterSetupRequest.newBuilder()
            .setMoveShard(
                Collections.MoveShard.newBuilder().setShardId(2).setFromPeerId(7).setToPeerId(9))
            .build();
    assertThat(ClusterProto.shardOperation(move)).isEqualTo(new ShardOperation.Move(2, 7, 9, null));
    var replicate =
        Collections.UpdateCollectionClusterSetupRequest.newBuilder()
            .setReplicateShard(
                Collections.ReplicateShard.newBuilder()
                    .setShardId(2)
                    .setFromPeerId(7)
                    .setToPeerId(9)
                    .setMethod(Collections.ShardTransferMethod.Snapshot))
            .build();
    assertThat(ClusterProto.shardOperation(replicate))
        .isEqualTo(new ShardOperation.Replicate(2, 7, 9, TransferMethod.SNAPSHOT));
    var restart =
        Collections.UpdateCollectionClusterSetupRequest.newBuilder()
            .setRestartTransfer(
                Collections.RestartTransfer.newBuilder()
                    .setShardId(2)
                    .setFromPeerId(7)
                    .setToPeerId(9)
                    .setMethod(Collections.ShardTransferMethod.WalDelta))
            .build();
    assertThat(ClusterProto.shardOperation(restart))
        .isEqualTo(new ShardOperation.RestartTransfer(2, 7, 9, TransferMethod.WAL_DELTA));
    var resharding =
        Collections.UpdateCollectionClusterSetupRequest.newBuilder()
            .setMoveShard(
                Collections.MoveShard.newBuilder()
                    .setShardId(2)
                    .setFromPeerId(7)
                    .setToPeerId(9)
                    .setMethod(Collections.ShardTransferMethod.ReshardingStreamRecords))
            .build();
    assertThatThrownBy(() -> ClusterProto.shardOperation(resharding))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("move_shard.method");
  }

  @Test
  void theReportCarriesStatesAndTransfers() {
    var info =
        new CollectionClusterInfo(
            7,
            2,
            List.of(new CollectionClusterInfo.LocalShard(0, null, 5, "Active")),
            List.of(new CollectionClusterInfo.RemoteShard(1, null, 9, "Partial")),
            List.of(new CollectionClusterInfo.Transfer(1, 8, 9, false, TransferMethod.SNAPSHOT)));
    var proto = ClusterProto.proto(info);
    assertThat(proto.getLocalShards(0).getState()).isEqualTo(Collections.ReplicaState.Active);
    assertThat(proto.getRemoteShards(0).getState()).isEqualTo(Collections.ReplicaState.Partial);
    assertThat(proto.getShardTransfersList())
        .containsExactly(
            Collections.ShardTransferInfo.newBuilder()
                .setShardId(1)
                .setFrom(8)
                .setTo(9)
                .setSync(false)
                .build());
  }
}
