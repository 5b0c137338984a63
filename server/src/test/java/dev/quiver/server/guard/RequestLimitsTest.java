package dev.quiver.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestLimitsTest {
  @Test
  void busyWhileAnyRequestRuns() {
    RequestLimits limits = new RequestLimits(2, 10, 10, System::nanoTime);
    assertThat(limits.busy()).isFalse();
    assertThat(limits.tryEnter()).isTrue();
    assertThat(limits.busy()).isTrue();
    assertThat(limits.tryEnter()).isTrue();
    assertThat(limits.tryEnter()).as("the cap").isFalse();
    limits.exit();
    assertThat(limits.busy()).isTrue();
    limits.exit();
    assertThat(limits.busy()).isFalse();
  }
}
