package dev.quiver.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
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
 */
final class Offload implements ServerInterceptor {
  private static final Logger LOG = LogManager.getLogger(Offload.class);

  /** Methods whose requests can be large: parsed on the executor, not the event loop. */
  static final java.util.Set<String> BULK =
      java.util.Set.of(
          "qdrant.Points/Upsert",
          "qdrant.Points/UpdateBatch",
          "qdrant.Points/UpdateVectors",
          "qdrant.Points/SetPayload",
          "qdrant.Points/OverwritePayload");

  private final Executor executor;

  Offload(Executor executor) {
    this.executor = executor;
  }

  /** grpc's per-call executor: {@code executor} for {@link #BULK} methods, else the event loop. */
  static io.grpc.ServerCallExecutorSupplier bulkOnExecutor(Executor executor) {
    return new io.grpc.ServerCallExecutorSupplier() {
      @Override
      public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
        return BULK.contains(call.getMethodDescriptor().getFullMethodName()) ? executor : null;
      }
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new Listener<>(next.startCall(call, headers), call, executor);
  }

  private record Step(Runnable body, boolean offload) {}

  /** Runs the delegate's callbacks one at a time, in order; {@code onHalfClose} off the loop. */
  private static final class Listener<Q>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, ?> call;
    private final Executor executor;
    private final Queue<Step> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    Listener(ServerCall.Listener<Q> delegate, ServerCall<Q, ?> call, Executor executor) {
      super(delegate);
      this.call = call;
      this.executor = executor;
    }

    @Override
    public void onMessage(Q message) {
      run(() -> super.onMessage(message), false);
    }

    @Override
    public void onHalfClose() {
      run(super::onHalfClose, true);
    }

    @Override
    public void onCancel() {
      run(super::onCancel, false);
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
