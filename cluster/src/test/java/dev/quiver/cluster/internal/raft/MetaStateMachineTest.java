package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.ResourceQuota;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.PayloadIndexSpec;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata state machine in a real Ratis group in this JVM: entries proposed through a client
 * change the placements, peers and cluster metadata it keeps, each reaches the node's effects once
 * with its log index, refused entries answer their error and change nothing, and a restarted server
 * rebuilds the same state from its log (the effects see the same indexes again, which is how a node
 * tells a replayed entry from a new one).
 */
class MetaStateMachineTest {
  private static final RaftGroupId GROUP =
      RaftGroupId.valueOf(UUID.fromString("51756976-6572-4d65-7461-00000000beef"));
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;

  /** What the effects were told, as lines. */
  private static final class Recording implements MetaStateMachine.Effects {
    final List<String> seen = new ArrayList<>();

    /** The storage's index: the last entry that reached it (as a node's registry keeps it). */
    private long stored;

    Recording() {
      this(0);
    }

    Recording(long stored) {
      this.stored = stored;
    }

    private synchronized void add(String line) {
      seen.add(line);
      long index = Long.parseLong(line.split(" ")[0]);
      if (!line.contains(" peer ")) { // membership reaches no storage
        stored = Math.max(stored, index);
      }
    }

    synchronized List<String> seen() {
      return List.copyOf(seen);
    }

    @Override
    public void created(MetaStateMachine.Placement p, long index) {
      add(index + " created " + p.name() + " " + p.replicas());
    }

    @Override
    public void dropped(MetaStateMachine.Placement p, long index) {
      add(index + " dropped " + p.name());
    }

    @Override
    public void reshardShardAdded(MetaStateMachine.Placement p, int shard, long index) {
      add(index + " reshard+ " + p.name() + "/" + shard + "@" + p.replicas().get(shard));
    }

    @Override
    public void reshardEnded(
        MetaStateMachine.Placement before,
        MetaStateMachine.Placement after,
        Integer dropped,
        long index) {
      add(
          index
              + " resharded "
              + after.name()
              + " to "
              + after.config().shardNumber()
              + " shards"
              + (dropped == null ? "" : ", dropped " + dropped));
    }

    @Override
    public void replicaChanged(
        MetaStateMachine.Placement p, int shard, long peer, boolean added, long index) {
      add(index + (added ? " replica+ " : " replica- ") + p.name() + "/" + shard + "@" + peer);
    }

    @Override
    public void shardKeyCreated(
        MetaStateMachine.Placement p, ShardKey key, List<Integer> shards, long index) {
      add(index + " key+ " + p.name() + " " + key + " " + shards);
    }

    @Override
    public void shardKeyDropped(
        MetaStateMachine.Placement before, ShardKey key, List<Integer> shards, long index) {
      add(index + " key- " + before.name() + " " + key + " " + shards);
    }

    @Override
    public void configChanged(MetaStateMachine.Placement p, long index) {
      add(index + " config " + p.name() + " rf=" + p.config().replicationFactor());
    }

    @Override
    public void payloadIndexChanged(
        String collection, String field, PayloadIndexSpec spec, long index) {
      add(index + " index " + collection + "." + field);
    }

    @Override
    public void aliasesChanged(List<AliasAction> actions, long index) {
      add(index + " aliases " + actions.size());
    }

    @Override
    public void quotasChanged(QuotaConfig config, long index) {
      add(index + " quotas");
    }

    @Override
    public void membershipChanged(long peer, String uri, long index) {
      add(index + " peer " + peer + " " + uri);
    }

    // peers' queries (audit entries, quota usage) are not asked in this test
    @Override
    public byte[] auditEntries(byte[] query) {
      return new byte[0];
    }

    @Override
    public ResourceQuota.PeerUsage quotaUsage() {
      throw new UnsupportedOperationException("no peer asks for quota usage here");
    }

    @Override
    public synchronized long storedIndex() {
      return stored;
    }

    @Override
    public MetaSnapshot.Registry storedState() {
      return new MetaSnapshot.Registry(new TreeMap<>(), null, new TreeMap<>());
    }

    @Override
    public void installed(MetaSnapshot snapshot, boolean placeGroups) {
      add(snapshot.index() + " installed " + snapshot.collections().keySet());
    }

    @Override
    public void snapshotInstalled(long index, String leader) {
      add(index + " snapshot from " + leader);
    }

