package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ClusterMetadata;
import dev.quiver.cluster.ClusterSettings;
import dev.quiver.cluster.ClusterStatus;
import dev.quiver.cluster.CollectionClusterInfo;
import dev.quiver.cluster.Dispatcher;
import dev.quiver.cluster.PeerUris;
import dev.quiver.cluster.ReadConsistency;
import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.cluster.ShardSelector;
import dev.quiver.cluster.internal.Fanout;
import dev.quiver.cluster.internal.ShardLayout;
import dev.quiver.cluster.internal.ShardRouting;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.Collection;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionInfo;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionNames;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.SnapshotStore;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateResult;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * The cluster dispatcher: one Ratis server per node on the P2P port (mutual TLS when configured)
 * hosting the metadata group of all peers and one group per local shard replica.
 *
 * <ul>
 *   <li>Collection create/drop and membership are metadata log entries; every peer applies them to
 *       its {@link MetaStateMachine} and its local {@link CollectionRegistry}.
 *   <li>Point updates are split by shard ({@link ShardRouting}) and submitted to each shard's group
 *       through a {@link ShardChannel} batcher; {@code wait=true} returns once a majority of the
 *       shard's replicas has the entry and the leader applied it.
 *   <li>Reads use the local replica when this node holds one, else the shard leader, and are merged
 *       across shards by {@link Fanout}.
 * </ul>
 */
public final class RaftCluster implements Dispatcher, MetaStateMachine.Effects {
  private static final Logger LOG = LogManager.getLogger(RaftCluster.class);

  /** The metadata group of every Quiver cluster (group ids are not secrets; peers are). */
  static final RaftGroupId META_GROUP =
      RaftGroupId.valueOf(UUID.fromString("51756976-6572-4d65-7461-000000000001"));

  private final ClusterSettings settings;
  private final CollectionRegistry registry;
  private final Path clusterDir;
  private final RaftProperties properties;
  private final Parameters parameters;
  private final P2pConnectionLog connectionLog;
  private final ClusterAudit audit;
  private final MetaStateMachine meta;
  private final ClusterMetadata clusterMetadata;
  private final ShardMembership membership;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final SnapshotStore snapshots;
  private final Fanout fanout = new Fanout(executor);

  /** Local shard groups: group id → (collection, shard), persisted under {@code groups/}. */
  private final GroupBindings bindings;

  private final Map<RaftGroupId, ShardChannel> channels = new ConcurrentHashMap<>();
  private final AtomicLong callIds = new AtomicLong();
  private final ClientId selfClientId = ClientId.randomId();
  private PeerIdentity identity;
  private RaftServer server;
  private RaftClient metaClient;
  private final ResourceQuota quota;
  private PeerQuotas peerQuotas;

