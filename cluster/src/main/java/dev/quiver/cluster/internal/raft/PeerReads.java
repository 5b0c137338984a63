package dev.quiver.cluster.internal.raft;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Asks several peers of the metadata group the same read-only question at once (a stale read,
 * answered by each peer's own state machine) and collects the answers that arrive within a
 * deadline; peers that fail or are late are left out and logged at debug. Stateless.
 */
final class PeerReads {
  private static final Logger LOG = LogManager.getLogger(PeerReads.class);

  private PeerReads() {}

  /** Each of {@code peers}' answer to {@code question}, by peer id, within {@code wait}. */
  static Map<Long, ByteString> ask(
      RaftClient client, Set<Long> peers, Message question, Duration wait) {
    var asked = new TreeMap<Long, CompletableFuture<RaftClientReply>>();
    for (long peer : peers) {
      asked.put(
          peer, client.async().sendStaleRead(question, 0, RaftPeerId.valueOf(Long.toString(peer))));
    }
    long deadline = System.nanoTime() + wait.toNanos();
    var answers = new TreeMap<Long, ByteString>();
    asked.forEach(
        (peer, reply) -> {
          try {
            RaftClientReply r =
                reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (r.isSuccess()) {
              answers.put(peer, r.getMessage().getContent());
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (Exception e) {
            reply.cancel(true);
            LOG.debug("peer {} did not answer: {}", peer, e.toString());
          }
        });
    return answers;
  }
}
