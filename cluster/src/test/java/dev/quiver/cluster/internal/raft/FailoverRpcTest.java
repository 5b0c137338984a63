package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.junit.jupiter.api.Test;

class FailoverRpcTest {
  private static final RaftPeerId A = RaftPeerId.valueOf("a");
  private static final RaftPeerId B = RaftPeerId.valueOf("b");
  private static final RaftGroupId GROUP = RaftGroupId.randomId();

  /** Records what reaches the real transport. */
  private static final class Recording implements RaftClientRpc {
    final List<RaftPeerId> sent = new ArrayList<>();
    final List<RaftPeerId> dropped = new ArrayList<>();

    @Override
    public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
      sent.add(request.getServerId());
      return new CompletableFuture<>();
    }

    @Override
    public RaftClientReply sendRequest(RaftClientRequest request) {
      sent.add(request.getServerId());
      return null;
    }

    @Override
    public boolean handleException(RaftPeerId peer, Throwable e, boolean reconnect) {
      dropped.add(peer);
      return reconnect;
    }

    @Override
    public void addRaftPeers(Collection<RaftPeer> peers) {}

    @Override
    public void close() {}
  }

  private final Recording transport = new Recording();
  private final List<Runnable> background = new ArrayList<>();
  private final AtomicLong clock = new AtomicLong(1_000);
  private final FailoverRpc.Suspects suspects = new FailoverRpc.Suspects(500, clock::get);
  private final FailoverRpc rpc = new FailoverRpc(transport, background::add, suspects);

  private static RaftClientRequest to(RaftPeerId peer) {
    return RaftClientRequest.newBuilder()
        .setClientId(ClientId.randomId())
        .setServerId(peer)
        .setGroupId(GROUP)
        .setCallId(1)
        .setMessage(Message.valueOf("m"))
        .setType(RaftClientRequest.writeRequestType())
        .build();
  }

  private static Throwable failure(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("not failed");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aPeerThatTimedOutIsPassedOverUntilItsSuspicionLapses() throws Exception {
    assertThat(rpc.handleException(A, new TimeoutIOException("silent"), true)).isTrue();

    assertThat(failure(rpc.sendRequestAsync(to(A))))
        .isInstanceOf(FailoverRpc.SuspectPeerException.class);
    assertThat(failure(rpc.sendRequestAsyncUnordered(to(A))))
        .isInstanceOf(FailoverRpc.SuspectPeerException.class);
    rpc.sendRequestAsync(to(B));
    assertThat(transport.sent).containsExactly(B);

    // a fast failure reported back does not extend the suspicion nor drop the channel again
    assertThat(rpc.handleException(A, new FailoverRpc.SuspectPeerException(A), true)).isFalse();
    clock.addAndGet(499);
    assertThat(rpc.sendRequestAsync(to(A))).isCompletedExceptionally();
    clock.addAndGet(2);
    rpc.sendRequestAsync(to(A));
    rpc.sendRequest(to(A));
    assertThat(transport.sent).containsExactly(B, A, A);
  }

  @Test
  void everyClientOfTheNodeSharesTheSuspicion() {
    var other = new FailoverRpc(new Recording(), background::add, suspects);
    rpc.handleException(A, new TimeoutIOException("silent"), true);
    assertThat(other.sendRequestAsync(to(A))).isCompletedExceptionally();
  }

  @Test
  void theChannelIsDroppedOffTheCallersThreadOncePerPeerAtATime() {
    rpc.handleException(A, new IOException("reset"), true);
    rpc.handleException(A, new IOException("reset"), true);
    rpc.handleException(B, new IOException("reset"), true);
    assertThat(transport.dropped).as("nothing dropped on the caller's thread").isEmpty();
    assertThat(background).hasSize(2);
    background.forEach(Runnable::run);
    assertThat(transport.dropped).containsExactly(A, B);

    rpc.handleException(A, new IOException("reset"), true);
    assertThat(background).hasSize(3);
    // an error that calls for no reconnect neither drops nor suspects
    assertThat(rpc.handleException(B, new IOException("refused"), false)).isFalse();
    assertThat(background).hasSize(3);
    rpc.sendRequestAsync(to(B));
    assertThat(transport.sent).containsExactly(B);
  }
}