  private RaftCluster(ClusterSettings settings, CollectionRegistry registry, ResourceQuota quota) {
    PeerNameResolver.register();
    this.settings = settings;
    this.registry = registry;
    this.quota = quota;
    this.clusterDir = settings.storagePath().resolve("cluster");
    this.bindings = new GroupBindings(clusterDir.resolve("groups"));
    this.meta = new MetaStateMachine(this);
    this.clusterMetadata = new RaftClusterMetadata(meta, this::propose);
    this.membership =
        new ShardMembership(
            meta,
            new ShardMembership.Host() {
              @Override
              public MetaStateMachine.Placement placement(String collection) {
                return RaftCluster.this.placement(collection);
              }

              @Override
              public void propose(Wire.MetaEntry entry) {
                RaftCluster.this.propose(entry);
              }

              @Override
              public RaftClient client(RaftGroup group) {
                return RaftCluster.this.client(group);
              }

              @Override
              public List<RaftPeer> replicaPeers(MetaStateMachine.Placement p, int shard) {
                return RaftCluster.this.replicaPeers(p, shard);
              }

              @Override
              public long selfId() {
                return identity.peerId();
              }

              @Override
              public RaftServer.Division metaDivision() throws IOException {
                return server.getDivision(META_GROUP);
              }
            });
    this.snapshots = new SnapshotStore(settings.snapshotsPath(), registry);
    this.properties = RatisProperties.of(settings, clusterDir.resolve("raft"));
    this.parameters = new Parameters();
    this.audit = new ClusterAudit(settings.audit());
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
   * {@code registry}.
   */
  public static RaftCluster start(
      ClusterSettings settings,
      CollectionRegistry registry,
      ResourceQuota quota,
      ScheduledExecutorService timers) {
    var cluster = new RaftCluster(settings, registry, quota);
    try {
      cluster.startServer();
      cluster.peerQuotas =
          new PeerQuotas(
              quota,
              cluster.identity.peerId(),
              cluster.meta::peers,
              () -> {
                try {
                  return cluster.server.getDivision(META_GROUP).getGroup();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              group -> cluster.client(group, RetryPolicies.noRetry()),
              timers);
      return cluster;
    } catch (IOException e) {
      cluster.close();
      throw new StorageException.Unavailable("cannot start the cluster node: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * The hosts a peer certificate may name: this node's, its bootstrap peer's, every peer's the
   * metadata knows, and {@code cluster.p2p.peer_names}.
   */
  private Set<String> knownPeerHosts() {
    Set<String> hosts = new HashSet<>(settings.peerNames());
    PeerIdentity id = identity;
    if (id != null && id.uri() != null) {
      hosts.add(URI.create(id.uri()).getHost());
    }
    if (settings.uri() != null) {
      hosts.add(settings.uri().getHost());
    }
    if (settings.bootstrap() != null) {
      hosts.add(settings.bootstrap().getHost());
    }
    for (String uri : meta.peers().values()) {
      try {
        hosts.add(URI.create(uri).getHost());
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
    RaftPeer self = peer(identity.peerId(), identity.uri());
    boolean founding = !identity.joined() && settings.bootstrap() == null;
    if (!identity.joined() && !first && settings.bootstrap() == null) {
      founding = false;
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
      metaClient = client(RaftGroup.valueOf(META_GROUP, self));
      awaitLeaderReady();
      propose(new Wire.PeerJoined(identity.peerId(), identity.uri()));
      identity = identity.asJoined();
      identity.write(clusterDir);
      LOG.info("founded a new cluster as peer {}", identity.peerId());
    } else if (!identity.joined()) {
      identity.write(clusterDir);
      join(self);
      identity = identity.asJoined();
      identity.write(clusterDir);
    } else {
      metaClient = client(server.getDivision(META_GROUP).getGroup());
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
    while (System.nanoTime() < deadline) {
      RaftPeerId probeId = RaftPeerId.valueOf("bootstrap");
      RaftPeer probe = RaftPeer.newBuilder().setId(probeId).setAddress(address(bootstrap)).build();
      try (RaftClient c = client(RaftGroup.valueOf(META_GROUP, probe))) {
        GroupInfoReply info = c.getGroupManagementApi(probeId).info(META_GROUP);
        RaftGroup group = info.getGroup();
        LOG.info("joining through {}: members {}", bootstrap, group.getPeers());
        metaClient = client(group);
        RaftClientReply added =
            metaClient
                .admin()
                .setConfiguration(
                    SetConfigurationRequest.Arguments.newBuilder()
                        .setServersInNewConf(List.of(self))
                        .setMode(SetConfigurationRequest.Mode.ADD)
                        .build());
        if (!added.isSuccess()) {
          throw added.getException();
        }
        metaClient.close();
        metaClient = client(server.getDivision(META_GROUP).getGroup());
        propose(new Wire.PeerJoined(identity.peerId(), identity.uri()));
        LOG.info("joined the cluster through {} as peer {}", bootstrap, identity.peerId());
        return;
      } catch (IOException | RuntimeException e) {
        last = new IOException(e.getMessage(), e);
        LOG.warn("joining through {} failed, retrying: {}", bootstrap, e.getMessage());
        sleep(1000);
      }
    }
    throw new StorageException.Unavailable(
        "could not join the cluster through "
            + bootstrap
            + ": "
            + (last == null ? "timed out" : last.getMessage())
            + " (is it running, and does its certificate share this node's CA?)",
        last);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String address(URI uri) {
    try {
      return PeerUris.hostPort(uri);
    } catch (IllegalArgumentException e) {
      throw new StorageException.BadInput(e.getMessage());
    }
  }

  static RaftPeer peer(long peerId, String uri) {
    return peer(peerId, uri, 0);
  }

  private static RaftPeer peer(long peerId, String uri, int priority) {
    return RaftPeer.newBuilder()
        .setId(RaftPeerId.valueOf(Long.toString(peerId)))
        .setAddress(address(URI.create(uri)))
        .setPriority(priority)
        .build();
  }

  /** A client that retries (elections, leader changes) for about the request timeout. */
  private RaftClient client(RaftGroup group) {
    return client(
        group,
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            (int) Math.max(4, settings.requestTimeout().toMillis() / 100),
            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)));
  }

  private RaftClient client(RaftGroup group, RetryPolicy retry) {
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setParameters(parameters)
        .setRaftGroup(group)
        .setRetryPolicy(retry)
        .build();
  }

  // ---- the metadata group ----

  /** Commits a metadata entry and waits until this peer applied it; its error is rethrown. */
  private void propose(Wire.MetaEntry entry) {
    String what = "no consensus on the metadata change";
    RaftClientReply reply =
        Replies.await(
            metaClient.async().send(Message.valueOf(ByteString.copyFrom(Wire.encode(entry)))),
            settings.requestTimeout(),
            what);
    try {
      if (!meta.awaitApplied(reply.getLogIndex(), settings.requestTimeout().toMillis())) {
        throw new StorageException.Unavailable("this peer lags behind the metadata log", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable("interrupted", e);
    }
    Replies.read(reply, in -> null, what);
  }

  private StateMachine stateMachine(RaftGroupId groupId) {
    if (groupId.equals(META_GROUP)) {
      return meta;
    }
    GroupBindings.Binding b = bindings.get(groupId);
    if (b == null) {
      throw new IllegalStateException("unknown Raft group " + groupId);
    }
    return new ShardStateMachine(registry, b.collection(), b.shard(), audit);
  }

  @Override
  public void created(MetaStateMachine.Placement p, long index) {
    Set<Integer> local = new TreeSet<>();
    for (int s = 0; s < p.shardCount(); s++) {
      if (p.replicas().get(s).contains(identity.peerId())) {
        local.add(s);
      }
    }
    if (index <= registry.lastAppliedIndex()) {
      return; // replayed: storage and groups were made when the entry was first applied
    }
    registry.apply(new CollectionMetaOp.Create(p.name(), p.config(), local), index);
    for (int s : local) {
      RaftGroupId gid = p.groupId(s);
      bindings.bind(gid, p.name(), s);
      groupAdd(RaftGroup.valueOf(gid, replicaPeers(p, s)), p.name(), s);
    }
  }

  @Override
  public void dropped(MetaStateMachine.Placement p, long index) {
    stopShards(p, p.layout().shards().keySet());
    if (index > registry.lastAppliedIndex()) {
      registry.apply(new CollectionMetaOp.Drop(p.name()), index);
    }
  }

  private void stopShards(MetaStateMachine.Placement p, java.util.Collection<Integer> shards) {
    for (int s : shards) {
      RaftGroupId gid = p.groupId(s);
      ShardChannel ch = channels.remove(gid);
      if (ch != null) {
        ch.close();
      }
      stopGroup(gid, p.name(), s);
    }
  }

  @Override
  public void shardKeyCreated(
      MetaStateMachine.Placement p, ShardKey key, List<Integer> shards, long index) {
    Set<Integer> local = new TreeSet<>();
    for (int s : shards) {
      if (p.replicas().get(s).contains(identity.peerId())) {
        local.add(s);
      }
    }
    if (index <= registry.lastAppliedIndex()) {
      return; // replayed
    }
    registry.apply(new CollectionMetaOp.CreateShardKey(p.name(), key, local), index);
    for (int s : local) {
      RaftGroupId gid = p.groupId(s);
      bindings.bind(gid, p.name(), s);
      groupAdd(RaftGroup.valueOf(gid, replicaPeers(p, s)), p.name(), s);
    }
  }

  @Override
  public void payloadIndexChanged(
      String collection, String field, PayloadIndexSpec spec, long index) {
    if (index > registry.lastAppliedIndex()) {
      registry.apply(new CollectionMetaOp.SetPayloadIndex(collection, field, spec), index);
    }
  }

  @Override
  public void setPayloadIndex(String collection, String field, PayloadIndexSpec spec) {
    if (spec != null) {
      quota.checkWrite();
    }
    placement(collection);
    propose(new Wire.SetPayloadIndex(collection, field, spec));
  }

  @Override
  public long localPayloadBytes(String collection) {
    placement(collection);
    return registry.get(collection).map(Collection::payloadBytes).orElse(0L);
  }

  @Override
  public SortedMap<String, PayloadIndexSpec> payloadIndexes(String collection) {
    placement(collection);
    return registry
        .get(collection)
        .map(Collection::payloadIndexes)
        .orElse(Collections.emptySortedMap());
  }

  @Override
  public void aliasesChanged(List<AliasAction> actions, long index) {
    if (index > registry.lastAppliedIndex()) {
      registry.apply(new CollectionMetaOp.ChangeAliases(actions), index);
    }
  }

  @Override
  public void quotasChanged(QuotaConfig config, long index) {
    if (index > registry.lastAppliedIndex()) {
      registry.apply(new CollectionMetaOp.SetQuotas(config), index);
    }
  }

  @Override
  public ResourceQuota.PeerUsage quotaUsage() {
    return quota.peerUsage();
  }

  @Override
  public byte[] auditEntries(byte[] query) {
    return settings.auditReader().apply(query);
  }

  @Override
  public Map<Long, byte[]> peerAuditEntries(byte[] query) {
    Set<Long> others = new TreeSet<>(meta.peers().keySet());
    others.remove(identity.peerId());
    // the group as it is now: a peer that joined since the node's own client was built
    try (RaftClient asking =
        client(server.getDivision(META_GROUP).getGroup(), RetryPolicies.noRetry())) {
      Map<Long, byte[]> answers = new TreeMap<>();
      PeerReads.ask(
              asking,
              others,
              Message.valueOf(MetaStateMachine.AUDIT_QUERY.concat(ByteString.copyFrom(query))),
              settings.requestTimeout())
          .forEach((peer, bytes) -> answers.put(peer, bytes.toByteArray()));
      return answers;
    } catch (IOException e) {
      LOG.warn("cannot ask the peers for their audit entries: {}", e.toString());
      return Map.of();
    }
  }

  @Override
  public ResourceQuota.Status quotaStatus() {
    return peerQuotas.status();
  }

  @Override
  public ResourceQuota quota() {
    return quota;
  }

  @Override
  public ClusterMetadata clusterMetadata() {
    return clusterMetadata;
  }

  @Override
  public void setQuotas(QuotaConfig config) {
    propose(new Wire.SetQuotas(config));
  }

  @Override
  public void changeAliases(List<AliasAction> actions) {
    propose(new Wire.ChangeAliases(actions));
  }

  @Override
  public SortedMap<String, String> aliases() {
    return registry.aliases();
  }

  @Override
  public String resolve(String nameOrAlias) {
    if (meta.collection(nameOrAlias).isPresent()) {
      return nameOrAlias;
    }
    if (!registry.aliases().containsKey(nameOrAlias)) {
      syncMeta();
    }
    return meta.collection(nameOrAlias).isPresent() ? nameOrAlias : registry.resolve(nameOrAlias);
  }

  @Override
  public void configChanged(MetaStateMachine.Placement p, long index) {
    if (index > registry.lastAppliedIndex()) {
      registry.apply(new CollectionMetaOp.UpdateConfig(p.name(), p.config()), index);
    }
  }

  @Override
  public void shardKeyDropped(
      MetaStateMachine.Placement before, ShardKey key, List<Integer> shards, long index) {
    stopShards(before, shards);
    if (index > registry.lastAppliedIndex()) {
      registry.apply(new CollectionMetaOp.DropShardKey(before.name(), key), index);
    }
  }

  @Override
  public void membershipChanged(long peer, String uri, long index) {
    audit.record(uri == null ? "peer_removed" : "peer_joined", "/cluster/peer/" + peer, null, uri);
  }

  @Override
  public void replicaChanged(
      MetaStateMachine.Placement p, int shard, long peer, boolean added, long index) {
    audit.record(
        added ? "replica_added" : "replica_removed",
        "/collections/" + p.name() + "/shards/" + shard + "/peer/" + peer,
        p.name(),
        null);
    RaftGroupId gid = p.groupId(shard);
    ShardChannel stale = channels.remove(gid); // its client knows the old members
    if (stale != null) {
      stale.close();
    }
    if (peer != identity.peerId() || index <= registry.lastAppliedIndex()) {
      return;
    }
    if (added) {
      registry.apply(new CollectionMetaOp.AddShard(p.name(), shard, p.keys().get(shard)), index);
      bindings.bind(gid, p.name(), shard);
      // an empty member list: the group's leader adds this replica and sends it the log
      groupAdd(RaftGroup.valueOf(gid), p.name(), shard);
    } else {
      stopGroup(gid, p.name(), shard);
      registry.apply(new CollectionMetaOp.DropShard(p.name(), shard), index);
    }
  }

  private void groupAdd(RaftGroup group, String collection, int shard) {
    try {
      RaftClientReply r =
          server.groupManagement(
              GroupManagementRequest.newAdd(
                  selfClientId, server.getId(), callIds.incrementAndGet(), group));
      if (!r.isSuccess()) {
        LOG.error("starting the group of {}/{} failed: {}", collection, shard, r.getException());
      }
    } catch (IOException e) {
      LOG.error("starting the group of {}/{} failed: {}", collection, shard, e.toString());
    }
  }

  private void stopGroup(RaftGroupId gid, String collection, int shard) {
    if (!bindings.contains(gid)) {
      return;
    }
    try {
      server.groupManagement(
          GroupManagementRequest.newRemove(
              selfClientId, server.getId(), callIds.incrementAndGet(), gid, true, false));
    } catch (IOException e) {
      // a replica removed from its group's configuration has already shut its division down
      LOG.debug("stopping the group of {}/{}: {}", collection, shard, e.toString());
    }
    bindings.unbind(gid);
  }

  /**
   * The shard group's members. The first holder has the higher Raft priority, so Ratis hands it the
   * leadership whenever it is up to date; placement rotates the first holder over the peers, which
   * spreads the shard leaders (and their work) over the cluster.
   */
  private List<RaftPeer> replicaPeers(MetaStateMachine.Placement p, int shard) {
    Map<Long, String> peers = meta.peers();
    List<RaftPeer> list = new ArrayList<>();
    List<Long> holders = p.replicas().get(shard);
    for (int i = 0; i < holders.size(); i++) {
      String uri = peers.get(holders.get(i));
      if (uri != null) {
        list.add(peer(holders.get(i), uri, i == 0 ? 1 : 0));
      }
    }
    return list;
  }

  // ---- Dispatcher: collections ----

  @Override
  public int defaultShardNumber() {
    return Math.max(1, meta.peers().size());
  }

  @Override
  public void createCollection(String name, CollectionConfig config) {
    quota.checkWrite();
    String problem = CollectionNames.problem(name);
    if (problem != null) {
      throw new StorageException.BadInput(problem);
    }
    if (meta.collection(name).isPresent()) {
      throw new StorageException.AlreadyExists("Collection `" + name + "` already exists!");
    }
    List<Long> peers = new ArrayList<>(meta.peers().keySet());
    if (peers.isEmpty()) {
      throw new StorageException.Unavailable("no peers known yet", null);
    }
    int rf = Math.min(config.replicationFactor(), peers.size());
    // custom sharding starts without shards: each shard key brings its own
    int shards = config.customSharding() ? 0 : config.shardNumber();
    propose(new Wire.CreateCollection(name, config, spread(name, 0, shards, rf, peers)));
  }

  /**
   * Replicas for {@code shards} new shards numbered from {@code first}: each on {@code rf}
   * consecutive peers, starting at a peer that rotates with the collection name and the shard id,
   * so that several collections and keys spread over the cluster (and so do their leaders: the
   * first holder has the Raft priority).
   */
  private static List<List<Long>> spread(
      String name, int first, int shards, int rf, List<Long> peers) {
    int start = Math.floorMod(name.hashCode(), peers.size());
    List<List<Long>> replicas = new ArrayList<>();
    for (int s = first; s < first + shards; s++) {
      List<Long> holders = new ArrayList<>();
      for (int r = 0; r < rf; r++) {
        holders.add(peers.get((start + s + r) % peers.size()));
      }
      replicas.add(List.copyOf(holders));
    }
    return List.copyOf(replicas);
  }

  @Override
  public void updateCollection(String name, UnaryOperator<CollectionConfig> change) {
    CollectionConfig current = placement(name).config();
    CollectionConfig next = change.apply(current);
    current.checkUpdate(next);
    propose(new Wire.UpdateCollection(name, next));
  }

  @Override
  public boolean deleteCollection(String name) {
    if (meta.collection(name).isEmpty()) {
      return false;
    }
    propose(new Wire.DropCollection(name));
    return true;
  }

  @Override
  public List<String> listCollections() {
    return meta.collectionNames();
  }

  @Override
  public boolean collectionExists(String name) {
    return meta.collection(name).isPresent();
  }

  @Override
  public CollectionInfo collectionInfo(String name) {
    MetaStateMachine.Placement p = placement(name);
    var local = registry.get(name).map(Collection::info);
    return new CollectionInfo(
        name,
        count(name, null),
        local.map(CollectionInfo::indexedVectorsCount).orElse(0L),
        p.layout().shards().size(),
        p.config(),
        local.map(CollectionInfo::optimizing).orElse(false));
  }

  @Override
  public CollectionConfig config(String name) {
    return placement(name).config();
  }

  private MetaStateMachine.Placement placement(String name) {
    var found = meta.collection(name);
    if (found.isEmpty()) {
      syncMeta(); // a collection just made through another node may not have reached this one
      found = meta.collection(name);
    }
    return found.orElseThrow(() -> StorageException.NotFound.collection(name));
  }

  /**
   * Waits until this node has applied every metadata entry committed before the call (a
   * linearizable read of the metadata group served by this node), so a name created through another
   * node a moment ago resolves here too. Failures leave lookups to what is applied.
   */
  private void syncMeta() {
    try {
      metaClient.io().sendReadOnly(Message.EMPTY, server.getId());
    } catch (IOException | RuntimeException e) {
      LOG.debug("metadata sync failed: {}", e.toString());
    }
  }

  // ---- Dispatcher: points ----

  @Override
  public UpdateResult update(String collection, UpdateOp op, boolean wait, ShardSelector selector) {
    MetaStateMachine.Placement p = placement(collection);
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    Map<Integer, UpdateOp> routed = p.layout().route(op, selector);
    peerQuotas.check(op, routed.keySet().stream().map(p.replicas()::get).toList());
    routed.forEach((shard, part) -> parts.add(channel(p, shard).submit(part)));
    long opId = callIds.incrementAndGet();
    if (!wait) {
      return new UpdateResult(opId, UpdateResult.Status.ACKNOWLEDGED);
    }
    for (CompletableFuture<Void> f : parts) {
      try {
        f.get(settings.requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageException.Unavailable("interrupted", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new StorageException.Unavailable(String.valueOf(e.getCause()), e.getCause());
      } catch (TimeoutException e) {
        throw new StorageException.Unavailable("the update timed out", e);
      }
    }
    return new UpdateResult(opId, UpdateResult.Status.COMPLETED);
  }

  private ShardChannel channel(MetaStateMachine.Placement p, int shard) {
    RaftGroupId gid = p.groupId(shard);
    return channels.computeIfAbsent(
        gid,
        g -> {
          RaftGroup group = RaftGroup.valueOf(g, replicaPeers(p, shard));
          return new ShardChannel(
              p.name() + "/" + shard,
              () -> client(group),
              client(group, RetryPolicies.noRetry()),
              group.getPeers().stream().map(RaftPeer::getId).toList(),
              executor,
              settings.requestTimeout(),
              p.config().writeConsistencyFactor());
        });
  }

  /**
   * For each shard: with {@link ReadConsistency#ONE} the local replica when this node holds one,
   * else any live replica; otherwise a linearizable read through the shard's leader.
   */
  private List<List<ShardReader>> readers(
      String collection, ReadConsistency consistency, ShardSelector selector) {
    MetaStateMachine.Placement p = placement(collection);
    Collection local = registry.get(collection).orElse(null);
    Set<Integer> localShards = local == null ? Set.of() : local.shardIds();
    ShardLayout layout = p.layout();
    return Fanout.readers(
        layout,
        layout.groups(selector, false),
        s -> {
          if (consistency == ReadConsistency.LINEARIZABLE) {
            return channel(p, s).linearizableReader();
          }
          return localShards.contains(s) ? local.reader(s) : channel(p, s).reader();
        });
  }

  @Override
  public List<PointRecord> retrieve(
      String collection,
      List<PointId> ids,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector selector) {
    return fanout.retrieve(
        readers(collection, consistency, selector), ids, withPayload, withVectors);
  }

  @Override
  public List<ScoredPoint> search(
      String collection,
      SearchRequest request,
      ReadConsistency consistency,
      ShardSelector selector) {
    MetaStateMachine.Placement p = placement(collection);
    return fanout.search(
        readers(collection, consistency, selector),
        request,
        p.config().distanceOf(request.vectorName()));
  }

  @Override
  public ScrollPage scroll(
      String collection,
      Filter filter,
      PointId offset,
      int limit,
      WithPayload withPayload,
      WithVectors withVectors,
      ReadConsistency consistency,
      ShardSelector selector) {
    return fanout.scroll(
        readers(collection, consistency, selector),
        filter,
        offset,
        limit,
        withPayload,
        withVectors);
  }

  @Override
  public long count(
      String collection, Filter filter, ReadConsistency consistency, ShardSelector selector) {
    return fanout.count(readers(collection, consistency, selector), filter);
  }

  @Override
  public boolean payloadMatchExists(String collection, Filter filter) {
    return fanout.anyPayloadMatches(
        readers(collection, ReadConsistency.ONE, ShardSelector.ALL), filter);
  }

  // ---- shard keys ----

  @Override
  public void createShardKey(
      String collection,
      ShardKey key,
      Integer shards,
      Integer replicationFactor,
      List<Long> placement) {
    quota.checkWrite();
    MetaStateMachine.Placement p = placement(collection);
    p.layout().checkNewKey(collection, key);
    List<Long> peers = new ArrayList<>(meta.peers().keySet());
    if (placement != null && !placement.isEmpty()) {
      for (long peer : placement) {
        if (!peers.contains(peer)) {
          throw new StorageException.NotFound("Peer " + peer + " does not exist");
        }
      }
      peers = List.copyOf(new LinkedHashSet<>(placement));
    }
    int n = shards == null ? p.config().shardNumber() : shards;
    int rf =
        Math.min(
            replicationFactor == null ? p.config().replicationFactor() : replicationFactor,
            peers.size());
    if (n < 1 || rf < 1) {
      throw new StorageException.BadInput("shards_number and replication_factor must be >= 1");
    }
    propose(
        new Wire.CreateShardKey(collection, key, spread(collection, p.shardCount(), n, rf, peers)));
  }

  @Override
  public void deleteShardKey(String collection, ShardKey key) {
    placement(collection).layout().checkExistingKey(key);
    propose(new Wire.DropShardKey(collection, key));
  }

  @Override
  public List<ShardKey> shardKeys(String collection) {
    return placement(collection).layout().keysOrNull();
  }

  // ---- snapshots ----

  @Override
  public SnapshotStore snapshots() {
    return snapshots;
  }

  @Override
  public void recoverShardSnapshot(String collection, int shard, Path archive) {
    placement(collection);
    throw new StorageException.BadInput(
        "Recovering a shard from a snapshot is not supported in cluster mode: replicas are filled"
            + " through Raft (replicate_shard)");
  }

  @Override
  public void recoverSnapshot(String collection, Path archive) {
    placement(collection);
    throw new StorageException.BadInput(
        "Recovering a collection from a snapshot is not supported in cluster mode yet");
  }

  // ---- status ----

  @Override
  public ClusterStatus clusterStatus() {
    return StatusReports.cluster(server, META_GROUP, identity.peerId(), meta.peers());
  }

  @Override
  public CollectionClusterInfo collectionClusterInfo(String collection) {
    return StatusReports.collection(
        placement(collection), registry.get(collection).orElse(null), identity.peerId());
  }

  @Override
  public void updateCollectionCluster(String collection, ShardOperation operation) {
    switch (operation) {
      case ShardOperation.CreateShardKey k ->
          createShardKey(collection, k.key(), k.shards(), k.replicationFactor(), k.placement());
      case ShardOperation.DropShardKey k -> deleteShardKey(collection, k.key());
      default -> membership.change(placement(collection), operation);
    }
  }

  @Override
  public void removePeer(long peerId, boolean force) {
    membership.removePeer(peerId, force);
  }

  @Override
  public void close() {
    if (peerQuotas != null) {
      peerQuotas.close();
    }
    channels.values().forEach(ShardChannel::close);
    channels.clear();
    if (metaClient != null) {
      try {
        metaClient.close();
      } catch (IOException e) {
        LOG.debug("closing the metadata client: {}", e.toString());
      }
    }
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
