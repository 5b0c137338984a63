package dev.quiver.server;

import dev.quiver.cluster.ClusterSettings;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.Dispatchers;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.security.ActionTable;
import dev.quiver.security.AuditLog;
import dev.quiver.security.AuthSettings;
import dev.quiver.security.Authenticator;
import dev.quiver.security.tls.TlsContexts;
import dev.quiver.security.tls.TlsSettings;
import dev.quiver.server.config.AuditSection;
import dev.quiver.server.config.QuiverConfig;
import dev.quiver.server.config.SecurityChecklist;
import dev.quiver.server.config.StorageSection;
import dev.quiver.server.grpc.GrpcServer;
import dev.quiver.server.guard.AccessControl;
import dev.quiver.server.guard.RequestLimits;
import dev.quiver.server.metrics.Metrics;
import dev.quiver.server.net.Transport;
import dev.quiver.server.recovery.SnapshotDownloads;
import dev.quiver.server.request.CreateCollection;
import dev.quiver.server.rest.AuditQuery;
import dev.quiver.server.rest.RestServer;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Storage;
import dev.quiver.storage.WalConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One running Quiver node: storage, the dispatcher, and the REST and gRPC edges sharing one set of
 * Netty event loops and one request executor. {@link #close()} stops the edges first, lets running
 * requests finish, then closes storage (which forces its logs). Made and closed by one thread (the
 * entry point, or its shutdown hook); what it holds is thread-safe.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Node.class);

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService executor;
  private final Dispatcher dispatcher;
  private final AuditLog audit;
  private final AccessControl access;
  private final TlsContexts tls;
  private final ScheduledExecutorService timers;
  private final CompletableFuture<String> fatal;
  private RestServer rest;
  private GrpcServer grpc;

  private Node(
      QuiverConfig config,
      TlsContexts tls,
      Dispatcher dispatcher,
      AuditLog auditLog,
      ScheduledExecutorService timers,
      CompletableFuture<String> fatal) {
    this.fatal = fatal;
    this.tls = tls;
    this.timers = timers;
    this.dispatcher = dispatcher;
    this.boss = new MultiThreadIoEventLoopGroup(1, Transport.ioHandlers());
    this.workers =
        new MultiThreadIoEventLoopGroup(config.service().ioThreads(), Transport.ioHandlers());
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("request-", 0).factory());
    this.audit = auditLog;
    var s = config.service();
    this.access =
        new AccessControl(
            Authenticator.of(
                new AuthSettings(s.apiKey(), s.altApiKey(), s.readOnlyApiKey(), s.jwtRbac())),
            ActionTable.standard(),
            dispatcher,
            audit,
            config.audit().trustForwardedHeaders());
  }

  private static AuditLog openAudit(AuditSection a) {
    if (!a.enabled()) {
      return AuditLog.NONE;
    }
    var rotation =
        a.rotation() == AuditSection.Rotation.HOURLY
            ? AuditLog.Rotation.HOURLY
            : AuditLog.Rotation.DAILY;
    return AuditLog.open(
        Path.of(a.dir()),
        rotation,
        a.maxLogFiles(),
        a.maxFileSizeMb() << 20,
        a.maxTotalSizeMb() << 20);
  }

  /** Opens storage and starts the edges; on failure everything opened so far is closed. */
  public static Node start(QuiverConfig config) throws Exception {
    return start(config, null, null);
  }

  /**
   * As {@link #start(QuiverConfig)}, in cluster mode with this node's {@code --uri} and {@code
   * --bootstrap} (either may be null).
   */
  public static Node start(QuiverConfig config, URI uri, URI bootstrap) throws Exception {
    var s = config.service();
    var c = config.cluster();
    boolean p2pTls = c.enabled() && c.p2p().enableTls();
    if (s.enforceInternalAuth() && c.enabled() && !p2pTls) {
      throw new IllegalStateException(
          "service.enforce_internal_auth needs cluster.p2p.enable_tls: Quiver authenticates peers"
              + " by certificates bound to the cluster's peers, not by the API key");
    }
    if (s.enforceInternalAuth() && p2pTls) {
      LOG.info(
          "service.enforce_internal_auth: the P2P port admits only certificates that name a peer"
              + " of this cluster (see cluster.p2p.peer_names)");
    }
    // the node's timer thread: certificate reloads and the cluster's quota poll
    ScheduledExecutorService timers =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("node-timers").factory());
    TlsContexts tls = null;
    if (s.enableTls() || p2pTls) {
      var t = config.tls();
      tls =
          TlsContexts.load(
              new TlsSettings(
                  Path.of(t.cert()),
                  Path.of(t.key()),
                  caCertIfNeeded(t.caCert(), s.verifyHttpsClientCertificate() || p2pTls),
                  t.certTtl(),
                  s.verifyHttpsClientCertificate()),
              timers);
    }
    RequestLimits limits =
        new RequestLimits(
            s.maxConcurrentRequests(),
            s.maxResultPoints(),
            s.maxFilterConditions(),
            System::nanoTime);
    Dispatcher dispatcher;
    AuditLog audit = null;
    var fatal = new CompletableFuture<String>();
    try {
      audit = openAudit(config.audit());
      // graph builds take every core while no request runs, and leave one while requests do
      dispatcher =
          openDispatcher(config, tls, uri, bootstrap, audit, timers, limits::busy, fatal::complete);
    } catch (RuntimeException e) {
      if (audit != null) {
        audit.close();
      }
      if (tls != null) {
        tls.close();
      }
      timers.shutdownNow();
      throw e;
    }
    Node node = new Node(config, tls, dispatcher, audit, timers, fatal);
    try {
      var defaults = collectionDefaults(config.storage());
      TlsContexts edgeTls = s.enableTls() ? tls : null;
      if (edgeTls != null) {
        var t = config.tls();
        LOG.info(
            "TLS enabled for REST and gRPC (reload every {}; client certificates {})",
            t.certTtl() == null || t.certTtl() == 0 ? "never" : t.certTtl() + " s",
            s.verifyHttpsClientCertificate() ? "required" : "not required");
      } else if (s.verifyHttpsClientCertificate()) {
        LOG.warn(
            "service.verify_https_client_certificate has no effect without service.enable_tls");
      }
      Metrics metrics = new Metrics(node.dispatcher);
      metrics.authentication(node.access);
      if (tls != null) {
        metrics.tlsCertificate(tls::certificateNotAfter);
      }
      // gRPC first: once REST answers /readyz, both edges are up.
      if (s.grpcPort() != null) {
        node.grpc =
            GrpcServer.start(
                s.host(),
                s.grpcPort(),
                node.dispatcher,
                defaults,
                node.access,
                edgeTls == null ? null : edgeTls.grpcServer(),
                node.boss,
                node.workers,
                node.executor,
                limits,
                metrics);
      } else {
        LOG.info("gRPC disabled (service.grpc_port is null)");
      }
      node.rest =
          RestServer.start(
              new RestServer.Settings(
                  s.host(),
                  s.httpPort(),
                  s.maxRequestSizeMb(),
                  s.enableCors(),
                  s.httpKeepAliveTimeoutSec(),
                  edgeTls == null ? null : edgeTls.httpServer(),
                  s.httpClientRequestTimeoutSec(),
                  s.maxConnectionsPerIp(),
                  new SnapshotDownloads(
                      new SnapshotDownloads.Policy(
                          s.enableSnapshotUrlRecovery(),
                          s.snapshotUrlRecoveryAllowPrivate(),
                          s.snapshotUrlRecoveryMaxSizeMb() << 20,
                          Duration.ofSeconds(10),
                          Duration.ofSeconds(60)),
                      InetAddress::getAllByName),
                  () ->
                      SecurityChecklist.evaluate(
                          config, Path.of("").toAbsolutePath(), Clock.systemUTC().instant())),
              node.dispatcher,
              defaults,
              node.access,
              metrics,
              node.boss,
              node.workers,
              node.executor,
              limits);
    } catch (Exception | Error e) {
      node.close();
      throw e;
    }
    return node;
  }

  private static Dispatcher openDispatcher(
      QuiverConfig config,
      TlsContexts tls,
      URI uri,
      URI bootstrap,
      AuditLog audit,
      ScheduledExecutorService timers,
      BooleanSupplier requestsRunning,
      Consumer<String> fatal) {
    var c = config.cluster();
    var registry =
        Storage.open(
            Path.of(config.storage().storagePath()),
            c.enabled(),
            requestsRunning,
            config.storage().performance().optimizerCpuBudget());
    Path snapshots = Path.of(config.storage().snapshotsPath());
    // the seed from the configuration is in force until PUT /quotas persists one
    var seed = config.storage().quotas().toQuotaConfig();
    var quota =
        new ResourceQuota(
            () -> registry.quotas().orElse(seed),
            ResourceQuota.system(Path.of(config.storage().storagePath())));
    if (!c.enabled()) {
      return Dispatchers.singleNode(registry, snapshots, quota);
    }
    Duration timeout = Duration.ofMillis(Math.max(1000, c.grpcTimeoutMs()));
    return Dispatchers.cluster(
        new ClusterSettings(
            Path.of(config.storage().storagePath()),
            snapshots,
            config.service().host(),
            c.p2p().port(),
            uri,
            bootstrap,
            c.p2p().enableTls() ? tls.peerTls() : null,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            timeout,
            c.consensus().compactWalEntries(),
            c.consensus().compactShardLogEntries(),
            c.consensus().logSegmentKb() * 1024L,
            c.p2p().peerNames(),
            audit,
            query -> AuditQuery.answer(audit.directory(), query),
            c.p2p().maxFormatVersion(),
            config.storage().listener(),
            config.storage().performance().updateRateLimit(),
            fatal),
        registry,
        quota,
        timers);
  }

  /**
   * The CA file is required only to verify client certificates; otherwise it is used when present
   * (for reloading with the rest) and ignored when absent, as in Qdrant.
   */
  private static Path caCertIfNeeded(String caCert, boolean verifyClients) {
    if (caCert == null) {
      return null;
    }
    Path p = Path.of(caCert);
    return verifyClients || Files.exists(p) ? p : null;
  }

  static CreateCollection.CollectionDefaults collectionDefaults(StorageSection s) {
    var h = s.hnswIndex();
    var o = s.optimizers();
    return new CreateCollection.CollectionDefaults(
        s.collection().replicationFactor(),
        s.collection().writeConsistencyFactor(),
        s.onDiskPayload(),
        s.collection().vectors().onDisk(),
        new HnswConfig(
            h.m(),
            h.efConstruct(),
            h.fullScanThresholdKb(),
            h.maxIndexingThreads(),
            h.onDisk(),
            h.payloadM()),
        new OptimizersConfig(
            o.deletedThreshold(),
            o.vacuumMinVectorNumber(),
            o.defaultSegmentNumber(),
            o.maxSegmentSizeKb(),
            o.indexingThresholdKb(),
            o.flushIntervalSec(),
            o.maxOptimizationThreads()),
        new WalConfig(
            s.wal().walCapacityMb(), s.wal().walSegmentsAhead(), s.wal().walRetainClosed()));
  }

  /**
   * Completes with the reason when this node cannot go on serving (its cluster log holds entries in
   * a format it does not read); whoever runs the node stops it then.
   */
  public CompletionStage<String> fatal() {
    return fatal;
  }

  public int restPort() {
    return rest.port();
  }

  /** The gRPC port, or -1 when gRPC is disabled. */
  public int grpcPort() {
    return grpc == null ? -1 : grpc.port();
  }

  private final AtomicBoolean closed = new AtomicBoolean();

  /** Stops the node; closing it again does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (grpc != null) {
      grpc.close();
    }
    if (rest != null) {
      rest.close();
    }
    executor.shutdown();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("requests still running after 10 s; closing storage under them");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dispatcher.close();
    access.flushAuditSummaries(); // failed authentications still only counted
    audit.close();
    if (tls != null) {
      tls.close();
    }
    timers.shutdownNow();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
