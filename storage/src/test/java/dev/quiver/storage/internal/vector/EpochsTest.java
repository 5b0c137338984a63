package dev.quiver.storage.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EpochsTest {
  @Test
  void aSlotRetiredWhileAReadRunsWaitsForThatRead() {
    Epochs epochs = new Epochs();
    int read = epochs.enter();
    long retiredIn = epochs.current();
    // however often writers try, the read that may see the slot holds it back
    for (int i = 0; i < 10; i++) {
      assertThat(epochs.reclaimable(retiredIn)).isFalse();
    }
    int later = epochs.enter(); // a read that began after the slot was freed does not hold it
    epochs.exit(read);
    // each call advances the epoch once: within two the slot is free
    boolean once = epochs.reclaimable(retiredIn);
    assertThat(once || epochs.reclaimable(retiredIn)).isTrue();
    epochs.exit(later);
  }

  @Test
  void withoutReadsASlotIsUsedAgainWithinTwoAdvances() {
    Epochs epochs = new Epochs();
    long retiredIn = epochs.current();
    assertThat(epochs.reclaimable(retiredIn)).isFalse(); // one epoch on
    assertThat(epochs.reclaimable(retiredIn)).isTrue(); // two: no read can have seen it
  }
}
