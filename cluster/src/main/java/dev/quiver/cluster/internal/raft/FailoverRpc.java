package dev.quiver.cluster.internal.raft;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.util.IOUtils;

/**
 * A Ratis client transport that fails over quickly from a peer that stopped answering (a leader
 * that died, was cut off by the network or stands still in a pause), which Ratis' own client does
 * slowly in two ways:
 *
 * <ul>
 *   <li>After a failed request Ratis drops the peer's gRPC channel before it schedules the retry,
 *       and the drop waits up to 3 s for the channel's open stream to end gracefully, which a
 *       silent peer never lets happen; the drop also holds one of the timer threads all clients of
 *       the process share. Here the drop runs on the given executor, one per peer at a time, and
 *       the retry leaves at once.
 *   <li>A follower that has not noticed yet keeps naming the silent leader as the leader, and the
 *       client goes back to it and waits out another request timeout; a new client starts with the
 *       group's first peer, silent or not. Here a peer whose request timed out is {@link Suspects
 *       suspect} for a while, to every client of the node: requests to it fail at once (an {@link
 *       IOException} Ratis retries elsewhere after its retry pause) until the suspicion lapses. A
 *       leader that was merely slow once costs at most that long; a request that fails this way
 *       does not extend the suspicion.
 * </ul>
 *
 * <p>It also counts the attempts of each {@link CountedEntry} it forwards, so that a write is sent
 * again only when no replica can have it.
 *
 * <p>Thread-safe as the wrapped transport is.
 */
final class FailoverRpc implements RaftClientRpc {
  /** Why a request to a suspect peer was not sent. */
  static final class SuspectPeerException extends IOException {
    private static final long serialVersionUID = 1L;

    SuspectPeerException(RaftPeerId peer) {
      super("peer " + peer + " did not answer a moment ago");
    }
  }

  /** The peers that did not answer a moment ago, shared by a node's clients. Thread-safe. */
  static final class Suspects {
    private final long suspicionNanos;
    private final LongSupplier nanoTime;
    private final Map<RaftPeerId, Long> until = new ConcurrentHashMap<>();

    /**
     * @param suspicionNanos how long a peer whose request timed out is passed over
     * @param nanoTime the clock ({@link System#nanoTime} outside tests)
     */
    Suspects(long suspicionNanos, LongSupplier nanoTime) {
      this.suspicionNanos = suspicionNanos;
      this.nanoTime = nanoTime;
    }

    void timedOut(RaftPeerId peer) {
      until.put(peer, nanoTime.getAsLong() + suspicionNanos);
    }

    boolean suspect(RaftPeerId peer) {
      Long end = until.get(peer);
      if (end == null) {
        return false;
      }
      if (nanoTime.getAsLong() - end < 0) {
        return true;
      }
      until.remove(peer, end);
      return false;
    }
  }

  private final RaftClientRpc rpc;
  private final Executor executor;
  private final Suspects suspects;
  private final Set<RaftPeerId> dropping = ConcurrentHashMap.newKeySet();

  /**
   * @param executor drops failed peers' channels, off the retry's path
   */
  FailoverRpc(RaftClientRpc rpc, Executor executor, Suspects suspects) {
    this.rpc = rpc;
    this.executor = executor;
    this.suspects = suspects;
  }

  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
    if (suspects.suspect(request.getServerId())) {
      return CompletableFuture.failedFuture(new SuspectPeerException(request.getServerId()));
    }
    counted(request);
    return rpc.sendRequestAsync(request);
  }

  @Override
  public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest request) {
    if (suspects.suspect(request.getServerId())) {
      return CompletableFuture.failedFuture(new SuspectPeerException(request.getServerId()));
    }
    counted(request);
    return rpc.sendRequestAsyncUnordered(request);
  }

  @Override
  public RaftClientReply sendRequest(RaftClientRequest request) throws IOException {
    if (suspects.suspect(request.getServerId())) {
      throw new SuspectPeerException(request.getServerId());
    }
    counted(request);
    return rpc.sendRequest(request);
  }

  /** Counts an attempt of a shard write entry that leaves for a peer (see {@link CountedEntry}). */
  private static void counted(RaftClientRequest request) {
    if (request.getMessage() instanceof CountedEntry entry) {
      entry.transmitted();
    }
  }

  @Override
  public void addRaftPeers(Collection<RaftPeer> peers) {
    rpc.addRaftPeers(peers);
  }

  @Override
  public boolean shouldReconnect(Throwable e) {
    return rpc.shouldReconnect(e);
  }

  @Override
  public boolean handleException(RaftPeerId peer, Throwable e, boolean reconnect) {
    if (e instanceof SuspectPeerException) {
      return false; // nothing was sent: the peer's channel is being dropped already, or is fine
    }
    if (e instanceof TimeoutIOException) {
      suspects.timedOut(peer);
    }
    if (!reconnect && !IOUtils.shouldReconnect(e)) { // the wrapped transport's own test
      return false;
    }
    if (dropping.add(peer)) {
      executor.execute(
          () -> {
            try {
              rpc.handleException(peer, e, true);
            } finally {
              dropping.remove(peer);
            }
          });
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    rpc.close();
  }
}
