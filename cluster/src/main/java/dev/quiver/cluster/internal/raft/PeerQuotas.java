package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ResourceQuota;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;

/**
 * The resource quota across the cluster: asks every peer what it reports about itself (a stale read
 * of the metadata group served by that peer, answered by its {@link MetaStateMachine}), and keeps
 * the set of peers over their limits, polled every second while the quota is enabled, so that a
 * write is refused when a peer that would store it is over its quota, not only when the node that
 * received it is. Thread-safe.
 */
final class PeerQuotas implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(PeerQuotas.class);

  private final IntSupplier format;

  /** How long a peer may take to report before it is left out. */
  static final long ASK_MILLIS = 1_000;

  private final ResourceQuota local;
  private final long self;
  private final Supplier<Map<Long, String>> peers;
  private final MetaGroupClient client;
  private final ScheduledFuture<?> polling;
  private volatile Set<Long> over = Set.of();

  PeerQuotas(
      ResourceQuota local,
      long self,
      Supplier<Map<Long, String>> peers,
      Supplier<RaftGroup> metaGroup,
      Function<RaftGroup, RaftClient> clients,
      IntSupplier format,
      ScheduledExecutorService timers) {
    this.format = format;
    this.local = local;
    this.self = self;
    this.peers = peers;
    this.client = new MetaGroupClient(metaGroup, clients);
    this.polling = timers.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
  }

  /** The configuration, this node's usage and verdict, and every answering peer's report. */
  ResourceQuota.Status status() {
    var status = local.localStatus();
    return new ResourceQuota.Status(status.config(), status.usage(), status.exceeded(), ask());
  }

  /**
   * Refuses a write of {@code op} that would be stored by a peer in {@code replicas} which reported
   * being over its quota at the last poll; this node's own quota is checked as it stands, and so is
   * its free disk space against {@code freeBytesNeeded} (see {@link ResourceQuota#checkFreeSpace}).
   */
  void check(UpdateOp op, Collection<List<Long>> replicas, long freeBytesNeeded) {
    if (!ResourceQuota.consumes(op)) {
      return;
    }
    local.checkFreeSpace(op, freeBytesNeeded);
    local.checkWrite();
    Set<Long> refusing = over;
    if (refusing.isEmpty()) {
      return;
    }
    for (List<Long> shardPeers : replicas) {
      for (long peer : shardPeers) {
        if (peer != self && refusing.contains(peer)) {
          throw new StorageException.InsufficientStorage(
              "peer " + peer + ", which holds a replica written to, is over its resource quota");
        }
      }
    }
  }

  private void poll() {
    try {
      if (!local.config().enabled()) {
        over = Set.of();
        return;
      }
      var next = new HashSet<Long>();
      ask()
          .forEach(
              (peer, usage) -> {
                if (usage.exceeded()) {
                  next.add(peer);
                }
              });
      over = Set.copyOf(next);
    } catch (RuntimeException e) {
      LOG.debug("quota poll failed: {}", e.toString());
    }
  }

  /** Every peer's report, asked in parallel; peers that do not answer in time are left out. */
  private SortedMap<Long, ResourceQuota.PeerUsage> ask() {
    RaftClient asking = client.get();
    var answers = new TreeMap<Long, ResourceQuota.PeerUsage>();
    Set<Long> others = new TreeSet<>(peers.get().keySet());
    if (others.remove(self)) {
      answers.put(self, local.peerUsage());
    }
    if (asking != null) {
      PeerReads.ask(
              asking,
              others,
              MetaStateMachine.question(format.getAsInt(), MetaStateMachine.QUOTA_USAGE),
              Duration.ofMillis(ASK_MILLIS))
          .forEach(
              (peer, bytes) -> {
                try {
                  answers.put(peer, MetaStateMachine.decodeQuotaUsage(bytes));
                } catch (ShardCodec.Malformed e) {
                  LOG.debug("peer {} sent a report that does not decode: {}", peer, e.toString());
                }
              });
    }
    return answers;
  }

  @Override
  public void close() {
    polling.cancel(false);
    client.close();
  }
}
