package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * The shard groups as this node sees them: the groups of its local replicas, started and stopped on
 * its Raft server and remembered in {@link GroupBindings}, and a {@link ShardChannel} to every
 * shard group it writes to or reads from remotely (dropped when the group's members change, so the
 * next one knows the new members). Thread-safe.
 */
final class ShardGroups implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(ShardGroups.class);

  private final GroupBindings bindings;
  private final RaftClients clients;
  private final Supplier<Map<Long, String>> peers;
  private final ExecutorService executor;
  private final Duration requestTimeout;
  private final Duration electionTimeout;
  private final Map<RaftGroupId, ShardChannel> channels = new ConcurrentHashMap<>();
  private final ClientId selfClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Set<RaftGroupId> claiming = ConcurrentHashMap.newKeySet();

  /** The local groups whose start is under way: not asked for their division until it is done. */
  private final Set<RaftGroupId> adding = ConcurrentHashMap.newKeySet();

  private volatile RaftServer server;
  private final IntSupplier format;
  private final Supplier<Set<Long>> listeners;

  /**
   * @param listeners the peers recorded as {@code Listener} nodes, whose replicas reads ask last
   */
  ShardGroups(
      GroupBindings bindings,
      RaftClients clients,
      Supplier<Map<Long, String>> peers,
      ExecutorService executor,
      Duration requestTimeout,
      Duration electionTimeout,
      IntSupplier format,
      Supplier<Set<Long>> listeners) {
    this.format = format;
    this.listeners = listeners;
    this.bindings = bindings;
    this.clients = clients;
    this.peers = peers;
    this.executor = executor;
    this.requestTimeout = requestTimeout;
    this.electionTimeout = electionTimeout;
  }

  /**
   * Whether this node's replica of {@code shard} may serve reads ({@link ReplicaStates#caughtUp}:
   * it heard from its leader within an election timeout and holds what that leader had committed);
   * false when this node does not run the group.
   */
  boolean caughtUp(MetaStateMachine.Placement p, int shard) {
    RaftServer.Division d = division(p, shard);
    return d != null && ReplicaStates.caughtUp(d, electionTimeout);
  }

  /**
   * The replica states of {@code shard} as this node sees them, by peer ({@link
   * ReplicaStates#states}); when this node does not run the group, its own replica (if the
   * placement lists one) is {@code Initializing}: recorded, its group not started yet. A replica
   * whose leader's updates have failed for two election timeouts is {@code Dead}.
   */
  Map<Long, String> states(MetaStateMachine.Placement p, int shard, long self) {
    RaftServer.Division d = division(p, shard);
    if (d == null) {
      return p.replicas().get(shard).contains(self)
          ? Map.of(self, ReplicaStates.INITIALIZING)
          : Map.of();
    }
    try {
      return ReplicaStates.states(d, self, electionTimeout, electionTimeout.multipliedBy(2));
    } catch (IllegalStateException starting) {
      // Ratis' "log is uninitialized": the group was added and has not opened its log yet
      return Map.of(self, ReplicaStates.INITIALIZING);
    }
  }

  /**
   * Whether this node's replica of {@code shard} is a follower that knows another peer as the
   * leader and has caught up with it (so it can take the leadership over without a pause).
   */
  boolean followsCaughtUp(MetaStateMachine.Placement p, int shard) {
    RaftServer.Division d = division(p, shard);
    if (d == null) {
      return false;
    }
    var info = d.getInfo();
    RaftPeerId leader = info.getLeaderId();
    return info.isFollower()
        && leader != null
        && !leader.equals(d.getId())
        && ReplicaStates.caughtUp(d, electionTimeout);
  }

  /**
   * Asks the leader of {@code shard}'s group, on the executor, to hand the leadership to this
   * node's replica (Ratis waits until it has the whole log, then lets it run an election, for at
   * most an election timeout); does nothing while an earlier request for the group is under way.
   */
  void claimLeadership(MetaStateMachine.Placement p, int shard) {
    RaftServer.Division d = division(p, shard);
    RaftGroupId gid = p.groupId(shard);
    if (d == null || d.getInfo().getLeaderId() == null || !claiming.add(gid)) {
      return;
    }
    RaftPeerId leader = d.getInfo().getLeaderId();
    RaftPeerId self = d.getId();
    executor.execute(
        () -> {
          try (RaftClient c = clients.once(RaftGroup.valueOf(gid, members(p, shard)), leader)) {
            // the leader refuses writes while a transfer is pending: a short bound, so that a
            // claimer that dies meanwhile holds the shard's writes back for one election timeout,
            // not a request timeout (a caught-up follower is elected well within it)
            RaftClientReply r = c.admin().transferLeadership(self, electionTimeout.toMillis());
            if (r.isSuccess()) {
              LOG.info(
                  "{}/{}: leadership handed back to this peer, the shard's preferred replica",
                  p.name(),
                  shard);
            } else {
              LOG.debug("{}/{}: leadership not handed over: {}", p.name(), shard, r);
            }
          } catch (IOException | RuntimeException e) {
            LOG.debug("{}/{}: leadership not handed over: {}", p.name(), shard, e.toString());
          } finally {
            claiming.remove(gid);
          }
        });
  }

  /**
   * This node's replica of {@code shard}, if it leads the shard's group, takes a snapshot at the
   * next request for one even if its log has not grown past the snapshot threshold (a {@code
   * snapshot} transfer). Followers are left alone: they would write a snapshot nobody asked for at
   * their next one (Ratis takes one when a replica stops). A leader that changes before the request
   * answers it with its latest snapshot, as a {@code stream_records} transfer has it.
   */
  void wantSnapshot(MetaStateMachine.Placement p, int shard) {
    RaftServer.Division d = division(p, shard);
    if (d != null
        && d.getInfo().isLeader()
        && d.getStateMachine() instanceof SnapshottingStateMachine m) {
      m.wantSnapshot();
    }
  }

  /**
   * Has the leader of {@code shard}'s group take a snapshot now (one it wants: {@link
   * #wantSnapshot}); a new member is then sent that snapshot before the log after it.
   */
  void snapshotNow(MetaStateMachine.Placement p, int shard) {
    // retrying: the first peer it asks may be the receiver, a member only once it caught up
    try (RaftClient c = clients.retrying(RaftGroup.valueOf(p.groupId(shard), members(p, shard)))) {
      RaftClientReply r = c.getSnapshotManagementApi().create(1, requestTimeout.toMillis());
      if (!r.isSuccess()) {
        throw new StorageException.Unavailable(
            "the shard's leader took no snapshot: " + r.getException(), r.getException());
      }
      LOG.info("{}/{}: snapshot for a transfer at log index {}", p.name(), shard, r.getLogIndex());
    } catch (IOException e) {
      throw new StorageException.Unavailable(
          "the shard's leader took no snapshot: " + e.getMessage(), e);
    }
  }

  private RaftServer.Division division(MetaStateMachine.Placement p, int shard) {
    RaftGroupId gid = p.groupId(shard);
    if (server == null || !bindings.contains(gid) || adding.contains(gid)) {
      return null; // a group being added is not running yet (Ratis' lookup would wait for it)
    }
    try {
      return server.getDivision(gid);
    } catch (IOException e) {
      return null; // not started (yet), or stopped
    }
  }

  /** Local groups start and stop on {@code server} from now on. */
  void attach(RaftServer server) {
    this.server = server;
  }

  /** The collection and shard of a local group, or null when this node does not run it. */
  GroupBindings.Binding binding(RaftGroupId gid) {
    return bindings.get(gid);
  }

  /** Starts the local replica of {@code shard} with the placement's members. */
  void start(MetaStateMachine.Placement p, int shard) {
    start(RaftGroup.valueOf(p.groupId(shard), members(p, shard)), p.name(), shard);
  }

  /**
   * Starts the local replica of {@code shard} as a new member with an empty member list: the
   * group's leader adds it and sends it the log.
   */
  void join(MetaStateMachine.Placement p, int shard) {
    start(RaftGroup.valueOf(p.groupId(shard)), p.name(), shard);
  }

  private void start(RaftGroup group, String collection, int shard) {
    bindings.bind(group.getGroupId(), collection, shard);
    adding.add(group.getGroupId());
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
    } finally {
      adding.remove(group.getGroupId());
    }
  }

  /** Stops the shards' local groups (if this node runs them) and forgets their channels. */
  void stop(MetaStateMachine.Placement p, Collection<Integer> shards) {
    for (int s : shards) {
      forgetChannel(p.groupId(s));
      stopLocal(p, s);
    }
  }

  /** Stops the local group of {@code shard} if this node runs it. */
  void stopLocal(MetaStateMachine.Placement p, int shard) {
    stopLocal(p.groupId(shard));
  }

  /** Stops a local group (deleting its log) if this node runs it. */
  private void stopLocal(RaftGroupId gid) {
    GroupBindings.Binding b = bindings.get(gid);
    if (b == null) {
      return;
    }
    try {
      server.groupManagement(
          GroupManagementRequest.newRemove(
              selfClientId, server.getId(), callIds.incrementAndGet(), gid, true, false));
    } catch (IOException e) {
      // a replica removed from its group's configuration has already shut its division down
      LOG.debug("stopping the group of {}/{}: {}", b.collection(), b.shard(), e.toString());
    }
    bindings.unbind(gid);
  }

  /**
   * Runs exactly the local groups of {@code placements}' shards that list {@code self}: {@link
   * #stopOthers} then {@link #startMissing}.
   */
  void place(Collection<MetaStateMachine.Placement> placements, long self) {
    stopOthers(placements, self);
    startMissing(placements, self);
  }

  /**
   * Stops (deleting their logs) the local groups that none of {@code placements} gives {@code
   * self}.
   */
  void stopOthers(Collection<MetaStateMachine.Placement> placements, long self) {
    Map<RaftGroupId, Integer> wanted = wanted(placements, self);
    for (RaftGroupId gid : bindings.groups()) {
      if (!wanted.containsKey(gid)) {
        forgetChannel(gid);
        stopLocal(gid);
      }
    }
  }

  /**
   * Starts, with the placement's members, each group {@code placements} give {@code self} that this
   * node does not run; its leader then brings it up to date.
   */
  void startMissing(Collection<MetaStateMachine.Placement> placements, long self) {
    for (MetaStateMachine.Placement p : placements) {
      for (int s = 0; s < p.shardCount(); s++) {
        if (p.replicas().get(s).contains(self) && !bindings.contains(p.groupId(s))) {
          start(p, s);
        }
      }
    }
  }

  /** Whether this node runs the group of {@code p}'s {@code shard}. */
  boolean runs(MetaStateMachine.Placement p, int shard) {
    return bindings.contains(p.groupId(shard));
  }

  private static Map<RaftGroupId, Integer> wanted(
      Collection<MetaStateMachine.Placement> placements, long self) {
    Map<RaftGroupId, Integer> wanted = new HashMap<>();
    for (MetaStateMachine.Placement p : placements) {
      for (int s = 0; s < p.shardCount(); s++) {
        if (p.replicas().get(s).contains(self)) {
          wanted.put(p.groupId(s), s);
        }
      }
    }
    return wanted;
  }

  /** Closes the channel to a group whose members changed; the next call makes a new one. */
  void forgetChannel(RaftGroupId gid) {
    ShardChannel stale = channels.remove(gid);
    if (stale != null) {
      stale.close();
    }
  }

  /** The channel to {@code shard}'s group, made with the placement's members when first asked. */
  ShardChannel channel(MetaStateMachine.Placement p, int shard) {
    return channels.computeIfAbsent(
        p.groupId(shard),
        g -> {
          RaftGroup group = RaftGroup.valueOf(g, members(p, shard));
          return new ShardChannel(
              p.name() + "/" + shard,
              () -> clients.retrying(group),
              () -> clients.once(group),
              group.getPeers().stream().map(RaftPeer::getId).toList(),
              executor,
              requestTimeout,
              p.config().writeConsistencyFactor(),
              format,
              listeners);
        });
  }

  /** The group's members as Ratis peers (see {@link RaftClients#replicaPeers}). */
  List<RaftPeer> members(MetaStateMachine.Placement p, int shard) {
    return RaftClients.replicaPeers(peers.get(), p, shard);
  }

  @Override
  public void close() {
    channels.values().forEach(ShardChannel::close);
    channels.clear();
  }
}
