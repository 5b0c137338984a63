package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class StatusReportsTest {
  private static final long SELF = 1;

  private static MetaStateMachine.Placement placement() {
    CollectionConfig config =
        new CollectionConfig(
            Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(4, Distance.COSINE, null)),
            1,
            3,
            1,
            true,
            HnswConfig.DEFAULT,
            OptimizersConfig.DEFAULT,
            WalConfig.DEFAULT);
    List<ShardKey> keys = new ArrayList<>();
    keys.add(null);
    return new MetaStateMachine.Placement("c", config, List.of(List.of(1L, 2L, 3L)), keys, 1);
  }

  /** The state reported for peer 3, receiving shard 0 from peer 1 by {@code method}. */
  private static String receiver(TransferMethod method, Map<Long, String> known) {
    CollectionClusterInfo info =
        StatusReports.collection(
            placement(),
            null,
            SELF,
            (p, shard) -> known,
            List.of(new Wire.Transfer(0, 1, 3, true, method)),
            Set.of(),
            Map.of(),
            null);
    return info.remoteShards().stream()
        .filter(r -> r.peerId() == 3)
        .findFirst()
        .orElseThrow()
        .state();
  }

  @Test
  void aSnapshotOrWalDeltaReceiverIsInRecoveryUntilItHasCaughtUpThenPartial() {
    for (TransferMethod m : List.of(TransferMethod.SNAPSHOT, TransferMethod.WAL_DELTA)) {
      assertThat(receiver(m, Map.of(1L, "Active")))
          .as("%s, progress unknown", m)
          .isEqualTo("Recovery");
      assertThat(receiver(m, Map.of(1L, "Active", 3L, "Partial")))
          .as("%s, behind", m)
          .isEqualTo("Recovery");
      assertThat(receiver(m, Map.of(1L, "Active", 3L, "Dead")))
          .as("%s, not answering", m)
          .isEqualTo("Recovery");
      assertThat(receiver(m, Map.of(1L, "Active", 3L, "Active")))
          .as("%s, caught up but the transfer not ended", m)
          .isEqualTo("Partial");
    }
  }

  @Test
  void aStreamRecordsReceiverIsPartialThroughout() {
    assertThat(receiver(TransferMethod.STREAM_RECORDS, Map.of())).isEqualTo("Partial");
    assertThat(receiver(TransferMethod.STREAM_RECORDS, Map.of(3L, "Dead"))).isEqualTo("Partial");
  }

  @Test
  void replicasOutsideATransferKeepTheirStatesAndUnknownOnesAreActive() {
    CollectionClusterInfo info =
        StatusReports.collection(
            placement(),
            null,
            SELF,
            (p, s) -> Map.of(2L, "Dead"),
            List.of(),
            Set.of(),
            Map.of(),
            null);
    assertThat(info.remoteShards())
        .extracting(
            CollectionClusterInfo.RemoteShard::peerId, CollectionClusterInfo.RemoteShard::state)
        .containsExactly(Tuple.tuple(2L, "Dead"), Tuple.tuple(3L, "Active"));
    assertThat(info.transfers()).isEmpty();
  }

  @Test
  void aReplicaOfAListenerNodeIsListenerWhereItWouldBeActive() {
    CollectionClusterInfo info =
        StatusReports.collection(
            placement(),
            null,
            SELF,
            (p, s) -> Map.of(2L, "Dead"),
            List.of(),
            Set.of(2L, 3L),
            Map.of(),
            null);
    assertThat(info.remoteShards())
        .extracting(
            CollectionClusterInfo.RemoteShard::peerId, CollectionClusterInfo.RemoteShard::state)
        .containsExactly(Tuple.tuple(2L, "Dead"), Tuple.tuple(3L, "Listener"));
  }

  @Test
  void theReplicasOfAShardUnderASnapshotRecoveryAreManualRecoveryUnlessDead() {
    CollectionClusterInfo info =
        StatusReports.collection(
            placement(),
            null,
            SELF,
            (p, s) -> Map.of(2L, "Dead"),
            List.of(),
            Set.of(3L),
            Map.of(0, 1L),
            null);
    assertThat(info.remoteShards())
        .extracting(
            CollectionClusterInfo.RemoteShard::peerId, CollectionClusterInfo.RemoteShard::state)
        .containsExactly(Tuple.tuple(2L, "Dead"), Tuple.tuple(3L, "ManualRecovery"));
  }

  @Test
  void theShardAReshardingAddsOrRemovesIsReshardingOrReshardingScaleDownAndListed() {
    for (boolean up : List.of(true, false)) {
      CollectionClusterInfo info =
          StatusReports.collection(
              placement(),
              null,
              SELF,
              (p, s) -> Map.of(2L, "Dead"),
              List.of(),
              Set.of(),
              Map.of(),
              new Wire.Resharding(null, up, 0, 3, 1, Wire.ReshardStage.MIGRATING));
      assertThat(info.remoteShards())
          .extracting(
              CollectionClusterInfo.RemoteShard::peerId, CollectionClusterInfo.RemoteShard::state)
          .containsExactly(
              Tuple.tuple(2L, "Dead"), Tuple.tuple(3L, up ? "Resharding" : "ReshardingScaleDown"));
      assertThat(info.reshardings())
          .containsExactly(new CollectionClusterInfo.Resharding(up, 0, 3, null));
    }
  }
}
