package dev.quiver.server.guard;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.server.request.RequestException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token buckets on an injected clock: the burst, the refill per minute, a changed limit. */
public class RateLimitersTest {
  @Test
  void aBucketAllowsItsLimitPerMinuteAndRefills() {
    AtomicLong now = new AtomicLong();
    RateLimiters rates = new RateLimiters(now::get);
    for (int i = 0; i < 3; i++) {
      rates.acquire("c", 3, 1, "Read");
    }
    assertThatThrownBy(() -> rates.acquire("c", 3, 1, "Read"))
        .isInstanceOf(RequestException.RateLimited.class)
        .hasMessage("Rate limiting exceeded: Read rate limit exceeded, retry later");
    now.addAndGet(20_000_000_000L); // a third of a minute: one token back
    assertThatCode(() -> rates.acquire("c", 3, 1, "Read")).doesNotThrowAnyException();
    assertThatThrownBy(() -> rates.acquire("c", 3, 1, "Read"))
        .isInstanceOf(RequestException.RateLimited.class);
    // a cost above the limit never passes; another key has its own bucket
    assertThatThrownBy(() -> rates.acquire("w", 5, 6, "Write"))
        .hasMessageContaining("Write rate limit");
    assertThatCode(() -> rates.acquire("w", 5, 5, "Write")).doesNotThrowAnyException();
    // a new limit starts a full bucket
    assertThatCode(() -> rates.acquire("c", 10, 10, "Read")).doesNotThrowAnyException();
  }
}
