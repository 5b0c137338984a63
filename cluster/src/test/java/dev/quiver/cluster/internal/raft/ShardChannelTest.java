package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.junit.jupiter.api.Test;

/** Which failed writes are sent again: only those no member of the group can have taken. */
class ShardChannelTest {

  @Test
  void onlyWritesThatReachedNoGroupMemberAreResent() {
    // the peer does not run the group yet, and the window Ratis closes after it
    assertThat(ShardChannel.notAccepted(new GroupMismatchException("no group"))).isTrue();
    assertThat(
            ShardChannel.notAccepted(
                new CompletionException(new AlreadyClosedException("window closed"))))
        .isTrue();
    // anything that may have reached the leader is answered as it is
    assertThat(ShardChannel.notAccepted(new TimeoutException("slow"))).isFalse();
    assertThat(ShardChannel.notAccepted(new IOException("connection reset"))).isFalse();
    assertThat(ShardChannel.notAccepted(new NotLeaderException(null, null, null))).isFalse();
    assertThat(
            ShardChannel.notAccepted(
                new RaftRetryFailureException(null, 3, null, new IOException())))
        .isFalse();
  }
}
