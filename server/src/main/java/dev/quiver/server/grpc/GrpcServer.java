package dev.quiver.server.grpc;

import dev.quiver.cluster.Dispatcher;
import dev.quiver.server.guard.AccessControl;
import dev.quiver.server.guard.RequestLimits;
import dev.quiver.server.metrics.Metrics;
import dev.quiver.server.net.Transport;
import dev.quiver.server.request.CreateCollection;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.qdrant.client.grpc.StorageReadGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The gRPC edge: {@code qdrant.Qdrant}, {@code qdrant.Collections}, {@code qdrant.Points} and
 * {@code grpc.health.v1.Health} on unshaded grpc-netty, sharing the REST edge's event loops and
 * request executor. The owner closes it. Thread-safe once started; its owner closes it once.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(GrpcServer.class);

  /** Concurrent HTTP/2 streams one client connection may hold open. */
  static final int MAX_STREAMS_PER_CONNECTION = 256;

  private final Server server;
  private final HealthStatusManager health;

  private GrpcServer(Server server, HealthStatusManager health) {
    this.server = server;
    this.health = health;
  }

  /** Binds and starts serving; fails if the port cannot be bound. */
  public static GrpcServer start(
      String host,
      int port,
      Dispatcher dispatcher,
      CreateCollection.CollectionDefaults defaults,
      AccessControl access,
      SslContext ssl,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ExecutorService executor,
      RequestLimits limits,
      Metrics metrics)
      throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    Admission admission = new Admission(limits.heap());
    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
    if (ssl != null) {
      builder.sslContext(ssl);
    }
    Server server =
        builder
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelType(Transport.serverChannel())
            // the transport's event loop runs each call up to its complete request; Offload
            // (the outermost interceptor) moves it to the executor from there
            .directExecutor()
            .callExecutor(Offload.bulkOnExecutor(executor))
            .maxInboundMessageSize(64 << 20)
            // HTTP/2 limits: streams per connection, header size, and the rapid-reset flood
            // (CVE-2023-44487): a client resetting more than 500 streams in 10 s is disconnected
            .maxConcurrentCallsPerConnection(MAX_STREAMS_PER_CONNECTION)
            .maxInboundMetadataSize(64 << 10)
            .maxRstFramesPerWindow(500, 10)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .maxConnectionIdle(5, TimeUnit.MINUTES)
            .addService(admission.wrap(new QdrantService().bindService()))
            .addService(admission.wrap(new CollectionsService(dispatcher, defaults).bindService()))
            .addService(admission.wrap(new PointsService(dispatcher).bindService()))
            .addService(admission.wrap(health.getHealthService().bindService()))
            .addService(admission.wrap(new SnapshotsService(dispatcher).bindService()))
            // Qdrant's StorageRead service is not served; registered so that its calls are
            // authenticated and audited before they are answered UNIMPLEMENTED
            .addService(admission.wrap(new StorageReadGrpc.StorageReadImplBase() {}.bindService()))
            .intercept(new AuthInterceptor(access))
            .intercept(new Offload(executor, limits))
            // outside Offload, which may queue a message: takes its heap reservation at once
            .intercept(admission)
            .intercept(new CallMetrics(metrics)) // added last: runs first
            .build()
            .start();
    LOG.info("gRPC listening on {}:{}{}", host, server.getPort(), ssl == null ? "" : " (TLS)");
    return new GrpcServer(server, health);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
