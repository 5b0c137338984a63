package dev.quiver.storage.internal.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CheckpointPacingTest {
  private static final long MS = 1_000_000L;
  private static final long SEGMENT = 32L << 20;

  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final CheckpointPacing pacing = new CheckpointPacing(now::get);

  @Test
  void theFirstCheckpointWaitsForTheLeastSegmentsOnly() {
    assertThat(pacing.due(CheckpointPacing.MIN_SEGMENTS)).isFalse();
    assertThat(pacing.due(CheckpointPacing.MIN_SEGMENTS + 1)).isTrue();
  }

  @Test
  void writesRunNineTimesAsLongAsTheLastCheckpointHeldThem() {
    pacing.taken(500 * MS, SEGMENT / 2, SEGMENT);
    now.addAndGet(4_000 * MS);
    assertThat(pacing.due(3)).as("4 s after a checkpoint of 500 ms").isFalse();
    now.addAndGet(499 * MS);
    assertThat(pacing.due(9)).as("4.499 s after").isFalse();
    now.addAndGet(MS);
    assertThat(pacing.due(3)).as("4.5 s after").isTrue();
    assertThat(pacing.due(2)).as("but never below the size rule").isFalse();
  }

  @Test
  void aLogPastItsBoundIsCheckpointedWhateverTheTime() {
    pacing.taken(10_000 * MS, 0, SEGMENT);
    long bound = CheckpointPacing.MIN_SEGMENTS + CheckpointPacing.MAX_SEGMENTS;
    assertThat(pacing.due(bound)).isFalse();
    assertThat(pacing.due(bound + 1)).isTrue();
  }

  @Test
  void aLargeCheckpointWaitsForAsManySegmentsAsItsSize() {
    pacing.taken(MS, 5 * SEGMENT, SEGMENT);
    now.addAndGet(1_000 * MS);
    assertThat(pacing.due(5)).isFalse();
    assertThat(pacing.due(6)).isTrue();
  }

  @Test
  void aFailedCheckpointIsTriedAgainAfterOneMoreSegmentWhateverTheTime() {
    pacing.taken(10_000 * MS, 0, SEGMENT);
    pacing.failed(7);
    assertThat(pacing.due(7)).isFalse();
    assertThat(pacing.due(8)).isTrue();
  }
}
