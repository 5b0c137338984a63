package dev.quiver.cluster.internal.raft;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.TimeDuration;

/**
 * A real Ratis server in the test's JVM, on 127.0.0.1 and a free port, with its log under a test
 * directory: one peer that runs the groups it is given with the state machines a test supplies, and
 * clients and {@link ShardChannel}s to them. What the state machines and channels meet is Ratis
 * itself (its gRPC transport, log, elections, read paths); only the other peers are missing.
 */
final class InJvmRaft implements AutoCloseable {
  private final RaftPeer peer;
  private final RaftServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(2, Thread.ofPlatform().name("in-jvm-raft-", 0).factory());
  private final RaftClients clients;
  private long callIds; // under this

  /**
   * Starts the server; {@code machines} makes the state machine of every group it runs. A server
   * started again under the same {@code dir} takes the same port and brings its groups back from
   * their logs, as a restarted node does.
   */
  InJvmRaft(Path dir, Function<RaftGroupId, StateMachine> machines) throws IOException {
    this(dir, machines, props -> {});
  }

  /** As above, with {@code tune} changing the server's Ratis settings (snapshots, segments). */
  InJvmRaft(Path dir, Function<RaftGroupId, StateMachine> machines, Consumer<RaftProperties> tune)
      throws IOException {
    Files.createDirectories(dir);
    Path portFile = dir.resolve("port");
    int port;
    if (Files.exists(portFile)) {
      port = Integer.parseInt(Files.readString(portFile, StandardCharsets.US_ASCII).trim());
    } else {
      port = freePort();
      Files.writeString(portFile, Integer.toString(port), StandardCharsets.US_ASCII);
    }
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(props, port);
    // one peer: it elects itself as soon as its election timeout runs out, so keep that short
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));
    tune.accept(props);
    peer = RaftPeer.newBuilder().setId("p1").setAddress("127.0.0.1:" + port).build();
    server =
        RaftServer.newBuilder()
            .setServerId(peer.getId())
            .setProperties(props)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .setStateMachineRegistry(machines::apply)
            .build();
    server.start();
    RaftProperties clientProps = new RaftProperties();
    RaftClientConfigKeys.Async.Experimental.setSendDummyRequest(clientProps, false);
    clients =
        new RaftClients(
            clientProps, new Parameters(), Duration.ofSeconds(2), executor, Duration.ofMillis(200));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The first index the server's log of {@code id} still holds (above 0 once compacted). */
  long logStart(RaftGroupId id) throws IOException {
    return server.getDivision(id).getRaftLog().getStartIndex();
  }

  /** The server's division of {@code id}. */
  RaftServer.Division division(RaftGroupId id) throws IOException {
    return server.getDivision(id);
  }

  RaftPeer peer() {
    return peer;
  }

  /** The one-peer group of {@code id}. */
  RaftGroup group(RaftGroupId id) {
    return RaftGroup.valueOf(id, peer);
  }

  /** Starts running {@code id} on the server (as a node does when it gets a replica). */
  synchronized void start(RaftGroupId id) throws IOException {
    RaftClientReply r =
        server.groupManagement(
            GroupManagementRequest.newAdd(ClientId.randomId(), peer.getId(), ++callIds, group(id)));
    if (!r.isSuccess()) {
      throw r.getException();
    }
  }

  /** Stops running {@code id} and deletes its log (as a node does when its replica is dropped). */
  synchronized void stop(RaftGroupId id) throws IOException {
    RaftClientReply r =
        server.groupManagement(
            GroupManagementRequest.newRemove(
                ClientId.randomId(), peer.getId(), ++callIds, id, true, false));
    if (!r.isSuccess()) {
      throw r.getException();
    }
  }

  /**
   * A client of {@code id} as a node makes it ({@link RaftClients#retrying}: its transport wrapper,
   * no dummy first request), retrying for about two seconds (an election on a fresh group).
   */
  RaftClient client(RaftGroupId id) {
    return clients.retrying(group(id));
  }

  /** A channel to {@code id}'s group, as a node's routes make one. */
  ShardChannel channel(RaftGroupId id) {
    return new ShardChannel(
        "test/" + id,
        () -> client(id),
        () -> client(id),
        List.of(peer.getId()),
        executor,
        Duration.ofSeconds(10),
        1,
        () -> WireFormat.NEWEST,
        Set::of);
  }

  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      executor.shutdownNow();
    }
  }
}
