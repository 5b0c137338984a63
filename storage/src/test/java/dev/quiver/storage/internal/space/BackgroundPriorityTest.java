package dev.quiver.storage.internal.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackgroundPriorityTest {
  private static boolean linux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
  }

  @Test
  void aBuildStepRunsAtTheBackgroundNiceValueAndTheCallerKeepsItsOwn() throws Exception {
    assumeTrue(linux(), "nice values are Linux's");
    Optional<Integer> before = BackgroundPriority.currentNice();
    assertThat(before).isPresent();
    IndexThreads threads = new IndexThreads(() -> false, 1);
    Optional<Integer> inStep = threads.step(BackgroundPriority::currentNice);
    assertThat(inStep).contains(BackgroundPriority.NICE);
    assertThat(BackgroundPriority.currentNice()).isEqualTo(before);
  }
}
