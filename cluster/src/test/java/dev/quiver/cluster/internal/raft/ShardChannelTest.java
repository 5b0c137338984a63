package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which failed writes are sent again: only those no replica can have taken. Ratis' real ordered
 * client runs over a scripted transport (behind {@link FailoverRpc}, as on a node), so the test
 * decides which attempt is answered, refused or left hanging.
 */
class ShardChannelTest {
  private static final RaftPeer PEER =
      RaftPeer.newBuilder().setId("p1").setAddress("127.0.0.1:1").build();
  private static final RaftGroup GROUP = RaftGroup.valueOf(RaftGroupId.randomId(), PEER);

  /** Every request that reaches the transport, with the future the test completes. */
  private record Sent(RaftClientRequest request, CompletableFuture<RaftClientReply> reply) {
    Message message() {
      return request.getMessage();
    }

    void ok() {
      reply.complete(
          RaftClientReply.newBuilder()
              .setRequest(request)
              .setSuccess()
              .setMessage(Message.valueOf(ByteString.copyFrom(new byte[] {0}))) // one OK status
              .setLogIndex(1)
              .build());
    }

    void refuse() {
      reply.completeExceptionally(new GroupMismatchException("p1 does not run the group"));
    }
  }

  private static final class Scripted implements RaftClientRpc {
    final List<Sent> sent = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
      var reply = new CompletableFuture<RaftClientReply>();
      sent.add(new Sent(request, reply));
      return reply;
    }

    @Override
    public RaftClientReply sendRequest(RaftClientRequest request) throws IOException {
      throw new IOException("the channel sends asynchronously only");
    }

    @Override
    public void addRaftPeers(Collection<RaftPeer> peers) {}

