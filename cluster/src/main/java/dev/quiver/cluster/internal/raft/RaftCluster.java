package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.Catalog;
import dev.quiver.cluster.ClusterControl;
import dev.quiver.cluster.ClusterSettings;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.PeerUris;
import dev.quiver.cluster.PointAccess;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.internal.Capabilities;
import dev.quiver.cluster.internal.Fanout;
import dev.quiver.cluster.internal.QuotaControl;
import dev.quiver.cluster.internal.RoutedPoints;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;

/**
 * A node of a Raft cluster: one Ratis server on the P2P port (mutual TLS when configured) hosting
 * the metadata group of all peers and one group per local shard replica. This class is the node's
 * lifecycle (founding, joining or rejoining the cluster, closing); the capabilities are small
 * classes over it:
 *
 * <ul>
 *   <li>{@link RaftCatalog}: collection changes are metadata log entries ({@link MetaLog}); every
 *       peer applies them to its {@link MetaStateMachine}, whose {@link MetaEffects} update the
 *       local {@link CollectionRegistry} and start or stop the local shard groups ({@link
 *       ShardGroups}).
 *   <li>{@link RoutedPoints} over {@link RaftRoutes}: point updates are split by shard and
 *       submitted to each shard's group; reads use the local replica when this node holds one, else
 *       a remote one, merged across shards by {@link Fanout}.
 *   <li>{@link RaftClusterControl}: status, placement changes ({@link ShardMembership}), peers.
 * </ul>
 *
 * Thread-safe once {@link #start} has returned.
 */
