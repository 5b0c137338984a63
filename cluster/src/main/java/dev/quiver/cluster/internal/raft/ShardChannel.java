package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ReadCodec;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.StaleReadException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * This node's way into one shard's Raft group, whether or not it holds a replica: writes go through
 * a batcher that merges whatever callers queued while earlier entries were in flight into one log
 * entry (up to {@link #MAX_ENTRY_BYTES}), keeps at most {@link #IN_FLIGHT} entries outstanding
 * through one long-lived client, and answers each caller from its slot in the entry's reply. Reads
 * ({@link #reader()}) go to any live replica as a Raft stale read, trying the replicas in turn, so
 * a shard stays readable while one replica survives (Qdrant's default read consistency of one).
 */
final class ShardChannel implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(ShardChannel.class);
  static final int MAX_ENTRY_BYTES = 1 << 20;
  static final int IN_FLIGHT = 8;

  /**
   * A bug planted on purpose, for the fault suite to prove its checker catches a lost write: with
   * the JVM system property {@code quiver.testing.ackBeforeCommit=true} a write is answered as soon
   * as its entry is sent, before any replica has it. Never set it elsewhere: acknowledged writes
   * are then lost whenever a leader fails.
   */
  static final boolean ACK_BEFORE_COMMIT = Boolean.getBoolean("quiver.testing.ackBeforeCommit");

  static {
    if (ACK_BEFORE_COMMIT) {
      LOG.error(
          "quiver.testing.ackBeforeCommit is set: writes are acknowledged before they are"
              + " committed and may be lost (a planted bug for fault testing)");
    }
  }

  /** How long one replica may take to answer a read before the next one is asked. */
  static final long READ_ATTEMPT_MILLIS = 5_000;

  private final String name;
  private final Renewable writes; // renewed when a failed write has closed its window
  private final Renewable reads; // renewed when Ratis closed one of its windows

  /**
   * The barriers of linearizable reads, shared by the reads that arrive together; a barrier
   * unanswered for longer than {@link #BARRIER_PATIENCE_NANOS} no longer holds the next one back.
   */
  private final SharedBarriers<RaftClientReply> barriers =
      new SharedBarriers<>(this::sendBarrier, System::nanoTime, BARRIER_PATIENCE_NANOS);

  /** How long a barrier in flight holds the next one back: a few commits' time on a slow disk. */
  static final long BARRIER_PATIENCE_NANOS = 100_000_000L;

  private final List<RaftPeerId> replicas;
  private final AtomicInteger nextReplica = new AtomicInteger();
  private final Executor executor;
  private final Duration timeout;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
  private boolean draining; // guarded by queue
  private volatile boolean closed;

  /** write_consistency_factor above a majority: wait until every replica has the entry. */
  private final boolean waitForAll;

  /** The message format to send in now ({@link FormatGate#writing()}). */
  private final IntSupplier format;

  /** The peers recorded as {@code Listener} nodes: asked for reads only when no other answers. */
  private final Supplier<Set<Long>> listeners;

  private record Pending(byte[] op, CompletableFuture<Void> done) {}

  /**
   * @param newClient makes the write client, which retries until the request timeout (writes wait
   *     out elections); a new one replaces it when a write finds the group not running
   * @param newReadClient makes the read client, which does not retry: reads move on to the next
   *     replica instead
   * @param format the message format to send in at the moment
   * @param listeners the peers of {@code Listener} nodes at the moment
   */
  ShardChannel(
      String name,
      Supplier<RaftClient> newClient,
      Supplier<RaftClient> newReadClient,
      List<RaftPeerId> replicas,
      Executor executor,
      Duration timeout,
      int writeConsistencyFactor,
      IntSupplier format,
      Supplier<Set<Long>> listeners) {
    this.format = format;
    this.listeners = listeners;
    this.waitForAll = writeConsistencyFactor > replicas.size() / 2 + 1;
    this.name = name;
    this.writes = new Renewable(newClient);
    this.reads = new Renewable(newReadClient);
    this.replicas = List.copyOf(replicas);
    this.executor = executor;
    this.timeout = timeout;
  }

  /**
   * The largest encoded operation one log entry holds: Ratis' entry limit less room for the entry's
   * own fields and the batch header.
   */
  static final int MAX_OP_BYTES = RatisProperties.MAX_ENTRY_BYTES - 4096;

  /**
   * Queues {@code op} (split by points into several operations when it is larger than an entry
   * holds, {@link OversizedOps}); the future completes when its entries are committed and applied.
   */
  CompletableFuture<Void> submit(UpdateOp op) {
    List<byte[]> parts;
    try {
      parts = OversizedOps.encode(op, MAX_OP_BYTES);
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (parts.size() == 1) {
      return enqueue(parts.getFirst());
    }
    // the first failure is the caller's, as it would be for one entry (not wrapped)
    CompletableFuture<Void> all = new CompletableFuture<>();
    CompletableFuture.allOf(parts.stream().map(this::enqueue).toArray(CompletableFuture<?>[]::new))
        .whenComplete(
            (done, error) -> {
              if (error == null) {
                all.complete(null);
              } else {
                all.completeExceptionally(unwrap(error));
              }
            });
    return all;
  }

  private CompletableFuture<Void> enqueue(byte[] op) {
    var pending = new Pending(op, new CompletableFuture<>());
    boolean start;
    synchronized (queue) {
      queue.add(pending);
      start = !draining;
      draining = true;
    }
    if (start) {
      executor.execute(this::drain);
    }
    return pending.done();
  }

  private void drain() {
    while (true) {
      inFlight.acquireUninterruptibly();
      List<Pending> batch = new ArrayList<>();
      synchronized (queue) {
        int bytes = 0;
        while (!queue.isEmpty()
            && batch.size() < ShardStateMachine.OPS_PER_ENTRY - 1
            && (batch.isEmpty() || bytes + queue.peek().op().length <= MAX_ENTRY_BYTES)) {
          Pending p = queue.poll();
          bytes += p.op().length;
          batch.add(p);
        }
        if (batch.isEmpty()) {
          draining = false;
          inFlight.release();
          return;
        }
      }
      send(batch);
    }
  }

  private void send(List<Pending> batch) {
    var bytes = new ByteArrayOutputStream();
    try (var out = new DataOutputStream(bytes)) {
      WireFormat.writeHeader(out, format.getAsInt());
      out.writeInt(batch.size());
      for (Pending p : batch) {
        out.write(p.op());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    attempt(
        batch,
        new CountedEntry(ByteString.copyFrom(bytes.toByteArray())),
        System.nanoTime() + timeout.toNanos());
  }

  /**
   * Sends one entry. A peer that does not run the group yet (a collection created a moment ago
   * through another node) answers GroupMismatch, and Ratis then closes the client's ordered window
   * for good: the entries sent after it fail as "already closed", and so does every later write
   * through that client. An entry that is in no replica's log ({@link CountedEntry#inNoLog()}: it
   * never left, or each attempt was refused so) is sent again, through a new client, until the
   * request timeout. Any other failed entry may have been committed: sending it again would apply
   * it a second time, after writes that came later, so its callers are told the outcome is unknown.
   */
  private void attempt(List<Pending> batch, CountedEntry entry, long deadline) {
    RaftClient c = writes.get();
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = c.async().send(entry);
    } catch (RuntimeException e) {
      inFlight.release();
      batch.forEach(p -> p.done().completeExceptionally(unavailable(e)));
      return;
    }
    if (ACK_BEFORE_COMMIT) {
      batch.forEach(p -> p.done().complete(null));
    }
    long sentAt = System.nanoTime();
    sent.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (reply, error) -> {
              if (error == null && !reply.isSuccess()) {
                error = reply.getException();
              }
              long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
              if (millis >= SLOW_ENTRY_MILLIS) {
                LOG.info(
                    "shard {}: an entry of {} writes took {} ms{}",
                    name,
                    batch.size(),
                    millis,
                    error == null ? "" : " and failed: " + Replies.reason(error));
              }
              if (error != null && refused(error)) {
                entry.refused();
              }
              if (error != null
                  && !closed
                  && (windowClosed(error) || refused(error))
                  && entry.inNoLog()
                  && System.nanoTime() - deadline < 0) {
                if (windowClosed(error)) {
                  writes.renew(c);
                }
                CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS, executor)
                    .execute(() -> attempt(batch, entry, deadline));
                return;
              }
              inFlight.release();
              if (error != null) {
                RuntimeException e =
                    windowClosed(error) && !entry.inNoLog()
                        ? new StorageException.Unavailable(
                            "shard "
                                + name
                                + ": the write was sent but its answer was lost (an earlier write"
                                + " on the same connection failed); it may or may not have been"
                                + " applied",
                            error)
                        : unavailable(error);
                batch.forEach(p -> p.done().completeExceptionally(e));
                return;
              }
              byte[] content = reply.getMessage().getContent().toByteArray();
              if (!waitForAll) {
                complete(batch, content);
                return;
              }
              writes
                  .get()
                  .async()
                  .watch(reply.getLogIndex(), RaftProtos.ReplicationLevel.ALL_COMMITTED)
                  .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                  .whenComplete(
                      (watched, failure) -> {
                        if (failure != null || !watched.isSuccess()) {
                          RuntimeException e =
                              unavailable(
                                  failure != null
                                      ? failure
                                      : new TimeoutException(
                                          "not every replica acknowledged the write"
                                              + " (write_consistency_factor)"));
                          batch.forEach(p -> p.done().completeExceptionally(e));
                        } else {
                          complete(batch, content);
                        }
                      });
            });
  }

  /** An entry slower than this to commit is logged (elections take a few seconds at most). */
  static final long SLOW_ENTRY_MILLIS = 5_000;

  /** How long a write waits before it is sent again to a group that was not running. */
  static final long RETRY_MILLIS = 100;

  /**
   * Whether {@code error} is a failure after which Ratis' ordered client sends nothing more (a peer
   * without the group, or the client's window closed by an earlier failure): a new client is
   * needed, and the entry is sent again if no replica can have it.
   */
  static boolean windowClosed(Throwable error) {
    Throwable t = unwrap(error);
    return t instanceof GroupMismatchException || t instanceof AlreadyClosedException;
  }

  /**
   * Whether this attempt itself was refused before anything was appended: by a peer that does not
   * run the group, or by a leader that is stepping down or handing its leadership over (a
   * leadership transfer, as {@code LeaderBalance} makes).
   */
  static boolean refused(Throwable error) {
    Throwable t = unwrap(error);
    return t instanceof GroupMismatchException
        || t instanceof LeaderSteppingDownException
        || t instanceof TransferLeadershipException;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * A client that is replaced by a new one when Ratis has closed one of its windows (after one
   * failed request, for good). Thread-safe.
   */
  private static final class Renewable {
    private final Supplier<RaftClient> factory;
    private volatile RaftClient current;
    private boolean closed; // guarded by this

    Renewable(Supplier<RaftClient> factory) {
      this.factory = factory;
      this.current = factory.get();
    }

    RaftClient get() {
      return current;
    }

    /** Replaces {@code failed} with a new client, once however many callers saw it fail. */
    void renew(RaftClient failed) {
      synchronized (this) {
        if (current != failed || closed) {
          return;
        }
        current = factory.get();
      }
      closeQuietly(failed); // its window is closed for good; this releases its connections
    }

    /** Closes the client; none is made after. */
    void close() {
      synchronized (this) {
        closed = true;
      }
      closeQuietly(current);
    }

    private static void closeQuietly(RaftClient c) {
      try {
        c.close();
      } catch (IOException e) {
        // closing a client only releases connections
      }
    }
  }

  private void complete(List<Pending> batch, byte[] reply) {
    try (var in = new DataInputStream(new ByteArrayInputStream(reply))) {
      WireFormat.readHeader(in, WireFormat.NEWEST);
      if (in.available() == 0) {
        var e = new StorageException.NotFound("Collection of shard " + name + " doesn't exist!");
        batch.forEach(p -> p.done().completeExceptionally(e));
        return;
      }
      for (Pending p : batch) {
        try {
          Wire.readStatus(in);
          p.done().complete(null);
        } catch (StorageException e) {
          p.done().completeExceptionally(e);
        }
      }
    } catch (IOException e) {
      RuntimeException failure = unavailable(e);
      batch.forEach(p -> p.done().completeExceptionally(failure));
    }
  }

  private RuntimeException unavailable(Throwable e) {
    if (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof StorageException s) {
      return s;
    }
    String why =
        e instanceof TimeoutException
            ? "timed out after " + timeout.toSeconds() + " s"
            : Replies.reason(e);
    return new StorageException.Unavailable("shard " + name + ": " + why, e);
  }

  /** Reads from any live replica (stale reads, one replica after another). */
  ShardReader reader() {
    return new RemoteReader(false);
  }

  /** Linearizable reads: each one follows a no-op entry committed after it began. */
  ShardReader linearizableReader() {
    return new RemoteReader(true);
  }

  /** An entry of no writes (a count of zero): what a linearizable read commits first. */
  private ByteString barrier() {
    return ByteString.copyFrom(WireFormat.write(format.getAsInt(), out -> out.writeInt(0)));
  }

  /**
   * A linearizable read. It commits a barrier (an entry of no writes; reads that arrive together
   * share one, see {@link SharedBarriers}), then reads from the replica that applied it, as of that
   * entry at least. The barrier was appended by a leader after the read began and committed by a
   * majority, so every write acknowledged before the read began is below it (Raft's leader
   * completeness), and no newer leader can have acknowledged anything before that majority
   * answered.
   *
   * <p>Not Ratis' own linearizable read: Ratis 3.3 takes a read index as confirmed, without a new
   * round of heartbeats, when its leader's commit index has not moved since the last round a
   * majority answered; a leader cut off from the others has a frozen commit index, so it went on
   * serving what it held as linearizable for as long as it believed it led (the fault suite saw a
   * cut-off node answer a majority read with a value overwritten seconds before).
   */
  private <T> T linearizable(Wire.Read read, ShardCodec.Reader<T> decode) {
    String what = "shard " + name;
    RaftClientReply barrier = Replies.await(barriers.join(), timeout, what);
    RaftClientReply reply =
        Replies.await(
            staleRead(
                Message.valueOf(ByteString.copyFrom(Wire.encode(read, format.getAsInt()))),
                barrier.getLogIndex(),
                barrier.getServerId()),
            timeout,
            what);
    return Replies.read(reply, decode, what);
  }

  /**
   * A Ratis stale read of {@code message} on {@code target}, as of entry {@code minIndex} or later,
   * through the read client. Ratis closes a client's window to a peer for good after one failed
   * request there, and the read client does not retry, so a read that finds the window closed
   * renews the client and goes once more (a read changes nothing).
   */
  private CompletableFuture<RaftClientReply> staleRead(
      Message message, long minIndex, RaftPeerId target) {
    RaftClient r = reads.get();
    return r.async()
        .sendStaleRead(message, minIndex, target)
        .handle(
            (reply, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(reply);
              }
              if (closed || !windowClosed(error)) {
                return CompletableFuture.<RaftClientReply>failedFuture(error);
              }
              reads.renew(r);
              return reads.get().async().sendStaleRead(message, minIndex, target);
            })
        .thenCompose(f -> f);
  }

  /**
   * Commits a barrier through the write client; once more through a new client when the first one
   * had been closed by an earlier failure, and again {@link #RETRY_MILLIS} later when a leader
   * stepping down or handing its leadership over refused it, as a write is (a barrier changes
   * nothing, so sending it twice is safe). Reads share barriers through {@link #barriers}.
   */
  private CompletableFuture<RaftClientReply> sendBarrier() {
    return sendBarrier(BARRIER_RETRIES);
  }

  /** Times a refused barrier is sent again (a leadership transfer takes an election or two). */
  private static final int BARRIER_RETRIES = 20;

  private CompletableFuture<RaftClientReply> sendBarrier(int retries) {
    RaftClient c = writes.get();
    return c.async()
        .send(new CountedEntry(barrier()))
        .handle(
            (reply, error) -> {
              Throwable failure =
                  error != null ? error : reply.isSuccess() ? null : reply.getException();
              if (failure != null
                  && !closed
                  && retries > 0
                  && refused(failure)
                  && !windowClosed(failure)) {
                Executor later =
                    CompletableFuture.delayedExecutor(
                        RETRY_MILLIS, TimeUnit.MILLISECONDS, executor);
                return CompletableFuture.supplyAsync(() -> sendBarrier(retries - 1), later)
                    .thenCompose(f -> f);
              }
              if (error == null) {
                return CompletableFuture.completedFuture(reply);
              }
              if (closed || !windowClosed(error)) {
                return CompletableFuture.<RaftClientReply>failedFuture(error);
              }
              writes.renew(c);
              return writes.get().async().send(new CountedEntry(barrier()));
            })
        .thenCompose(f -> f);
  }

  /** How many barriers linearizable reads have committed (for tests). */
  long barriersSent() {
    return barriers.sent();
  }

  private <T> T query(Wire.Read read, ShardCodec.Reader<T> decode) {
    Message message = Message.valueOf(ByteString.copyFrom(Wire.encode(read, format.getAsInt())));
    long perReplica = Math.min(timeout.toMillis(), READ_ATTEMPT_MILLIS);
    int start = Math.floorMod(nextReplica.getAndIncrement(), replicas.size());
    Throwable last = null;
    for (RaftPeerId target : readOrder(replicas, start, listeners.get())) {
      RaftClientReply reply;
      try {
        reply = staleRead(message, 0, target).get(perReplica, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw unavailable(e);
      } catch (ExecutionException e) {
        last = e.getCause();
        continue;
      } catch (TimeoutException e) {
        last = e;
        continue;
      }
      if (!reply.isSuccess()) {
        last = reply.getException();
        continue;
      }
      try {
        return Replies.read(reply, decode, "shard " + name);
      } catch (StorageException.Unavailable e) {
        last = e; // a malformed answer: ask the next replica
      }
    }
    if (last instanceof StateMachineException || last instanceof StaleReadException) {
      // no replica has applied anything yet (a new group): the leader answers once it is ready
      return linearizable(read, decode);
    }
    throw unavailable(last == null ? new TimeoutException("no replica") : last);
  }

  /**
   * The replicas a read asks in turn: from {@code start} round the list, those of {@code Listener}
   * nodes last (asked only when every other one failed).
   */
  static List<RaftPeerId> readOrder(List<RaftPeerId> replicas, int start, Set<Long> listeners) {
    List<RaftPeerId> first = new ArrayList<>(replicas.size());
    List<RaftPeerId> last = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      RaftPeerId r = replicas.get((start + i) % replicas.size());
      (!listeners.isEmpty() && listeners.contains(peerNumber(r)) ? last : first).add(r);
    }
    first.addAll(last);
    return first;
  }

  /** A peer's number (its id as Quiver names peers); -1 for an id of another form. */
  private static long peerNumber(RaftPeerId id) {
    try {
      return Long.parseLong(id.toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private final class RemoteReader implements ShardReader {
    private final boolean linearizable;

    RemoteReader(boolean linearizable) {
      this.linearizable = linearizable;
    }

    /**
     * Asks a replica. The request's scope does not travel with the read: its deadline and
     * cancellation are checked before the read is sent and when its answer is back, and the points
     * the answer holds are charged to its budget here.
     */
    private <T> T query(Wire.Read read, ShardCodec.Reader<T> decode) {
      RequestScope scope = RequestScope.current();
      scope.checkpoint();
      T answer =
          linearizable
              ? ShardChannel.this.linearizable(read, decode)
              : ShardChannel.this.query(read, decode);
      scope.checkpoint();
      return answer;
    }

    private static <T extends List<?>> T charged(T points) {
      RequestScope.current().charge(points.size());
      return points;
    }

    @Override
    public List<ScoredPoint> search(SearchRequest request) {
      int writing = format.getAsInt();
      if (request.acorn() != null && writing < Wire.SEARCH_PARAMS_FORMAT) {
        throw new StorageException.BadRequest(
            "`params.acorn` needs every peer on a release that reads message format "
                + Wire.SEARCH_PARAMS_FORMAT
                + " to search a replica on another peer; the cluster writes format "
                + writing);
      }
      List<ScoredPoint> found =
          query(
              new Wire.Search(request),
              in -> {
                int n = ShardCodec.count(in);
                List<ScoredPoint> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                  out.add(ReadCodec.readScored(in));
                }
                return out;
              });
      return charged(found);
    }

    @Override
    public List<PointRecord> retrieve(
        List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
      return charged(
          query(new Wire.Retrieve(ids, withPayload, withVectors), ShardChannel::readRecords));
    }

    @Override
    public long count() {
      return count(null);
    }

    @Override
    public long count(Filter filter) {
      return query(new Wire.Count(filter), DataInputStream::readLong);
    }

    @Override
    public ScrollPage scroll(
        Filter filter,
        PointId offset,
        int limit,
        WithPayload withPayload,
        WithVectors withVectors) {
      return query(
          new Wire.Scroll(filter, offset, limit, withPayload, withVectors),
          in -> {
            List<PointRecord> points = readRecords(in);
            PointId next = in.readBoolean() ? ShardCodec.readId(in) : null;
            return new ScrollPage(charged(points), next);
          });
    }

    @Override
    public boolean anyPayloadMatches(Filter filter) {
      return query(new Wire.PayloadMatch(filter), DataInputStream::readBoolean);
    }
  }

  private static List<PointRecord> readRecords(DataInputStream in) throws IOException {
    int n = ShardCodec.count(in);
    List<PointRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(ReadCodec.readRecord(in));
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
    writes.close();
    reads.close();
  }
}
