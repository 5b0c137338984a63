package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.UpdateOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The records of recoveries that no longer run are ended by the peer that drove them. */
class SnapshotRecoveryTest {
  @Test
  void aRecordOfThisPeerThatNoLongerRunsIsEndedAndOthersAreLeftAlone() {
    List<Wire.ShardRecovery> recorded = new ArrayList<>();
    var recovery =
        new SnapshotRecovery(
            null,
            null,
            new SnapshotRecovery.Host() {
              @Override
              public MetaStateMachine.Placement placement(String collection) {
                throw new UnsupportedOperationException("no recovery runs here");
              }

              @Override
              public CompletableFuture<Void> submit(
                  MetaStateMachine.Placement p, int shard, UpdateOp op) {
                throw new UnsupportedOperationException("no recovery runs here");
              }

              @Override
              public void record(Wire.ShardRecovery r) {
                recorded.add(r);
              }
            },
            1,
            Duration.ofSeconds(1));
    recovery.endStale(Map.of("c", Map.of(0, 1L, 1, 2L), "d", Map.of(3, 1L)));
    assertThat(recorded)
        .containsExactlyInAnyOrder(
            new Wire.ShardRecovery("c", 0, 1, false), new Wire.ShardRecovery("d", 3, 1, false));
  }
}
