package dev.quiver.cluster.internal.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Moves the cluster to a newer message format once every member reads it. On the metadata leader,
 * every few seconds while the cluster writes an older format than this node reads: each member of
 * the metadata group is asked which formats it reads ({@link MetaStateMachine#FORMAT_QUERY}); when
 * all answer (a node of a release before versioned formats answers as format 0), the lowest of
 * their newest formats is proposed ({@link Wire.RaiseFormat}). One member that does not answer
 * holds the change back. Thread-safe (it runs on one timer).
 */
final class FormatUpgrade implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(FormatUpgrade.class);

  /** What it needs from its node. */
  interface Host {
    /** This node's division of the metadata group; fails when it does not run. */
    RaftServer.Division metaDivision() throws IOException;

    /** A client of {@code group} that sends each request once. */
    RaftClient client(RaftGroup group);

    /** Commits a metadata entry (and waits until this node applied it). */
    void propose(Wire.MetaEntry entry);
  }

  private final FormatGate format;
  private final Host host;
  private final Duration wait;
  private final ScheduledFuture<?> polling;

  /**
   * @param every the period of the check
   * @param wait how long the members have to answer
   */
  FormatUpgrade(
      FormatGate format,
      Host host,
      ScheduledExecutorService timers,
      Duration every,
      Duration wait) {
    this.format = format;
    this.host = host;
    this.wait = wait;
    this.polling =
        timers.scheduleWithFixedDelay(
            this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One check; a failure is logged and the next check tries again. */
  void check() {
    try {
      if (format.cluster() >= format.ceiling()) {
        return;
      }
      RaftServer.Division division = host.metaDivision();
      if (!division.getInfo().isLeaderReady()) {
        return;
      }
      int target = lowestNewest(division.getGroup(), division.getId());
      if (target > format.cluster()) {
        LOG.info(
            "every member reads message format {}: the cluster moves to it from format {}",
            target,
            format.cluster());
        host.propose(new Wire.RaiseFormat(target));
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("message format check failed: {}", e.toString());
    }
  }

  /** The lowest newest format of the members; the cluster's own when one does not answer. */
  private int lowestNewest(RaftGroup group, RaftPeerId self) throws IOException {
    Set<Long> others = new TreeSet<>();
    for (RaftPeer p : group.getPeers()) {
      if (!p.getId().equals(self)) {
        others.add(Long.parseLong(p.getId().toString()));
      }
    }
    int lowest = format.ceiling();
    if (others.isEmpty()) {
      return lowest;
    }
    try (RaftClient client = host.client(group)) {
      Map<Long, ByteString> answers =
          PeerReads.ask(client, others, Message.valueOf(MetaStateMachine.FORMAT_QUERY), wait);
      if (answers.size() < others.size()) {
        Set<Long> silent = new TreeSet<>(others);
        silent.removeAll(answers.keySet());
        LOG.debug("peers {} did not say which formats they read", silent);
        return format.cluster();
      }
      for (ByteString a : answers.values()) {
        lowest = Math.min(lowest, MetaStateMachine.decodeFormats(a)[0]);
      }
    }
    return lowest;
  }

  @Override
  public void close() {
    polling.cancel(false);
  }
}
