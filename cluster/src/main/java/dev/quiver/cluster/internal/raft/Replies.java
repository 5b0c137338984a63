package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftClientReply;

/** Waiting for a Ratis reply and reading it, with every failure as one Unavailable error. */
final class Replies {
  private Replies() {}

  /**
   * The successful reply of {@code call} within {@code timeout}; otherwise Unavailable, its message
   * starting with {@code what}.
   */
  static RaftClientReply await(
      CompletableFuture<RaftClientReply> call, Duration timeout, String what) {
    RaftClientReply reply;
    try {
      reply = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable(what + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new StorageException.Unavailable(what + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new StorageException.Unavailable(
          what + ": timed out after " + timeout.toSeconds() + " s", e);
    }
    if (!reply.isSuccess()) {
      throw new StorageException.Unavailable(
          what + ": " + reply.getException(), reply.getException());
    }
    return reply;
  }

  /**
   * Reads a reply message: the status the state machine wrote (its error is rethrown as the storage
   * error it was), then the value.
   */
  static <T> T read(RaftClientReply reply, ShardCodec.Reader<T> value, String what) {
    try {
      return ShardCodec.read(
          reply.getMessage().getContent().toByteArray(),
          in -> {
            Wire.readStatus(in);
            return value.read(in);
          });
    } catch (ShardCodec.Malformed e) {
      throw new StorageException.Unavailable(what + ": malformed reply: " + e.getMessage(), e);
    }
  }
}
