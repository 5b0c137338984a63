package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaderBalanceTest {
  @Test
  void theFirstHolderNotOnAListenerNodeIsPreferred() {
    assertThat(LeaderBalance.preferred(List.of(3L, 1L, 2L), Set.of())).isEqualTo(3);
    assertThat(LeaderBalance.preferred(List.of(3L, 1L, 2L), Set.of(3L))).isEqualTo(1);
    assertThat(LeaderBalance.preferred(List.of(3L, 1L, 2L), Set.of(3L, 1L))).isEqualTo(2);
    assertThat(LeaderBalance.preferred(List.of(3L, 1L), Set.of(3L, 1L)))
        .as("only listeners: the first all the same")
        .isEqualTo(3);
  }
}
