package dev.quiver.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.quiver.server.guard.HeapBudget;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The heap budget at a real gRPC server on loopback, with the health service as the handler. */
class AdmissionTest {
  private final HeapBudget budget = new HeapBudget(64 << 10);
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
    Admission admission = new Admission(budget);
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(admission.wrap(health.getHealthService().bindService()))
            .intercept(admission)
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** The server completes a call just after its client has the answer: waits for that. */
  private void awaitReleased() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (budget.reserved() != 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(budget.reserved()).isZero();
  }

  private HealthCheckResponse check(String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build());
  }

  @Test
  void aMessageThatFitsIsParsedAndItsReservationGivenBack() {
    assertThat(check("").getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThatThrownBy(() -> check("x".repeat(1000)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    awaitReleased();
  }

  @Test
  void aMessageLargerThanTheBudgetIsRefusedBeforeTheService() {
    // 30 KB on the wire, 60 KB of characters once decoded, twice: past the 64 KB budget
    assertThatThrownBy(() -> check("x".repeat(30_000)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription()).startsWith("Payload too large");
            });
    awaitReleased();
    assertThat(check("").getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void aMessageThatDoesNotFitBesideOthersIsRefusedAsTooMany() {
    HeapBudget.Reservation others = budget.tryReserve(60 << 10);
    try {
      assertThatThrownBy(() -> check("x".repeat(2000)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(e.getStatus().getDescription()).startsWith("Too many requests");
              });
    } finally {
      others.close();
    }
    awaitReleased();
  }

  @Test
  void bytesThatAreNotTheMessageAreInvalidArgument() {
    // sent as a BytesValue: field 1 with bytes that are not UTF-8, where the request's field 1 is
    // a string
    MethodDescriptor<BytesValue, BytesValue> raw =
        HealthGrpc.getCheckMethod().toBuilder(
                ProtoUtils.marshaller(BytesValue.getDefaultInstance()),
                ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
            .build();
    BytesValue notUtf8 = BytesValue.of(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xfe}));
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    raw,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    notUtf8))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .startsWith("Invalid grpc.health.v1.HealthCheckRequest message");
            });
    awaitReleased();
  }
}
