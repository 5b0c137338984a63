package dev.quiver.cluster.internal.raft;

import dev.quiver.security.AuditEvent;
import dev.quiver.security.AuditLog;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Set;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCall;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Records in the audit log every Ratis admin call that changes the cluster and that a peer was
 * allowed to make on the P2P port: membership changes ({@code setConfiguration}), groups added or
 * removed ({@code groupManagement}), leadership transfers, snapshot and election management. Reads
 * ({@code groupList}, {@code groupInfo}) are not recorded. Each entry carries the caller's address,
 * the method and the status the call ended with ({@code method: "P2P"}). Calls refused for their
 * certificate are recorded by {@link PeerCertificateBinding}, which runs before this. Thread-safe.
 */
final class AdminCallAudit implements ServerInterceptor {
  static final String ADMIN_SERVICE = "ratis.grpc.AdminProtocolService";
  private static final Set<String> READS = Set.of("groupList", "groupInfo");

  private final AuditLog log;
  private final Clock clock;

  AdminCallAudit(AuditLog log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    var method = call.getMethodDescriptor();
    if (!ADMIN_SERVICE.equals(method.getServiceName())
        || READS.contains(method.getBareMethodName())) {
      return next.startCall(call, headers);
    }
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    long started = clock.millis();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            log.record(
                new AuditEvent(
                    clock.instant(),
                    remote == null ? null : remote.toString(),
                    "P2P",
                    "/" + method.getFullMethodName(),
                    status.getCode().value(),
                    null,
                    clock.millis() - started,
                    "raft_" + method.getBareMethodName(),
                    null,
                    null,
                    null,
                    null,
                    status.isOk() ? "ok" : "error",
                    status.isOk() ? null : status.getCode().name()));
            super.close(status, trailers);
          }
        },
        headers);
  }
}
