package dev.quiver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.server.guard.RequestLimits;
import dev.quiver.storage.RequestScope;
import dev.quiver.storage.StorageException;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class OffloadTest {
  /** An executor that runs nothing until told to, and names what ran on it. */
  private static final class Manual implements java.util.concurrent.Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    boolean running;

    @Override
    public void execute(Runnable r) {
      tasks.add(r);
    }

    void runAll() {
      running = true;
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
      running = false;
    }
  }

  private static class Call extends ServerCall<String, String> {
    final List<Status> closed = new ArrayList<>();

    @Override
    public void request(int n) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(String message) {}

    @Override
    public void close(Status status, Metadata trailers) {
      if (!closed.isEmpty()) {
        throw new IllegalStateException("call already closed");
      }
      closed.add(status);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public MethodDescriptor<String, String> getMethodDescriptor() {
      MethodDescriptor.Marshaller<String> m =
          new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(String value) {
              return new ByteArrayInputStream(value.getBytes());
            }

            @Override
            public String parse(InputStream stream) {
              return "";
            }
          };
      return MethodDescriptor.<String, String>newBuilder(m, m)
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test/Method")
          .build();
    }
  }

  /** Records each callback and whether it ran on the executor. */
  private static ServerCall.Listener<String> recording(List<String> log, Manual executor) {
    return new ServerCall.Listener<>() {
      private void note(String what) {
        log.add(what + (executor.running ? "@executor" : "@loop"));
      }

      @Override
      public void onMessage(String message) {
        note("message " + message);
      }

      @Override
      public void onHalfClose() {
        note("halfClose");
      }

      @Override
      public void onComplete() {
        note("complete");
      }

      @Override
      public void onReady() {
        note("ready");
      }
    };
  }

  private static ServerCall.Listener<String> start(
      Manual executor, Call call, ServerCall.Listener<String> listener) {
    return new Offload(executor, RequestLimits.defaults())
        .interceptCall(call, new Metadata(), (c, h) -> listener);
  }

  @Test
  void theHandlerRunsOnTheExecutorAndLaterCallbacksWaitForIt() {
    Manual executor = new Manual();
    List<String> log = new ArrayList<>();
    var listener = start(executor, new Call(), recording(log, executor));

    listener.onReady();
    listener.onMessage("q");
    assertThat(log).containsExactly("ready@loop", "message q@loop");

    listener.onHalfClose();
    listener.onComplete(); // arrives while the handler is still queued: runs after it
    assertThat(log).hasSize(2);
    executor.runAll();
    assertThat(log)
        .containsExactly("ready@loop", "message q@loop", "halfClose@executor", "complete@executor");
  }

  @Test
  void callbacksAfterTheHandlerFinishedRunInlineWithoutAnotherHandOff() {
    Manual executor = new Manual();
    List<String> log = new ArrayList<>();
    var listener = start(executor, new Call(), recording(log, executor));
    listener.onMessage("q");
    listener.onHalfClose();
    executor.runAll();
    listener.onComplete();
    assertThat(log).containsExactly("message q@loop", "halfClose@executor", "complete@loop");
    assertThat(executor.tasks).isEmpty();
  }

  @Test
  void aCallAlreadyOnARequestThreadIsNotHandedOffAgain() throws Exception {
    Manual executor = new Manual();
    List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    var listener = start(executor, new Call(), recording(log, executor));
    Thread.ofVirtual()
        .start(
            () -> {
              listener.onMessage("q");
              listener.onHalfClose();
            })
        .join();
    assertThat(executor.tasks).isEmpty();
    assertThat(log).containsExactly("message q@loop", "halfClose@loop");
  }

  @Test
  void bulkWritesAreParsedOnTheExecutorAndEverythingElseOnTheLoop() {
    Manual executor = new Manual();
    var supplier = Offload.bulkOnExecutor(executor);
    assertThat(supplier.getExecutor(call("qdrant.Points/Upsert"), new Metadata()))
        .isSameAs(executor);
    assertThat(supplier.getExecutor(call("qdrant.Points/UpdateBatch"), new Metadata()))
        .isSameAs(executor);
    assertThat(supplier.getExecutor(call("qdrant.Points/Query"), new Metadata())).isNull();
    assertThat(supplier.getExecutor(call("qdrant.Collections/List"), new Metadata())).isNull();
  }

  private static Call call(String method) {
    return new Call() {
      @Override
      public MethodDescriptor<String, String> getMethodDescriptor() {
        return super.getMethodDescriptor().toBuilder().setFullMethodName(method).build();
      }
    };
  }

  @Test
  void aFailingHandlerClosesTheCallWithInternal() {
    Manual executor = new Manual();
    Call call = new Call();
    var listener =
        start(
            executor,
            call,
            new ServerCall.Listener<>() {
              @Override
              public void onHalfClose() {
                throw new IllegalStateException("bug");
              }
            });
    listener.onHalfClose();
    executor.runAll();
    assertThat(call.closed).extracting(Status::getCode).containsExactly(Status.Code.INTERNAL);
    listener.onComplete(); // the call goes on: later callbacks still run
  }

  @Test
  void aStoppedExecutorAnswersUnavailable() {
    Call call = new Call();
    var listener =
        new Offload(
                r -> {
                  throw new RejectedExecutionException("shut down");
                },
                RequestLimits.defaults())
            .interceptCall(call, new Metadata(), (c, h) -> new ServerCall.Listener<String>() {});
    listener.onHalfClose();
    assertThat(call.closed).extracting(Status::getCode).containsExactly(Status.Code.UNAVAILABLE);
  }

  /** Past the in-flight cap a call is refused at once, and the slot is free again after. */
  @Test
  void callsPastTheInFlightCapAreRefusedWithResourceExhausted() {
    RequestLimits one = new RequestLimits(1, 100, 100, System::nanoTime);
    assertThat(one.tryEnter()).isTrue(); // another request holds the only slot
    Manual executor = new Manual();
    Call refused = new Call();
    new Offload(executor, one)
        .interceptCall(refused, new Metadata(), (c, h) -> new ServerCall.Listener<String>() {})
        .onHalfClose();
    executor.runAll();
    assertThat(refused.closed)
        .extracting(Status::getCode)
        .containsExactly(Status.Code.RESOURCE_EXHAUSTED);
    one.exit();

    Call admitted = new Call();
    List<String> ran = new ArrayList<>();
    new Offload(executor, one)
        .interceptCall(
            admitted,
            new Metadata(),
            (c, h) ->
                new ServerCall.Listener<String>() {
                  @Override
                  public void onHalfClose() {
                    ran.add("handler");
                  }
                })
        .onHalfClose();
    executor.runAll();
    assertThat(ran).containsExactly("handler");
    assertThat(one.tryEnter()).isTrue(); // released after the handler
  }

  /**
   * A client's cancel reaches the running handler's scope at once, not after the handler (its
   * callbacks are otherwise queued behind it): the engine's next checkpoint throws.
   */
  @Test
  void aCancelStopsTheRunningHandlerAtItsNextCheckpoint() {
    Manual executor = new Manual();
    Call call = new Call();
    List<String> seen = new ArrayList<>();
    ServerCall.Listener<String>[] self = new ServerCall.Listener[1];
    self[0] =
        new Offload(executor, RequestLimits.defaults())
            .interceptCall(
                call,
                new Metadata(),
                (c, h) ->
                    new ServerCall.Listener<String>() {
                      @Override
                      public void onHalfClose() {
                        RequestScope scope = RequestScope.current();
                        scope.checkpoint(); // running: passes
                        self[0].onCancel(); // the client goes away meanwhile
                        try {
                          scope.checkpoint();
                          seen.add("went on");
                        } catch (StorageException.Timeout e) {
                          seen.add("stopped");
                        }
                      }

                      @Override
                      public void onCancel() {
                        seen.add("cancel delivered");
                      }
                    });
    self[0].onHalfClose();
    executor.runAll();
    assertThat(seen).containsExactly("stopped", "cancel delivered");
  }
}
