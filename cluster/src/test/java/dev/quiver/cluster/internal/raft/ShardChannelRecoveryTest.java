package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quiver.storage.PointId;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
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

  @Test
  void writesReachAGroupThatStartedAfterTheFirstOneWasRefused() throws Exception {
    RaftGroupId group = RaftGroupId.randomId();
    try (InJvmRaft raft = new InJvmRaft(dir, g -> new Accepting())) {
      ShardChannel channel = raft.channel(group);
      UpdateOp op = new UpdateOp.DeletePoints(List.of(new PointId.Num(1)));
      CompletableFuture<Void> first = channel.submit(op); // the group does not run yet
      // give the refusal time to come back (a fixed client would have failed by now)
      for (int i = 0; i < 20 && !first.isDone(); i++) {
        Thread.sleep(50);
      }
      raft.start(group);
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
    }
  }
}
