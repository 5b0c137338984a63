package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A node passes a metadata index once it applied it and its earlier writes have ended. */
class ReshardGateTest {

  @Test
  void aWriteRoutedBeforeTheIndexHoldsItUntilItEnds() {
    AtomicLong applied = new AtomicLong(10);
    ReshardGate gate = new ReshardGate(applied::get);
    assertThat(gate.passed(11)).as("not applied yet").isFalse();
    long early = gate.enter(); // routed at 10
    applied.set(11);
    long late = gate.enter(); // routed at 11
    assertThat(gate.passed(11)).as("a write routed at 10 is in flight").isFalse();
    assertThat(gate.passed(10)).as("nothing routed before 10").isTrue();
    gate.exit(early);
    assertThat(gate.passed(11)).as("the write routed at 11 does not count").isTrue();
    assertThat(gate.passed(12)).isFalse();
    applied.set(12);
    assertThat(gate.passed(12)).as("the write routed at 11 is still in flight").isFalse();
    gate.exit(late);
    gate.exit(late); // twice: no effect
    assertThat(gate.passed(12)).isTrue();
  }
}
