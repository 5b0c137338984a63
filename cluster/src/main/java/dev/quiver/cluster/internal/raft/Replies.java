package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.StaleReadException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;

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
      throw new StorageException.Unavailable(what + ": " + reason(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      throw new StorageException.Unavailable(
          what + ": timed out after " + timeout.toSeconds() + " s", e);
    }
    if (!reply.isSuccess()) {
      throw new StorageException.Unavailable(
          what + ": " + reason(reply.getException()), reply.getException());
    }
    return reply;
  }

  /**
   * Waits for a shard update to be applied ({@link ShardChannel#submit}): its own storage error
   * rethrown as it was, anything else (interrupt, timeout) as Unavailable.
   */
  static void awaitApplied(CompletableFuture<Void> applied, Duration timeout) {
    try {
      applied.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageException.Unavailable(String.valueOf(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      throw new StorageException.Unavailable("the update timed out", e);
    }
  }

  /**
   * Why a Ratis call failed, in words for a client: no Java class names or internal addresses (the
   * exception itself stays attached to the error for the server's log).
   */
  static String reason(Throwable e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < 8; depth++) {
      String why =
          switch (t) {
            case TimeoutException x -> "timed out";
            case StaleReadException x -> "the replica has not caught up yet";
            case NotLeaderException x -> "the shard's leader changed";
            case LeaderNotReadyException x -> "the shard's leader is not ready yet";
            case GroupMismatchException x -> "the peer does not run this shard's group (yet)";
            case LeaderSteppingDownException x -> "the shard's leader is stepping down";
            case TransferLeadershipException x -> "the shard's leader is handing over";
            case AlreadyClosedException x -> "the shard's group was closed";
            case RaftRetryFailureException x -> "no answer from the shard's replicas";
            case ReadIndexException x -> "the shard's leader could not confirm a read index";
            case IOException x when x.getCause() == null -> "connection failed";
            default -> null;
          };
      if (why != null) {
        return why;
      }
      t = t.getCause();
    }
    return "the peer failed";
  }

  /**
   * Reads a reply message: the status the state machine wrote (its error is rethrown as the storage
   * error it was), then the value.
   */
  static <T> T read(RaftClientReply reply, ShardCodec.Reader<T> value, String what) {
    try {
      return WireFormat.read(
          reply.getMessage().getContent().toByteArray(),
          WireFormat.NEWEST,
          (in, version) -> {
            Wire.readStatus(in);
            return value.read(in);
          });
    } catch (ShardCodec.Malformed e) {
      throw new StorageException.Unavailable(what + ": malformed reply: " + e.getMessage(), e);
    }
  }
}
