package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * This node's access to the metadata group: proposing an entry and waiting until this peer applied
 * it, catching up with what was committed elsewhere, and finding a collection's placement. The
 * client is attached once the node has founded, joined or rejoined the group. Thread-safe.
 */
final class MetaLog implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(MetaLog.class);

  private final MetaStateMachine meta;
  private final FormatGate format;
  private final Duration timeout;
  private volatile RaftClient client;
  private volatile RaftPeerId self;

  MetaLog(MetaStateMachine meta, FormatGate format, Duration timeout) {
    this.meta = meta;
    this.format = format;
    this.timeout = timeout;
  }

  /** Proposals go through {@code client} from now on (the previous one, if any, is closed). */
  void attach(RaftClient client, RaftPeerId self) {
    RaftClient before = this.client;
    this.client = client;
    this.self = self;
    if (before != null) {
      closeQuietly(before);
    }
  }

  /**
   * Commits a metadata entry and waits until this peer applied it; its error is rethrown.
   *
   * @return the entry's log index
   */
  long propose(Wire.MetaEntry entry) {
    String what = "no consensus on the metadata change";
    RaftClientReply reply =
        Replies.await(
            client
                .async()
                .send(Message.valueOf(ByteString.copyFrom(Wire.encode(entry, format.writing())))),
            timeout,
            what);
    try {
      if (!meta.awaitApplied(reply.getLogIndex(), timeout.toMillis())) {
        throw new StorageException.Unavailable("this peer lags behind the metadata log", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable("interrupted", e);
    }
    Replies.read(reply, in -> null, what);
    return reply.getLogIndex();
  }

  /**
   * Waits until this node has applied every metadata entry committed before the call (a
   * linearizable read of the metadata group served by this node), so a name created through another
   * node a moment ago resolves here too; for the request timeout at most, however the group fares
   * (a retrying client could otherwise hold a request for many times that). Failures and a timeout
   * leave lookups to what is applied.
   */
  void sync() {
    CompletableFuture<RaftClientReply> read = null;
    try {
      read = client.async().sendReadOnlyUnordered(Message.EMPTY, self);
      read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      read.cancel(true);
      LOG.debug("metadata sync took longer than {} ms", timeout.toMillis());
    } catch (ExecutionException | RuntimeException e) {
      LOG.debug("metadata sync failed: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The collection's placement, after catching up once if it is not known here yet. */
  MetaStateMachine.Placement placement(String name) {
    var found = meta.collection(name);
    if (found.isEmpty()) {
      sync(); // a collection just made through another node may not have reached this one
      found = meta.collection(name);
    }
    return found.orElseThrow(() -> StorageException.NotFound.collection(name));
  }

  /** The shards of {@code collection} a snapshot recovery rewrites, as applied here. */
  Map<Integer, Long> recoveries(String collection) {
    return meta.recoveries(collection);
  }

  /** The collection's running resharding as applied here, if any. */
  Optional<Wire.Resharding> resharding(String collection) {
    return meta.resharding(collection);
  }

  /** The index of the last metadata entry this peer applied. */
  long applied() {
    return meta.getLastAppliedTermIndex().getIndex();
  }

  @Override
  public void close() {
    RaftClient c = client;
    if (c != null) {
      closeQuietly(c);
    }
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException e) {
      LOG.debug("closing the metadata client: {}", e.toString());
    }
  }
}
