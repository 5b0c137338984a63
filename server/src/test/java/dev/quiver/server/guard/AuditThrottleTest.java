package dev.quiver.server.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

public class AuditThrottleTest {
  /** One address's failures past the window's quota are counted, then summarised, never lost. */
  @Test
  void failuresPastTheQuotaAreCountedAndSummarised() {
    long[] now = {0};
    AuditThrottle t = new AuditThrottle(3, 60, 100, () -> now[0]);
    int recorded = 0;
    for (int i = 0; i < 1000; i++) {
      if (t.failure("10.0.0.1").record()) {
        recorded++;
      }
    }
    assertThat(recorded).isEqualTo(3);
    assertThat(t.failure("10.0.0.2").record()).as("another address has its own quota").isTrue();
    now[0] += 61_000_000_000L;
    AuditThrottle.Decision next = t.failure("10.0.0.1");
    assertThat(next.record()).isTrue();
    assertThat(next.summarised()).isEqualTo(997);
    for (int i = 0; i < 10; i++) {
      t.failure("10.0.0.1");
    }
    assertThat(t.drain()).isEqualTo(Map.of("10.0.0.1", 8L));
    assertThat(t.drain()).isEmpty();
  }

  /** Addresses past the tracking cap are forgotten with their count carried into a summary. */
  @Test
  void forgottenAddressesKeepTheirCount() {
    long[] now = {0};
    AuditThrottle t = new AuditThrottle(1, 60, 2, () -> now[0]);
    t.failure("a");
    t.failure("a"); // suppressed
    t.failure("b");
    AuditThrottle.Decision c = t.failure("c"); // a is evicted with its 1 suppressed
    assertThat(c.summarised()).isEqualTo(1);
    assertThat(t.failure("d").summarised()).isZero();
  }
}
