package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node records its configured type when the log holds another, once the format allows it. */
class NodeRoleTest {
  // the checks are driven by hand: the timer's period is far longer than the test
  private final ScheduledExecutorService timers = new ScheduledThreadPoolExecutor(1);

  @AfterEach
  void stop() {
    timers.shutdownNow();
  }

  private NodeRole role(
      boolean listener,
      AtomicReference<Set<Long>> recorded,
      AtomicInteger format,
      List<Wire.MetaEntry> proposed,
      boolean failing) {
    return new NodeRole(
        5,
        listener,
        recorded::get,
        format::get,
        e -> {
          if (failing) {
            throw new IllegalStateException("no leader");
          }
          proposed.add(e);
          Wire.PeerRole r = (Wire.PeerRole) e;
          recorded.set(r.listener() ? Set.of(5L) : Set.of());
        },
        timers,
        Duration.ofHours(1));
  }

  @Test
  void aListenerIsRecordedOnceTheFormatAllowsAndThenLeftAlone() throws Exception {
    var recorded = new AtomicReference<Set<Long>>(Set.of());
    var format = new AtomicInteger(Wire.LISTENERS_FORMAT - 1);
    List<Wire.MetaEntry> proposed = new ArrayList<>();
    try (NodeRole r = role(true, recorded, format, proposed, false)) {
      Thread.sleep(100); // the first check runs at once on the timer
      r.check();
      assertThat(proposed).as("nothing can be recorded in an older format").isEmpty();
      format.set(Wire.LISTENERS_FORMAT);
      r.check();
      assertThat(proposed).containsExactly(new Wire.PeerRole(5, true));
      r.check();
      assertThat(proposed).as("recorded: nothing more").hasSize(1);
    }
  }

  @Test
  void aNodeRestartedNormalClearsItsListenerRecord() {
    var recorded = new AtomicReference<Set<Long>>(Set.of(5L, 6L));
    var format = new AtomicInteger(Wire.LISTENERS_FORMAT);
    List<Wire.MetaEntry> proposed = new ArrayList<>();
    try (NodeRole r = role(false, recorded, format, proposed, false)) {
      r.check();
      assertThat(proposed).contains(new Wire.PeerRole(5, false));
    }
    var normal = new AtomicReference<Set<Long>>(Set.of(6L));
    List<Wire.MetaEntry> none = new ArrayList<>();
    try (NodeRole r = role(false, normal, format, none, false)) {
      r.check();
      assertThat(none).as("another peer's record is not this node's business").isEmpty();
    }
  }

  @Test
  void aFailedProposalIsTriedAgainAtTheNextCheck() {
    var recorded = new AtomicReference<Set<Long>>(Set.of());
    var format = new AtomicInteger(Wire.LISTENERS_FORMAT);
    List<Wire.MetaEntry> proposed = new ArrayList<>();
    try (NodeRole failing = role(true, recorded, format, proposed, true)) {
      failing.check(); // logged, not thrown
    }
    assertThat(recorded.get()).isEmpty();
    try (NodeRole r = role(true, recorded, format, proposed, false)) {
      r.check();
      assertThat(recorded.get()).containsExactly(5L);
    }
  }
}