public final class RaftCluster implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(RaftCluster.class);

  /** The metadata group of every Quiver cluster (group ids are not secrets; peers are). */
  static final RaftGroupId META_GROUP =
      RaftGroupId.valueOf(UUID.fromString("51756976-6572-4d65-7461-000000000001"));

  private final ClusterSettings settings;
  private final CollectionRegistry registry;
  private final ResourceQuota quota;
  private final ExecutorService executor;
  private final Path clusterDir;
  private final RaftProperties properties;
  private final Parameters parameters;
  private final RaftClients clients;
  private final P2pConnectionLog connectionLog;
  private final ClusterAudit audit;
  private final MetaStateMachine meta;
  private final MetaLog metaLog;
  private final GroupBindings bindings;
  private final ShardGroups groups;
  private final FormatGate format;
  private final ReshardGate gate;

  // set by start(), before the node is handed out
  private volatile PeerIdentity identity;
  private RaftServer server;
  private PeerQuotas peerQuotas;
  private LeaderBalance leaderBalance;
  private ShardTransfers transfers;
  private Resharder resharder;
  private MetaGroupClient reshardQuestions;
  private FormatUpgrade formatUpgrade;
  private NodeRole nodeRole;
  private ScheduledFuture<?> staleRecoveries;
  private Dispatcher dispatcher;

  private RaftCluster(
      ClusterSettings settings,
      CollectionRegistry registry,
      ResourceQuota quota,
      ExecutorService executor) {
    PeerNameResolver.register();
    this.settings = settings;
    this.registry = registry;
    this.quota = quota;
    this.executor = executor;
    this.clusterDir = settings.storagePath().resolve("cluster");
    this.format = new FormatGate(settings.maxFormatVersion(), settings.fatal());
    this.properties = RatisProperties.of(settings, clusterDir.resolve("raft"));
    this.parameters = new Parameters();
    // a peer whose request timed out (after the longest election timeout) is passed over for as
    // long again: by then the others have elected a leader in its place, even after a first
    // election that failed (or it was only slow, and gets its requests again)
    this.clients =
        new RaftClients(
            properties, parameters, settings.requestTimeout(), executor, settings.rpcTimeoutMax());
    this.audit = new ClusterAudit(settings.audit());
    this.bindings = new GroupBindings(clusterDir.resolve("groups"));
    // the groups read the peers from the state machine whose effects start and stop them
    this.groups =
        new ShardGroups(
            bindings,
            clients,
            this::peers,
            executor,
            settings.requestTimeout(),
            settings.rpcTimeoutMax(),
            format::writing,
            this::listeners);
    this.gate = new ReshardGate(this::metaApplied);
    this.meta =
        new MetaStateMachine(
            new MetaEffects(
                registry,
                groups,
                audit,
                () -> identity.peerId(),
                quota,
                settings.auditReader(),
                gate::passed),
            settings.metaSnapshotEntries(),
            format);
    this.metaLog = new MetaLog(meta, format, settings.requestTimeout());
    this.connectionLog =
        new P2pConnectionLog(
            settings.tls()
                ? new PeerCertificateBinding(this::knownPeerHosts, settings.audit())
                : null,
            new AdminCallAudit(settings.audit(), Clock.systemUTC()));
    if (!settings.tls()) {
      LOG.warn(
          "cluster.p2p.enable_tls is off: the P2P port {} accepts any client that reaches it, with"
              + " full cluster powers; turn it on outside a closed test network",
          settings.p2pPort());
    }
    if (settings.tls()) {
      GrpcConfigKeys.TLS.setConf(
          parameters,
          new GrpcTlsConfig(
              settings.peerTls().keyManager(), settings.peerTls().trustManager(), true));
      GrpcConfigKeys.Server.setServicesCustomizer(parameters, connectionLog);
    }
  }

  /**
   * Starts this node's part of the cluster: founds it (first start without {@code --bootstrap}),
   * joins through {@code --bootstrap}, or rejoins from the stored identity. Takes ownership of
   * {@code registry} and {@code executor} (the per-shard calls of requests; virtual threads suit
   * it); polls the peers' quotas on {@code timers}, which the caller owns.
   */
  public static RaftCluster start(
      ClusterSettings settings,
      CollectionRegistry registry,
      ResourceQuota quota,
      ExecutorService executor,
      ScheduledExecutorService timers) {
    var cluster = new RaftCluster(settings, registry, quota, executor);
    try {
      cluster.startServer();
      cluster.wire(timers);
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof FormatGate.Refused refused) {
          // the log or its snapshot is in a format this node does not read: say so, in one line
          throw new StorageException.BadInput(refused.getMessage());
        }
      }
      if (e instanceof IOException) {
        throw new StorageException.Unavailable(
            "cannot start the cluster node: " + e.getMessage(), e);
      }
      throw (RuntimeException) e;
    }
  }

  /** The capabilities, over the started server. */
  private void wire(ScheduledExecutorService timers) {
    long self = identity.peerId();
    peerQuotas =
        new PeerQuotas(
            quota, self, meta::peers, this::metaGroup, clients::once, format::writing, timers);
    formatUpgrade =
        new FormatUpgrade(
            format,
            new FormatUpgrade.Host() {
              @Override
              public RaftServer.Division metaDivision() throws IOException {
                return server.getDivision(META_GROUP);
              }

              @Override
              public RaftClient client(RaftGroup group) {
                return clients.once(group);
              }

              @Override
              public void propose(Wire.MetaEntry entry) {
                metaLog.propose(entry);
              }
            },
            timers,
            FORMAT_CHECK_EVERY,
            settings.rpcTimeoutMax());
    nodeRole =
        new NodeRole(
            self,
            settings.listener(),
            meta::listeners,
            format::writing,
            metaLog::propose,
            timers,
            FORMAT_CHECK_EVERY);
    leaderBalance =
        new LeaderBalance(
            self,
            () ->
                meta.collectionNames().stream()
                    .map(meta::collection)
                    .flatMap(Optional::stream)
                    .toList(),
            this::listeners,
            groups,
            timers,
            settings.rpcTimeoutMax().multipliedBy(5).dividedBy(2));
    PointAccess points =
        new RoutedPoints(
            new RaftRoutes(
                metaLog,
                registry,
                groups,
                peerQuotas,
                settings.requestTimeout(),
                settings.listener(),
                new UpdatePermits(
                    settings.updateRateLimit(), settings.requestTimeout(), System::nanoTime),
                gate),
            new Fanout(executor));
    Catalog catalog = new RaftCatalog(meta, metaLog, registry, quota, points);
    var membership =
        new ShardMembership(
            meta,
            new ShardMembership.Host() {
              @Override
              public MetaStateMachine.Placement placement(String collection) {
                return metaLog.placement(collection);
              }

              @Override
              public void propose(Wire.MetaEntry entry) {
                metaLog.propose(entry);
              }

              @Override
              public RaftClient client(RaftGroup group) {
                return clients.retrying(group);
              }

              @Override
              public List<RaftPeer> replicaPeers(MetaStateMachine.Placement p, int shard) {
                return groups.members(p, shard);
              }

              @Override
              public long selfId() {
                return self;
              }

              @Override
              public RaftServer.Division metaDivision() throws IOException {
                return server.getDivision(META_GROUP);
              }

              @Override
              public void snapshotNow(MetaStateMachine.Placement p, int shard) {
                groups.snapshotNow(p, shard);
              }
            });
    transfers =
        new ShardTransfers(
            self,
            meta::transfers,
            membership::runTransfer,
            timers,
            executor,
            TRANSFER_CHECK_EVERY,
            System::nanoTime);
    reshardQuestions = new MetaGroupClient(this::metaGroup, clients::once);
    resharder =
        new Resharder(
            self,
            new Resharder.Host() {
              @Override
              public Map<String, Wire.Resharding> recorded() {
                return meta.reshardings();
              }

              @Override
              public MetaStateMachine.Placement placement(String collection) {
                return metaLog.placement(collection);
              }

              @Override
              public Optional<Wire.Resharding> resharding(String collection) {
                return meta.resharding(collection);
              }

              @Override
              public long applied() {
                return metaLog.applied();
              }

              @Override
              public void propose(Wire.MetaEntry entry) {
                metaLog.propose(entry);
              }

              @Override
              public Set<Long> notPassed(long index) {
                return peersNotPassed(index);
              }

              @Override
              public ShardReader reader(MetaStateMachine.Placement p, int shard) {
                return groups.channel(p, shard).linearizableReader();
              }

              @Override
              public CompletableFuture<Void> submit(
                  MetaStateMachine.Placement p, int shard, UpdateOp op) {
                return groups.channel(p, shard).submit(op);
              }
            },
            timers,
            executor,
            TRANSFER_CHECK_EVERY,
            settings.requestTimeout().multipliedBy(2),
            RESHARD_FREEZE_WAIT,
            System::nanoTime);
    ClusterControl control =
        new RaftClusterControl(
            server,
            META_GROUP,
            self,
            meta,
            metaLog,
            registry,
            catalog,
            membership,
            groups,
            clients,
            settings);
    var recovery =
        new SnapshotRecovery(
            registry,
            catalog,
            new SnapshotRecovery.Host() {
              @Override
              public MetaStateMachine.Placement placement(String collection) {
                return metaLog.placement(collection);
              }

              @Override
              public CompletableFuture<Void> submit(
                  MetaStateMachine.Placement p, int shard, UpdateOp op) {
                return groups.channel(p, shard).submit(op);
              }

              @Override
              public void record(Wire.ShardRecovery r) {
                if (format.writing() >= Wire.RECOVERIES_FORMAT) {
                  metaLog.propose(r);
                }
              }
            },
            self,
            settings.requestTimeout().multipliedBy(2));
    staleRecoveries =
        timers.scheduleWithFixedDelay(
            () -> {
              try {
                recovery.endStale(meta.recoveries());
              } catch (RuntimeException e) {
                LOG.debug("ending stale recovery records, to be tried again: {}", e.toString());
              }
            },
            FORMAT_CHECK_EVERY.toMillis(),
            FORMAT_CHECK_EVERY.toMillis(),
            TimeUnit.MILLISECONDS);
    dispatcher =
        new Capabilities(
            catalog,
            points,
            new ClusterSnapshots(
                new SnapshotStore(settings.snapshotsPath(), registry),
                recovery,
                quota,
                new ClusterSnapshots.Reshardings() {
                  @Override
                  public Set<String> running() {
                    return meta.reshardings().keySet();
                  }

                  @Override
                  public long changes(String collection) {
                    return meta.reshardingChanges(collection);
                  }
                }),
            control,
            new QuotaControl(
                quota, peerQuotas::status, c -> metaLog.propose(new Wire.SetQuotas(c))),
            this::close);
  }

  private Map<Long, String> peers() {
    return meta.peers();
  }

  /**
   * The peers whose replicas reads ask last and that do not claim leaderships: those recorded as
   * {@code Listener} nodes, and this one when configured as one (before its record is in).
   */
  private Set<Long> listeners() {
    Set<Long> recorded = meta.listeners();
    long self = identity.peerId();
    if (!settings.listener() || recorded.contains(self)) {
      return recorded;
    }
    Set<Long> all = new HashSet<>(recorded);
    all.add(self);
    return all;
  }

  private RaftGroup metaGroup() {
    try {
      return server.getDivision(META_GROUP).getGroup();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** This node's capabilities; closing it closes the node. */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /**
   * The hosts a peer certificate may name: this node's, its bootstrap peer's, every peer's the
   * metadata knows, and {@code cluster.p2p.peer_names}.
   */
  private Set<String> knownPeerHosts() {
    Set<String> hosts = new HashSet<>(settings.peerNames());
    PeerIdentity id = identity;
    if (id != null && id.uri() != null) {
      hosts.add(PeerUris.host(URI.create(id.uri())));
    }
    if (settings.uri() != null) {
      hosts.add(PeerUris.host(settings.uri()));
    }
    if (settings.bootstrap() != null) {
      hosts.add(PeerUris.host(settings.bootstrap()));
    }
    for (String uri : meta.peers().values()) {
      try {
        hosts.add(PeerUris.host(URI.create(uri)));
      } catch (IllegalArgumentException e) {
        // not a URI: no host to add
      }
    }
    hosts.remove(null);
    return hosts;
  }

  // ---- start-up, founding and joining ----

  private void startServer() throws IOException {
    identity = PeerIdentity.read(clusterDir);
    boolean first = identity == null;
    if (first) {
      if (!registry.list().isEmpty()) {
        throw new StorageException.BadInput(
            "the storage at "
                + settings.storagePath()
                + " holds collections of a single node; start a cluster node on empty storage");
      }
      identity = new PeerIdentity(PeerIdentity.newPeerId(), ownUri().toString(), false);
    } else if (settings.uri() != null && !settings.uri().toString().equals(identity.uri())) {
      LOG.warn(
          "--uri {} differs from the stored {}; peers know this node by the stored one",
          settings.uri(),
          identity.uri());
    }
    bindings.load();
    RaftPeer self = RaftClients.peer(identity.peerId(), identity.uri());
    boolean founding = !identity.joined() && settings.bootstrap() == null;
    if (!identity.joined() && !first && settings.bootstrap() == null) {
      throw new StorageException.BadInput(
          "this node has not finished joining its cluster; start it again with --bootstrap");
    }
    RaftGroup initial =
        founding ? RaftGroup.valueOf(META_GROUP, self) : RaftGroup.valueOf(META_GROUP);
    server =
        RaftServer.newBuilder()
            .setServerId(self.getId())
            .setGroup(initial)
            .setProperties(properties)
            .setParameters(parameters)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .setStateMachineRegistry(this::stateMachine)
            .build();
    groups.attach(server);
    server.start();
    LOG.info(
        "P2P on {}:{} ({}), peer id {}, uri {}",
        settings.host(),
        settings.p2pPort(),
        settings.tls() ? "mutual TLS" : "plain text",
        identity.peerId(),
        identity.uri());
    if (founding) {
      identity.write(clusterDir);
      metaLog.attach(clients.retrying(RaftGroup.valueOf(META_GROUP, self)), server.getId());
      awaitLeaderReady();
      metaLog.propose(new Wire.PeerJoined(identity.peerId(), identity.uri()));
      identity = identity.asJoined();
      identity.write(clusterDir);
      LOG.info("founded a new cluster as peer {}", identity.peerId());
    } else if (!identity.joined()) {
      identity.write(clusterDir);
      join(self);
      identity = identity.asJoined();
      identity.write(clusterDir);
    } else {
      metaLog.attach(clients.retrying(metaGroup()), server.getId());
      LOG.info("rejoined the cluster as peer {}", identity.peerId());
    }
  }

  /** A founder elects itself within one election timeout; wait for that before proposing. */
  private void awaitLeaderReady() throws IOException {
    long deadline = System.nanoTime() + settings.requestTimeout().toNanos();
    while (!server.getDivision(META_GROUP).getInfo().isLeaderReady()
        && System.nanoTime() < deadline) {
      sleep(50);
    }
  }

  private URI ownUri() {
    if (settings.uri() != null) {
      return settings.uri();
    }
    String scheme = settings.tls() ? "https" : "http";
    String host = "0.0.0.0".equals(settings.host()) ? "127.0.0.1" : settings.host();
    return URI.create(scheme + "://" + host + ":" + settings.p2pPort());
  }

  /** Learns the group from the bootstrap peer, asks to be added, then announces the URI. */
  private void join(RaftPeer self) throws IOException {
    URI bootstrap = settings.bootstrap();
    long deadline = System.nanoTime() + settings.requestTimeout().toNanos() * 4;
    IOException last = null;
    String refused = null;
    while (System.nanoTime() < deadline) {
      RaftPeerId probeId = RaftPeerId.valueOf("bootstrap");
      RaftPeer probe =
          RaftPeer.newBuilder().setId(probeId).setAddress(RaftClients.address(bootstrap)).build();
      try (RaftClient c = clients.retrying(RaftGroup.valueOf(META_GROUP, probe))) {
        GroupInfoReply info = c.getGroupManagementApi(probeId).info(META_GROUP);
        RaftGroup group = info.getGroup();
        LOG.info("joining through {}: members {}", bootstrap, group.getPeers());
        try (RaftClient asking = clients.retrying(group)) {
          refused = tooOld(asking);
          if (refused != null) {
            break;
          }
          RaftClientReply added =
              asking
                  .admin()
                  .setConfiguration(
                      SetConfigurationRequest.Arguments.newBuilder()
                          .setServersInNewConf(List.of(self))
                          .setMode(SetConfigurationRequest.Mode.ADD)
                          .build());
          if (!added.isSuccess()) {
            throw added.getException();
          }
        }
        metaLog.attach(clients.retrying(metaGroup()), server.getId());
        metaLog.propose(new Wire.PeerJoined(identity.peerId(), identity.uri()));
        LOG.info("joined the cluster through {} as peer {}", bootstrap, identity.peerId());
        return;
      } catch (IOException | RuntimeException e) {
        last = new IOException(e.getMessage(), e);
        LOG.warn("joining through {} failed, retrying: {}", bootstrap, e.getMessage());
        sleep(1000);
      }
    }
    if (refused != null) {
      throw new StorageException.BadInput(refused);
    }
    throw new StorageException.Unavailable(
        "could not join the cluster through "
            + bootstrap
            + ": "
            + (last == null ? "timed out" : last.getMessage())
            + " (is it running, and does its certificate share this node's CA?)",
        last);
  }

  /**
   * Why this node may not join the group {@code asking} reaches (its cluster writes a message
   * format newer than this node reads), or null when it may.
   */
  private String tooOld(RaftClient asking) throws IOException {
    RaftClientReply reply =
        asking.io().sendReadOnly(Message.valueOf(MetaStateMachine.FORMAT_QUERY));
    int cluster = MetaStateMachine.decodeFormats(reply.getMessage().getContent())[1];
    if (cluster <= format.ceiling()) {
      return null;
    }
    return "the cluster writes message format "
        + cluster
        + " and this node reads formats up to "
        + format.ceiling()
        + " (cluster.p2p.max_format_version, or an older release): it cannot join";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private StateMachine stateMachine(RaftGroupId groupId) {
    if (groupId.equals(META_GROUP)) {
      return meta;
    }
    GroupBindings.Binding b = groups.binding(groupId);
    if (b == null) {
      throw new IllegalStateException("unknown Raft group " + groupId);
    }
    return new ShardStateMachine(
        registry,
        b.collection(),
        b.shard(),
        audit,
        settings.shardSnapshotEntries(),
        settings.rpcTimeoutMax(),
        format);
  }

  /** How often a peer looks for the shard transfers it is the source of and does not run. */
  private long metaApplied() {
    return meta.getLastAppliedTermIndex().getIndex();
  }

  /**
   * The peers that have not answered (within a second) that they applied metadata {@code index} and
   * ended every write they routed before it.
   */
  private Set<Long> peersNotPassed(long index) {
    Set<Long> waiting = new TreeSet<>(meta.peers().keySet());
    if (waiting.remove(identity.peerId()) && !gate.passed(index)) {
      waiting.add(identity.peerId());
    }
    Set<Long> others = new TreeSet<>(waiting);
    others.remove(identity.peerId());
    if (others.isEmpty()) {
      return waiting;
    }
    RaftClient asking = reshardQuestions.get();
    if (asking == null) {
      return waiting;
    }
    PeerReads.ask(
            asking,
            others,
            MetaStateMachine.question(format.writing(), MetaStateMachine.reshardPassed(index)),
            Duration.ofSeconds(1))
        .forEach(
            (peer, bytes) -> {
              try {
                if (MetaStateMachine.decodePassed(bytes)) {
                  waiting.remove(peer);
                }
              } catch (ShardCodec.Malformed e) {
                LOG.debug("peer {} answered a resharding question oddly: {}", peer, e.toString());
              }
            });
    return waiting;
  }

  static final Duration TRANSFER_CHECK_EVERY = Duration.ofMillis(500);

  /**
   * How long a resharding's frozen part waits for every peer before it is thawed: writes to its
   * points wait at most about this long (within the 30-s default request timeout) when a peer stops
   * answering.
   */
  static final Duration RESHARD_FREEZE_WAIT = Duration.ofSeconds(10);

  /** How often the metadata leader checks whether the cluster can move to a newer format. */
  static final Duration FORMAT_CHECK_EVERY = Duration.ofSeconds(2);

  @Override
  public void close() {
    if (formatUpgrade != null) {
      formatUpgrade.close();
    }
    if (nodeRole != null) {
      nodeRole.close();
    }
    if (staleRecoveries != null) {
      staleRecoveries.cancel(false);
    }
    if (leaderBalance != null) {
      leaderBalance.close();
    }
    if (transfers != null) {
      transfers.close();
    }
    if (resharder != null) {
      resharder.close();
    }
    if (reshardQuestions != null) {
      reshardQuestions.close();
    }
    if (peerQuotas != null) {
      peerQuotas.close();
    }
    groups.close();
    metaLog.close();
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        LOG.warn("closing the Raft server: {}", e.toString());
      }
    }
    connectionLog.close();
    executor.shutdownNow();
    registry.close();
  }
}