    @Override
    public void close() {}
  }

  private final Scripted transport = new Scripted();
  private final List<ClientId> clients = new CopyOnWriteArrayList<>();
  private final ExecutorService executor = Executors.newSingleThreadExecutor();
  private final FailoverRpc.Suspects suspects =
      new FailoverRpc.Suspects(1_000_000_000L, System::nanoTime);

  private RaftClient newClient() {
    var properties = new RaftProperties();
    RaftClientConfigKeys.Async.Experimental.setSendDummyRequest(properties, false);
    ClientId id = ClientId.randomId();
    clients.add(id);
    return RaftClient.newBuilder()
        .setClientId(id)
        .setClientRpc(new FailoverRpc(transport, Runnable::run, suspects))
        .setProperties(properties)
        .setRaftGroup(GROUP)
        .setRetryPolicy(RetryPolicies.noRetry())
        .build();
  }

  private ShardChannel channel() {
    return new ShardChannel(
        "test/0",
        this::newClient,
        this::newClient,
        List.of(PEER.getId()),
        executor,
        Duration.ofSeconds(20),
        1,
        () -> WireFormat.NEWEST,
        Set::of);
  }

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private static UpdateOp delete(long id) {
    return new UpdateOp.DeletePoints(List.of(new PointId.Num(id)));
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
      Thread.sleep(25);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  private long transmissions(Message m) {
    return transport.sent.stream().filter(s -> s.message() == m).count();
  }

  @Test
  void anEntryThatWasSentIsNotSentAgainWhenAnEarlierFailureClosesTheClient() throws Exception {
    try (ShardChannel channel = channel()) {
      CompletableFuture<Void> first = channel.submit(delete(1));
      await("the first entry sent", () -> transport.sent.size() == 1);
      transport.sent.get(0).ok();
      first.get(5, TimeUnit.SECONDS);

      // two entries in flight at once (the window sends freely once its first entry is answered)
      CompletableFuture<Void> refused = channel.submit(delete(2));
      await("the second entry sent", () -> transport.sent.size() == 2);
      CompletableFuture<Void> lost = channel.submit(delete(3));
      await("the third entry sent", () -> transport.sent.size() == 3);
      Sent second = transport.sent.get(1);
      Sent third = transport.sent.get(2);

      // the peer refuses the second; Ratis fails the third with it ("already closed"), though
      // the third was sent and may be in the log
      second.refuse();

      await("the refused entry sent again", () -> transport.sent.size() == 4);
      Sent again = transport.sent.get(3);
      assertThat(again.message()).isSameAs(second.message());
      assertThat(again.request().getClientId())
          .as("sent through a new client")
          .isEqualTo(clients.get(2));
      again.ok();
      refused.get(5, TimeUnit.SECONDS);

      Throwable t = catchThrowable(() -> lost.get(5, TimeUnit.SECONDS));
      assertThat(t).isInstanceOf(ExecutionException.class);
      assertThat(t.getCause())
          .isInstanceOf(StorageException.Unavailable.class)
          .hasMessageContaining("may or may not have been applied");
      Thread.sleep(2 * ShardChannel.RETRY_MILLIS);
      assertThat(transmissions(third.message())).as("the third entry's attempts").isEqualTo(1);

      // later writes go through the new client
      CompletableFuture<Void> later = channel.submit(delete(4));
      await("a later entry sent", () -> transport.sent.size() == 5);
      assertThat(transport.sent.get(4).request().getClientId()).isEqualTo(clients.get(2));
      transport.sent.get(4).ok();
      later.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void entriesThatNeverLeftAreSentAgain() throws Exception {
    try (ShardChannel channel = channel()) {
      // the window holds back later entries until its first one is answered
      CompletableFuture<Void> first = channel.submit(delete(1));
      await("the first entry sent", () -> transport.sent.size() == 1);
      CompletableFuture<Void> held = channel.submit(delete(2));
      Thread.sleep(200);
      assertThat(transport.sent).as("the second entry is held back").hasSize(1);

      transport.sent.get(0).refuse();

      await("both sent again", () -> transport.sent.size() >= 2);
      Sent resent = transport.sent.get(1);
      resent.ok();
      await("both sent again", () -> transport.sent.size() == 3);
      transport.sent.get(2).ok();
      first.get(5, TimeUnit.SECONDS);
      held.get(5, TimeUnit.SECONDS);
      assertThat(transport.sent.subList(1, 3))
          .allSatisfy(s -> assertThat(s.request().getClientId()).isEqualTo(clients.get(2)));
    }
  }

  @Test
  void aReadThatFindsItsClientClosedGoesOnThroughANewOne() throws Exception {
    try (ShardChannel channel = channel()) {
      Filter any = Filter.hasValue("k");
      // the first read fails on the wire; Ratis then closes the read client's window to the peer
      CompletableFuture<Boolean> first =
          CompletableFuture.supplyAsync(() -> channel.reader().anyPayloadMatches(any));
      await("the first read sent", () -> transport.sent.size() == 1);
      transport.sent.get(0).reply().completeExceptionally(new IOException("connection reset"));
      assertThat(catchThrowable(() -> first.get(5, TimeUnit.SECONDS)))
          .hasCauseInstanceOf(StorageException.Unavailable.class);

      CompletableFuture<Boolean> second =
          CompletableFuture.supplyAsync(() -> channel.reader().anyPayloadMatches(any));
      await("the second read sent", () -> transport.sent.size() == 2);
      Sent read = transport.sent.get(1);
      assertThat(read.request().getClientId()).as("a new read client").isEqualTo(clients.get(2));
      read.reply()
          .complete(
              RaftClientReply.newBuilder()
                  .setRequest(read.request())
                  .setSuccess()
                  .setMessage(Message.valueOf(ByteString.copyFrom(new byte[] {0, 1})))
                  .build());
      assertThat(second.get(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aWriteRefusedByALeaderHandingOverIsSentAgain() throws Exception {
    try (ShardChannel channel = channel()) {
      CompletableFuture<Void> write = channel.submit(delete(1));
      await("the entry sent", () -> transport.sent.size() == 1);
      Sent first = transport.sent.get(0);
      first
          .reply()
          .complete(
              RaftClientReply.newBuilder()
                  .setRequest(first.request())
                  .setException(new LeaderSteppingDownException("p1 is stepping down"))
                  .build());
      await("the entry sent again", () -> transport.sent.size() == 2);
      Sent again = transport.sent.get(1);
      assertThat(again.message()).isSameAs(first.message());
      assertThat(again.request().getClientId())
          .as("the same client: its window is open")
          .isEqualTo(first.request().getClientId());
      again.ok();
      write.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theFailuresAreToldApart() {
    assertThat(ShardChannel.windowClosed(new GroupMismatchException("no group"))).isTrue();
    assertThat(
            ShardChannel.windowClosed(
                new CompletionException(new AlreadyClosedException("window closed"))))
        .isTrue();
    assertThat(ShardChannel.refused(new CompletionException(new GroupMismatchException("x"))))
        .isTrue();
    // closed because of a refusal elsewhere is not a refusal of this entry
    assertThat(
            ShardChannel.refused(
                new AlreadyClosedException("closed", new GroupMismatchException("x"))))
        .isFalse();
    assertThat(ShardChannel.refused(new LeaderSteppingDownException("stepping down"))).isTrue();
    assertThat(ShardChannel.refused(new TransferLeadershipException("handing over"))).isTrue();
    assertThat(ShardChannel.refused(new NotLeaderException(null, null, null))).isFalse();
    // anything that may have reached the leader is answered as it is
    assertThat(ShardChannel.windowClosed(new TimeoutException("slow"))).isFalse();
    assertThat(ShardChannel.windowClosed(new IOException("connection reset"))).isFalse();
    assertThat(ShardChannel.windowClosed(new NotLeaderException(null, null, null))).isFalse();
    assertThat(
            ShardChannel.windowClosed(
                new RaftRetryFailureException(null, 3, null, new IOException())))
        .isFalse();
  }

  @Test
  void anEntryCountsOnlyItsOwnRefusals() {
    var entry = new CountedEntry(ByteString.copyFromUtf8("x"));
    assertThat(entry.inNoLog()).as("never sent").isTrue();
    entry.transmitted();
    assertThat(entry.inNoLog()).isFalse();
    entry.refused();
    assertThat(entry.inNoLog()).as("its one attempt refused").isTrue();
    entry.transmitted(); // timed out, say: it may be in the leader's log
    entry.transmitted();
    entry.refused();
    assertThat(entry.inNoLog()).isFalse();
  }

  @Test
  void readsAskListenerReplicasLastFromWhereTheRotationStands() {
    List<RaftPeerId> replicas =
        List.of(RaftPeerId.valueOf("1"), RaftPeerId.valueOf("2"), RaftPeerId.valueOf("3"));
    assertThat(ShardChannel.readOrder(replicas, 1, Set.of()))
        .extracting(RaftPeerId::toString)
        .containsExactly("2", "3", "1");
    assertThat(ShardChannel.readOrder(replicas, 1, Set.of(2L)))
        .extracting(RaftPeerId::toString)
        .containsExactly("3", "1", "2");
    assertThat(ShardChannel.readOrder(replicas, 0, Set.of(1L, 2L, 3L)))
        .as("only listeners: asked all the same")
        .extracting(RaftPeerId::toString)
        .containsExactly("1", "2", "3");
  }
}
