package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Ratis server on 127.0.0.1: a write sent to a group the peer does not run yet (a shard
 * created a moment ago) used to close the channel's client for good, so the writes after it failed
 * "already closed" even once the group ran. Now they reach the group.
 */
class ShardChannelRecoveryTest {
  @TempDir Path dir;

  /** A state machine that takes every entry and answers nothing (the channel reads NotFound). */
  private static final class Accepting extends BaseStateMachine {
    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
      updateLastAppliedTermIndex(trx.getLogEntry().getTerm(), trx.getLogEntry().getIndex());
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void writesReachAGroupThatStartedAfterTheFirstOneWasRefused() throws Exception {
    int port = freePort();
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(props, port);
    RaftPeer peer = RaftPeer.newBuilder().setId("p1").setAddress("127.0.0.1:" + port).build();
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peer);
    ExecutorService executor =
        Executors.newFixedThreadPool(2, Thread.ofPlatform().name("channel-", 0).factory());
    try (RaftServer server =
        RaftServer.newBuilder()
            .setServerId(peer.getId())
            .setProperties(props)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .setStateMachineRegistry(gid -> new Accepting())
            .build()) {
      server.start();
      Supplier<RaftClient> clients =
          () ->
              RaftClient.newBuilder()
                  .setProperties(new RaftProperties())
                  .setRaftGroup(group)
                  .setRetryPolicy(
                      RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                          20, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                  .build();
      ShardChannel channel =
          new ShardChannel(
              "t/0",
              clients,
              clients.get(),
              List.of(peer.getId()),
              executor,
              Duration.ofSeconds(10),
              1);
      UpdateOp op = new UpdateOp.DeletePoints(List.of(new PointId.Num(1)));
      CompletableFuture<Void> first = channel.submit(op); // the group does not run yet
      // give the refusal time to come back (a fixed client would have failed by now)
      for (int i = 0; i < 20 && !first.isDone(); i++) {
        Thread.sleep(50);
      }
      server.groupManagement(
          GroupManagementRequest.newAdd(ClientId.randomId(), peer.getId(), 1, group));
      CompletableFuture<Void> second = channel.submit(op);
      for (CompletableFuture<Void> w : List.of(first, second)) {
        Throwable t = catchThrowable(() -> w.get(20, TimeUnit.SECONDS));
        // the state machine took the entry and answered nothing: NotFound, not Unavailable
        assertThat(t).isInstanceOf(ExecutionException.class);
        assertThat(t.getCause())
            .as("%s", t.getCause())
            .isInstanceOf(StorageException.NotFound.class);
      }
      channel.close();
    } finally {
      executor.shutdownNow();
    }
  }
}
