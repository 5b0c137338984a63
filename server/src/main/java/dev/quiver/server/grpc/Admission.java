package dev.quiver.server.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.quiver.server.guard.HeapBudget;
import io.grpc.ForwardingServerCallListener;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Admits each gRPC request message into the node's {@link HeapBudget} before it is parsed. The
 * services' request marshallers are replaced ({@link #wrap}) by ones that reserve the message's
 * wire size, read it, estimate the heap its objects and the service's copy of them will take
 * ({@link ProtoHeapCost}), grow the reservation to that, and only then parse. As an interceptor,
 * this holds the reservation for the life of the call and gives it back when the call completes or
 * is cancelled. A message that does not fit, or does not parse, is never handed to the service: the
 * call is closed with RESOURCE_EXHAUSTED (the budget's reason) or INVALID_ARGUMENT.
 *
 * <p>grpc parses a message and passes it to the call's listener in one step on one thread, so the
 * marshaller leaves its outcome in a thread-local that this interceptor's listener, the first to
 * see the message, takes at once. It must sit outside {@link Offload}, which may queue messages.
 * Thread-safe.
 */
final class Admission implements ServerInterceptor {
  private final HeapBudget budget;

  /** The outcome of the last parse on this thread: a reservation, or why it was refused. */
  private final ThreadLocal<Object> outcome = new ThreadLocal<>();

  Admission(HeapBudget budget) {
    this.budget = budget;
  }

  /** {@code service} with request marshallers that admit each message before parsing it. */
  ServerServiceDefinition wrap(ServerServiceDefinition service) {
    ServiceDescriptor old = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(old.getName()).setSchemaDescriptor(old.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<?, ?> admitted = admitted(m);
      methods.add(admitted);
      descriptor.addMethod(admitted.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(b::addMethod);
    return b.build();
  }

  private <Q, R> ServerMethodDefinition<Q, R> admitted(ServerMethodDefinition<Q, R> m) {
    MethodDescriptor<Q, R> method = m.getMethodDescriptor();
    if (!(method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> proto)
        || !(proto.getMessagePrototype() instanceof Message)) {
      return m;
    }
    return ServerMethodDefinition.create(
        method.toBuilder(new Admitting<>(proto), method.getResponseMarshaller()).build(),
        m.getServerCallHandler());
  }

  /** Parses a request message once the budget admits it. */
  private final class Admitting<Q> implements MethodDescriptor.PrototypeMarshaller<Q> {
    private final MethodDescriptor.PrototypeMarshaller<Q> delegate;
    private final Message prototype;

    Admitting(MethodDescriptor.PrototypeMarshaller<Q> delegate) {
      this.delegate = delegate;
      this.prototype = (Message) delegate.getMessagePrototype();
    }

    @Override
    public Q getMessagePrototype() {
      return delegate.getMessagePrototype();
    }

    @Override
    public Class<Q> getMessageClass() {
      return delegate.getMessageClass();
    }

    @Override
    public InputStream stream(Q value) {
      return delegate.stream(value);
    }

    @Override
    public Q parse(InputStream stream) {
      if (outcome.get() instanceof HeapBudget.Reservation stale) {
        stale.close(); // a parse whose message never reached a listener
      }
      outcome.remove();
      try {
        int size = stream instanceof KnownLength ? stream.available() : 0;
        HeapBudget.Reservation r = budget.tryReserve(size);
        if (r == null) {
          return refused(Status.RESOURCE_EXHAUSTED.withDescription(budget.refusal(size)));
        }
        byte[] bytes = read(stream, size);
        long cost =
            HeapBudget.peak(
                bytes.length, ProtoHeapCost.of(bytes, prototype.getDescriptorForType()));
        if (!r.growTo(cost)) {
          r.close();
          return refused(Status.RESOURCE_EXHAUSTED.withDescription(budget.refusal(cost)));
        }
        try {
          Q message = parsed(bytes);
          outcome.set(r);
          return message;
        } catch (InvalidProtocolBufferException e) {
          r.close();
          return refused(
              Status.INVALID_ARGUMENT.withDescription(
                  "Invalid "
                      + prototype.getDescriptorForType().getFullName()
                      + " message: "
                      + e.getMessage()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e); // grpc's buffers do not fail to read
      }
    }

    @SuppressWarnings("unchecked") // the prototype's parser makes messages of its own type Q
    private Q parsed(byte[] bytes) throws InvalidProtocolBufferException {
      return (Q) prototype.getParserForType().parseFrom(bytes);
    }

    private Q refused(Status status) {
      outcome.set(status);
      return delegate.getMessagePrototype();
    }
  }

  private static byte[] read(InputStream stream, int size) throws IOException {
    byte[] known = stream.readNBytes(size);
    int next = stream.read();
    if (next < 0) {
      return known;
    }
    // longer than announced (not grpc's streams): take the rest as it comes
    byte[] rest = stream.readAllBytes();
    byte[] all = Arrays.copyOf(known, known.length + 1 + rest.length);
    all[known.length] = (byte) next;
    System.arraycopy(rest, 0, all, known.length + 1, rest.length);
    return all;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new Holding<>(next.startCall(call, headers), call);
  }

  /** Takes each message's reservation and holds it until the call ends. */
  private final class Holding<Q>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, ?> call;
    private final AtomicReference<HeapBudget.Reservation> held = new AtomicReference<>();
    private volatile boolean refused;

    Holding(ServerCall.Listener<Q> delegate, ServerCall<Q, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      Object o = outcome.get();
      outcome.remove();
      if (o instanceof Status status) {
        refused = true;
        try {
          call.close(status, new Metadata());
        } catch (IllegalStateException alreadyClosed) {
          // refused before its message arrived (authentication)
        }
        return;
      }
      if (o instanceof HeapBudget.Reservation r) {
        HeapBudget.Reservation before = held.getAndSet(r);
        if (before != null) {
          before.close(); // a unary call has one message; a stream's last one is what it holds
        }
      }
      if (!refused) {
        super.onMessage(message);
      }
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      release();
      super.onCancel();
    }

    @Override
    public void onComplete() {
      release();
      super.onComplete();
    }

    private void release() {
      HeapBudget.Reservation r = held.getAndSet(null);
      if (r != null) {
        r.close();
      }
    }
  }
}