    @Override
    public void placeGroups(Collection<MetaStateMachine.Placement> placements) {
      synchronized (this) {
        seen.add("groups " + placements.stream().map(MetaStateMachine.Placement::name).toList());
      }
    }
  }

  private static CollectionConfig config(int replicationFactor) {
    return new CollectionConfig(
        Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(4, Distance.COSINE, null)),
        2,
        replicationFactor,
        1,
        true,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT);
  }

  /** Waits until {@code done} holds, for {@link #TIMEOUT} at most (the assertions after tell). */
  private static void awaitUntil(BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Peers 1 to {@code count} join, each at its own address. */
  private static void joinPeers(RaftClient client, int count) throws Exception {
    for (long peer = 1; peer <= count; peer++) {
      propose(client, new Wire.PeerJoined(peer, "http://127.0.0.1:" + peer));
    }
  }

  /** Commits {@code entry} and returns the index it got; its error is rethrown. */
  private static long propose(RaftClient client, Wire.MetaEntry entry) throws Exception {
    return propose(client, entry, WireFormat.NEWEST);
  }

  /** As above, with the entry in message format {@code version}. */
  private static long propose(RaftClient client, Wire.MetaEntry entry, int version)
      throws Exception {
    RaftClientReply reply =
        Replies.await(
            client.async().send(Message.valueOf(ByteString.copyFrom(Wire.encode(entry, version)))),
            TIMEOUT,
            "proposal");
    Replies.read(reply, in -> null, "proposal");
    return reply.getLogIndex();
  }

  @Test
  void entriesChangeTheStateOnceAndARestartReplaysThem() throws Exception {
    Recording first = new Recording();
    MetaStateMachine meta = new MetaStateMachine(first);
    List<String> expected;
    try (InJvmRaft raft = new InJvmRaft(dir, g -> meta)) {
      raft.start(GROUP);
      try (RaftClient client = raft.client(GROUP)) {
        long joined1 = propose(client, new Wire.PeerJoined(1, "http://127.0.0.1:1"));
        long joined2 = propose(client, new Wire.PeerJoined(2, "http://127.0.0.1:2"));
        long created =
            propose(
                client,
                new Wire.CreateCollection("c", config(1), List.of(List.of(1L), List.of(2L))));
        // a second collection of the same name is refused and changes nothing
        assertThatThrownBy(
                () ->
                    propose(
                        client, new Wire.CreateCollection("c", config(2), List.of(List.of(2L)))))
            .isInstanceOf(StorageException.AlreadyExists.class)
            .hasMessageContaining("`c` already exists");
        long added = propose(client, new Wire.AddReplica("c", 0, 2));
        long updated = propose(client, new Wire.UpdateCollection("c", config(2)));
        propose(client, new Wire.SetClusterMetadata("team", new Value.Str("search")));
        // dropping what is not there is not an error (a retried drop), and tells no one
        assertThatCode(() -> propose(client, new Wire.DropCollection("missing")))
            .doesNotThrowAnyException();
        assertThatThrownBy(() -> propose(client, new Wire.UpdateCollection("missing", config(1))))
            .isInstanceOf(StorageException.NotFound.class);
        long other =
            propose(client, new Wire.CreateCollection("d", config(1), List.of(List.of(1L))));
        long dropped = propose(client, new Wire.DropCollection("d"));

        assertThat(meta.peers()).containsOnlyKeys(1L, 2L);
        assertThat(meta.collectionNames()).containsExactly("c");
        MetaStateMachine.Placement c = meta.collection("c").orElseThrow();
        assertThat(c.replicas()).containsExactly(List.of(1L, 2L), List.of(2L));
        assertThat(c.config().replicationFactor()).isEqualTo(2);
        assertThat(c.createdIndex()).isEqualTo(created);
        assertThat(meta.clusterMetadata()).containsEntry("team", new Value.Str("search"));
        expected =
            List.of(
                joined1 + " peer 1 http://127.0.0.1:1",
                joined2 + " peer 2 http://127.0.0.1:2",
                created + " created c [[1], [2]]",
                added + " replica+ c/0@2",
                updated + " config c rf=2",
                other + " created d [[1]]",
                dropped + " dropped d");
        assertThat(first.seen()).containsExactlyElementsOf(expected);
        assertThat(meta.awaitApplied(dropped, TIMEOUT.toMillis())).isTrue();
      }
    }

    // a restarted node: a new state machine rebuilt from the log alone
    Recording second = new Recording();
    MetaStateMachine replayed = new MetaStateMachine(second);
    try (InJvmRaft raft = new InJvmRaft(dir, g -> replayed)) {
      long last = Long.parseLong(expected.getLast().split(" ")[0]);
      assertThat(replayed.awaitApplied(last, TIMEOUT.toMillis())).isTrue();
      assertThat(second.seen()).containsExactlyElementsOf(expected);
      assertThat(replayed.collectionNames()).containsExactly("c");
      assertThat(replayed.collection("c").orElseThrow().replicas())
          .containsExactly(List.of(1L, 2L), List.of(2L));
      assertThat(replayed.clusterMetadata()).containsEntry("team", new Value.Str("search"));
    }
  }

  @Test
  void aSnapshotReplacesTheCompactedLogAndARestartStartsFromIt() throws Exception {
    Recording first = new Recording();
    MetaStateMachine meta = new MetaStateMachine(first, 8, new FormatGate(WireFormat.NEWEST));
    long snapshotIndex;
    long last;
    List<String> afterSnapshot;
    try (InJvmRaft raft = new InJvmRaft(dir, g -> meta, InJvmRaftTuning::compactEarly)) {
      raft.start(GROUP);
      try (RaftClient client = raft.client(GROUP)) {
        propose(client, new Wire.PeerJoined(1, "http://127.0.0.1:1"));
        propose(client, new Wire.CreateCollection("c", config(1), List.of(List.of(1L))));
        for (int i = 0; i < 40; i++) {
          propose(client, new Wire.SetClusterMetadata("k" + i, new Value.Int(i)));
        }
        propose(client, new Wire.SetClusterMetadata("k0", null));
        last = propose(client, new Wire.CreateCollection("d", config(1), List.of(List.of(1L))));
      }
      assertThat(meta.awaitApplied(last, TIMEOUT.toMillis())).isTrue();
      // a snapshot taken after the last entry's apply may replace the latest (and delete its file)
      // while it is read: read the newest again then
      var latest = meta.getLatestSnapshot();
      MetaSnapshot stored = null;
      for (int attempt = 0; stored == null; attempt++) {
        try {
          stored = MetaSnapshot.read(latest.getFiles().getFirst().getPath());
        } catch (StorageException.Io e) {
          if (attempt == 50) {
            throw e;
          }
          Thread.sleep(20);
          latest = meta.getLatestSnapshot();
        }
      }
      snapshotIndex = latest.getIndex();
      assertThat(snapshotIndex).as("a snapshot every 8 entries").isGreaterThan(last - 16);
      // the log before the snapshot is gone
      assertThat(raft.logStart(GROUP)).isGreaterThan(1);
      assertThat(stored.index()).isEqualTo(snapshotIndex);
      assertThat(stored.peers()).containsEntry(1L, "http://127.0.0.1:1");
      assertThat(stored.collections()).containsKey("c");
      assertThat(stored.collections().get("c").createdIndex())
          .isEqualTo(meta.collection("c").orElseThrow().createdIndex());
      afterSnapshot =
          first.seen().stream()
              .filter(line -> Long.parseLong(line.split(" ")[0]) > snapshotIndex)
              .toList();
    }

    // Ratis may take one more snapshot as the server stops
    long finalSnapshot = meta.getLatestSnapshot().getIndex();
    assertThat(finalSnapshot).isGreaterThanOrEqualTo(snapshotIndex);
    List<String> afterFinal =
        afterSnapshot.stream()
            .filter(line -> Long.parseLong(line.split(" ")[0]) > finalSnapshot)
            .toList();

    // a restart with its storage up to date: the snapshot, then only the entries after it
    Recording second = new Recording(Math.max(last, finalSnapshot));
    MetaStateMachine restarted = new MetaStateMachine(second, 8, new FormatGate(WireFormat.NEWEST));
    try (InJvmRaft raft = new InJvmRaft(dir, g -> restarted, InJvmRaftTuning::compactEarly)) {
      assertThat(restarted.awaitApplied(last, TIMEOUT.toMillis())).isTrue();
      assertThat(restarted.collectionNames()).containsExactly("c", "d");
      assertThat(restarted.peers()).containsOnlyKeys(1L);
      assertThat(restarted.clusterMetadata()).hasSize(39).doesNotContainKey("k0");
      assertThat(restarted.clusterMetadata()).containsEntry("k39", new Value.Int(39));
      assertThat(second.seen()).containsExactlyElementsOf(afterFinal);
    }

    // a restart whose storage stopped short of the snapshot: it is brought to the snapshot, and
    // its shard groups placed, before any later entry
    Recording behind = new Recording();
    MetaStateMachine caughtUp = new MetaStateMachine(behind, 8, new FormatGate(WireFormat.NEWEST));
    try (InJvmRaft raft = new InJvmRaft(dir, g -> caughtUp, InJvmRaftTuning::compactEarly)) {
      assertThat(caughtUp.awaitApplied(last, TIMEOUT.toMillis())).isTrue();
      // the groups are placed as the next entry (the new leader's first) is applied
      awaitUntil(() -> behind.seen().size() >= 2);
      List<String> seen = behind.seen();
      // "d" is in the snapshot or among the entries after it
      String held = finalSnapshot >= last ? "[c, d]" : "[c]";
      assertThat(seen.getFirst()).isEqualTo(finalSnapshot + " installed " + held);
      assertThat(seen.get(1)).isEqualTo("groups " + held);
      assertThat(seen.subList(2, seen.size())).containsExactlyElementsOf(afterFinal);
    }
  }

  /**
   * Transfers are recorded in log order: the receiver becomes a holder with the record, a transfer
   * that shares a peer with a running one of the same shard is refused with Qdrant's message, a
   * restart changes only the method, and the record goes with its end, with a replica it involves
   * being removed, with its peer, and with the collection; a restarted node rebuilds them.
   */
  @Test
  void transfersAreRecordedRefusedRestartedAndEnded() throws Exception {
    MetaStateMachine meta = new MetaStateMachine(new Recording());
    var first = new Wire.Transfer(0, 1, 2, true, TransferMethod.STREAM_RECORDS);
    long last;
    try (InJvmRaft raft = new InJvmRaft(dir, g -> meta)) {
      raft.start(GROUP);
      try (RaftClient client = raft.client(GROUP)) {
        joinPeers(client, 4);
        propose(
            client, new Wire.CreateCollection("c", config(1), List.of(List.of(1L), List.of(3L))));
        propose(client, new Wire.StartTransfer("c", first, false));
        assertThat(meta.transfers("c")).containsExactly(first);
        assertThat(meta.collection("c").orElseThrow().replicas().get(0)).containsExactly(1L, 2L);

        var sharingTheSource = new Wire.Transfer(0, 1, 4, false, TransferMethod.SNAPSHOT);
        assertThatThrownBy(
                () -> propose(client, new Wire.StartTransfer("c", sharingTheSource, false)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("Shard 0 is already involved in transfer 1 -> 2");
        var otherShard = new Wire.Transfer(1, 3, 4, false, TransferMethod.SNAPSHOT);
        propose(client, new Wire.StartTransfer("c", otherShard, false));
        assertThatThrownBy(
                () ->
                    propose(
                        client,
                        new Wire.StartTransfer(
                            "c", new Wire.Transfer(0, 2, 4, true, TransferMethod.SNAPSHOT), true)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("There is no transfer for shard 0 from 2 to 4");
        propose(
            client,
            new Wire.StartTransfer(
                "c", new Wire.Transfer(0, 1, 2, false, TransferMethod.WAL_DELTA), true));
        // the method changes; whether it copies or moves is the original's
        assertThat(meta.transfers("c"))
            .containsExactly(
                new Wire.Transfer(0, 1, 2, true, TransferMethod.WAL_DELTA), otherShard);
        assertThat(meta.collection("c").orElseThrow().replicas().get(0)).containsExactly(1L, 2L);

        propose(client, new Wire.EndTransfer("c", 0, 1, 2));
        assertThat(meta.transfers("c")).containsExactly(otherShard);
        propose(client, new Wire.RemoveReplica("c", 1, 4)); // the receiver taken away
        assertThat(meta.transfers("c")).isEmpty();
        propose(client, new Wire.StartTransfer("c", otherShard, false));
        propose(client, new Wire.PeerRemoved(4));
        assertThat(meta.transfers()).isEmpty();
        last =
            propose(
                client,
                new Wire.StartTransfer(
                    "c", new Wire.Transfer(1, 3, 1, false, TransferMethod.SNAPSHOT), false));
        assertThat(meta.transfers()).containsOnlyKeys("c");
      }
    }
    MetaStateMachine replayed = new MetaStateMachine(new Recording());
    try (InJvmRaft raft = new InJvmRaft(dir, g -> replayed)) {
      assertThat(replayed.awaitApplied(last, TIMEOUT.toMillis())).as("replayed").isTrue();
      assertThat(replayed.transfers("c"))
          .containsExactly(new Wire.Transfer(1, 3, 1, false, TransferMethod.SNAPSHOT));
      try (RaftClient client = raft.client(GROUP)) {
        propose(client, new Wire.DropCollection("c"));
        assertThat(replayed.transfers()).isEmpty();
      }
    }
  }

  /**
   * A peer's node type is recorded for that peer only, ends with the peer, and is rebuilt from the
   * log after a restart; a type for a peer that is not a member is refused.
   */
  @Test
  void listenerPeersAreRecordedAndForgottenWithThePeer() throws Exception {
    MetaStateMachine meta = new MetaStateMachine(new Recording());
    long last;
    try (InJvmRaft raft = new InJvmRaft(dir, g -> meta)) {
      raft.start(GROUP);
      try (RaftClient client = raft.client(GROUP)) {
        joinPeers(client, 3);
        propose(client, new Wire.PeerRole(2, true));
        propose(client, new Wire.PeerRole(3, true));
        assertThat(meta.listeners()).containsExactlyInAnyOrder(2L, 3L);
        propose(client, new Wire.PeerRole(2, false));
        propose(client, new Wire.PeerRole(3, true)); // again: no change
        assertThat(meta.listeners()).containsExactly(3L);
        assertThatThrownBy(() -> propose(client, new Wire.PeerRole(9, true)))
            .isInstanceOf(StorageException.NotFound.class)
            .hasMessage("Peer 9 does not exist");
        propose(client, new Wire.PeerRole(1, true));
        last = propose(client, new Wire.PeerRemoved(3));
        assertThat(meta.listeners()).containsExactly(1L);
      }
    }
    MetaStateMachine replayed = new MetaStateMachine(new Recording());
    try (InJvmRaft raft = new InJvmRaft(dir, g -> replayed)) {
      assertThat(replayed.awaitApplied(last, TIMEOUT.toMillis())).as("replayed").isTrue();
      assertThat(replayed.listeners()).containsExactly(1L);
    }
  }

  /**
   * A snapshot recovery is recorded per shard, refused while another one or a transfer of the shard
   * runs (and refuses a transfer meanwhile), ended by its end, its peer's removal or the
   * collection's drop, and rebuilt from the log after a restart.
   */
  @Test
  void shardRecoveriesAreRecordedRefusedAndEnded() throws Exception {
    MetaStateMachine meta = new MetaStateMachine(new Recording());
    long last;
    try (InJvmRaft raft = new InJvmRaft(dir, g -> meta)) {
      raft.start(GROUP);
      try (RaftClient client = raft.client(GROUP)) {
        joinPeers(client, 3);
        propose(
            client,
            new Wire.CreateCollection("c", config(1), List.of(List.of(1L), List.of(2L, 3L))));
        propose(client, new Wire.ShardRecovery("c", 0, 1, true));
        assertThat(meta.recoveries("c")).isEqualTo(Map.of(0, 1L));
        assertThatThrownBy(() -> propose(client, new Wire.ShardRecovery("c", 0, 2, true)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("Shard 0 is already being recovered from a snapshot through peer 1");
        assertThatThrownBy(
                () ->
                    propose(
                        client,
                        new Wire.StartTransfer(
                            "c",
                            new Wire.Transfer(0, 1, 2, true, TransferMethod.STREAM_RECORDS),
                            false)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("Shard 0 is being recovered from a snapshot");
        assertThatThrownBy(() -> propose(client, new Wire.ShardRecovery("c", 5, 1, true)))
            .isInstanceOf(StorageException.NotFound.class);
        propose(
            client,
            new Wire.StartTransfer(
                "c", new Wire.Transfer(1, 2, 1, true, TransferMethod.STREAM_RECORDS), false));
        assertThatThrownBy(() -> propose(client, new Wire.ShardRecovery("c", 1, 2, true)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("Shard 1 is involved in transfer 2 -> 1");
        propose(client, new Wire.ShardRecovery("c", 0, 1, false));
        assertThat(meta.recoveries()).isEmpty();
        propose(client, new Wire.ShardRecovery("c", 0, 3, true));
        propose(client, new Wire.PeerRemoved(3));
        assertThat(meta.recoveries()).isEmpty();
        last = propose(client, new Wire.ShardRecovery("c", 0, 2, true));
      }
    }
    MetaStateMachine replayed = new MetaStateMachine(new Recording());
    try (InJvmRaft raft = new InJvmRaft(dir, g -> replayed)) {
      assertThat(replayed.awaitApplied(last, TIMEOUT.toMillis())).as("replayed").isTrue();
      assertThat(replayed.recoveries()).isEqualTo(Map.of("c", Map.of(0, 2L)));
      try (RaftClient client = raft.client(GROUP)) {
        propose(client, new Wire.DropCollection("c"));
        assertThat(replayed.recoveries()).isEmpty();
      }
    }
  }

  /**
   * A resharding up creates its shard after the existing ones and, aborted, drops it at its end; a
   * resharding down keeps the last shard until it ends after the switch. One at a time, none while
   * a transfer involves the group, no abort after the switch, replayed after a restart.
   */
  @Test
  void reshardingsAddAndRemoveTheLastShardStepByStep() throws Exception {
    Recording effects = new Recording();
    MetaStateMachine meta = new MetaStateMachine(effects);
    long last;
    try (InJvmRaft raft = new InJvmRaft(dir, g -> meta)) {
      raft.start(GROUP);
      try (RaftClient client = raft.client(GROUP)) {
        joinPeers(client, 3);
        propose(
            client,
            new Wire.CreateCollection("c", config(1), List.of(List.of(1L), List.of(2L, 3L))));
        long start =
            propose(
                client,
                new Wire.StartResharding(
                    "c",
                    new Wire.Resharding(null, true, -1, 3, 1, Wire.ReshardStage.MIGRATING),
                    List.of(3L, 1L)));
        assertThat(meta.resharding("c"))
            .contains(new Wire.Resharding(null, true, 2, 3, 1, Wire.ReshardStage.MIGRATING));
        assertThat(meta.reshardingChanges("c")).as("the start counted").isEqualTo(1);
        assertThat(meta.reshardingChanges(null)).isEqualTo(1);
        assertThat(meta.reshardingChanges("other")).isZero();
        assertThat(meta.collection("c").orElseThrow().replicas().get(2)).containsExactly(3L, 1L);
        assertThat(effects.seen()).contains(start + " reshard+ c/2@[3, 1]");
        assertThatThrownBy(() -> propose(client, scaleDown("c", 1)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("Resharding is already in progress for collection c");
        assertThatThrownBy(() -> propose(client, new Wire.EndResharding("c")))
            .isInstanceOf(StorageException.BadRequest.class);
        assertThatThrownBy(
                () ->
                    propose(
                        client,
                        new Wire.StartTransfer(
                            "c",
                            new Wire.Transfer(1, 2, 1, true, TransferMethod.STREAM_RECORDS),
                            false)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessageStartingWith("Shard 1 is being resharded");
        assertThatThrownBy(() -> propose(client, new Wire.ShardRecovery("c", 0, 1, true)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessageStartingWith("Shard 0 is being resharded");
        propose(client, new Wire.ReshardingStage("c", Wire.ReshardStage.ABORTING));
        assertThat(meta.reshardingChanges("c")).as("each step counted").isEqualTo(2);
        long end = propose(client, new Wire.EndResharding("c"));
        assertThat(meta.resharding("c")).isEmpty();
        assertThat(meta.collection("c").orElseThrow().layout().shards()).containsOnlyKeys(0, 1);
        assertThat(effects.seen()).contains(end + " resharded c to 2 shards, dropped 2");

        // down: a transfer in the group refuses it; then the last live shard is removed
        propose(
            client,
            new Wire.StartTransfer(
                "c", new Wire.Transfer(0, 1, 2, true, TransferMethod.STREAM_RECORDS), false));
        Wire.StartResharding down = scaleDown("c", 2);
        assertThatThrownBy(() -> propose(client, down))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("Shard 0 is involved in transfer 1 -> 2");
        propose(client, new Wire.EndTransfer("c", 0, 1, 2));
        propose(client, down);
        assertThat(meta.resharding("c"))
            .contains(new Wire.Resharding(null, false, 1, 2, 2, Wire.ReshardStage.MIGRATING));
        assertThatThrownBy(
                () -> propose(client, new Wire.ReshardingStage("c", Wire.ReshardStage.SWITCHED)))
            .as("not before its one part is frozen and copied")
            .isInstanceOf(StorageException.BadRequest.class);
        propose(client, new Wire.ReshardingStage("c", Wire.ReshardStage.MIGRATING, 0, true));
        propose(client, new Wire.ReshardingStage("c", Wire.ReshardStage.SWITCHED));
        assertThatThrownBy(
                () -> propose(client, new Wire.ReshardingStage("c", Wire.ReshardStage.ABORTING)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessageContaining("cannot be aborted");
        propose(client, new Wire.PeerRemoved(2)); // the driver: the lowest peer takes over
        last = propose(client, new Wire.ReshardingStage("c", Wire.ReshardStage.SWITCHED));
      }
    }
    MetaStateMachine replayed = new MetaStateMachine(new Recording());
    try (InJvmRaft raft = new InJvmRaft(dir, g -> replayed)) {
      assertThat(replayed.awaitApplied(last, TIMEOUT.toMillis())).as("replayed").isTrue();
      assertThat(replayed.resharding("c"))
          .contains(new Wire.Resharding(null, false, 1, 2, 1, Wire.ReshardStage.SWITCHED));
      try (RaftClient client = raft.client(GROUP)) {
        propose(client, new Wire.EndResharding("c"));
        assertThat(replayed.resharding("c")).isEmpty();
        assertThat(replayed.collection("c").orElseThrow().layout().shards()).containsOnlyKeys(0);
        assertThat(replayed.collection("c").orElseThrow().config().shardNumber()).isEqualTo(1);
        assertThatThrownBy(() -> propose(client, scaleDown("c", 2)))
            .isInstanceOf(StorageException.BadRequest.class)
            .hasMessage("Cannot scale down: collection c has only one shard");
      }
    }
  }

  /** A resharding down of {@code collection}'s shards without a key, driven by {@code driver}. */
  private static Wire.StartResharding scaleDown(String collection, long driver) {
    return new Wire.StartResharding(
        collection,
        new Wire.Resharding(null, false, -1, -1, driver, Wire.ReshardStage.MIGRATING),
        List.of());
  }

  /**
   * The metadata leader moves the cluster to the newest format every member reads (alone here, so
   * its own), through the log: the raise is written in the format before it, replays after a
   * restart, and stops a node pinned to the older format instead of being skipped there.
   */
  @Test
  void theFormatRisesThroughTheLogAndANodeThatCannotReadItStops() throws Exception {
    var gate = new FormatGate(1);
    MetaStateMachine meta = new MetaStateMachine(new Recording(), 0, gate);
    long joined1;
    long joined2;
    try (InJvmRaft raft = new InJvmRaft(dir, g -> meta);
        var timers = Executors.newSingleThreadScheduledExecutor()) {
      raft.start(GROUP);
      try (RaftClient client = raft.client(GROUP)) {
        joined1 =
            propose(client, new Wire.PeerJoined(1, "http://127.0.0.1:1"), meta.format().writing());
        assertThat(meta.format().writing()).isZero();
        var upgrade =
            new FormatUpgrade(
                gate,
                new FormatUpgrade.Host() {
                  @Override
                  public RaftServer.Division metaDivision() throws IOException {
                    return raft.division(GROUP);
                  }

                  @Override
                  public RaftClient client(RaftGroup group) {
                    return raft.client(GROUP);
                  }

                  @Override
                  public void propose(Wire.MetaEntry entry) {
                    try {
                      MetaStateMachineTest.propose(client, entry, meta.format().writing());
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }
                },
                timers,
                Duration.ofHours(1),
                Duration.ofSeconds(2));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (meta.format().cluster() == 0 && System.nanoTime() < deadline) {
          upgrade.check(); // the group's leader may not be ready on the first call
          Thread.sleep(50);
        }
        upgrade.close();
        assertThat(meta.format().cluster()).isEqualTo(1);
        assertThat(meta.format().writing()).isEqualTo(1);
        joined2 =
            propose(client, new Wire.PeerJoined(2, "http://127.0.0.1:2"), meta.format().writing());
      }
    }
    MetaStateMachine again = new MetaStateMachine(new Recording(), 0, new FormatGate(1));
    try (InJvmRaft raft = new InJvmRaft(dir, g -> again)) {
      assertThat(again.awaitApplied(joined2, TIMEOUT.toMillis())).isTrue();
      assertThat(again.format().cluster()).isEqualTo(1);
      assertThat(again.peers()).containsOnlyKeys(1L, 2L);
    }
    MetaStateMachine pinned = new MetaStateMachine(new Recording(), 0, new FormatGate(0));
    try (InJvmRaft raft = new InJvmRaft(dir, g -> pinned)) {
      assertThat(pinned.awaitApplied(joined1, TIMEOUT.toMillis())).isTrue();
      // the raise is not applied, and nothing after it: the group stopped on this node
      assertThat(pinned.awaitApplied(joined2, 2_000)).isFalse();
      assertThat(pinned.format().cluster()).isZero();
      assertThat(pinned.peers()).containsOnlyKeys(1L);
    }
  }

  private static MetaSnapshot snapshot(int format) {
    return new MetaSnapshot(
        3,
        42,
        new TreeMap<>(Map.of(7L, "https://a:6335")),
        new TreeMap<>(
            Map.of(
                "c",
                new MetaStateMachine.Placement(
                    "c",
                    config(2),
                    List.of(List.of(7L), List.of()),
                    java.util.Arrays.asList(null, null),
                    5))),
        new TreeMap<>(Map.of("team", new Value.Str("search"))),
        new TreeMap<>(Map.of("prod", "c")),
        new QuotaConfig(true, 80, null, 5),
        new TreeMap<>(
            Map.of("c", new TreeMap<>(Map.of("city", new PayloadIndexSpec("keyword", null))))),
        // transfers are kept from the format that has their entries on
        format >= Wire.TRANSFERS_FORMAT
            ? new TreeMap<>(
                Map.of(
                    "c",
                    List.of(
                        new Wire.Transfer(0, 7, 8, false, TransferMethod.SNAPSHOT),
                        new Wire.Transfer(1, 7, 9, true, TransferMethod.WAL_DELTA))))
            : new TreeMap<>(),
        // and the listener peers from the format that has their entry on
        format >= Wire.LISTENERS_FORMAT ? new TreeSet<>(Set.of(7L)) : new TreeSet<>(),
        // and the running snapshot recoveries from the format that has their entry on
        format >= Wire.RECOVERIES_FORMAT
            ? new TreeMap<>(Map.of("c", Map.of(0, 7L)))
            : new TreeMap<String, Map<Integer, Long>>(),
        // and the running reshardings from the format that has their entries on
        format >= Wire.RESHARDING_FORMAT
            ? new TreeMap<>(
                Map.of(
                    "c",
                    new Wire.Resharding(
                        new ShardKey.Keyword("eu"), true, 2, 7, 8, Wire.ReshardStage.SWITCHED)))
            : new TreeMap<String, Wire.Resharding>(),
        format);
  }

  @Test
  void aDamagedSnapshotFileIsRefusedNotRead() throws Exception {
    var snapshot = snapshot(WireFormat.NEWEST);
    Path file = dir.resolve("snapshot.3_42");
    snapshot.write(file);
    assertThat(MetaSnapshot.read(file)).isEqualTo(snapshot);
    byte[] bytes = java.nio.file.Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    java.nio.file.Files.write(file, bytes);
    assertThatThrownBy(() -> MetaSnapshot.read(file))
        .isInstanceOf(StorageException.Corrupted.class)
        .hasMessageContaining("checksum");
  }

  /**
   * While the cluster writes message format 0 the snapshot is written in file format 1, which the
   * previous release reads (it has no format field); at format 1 in file format 2, with it; from
   * format 2 on in file format 3, with the running shard transfers; from format 3 on in file format
   * 4, with the listener peers; from format 4 on in file format 5, with the running reshardings
   * (format 5 changes forwarded searches only, not the snapshot).
   */
  @Test
  void theSnapshotFileFormatFollowsTheClustersMessageFormat() throws Exception {
    for (int format = 0; format <= WireFormat.NEWEST; format++) {
      var snapshot = snapshot(format);
      Path file = dir.resolve("snapshot.format" + format);
      snapshot.write(file);
      byte[] bytes = java.nio.file.Files.readAllBytes(file);
      int fileVersion =
          java.nio.ByteBuffer.wrap(bytes, 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
      assertThat(fileVersion)
          .as("file version at message format %d", format)
          .isEqualTo(Math.min(format, Wire.RESHARDING_FORMAT) + 1);
      assertThat(MetaSnapshot.read(file)).isEqualTo(snapshot);
    }
  }
}
