package dev.quiver.cluster.internal.raft;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps this node's {@code storage.node_type} recorded in the metadata log ({@link Wire.PeerRole}),
 * so that every node reads from a {@code Listener} node's replicas last and reports them {@code
 * Listener}: every few seconds, when the record differs from the configuration, it proposes the
 * configured one (a failed proposal is tried again at the next check). While the cluster writes a
 * message format older than {@link Wire#LISTENERS_FORMAT} (a rolling upgrade under way) nothing can
 * be recorded; a {@code Listener} node says so once and waits. Thread-safe (it runs on one timer).
 */
final class NodeRole implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(NodeRole.class);

  private final long self;
  private final boolean listener;
  private final Supplier<Set<Long>> recorded;
  private final IntSupplier format;
  private final Consumer<Wire.MetaEntry> propose;
  private final ScheduledFuture<?> polling;
  private boolean toldWaiting; // the timer's thread only

  /**
   * @param listener whether this node is configured as a {@code Listener} node
   * @param recorded the peers the metadata log holds as {@code Listener} nodes
   * @param format the message format the cluster writes
   * @param propose commits a metadata entry
   * @param every the period of the check
   */
  NodeRole(
      long self,
      boolean listener,
      Supplier<Set<Long>> recorded,
      IntSupplier format,
      Consumer<Wire.MetaEntry> propose,
      ScheduledExecutorService timers,
      Duration every) {
    this.self = self;
    this.listener = listener;
    this.recorded = recorded;
    this.format = format;
    this.propose = propose;
    this.polling =
        timers.scheduleWithFixedDelay(this::check, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One check; a failure is logged and the next check tries again. */
  void check() {
    if (recorded.get().contains(self) == listener) {
      return;
    }
    if (format.getAsInt() < Wire.LISTENERS_FORMAT) {
      if (listener && !toldWaiting) {
        toldWaiting = true;
        LOG.warn(
            "node_type Listener is recorded once every member reads message format {} (a rolling"
                + " upgrade is under way); until then other nodes may read from this node's"
                + " replicas",
            Wire.LISTENERS_FORMAT);
      }
      return;
    }
    try {
      propose.accept(new Wire.PeerRole(self, listener));
      LOG.info("recorded this peer as a {} node", listener ? "Listener" : "Normal");
    } catch (RuntimeException e) {
      LOG.debug("recording this peer's node type failed, to be tried again: {}", e.toString());
    }
  }

  @Override
  public void close() {
    polling.cancel(false);
  }
}
