package dev.quiver.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.quiver.server.guard.RequestLimits;
import dev.quiver.storage.RequestScope;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One hand-off per call: the server runs on the transport's event loop (grpc's {@code
 * directExecutor}), where headers are authenticated and the request message is parsed, and this
 * interceptor, the outermost, moves the call to the request executor when its request is complete
 * ({@code onHalfClose}, where unary and server-streaming handlers run) — the one step that may
 * block on the engine, the WAL or the cluster.
 *
 * <p>Writes that carry bulk data ({@link #BULK}: upserts, vector updates, payloads, batches) are
 * the exception: {@link #bulkOnExecutor} has grpc parse them on the executor, so a request of
 * megabytes does not hold the event loop's other connections while it is decoded; this interceptor
 * then finds the call already off the loop and adds no hand-off.
 *
 * <p>grpc's own executor hand-off costs more: it schedules every listener callback of a call
 * (start, message, half-close, ready, complete) through a serializing executor, so a unary call
 * usually takes two or three trips through the executor instead of one. Callbacks after the
 * hand-off keep their order: they run after the handler, on whichever thread finds the call idle.
 *
 * <p>It is also where a call meets the {@link RequestLimits}: the handler runs only if the
 * in-flight cap admits it (else RESOURCE_EXHAUSTED), inside a {@link RequestScope} whose deadline
 * is the sooner of the call's grpc deadline and its message's {@code timeout} field, and which is
 * cancelled as soon as the client cancels (not queued behind the running handler).
 */
final class Offload implements ServerInterceptor {
  private static final Logger LOG = LogManager.getLogger(Offload.class);

  /** Methods whose requests can be large: parsed on the executor, not the event loop. */
  static final Set<String> BULK =
      Set.of(
          "qdrant.Points/Upsert",
          "qdrant.Points/UpdateBatch",
          "qdrant.Points/UpdateVectors",
          "qdrant.Points/SetPayload",
          "qdrant.Points/OverwritePayload");

  /** Health checks are answered whatever the load. */
  private static final Set<String> UNLIMITED =
      Set.of("qdrant.Qdrant/HealthCheck", "grpc.health.v1.Health/Check");

  private final Executor executor;
  private final RequestLimits limits;

  Offload(Executor executor, RequestLimits limits) {
    this.executor = executor;
    this.limits = limits;
  }

  /** grpc's per-call executor: {@code executor} for {@link #BULK} methods, else the event loop. */
  static ServerCallExecutorSupplier bulkOnExecutor(Executor executor) {
    return new ServerCallExecutorSupplier() {
      @Override
      public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
        return BULK.contains(call.getMethodDescriptor().getFullMethodName()) ? executor : null;
      }
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Deadline deadline = Context.current().getDeadline(); // the call's context is current here
    return new Listener<>(next.startCall(call, headers), call, executor, limits, deadline);
  }

  private record Step(Runnable body, boolean offload) {}

  /** Runs the delegate's callbacks one at a time, in order; {@code onHalfClose} off the loop. */
  private static final class Listener<Q>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, ?> call;
    private final Executor executor;
    private final RequestLimits limits;
    private final Deadline deadline;
    private final Queue<Step> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Q message;
    private volatile RequestScope scope;
    private volatile boolean cancelled;

    Listener(
        ServerCall.Listener<Q> delegate,
        ServerCall<Q, ?> call,
        Executor executor,
        RequestLimits limits,
        Deadline deadline) {
      super(delegate);
      this.call = call;
      this.executor = executor;
      this.limits = limits;
      this.deadline = deadline;
    }

    @Override
    public void onMessage(Q message) {
      this.message = message;
      run(() -> super.onMessage(message), false);
    }

    @Override
    public void onHalfClose() {
      run(this::limitedHalfClose, true);
    }

    @Override
    public void onCancel() {
      cancelled = true;
      RequestScope s = scope;
      if (s != null) {
        s.cancel(); // now: the handler's engine loops stop at their next checkpoint
      }
      run(super::onCancel, false);
    }

    /** The handler, if the in-flight cap admits it, in the call's scope. */
    private void limitedHalfClose() {
      if (UNLIMITED.contains(call.getMethodDescriptor().getFullMethodName())) {
        super.onHalfClose();
        return;
      }
      if (!limits.tryEnter()) {
        closeQuietly(Status.RESOURCE_EXHAUSTED.withDescription(limits.tooManyMessage()));
        return;
      }
      try {
        RequestScope s = limits.scope(timeoutSeconds());
        scope = s;
        if (cancelled) {
          s.cancel();
        }
        s.run(
            () -> {
              super.onHalfClose();
              return null;
            });
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e); // onHalfClose throws no checked exception
      } finally {
        limits.exit();
      }
    }

    /**
     * The sooner of the message's {@code timeout} field (Qdrant's requests carry one) and the
     * call's grpc deadline, in whole seconds rounded up; 0 for none.
     */
    private long timeoutSeconds() {
      long seconds = 0;
      if (message instanceof Message m) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName("timeout");
        if (f != null && f.getJavaType() == FieldDescriptor.JavaType.LONG && m.hasField(f)) {
          long t = (Long) m.getField(f);
          seconds = t == 0 ? 0 : (t < 0 ? Long.MAX_VALUE : t); // uint64: negative is huge
        }
      }
      if (deadline != null) {
        long left = Math.max(1, (deadline.timeRemaining(TimeUnit.MILLISECONDS) + 999) / 1000);
        seconds = seconds == 0 ? left : Math.min(seconds, left);
      }
      return seconds;
    }

    @Override
    public void onComplete() {
      run(super::onComplete, false);
    }

    @Override
    public void onReady() {
      run(super::onReady, false);
    }

    /**
     * Queues {@code step}; if no callback of this call is running, runs the queue: here, until a
     * step that must be {@code offload}ed, and from there on the executor.
     */
    private void run(Runnable step, boolean offload) {
      queue.add(new Step(step, offload));
      if (running.compareAndSet(false, true)) {
        drain(false);
      } // else the thread running this call's callbacks runs it next
    }

    private void drain(boolean onExecutor) {
      // a bulk call runs on the executor's (virtual) threads from the start: no hand-off needed
      onExecutor |= Thread.currentThread().isVirtual();
      while (true) {
        Step step;
        while ((step = queue.peek()) != null) {
          if (step.offload() && !onExecutor) {
            try {
              executor.execute(() -> drain(true));
            } catch (RuntimeException e) { // the executor is shut down: the server is stopping
              queue.clear();
              running.set(false);
              closeQuietly(Status.UNAVAILABLE.withDescription("the server is shutting down"));
            }
            return;
          }
          queue.poll();
          try {
            step.body().run();
          } catch (RuntimeException | Error e) {
            // grpc would cancel the stream; the services answer their own errors, so this is a bug
            LOG.error("gRPC call {} failed", call.getMethodDescriptor().getFullMethodName(), e);
            closeQuietly(Status.INTERNAL.withDescription("Service internal error"));
          }
        }
        running.set(false);
        if (queue.isEmpty() || !running.compareAndSet(false, true)) {
          return;
        }
      }
    }

    private void closeQuietly(Status status) {
      try {
        call.close(status, new Metadata());
      } catch (IllegalStateException alreadyClosed) {
        // the handler closed it before failing
      }
    }
  }
}
