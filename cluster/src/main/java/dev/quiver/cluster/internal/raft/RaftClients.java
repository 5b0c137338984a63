package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.PeerUris;
import dev.quiver.storage.StorageException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis clients and peers of this node: every client carries the node's properties and TLS
 * parameters, and a peer's Ratis id and address come from its peer id and URI. Thread-safe; the
 * caller closes the clients it asks for.
 */
final class RaftClients {
  private final RaftProperties properties;
  private final Parameters parameters;
  private final Duration requestTimeout;
  private GrpcFactory transports; // made at the first client, once the TLS parameters are set
  private final Executor reconnects;
  private final FailoverRpc.Suspects suspects;

  /**
   * @param reconnects runs the drop of a failed peer's channel, off the retry's path
   * @param suspicion how long a peer whose request timed out is passed over (see {@link
   *     FailoverRpc})
   */
  RaftClients(
      RaftProperties properties,
      Parameters parameters,
      Duration requestTimeout,
      Executor reconnects,
      Duration suspicion) {
    this.properties = properties;
    this.parameters = parameters;
    this.requestTimeout = requestTimeout;
    this.reconnects = reconnects;
    this.suspects = new FailoverRpc.Suspects(suspicion.toNanos(), System::nanoTime);
  }

  /** A client that retries (elections, leader changes) for about the request timeout. */
  RaftClient retrying(RaftGroup group) {
    return client(
        group,
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            (int) Math.max(4, requestTimeout.toMillis() / 100),
            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)));
  }

  /** A client that tries each call once: for asking, where a silent peer is left out. */
  RaftClient once(RaftGroup group) {
    return client(group, RetryPolicies.noRetry());
  }

  /** As {@link #once(RaftGroup)}, sending to {@code leader} first. */
  RaftClient once(RaftGroup group, RaftPeerId leader) {
    return client(group, RetryPolicies.noRetry(), leader);
  }

  private RaftClient client(RaftGroup group, RetryPolicy retry) {
    return client(group, retry, null);
  }

  private RaftClient client(RaftGroup group, RetryPolicy retry, RaftPeerId leader) {
    ClientId id = ClientId.randomId();
    return RaftClient.newBuilder()
        .setLeaderId(leader)
        .setClientId(id)
        .setClientRpc(
            new FailoverRpc(transports().newRaftClientRpc(id, properties), reconnects, suspects))
        .setProperties(properties)
        .setParameters(parameters)
        .setRaftGroup(group)
        .setRetryPolicy(retry)
        .build();
  }

  private synchronized GrpcFactory transports() {
    if (transports == null) {
      transports = new GrpcFactory(parameters);
    }
    return transports;
  }

  /** The Ratis address ({@code host:port}) of a peer URI; BadInput when it has none. */
  static String address(URI uri) {
    try {
      return PeerUris.hostPort(uri);
    } catch (IllegalArgumentException e) {
      throw new StorageException.BadInput(e.getMessage());
    }
  }

  static RaftPeer peer(long peerId, String uri) {
    return peer(peerId, uri, 0);
  }

  static RaftPeer peer(long peerId, String uri, int priority) {
    return RaftPeer.newBuilder()
        .setId(RaftPeerId.valueOf(Long.toString(peerId)))
        .setAddress(address(URI.create(uri)))
        .setPriority(priority)
        .build();
  }

  /**
   * The shard group's members, all of the same Raft priority: {@link LeaderBalance} hands the
   * leadership to the first holder (placement rotates it over the peers, which spreads the shard
   * leaders and their work over the cluster) without the slower fail-over that priorities bring.
   */
  static List<RaftPeer> replicaPeers(
      Map<Long, String> peers, MetaStateMachine.Placement p, int shard) {
    List<RaftPeer> list = new ArrayList<>();
    List<Long> holders = p.replicas().get(shard);
    for (int i = 0; i < holders.size(); i++) {
      String uri = peers.get(holders.get(i));
      if (uri != null) {
        list.add(peer(holders.get(i), uri, 0));
      }
    }
    return list;
  }
}
