package dev.quiver.server.grpc;

import com.google.protobuf.Message;
import dev.quiver.security.Action;
import dev.quiver.security.AuthenticationFailed;
import dev.quiver.security.Credentials;
import dev.quiver.security.Forbidden;
import dev.quiver.security.Principal;
import dev.quiver.security.Requirement;
import dev.quiver.server.guard.AccessControl;
import dev.quiver.server.query.Lookups;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * Authenticates every call from its {@code api-key} or {@code authorization: Bearer} metadata,
 * authorizes it through the action table once its request message is in (the collection is a field
 * of the message), audits it when it closes, and hands the {@link Principal} to the service in the
 * {@link Context}. It never throws: refusals close the call with UNAUTHENTICATED or
 * PERMISSION_DENIED.
 */
final class AuthInterceptor implements ServerInterceptor {
  static final Context.Key<Principal> PRINCIPAL = Context.key("quiver-principal");
  private static final Metadata.Key<String> API_KEY =
      Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final AccessControl access;

  AuthInterceptor(AccessControl access) {
    this.access = access;
  }

  /** The caller of the current call (full access when none was set, as without keys). */
  static Principal principal() {
    Principal p = PRINCIPAL.get();
    return p == null ? Principal.ANONYMOUS : p;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<Action> action = access.table().forGrpc(method);
    if (action.isPresent() && action.get().requirement() == Requirement.OPEN) {
      return next.startCall(call, headers);
    }
    boolean audited = access.auditLog().enabled() && AccessControl.audited(action.orElse(null));
    AccessControl.Audit audit =
        audited ? arrived(call, headers, method) : AccessControl.Audit.unrecorded();
    audit.operation(action.map(Action::operation).orElse(null));

    Principal principal;
    try {
      // on the event loop: no storage read here (a value_exists check waits for onHalfClose)
      principal =
          access.authenticateStateless(
              new Credentials(headers.get(API_KEY), headers.get(AUTHORIZATION)));
    } catch (AuthenticationFailed e) {
      new AuditingCall<>(call, audit, audited).refuse(e);
      return new ServerCall.Listener<>() {};
    }
    audit.principal(principal);
    if (action.isEmpty()) {
      String message = "Forbidden: " + method + " has no access rule";
      if (audited) {
        access.record(audit, Status.Code.PERMISSION_DENIED.value(), message);
      }
      call.close(
          GrpcErrors.clipped(Status.PERMISSION_DENIED.withDescription(message)), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    var auditing = new AuditingCall<>(call, audit, audited);
    Context context = Context.current().withValue(PRINCIPAL, principal);
    ServerCall.Listener<Q> delegate = Contexts.interceptCall(context, auditing, headers, next);
    boolean stateful = principal.valueExists() != null;
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean denied;
      private Q held; // a value_exists caller's message, authorized once the token is checked

      @Override
      public void onMessage(Q message) {
        if (stateful) {
          held = message;
        } else {
          authorize(message);
        }
      }

      private void authorize(Q message) {
        if (denied) {
          return;
        }
        try {
          String collection = null;
          List<String> lookups = List.of();
          if (message instanceof Message m) {
            collection = Lookups.collectionName(m);
            if (Lookups.relevant(action.get().operation())) {
              lookups = Lookups.of(m);
            }
          }
          audit.collection(collection);
          access.authorize(principal, action.get(), collection, lookups);
        } catch (Forbidden f) {
          denied = true;
          auditing.deny("Forbidden: " + f.getMessage());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (stateful) { // on a request thread (Offload): the token's condition reads the storage
          try {
            access.checkStateful(principal);
          } catch (AuthenticationFailed e) {
            denied = true;
            auditing.refuse(e);
            return;
          } catch (RuntimeException e) { // e.g. the collection's shards unreachable
            denied = true;
            auditing.close(GrpcErrors.toStatus(e, method).getStatus(), new Metadata());
            return;
          }
          if (held != null) {
            Q message = held;
            held = null;
            authorize(message);
          }
        }
        if (!denied) {
          super.onHalfClose();
        }
      }
    };
  }

  /** What only the audit log reads: where the call came from and how. */
  private AccessControl.Audit arrived(ServerCall<?, ?> call, Metadata headers, String method) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return new AccessControl.Audit(
        access.clientIp(
            remote instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress()
                : String.valueOf(remote),
            first(headers, "forwarded"),
            first(headers, "x-forwarded-for")),
        "gRPC",
        "/" + method,
        headers.get(Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER)),
        first(headers, "x-request-id", "x-tracing-id", "traceparent"));
  }

  private static String first(Metadata headers, String... names) {
    for (String n : names) {
      String v = headers.get(Metadata.Key.of(n, Metadata.ASCII_STRING_MARSHALLER));
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** Records the audit entry when the call closes, with its final status. */
  private final class AuditingCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final AccessControl.Audit audit;
    private final boolean audited;
    private String denial;

    AuditingCall(ServerCall<Q, R> call, AccessControl.Audit audit, boolean audited) {
      super(call);
      this.audit = audit;
      this.audited = audited;
    }

    void deny(String message) {
      denial = message;
      close(GrpcErrors.clipped(Status.PERMISSION_DENIED.withDescription(message)), new Metadata());
    }

    /** Closes the call refused by authentication: 401 or 403 as the failure says. */
    void refuse(AuthenticationFailed e) {
      denial = "Unauthorized: " + e.getMessage();
      close(
          (e.forbidden() ? Status.PERMISSION_DENIED : Status.UNAUTHENTICATED)
              .withDescription(e.getMessage()),
          new Metadata());
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (audited) {
        access.record(audit, status.getCode().value(), denial);
      }
      super.close(status, trailers);
    }
  }
}
