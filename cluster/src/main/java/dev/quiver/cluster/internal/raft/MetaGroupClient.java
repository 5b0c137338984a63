package dev.quiver.cluster.internal.raft;

import java.io.IOException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftGroup;

/**
 * A client of the metadata group as it is now, for questions to its peers ({@link PeerReads}): kept
 * between questions and built again when peers join or leave. Separate from the client that
 * proposes entries, so a slow peer never holds up a proposal. Thread-safe.
 */
final class MetaGroupClient implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(MetaGroupClient.class);

  private final Supplier<RaftGroup> metaGroup;
  private final Function<RaftGroup, RaftClient> clients;
  private RaftGroup clientGroup; // under this
  private RaftClient client; // under this

  MetaGroupClient(Supplier<RaftGroup> metaGroup, Function<RaftGroup, RaftClient> clients) {
    this.metaGroup = metaGroup;
    this.clients = clients;
  }

  /** The client for the group as it is now; null while the group does not run. */
  synchronized RaftClient get() {
    RaftGroup group;
    try {
      group = metaGroup.get();
    } catch (RuntimeException e) {
      return null; // not running (yet, or any more)
    }
    if (!group.equals(clientGroup)) {
      closeClient();
      client = clients.apply(group);
      clientGroup = group;
    }
    return client;
  }

  private void closeClient() {
    if (client != null) {
      try {
        client.close();
      } catch (IOException e) {
        LOG.debug("closing a metadata client: {}", e.toString());
      }
      client = null;
    }
  }

  @Override
  public synchronized void close() {
    closeClient();
    clientGroup = null;
  }
}
