package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Distance;
import dev.quiver.storage.HnswConfig;
import dev.quiver.storage.OptimizersConfig;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.VectorParams;
import dev.quiver.storage.WalConfig;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a replica loads the snapshots its leader sends, on a real Ratis server in the test's JVM: one
 * load at a time, the newest snapshot published, and a published snapshot that was never loaded
 * (the node stopped first) loaded when the group starts again; and how a machine that stopped
 * applying is told from one that is busy.
 */
class SnapshotLoadTest {
  private static final String COLLECTION = "c";

  @TempDir Path dir;

  /** Records each load; the first one runs {@code duringFirstLoad} before it returns. */
  private static final class Probe extends SnapshottingStateMachine {
    final List<Long> loaded = new ArrayList<>();
    volatile Runnable duringFirstLoad = () -> {};

    Probe(AtomicLong nanos) {
      super(0, nanos::get);
    }

    @Override
    void installed(SingleFileSnapshotInfo latest) {
      loaded.add(latest.getIndex());
      if (loaded.size() == 1) {
        duringFirstLoad.run();
      }
    }

    /** Records {@code index} as applied, as Ratis' apply thread does. */
    void applied(long index) {
      updateLastAppliedTermIndex(1, index);
    }

    /** Publishes a snapshot at {@code index}, as Ratis does with one the leader sent. */
    void publish(long index) {
      try {
        TermIndex at = TermIndex.valueOf(1, index);
        File file = snapshotFile(at);
        Files.write(file.toPath(), new byte[] {(byte) index});
        keepSnapshot(file, at);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void aSnapshotArrivingWhileOneIsLoadedIsRefusedAndTheLoadTakesTheNewestPublished()
      throws Exception {
    AtomicLong nanos = new AtomicLong(System.nanoTime());
    Probe probe = new Probe(nanos);
    RaftGroupId group = RaftGroupId.randomId();
    try (var raft = new InJvmRaft(dir.resolve("raft"), id -> probe)) {
      raft.start(group);
      probe.publish(3);
      List<String> refusals = new ArrayList<>();
      probe.duringFirstLoad =
          () -> {
            try {
              probe.pause(); // a second install's last step, while the first is loaded
            } catch (IllegalStateException refused) {
              refusals.add(refused.getMessage());
            }
            probe.publish(5); // published before the refusal could stop it (an earlier request)
          };
      probe.pause();
      probe.reinitialize();

      assertThat(refusals).singleElement().asString().contains("still loading");
      assertThat(probe.loaded).containsExactly(3L, 5L);
      // Ratis marks its apply thread running only after the load returns: still refused
      assertThatThrownBy(probe::pause).isInstanceOf(IllegalStateException.class);
      nanos.addAndGet(SnapshottingStateMachine.RELOAD_GRACE_NANOS);
      probe.pause(); // and taken once the grace has passed
    }
  }

  /**
   * The newest snapshot is answered from memory (a leader's appenders ask before every batch, and
   * Ratis' storage lists the directory each time while it holds none): a file that appears in the
   * directory counts once Ratis has the machine load it, and one taken here at once.
   */
  @Test
  void theNewestSnapshotIsKnownWithoutListingTheDirectoryAgain() throws Exception {
    Probe probe = new Probe(new AtomicLong(System.nanoTime()));
    try (var raft = new InJvmRaft(dir.resolve("raft"), id -> probe)) {
      raft.start(RaftGroupId.randomId());
      assertThat(probe.getLatestSnapshot()).isNull();

      // Ratis moves a snapshot from the leader into place, then has the machine load it
      File sent = probe.snapshotFile(TermIndex.valueOf(1, 4));
      Files.write(sent.toPath(), new byte[] {4});
      assertThat(probe.getLatestSnapshot()).as("not loaded yet").isNull();
      probe.pause();
      probe.reinitialize();
      assertThat(probe.loaded).containsExactly(4L);
      assertThat(probe.getLatestSnapshot().getIndex()).isEqualTo(4);
      assertThat(probe.latestSnapshotIndex()).isEqualTo(4);

      probe.publish(9); // one taken here
      assertThat(probe.getLatestSnapshot().getIndex()).isEqualTo(9);
    }
  }

  /**
   * The stall rule alone, on a machine outside any Raft group (a live group may apply an entry of
   * its own at any moment, which is progress): entries committed past the applied index and no
   * progress for the stall time, outside an apply.
   */
  @Test
  void aMachineThatAppliesNothingWhileEntriesAreCommittedPastItIsStalled() {
    AtomicLong nanos = new AtomicLong(System.nanoTime());
    Probe probe = new Probe(nanos);
    long stall = 5_000_000_000L;
    long applied = 7;
    probe.applied(applied);

    assertThat(probe.stalled(applied, stall)).as("nothing committed past it").isFalse();
    assertThat(probe.stalled(applied + 5, stall)).as("not for long yet").isFalse();
    nanos.addAndGet(stall);
    assertThat(probe.stalled(applied, stall)).as("nothing committed past it").isFalse();
    assertThat(probe.stalled(applied + 5, stall)).isTrue();
    // an apply or a snapshot in progress is not a stall, and its end counts as progress
    probe.working(true);
    assertThat(probe.stalled(applied + 5, stall)).isFalse();
    probe.working(false);
    assertThat(probe.stalled(applied + 5, stall)).isFalse();
    nanos.addAndGet(stall);
    assertThat(probe.stalled(applied + 5, stall)).isTrue();
    // an entry applied is progress
    probe.applied(applied + 1);
    assertThat(probe.stalled(applied + 5, stall)).isFalse();
  }

  @Test
  void aPublishedSnapshotTheShardNeverLoadedIsLoadedWhenTheGroupStartsAgain() throws Exception {
    CollectionConfig config = config();
    long index = 7;
    // the leader's shard holds three points, written by the entries up to 7
    Path archive = dir.resolve("leader-shard.zip");
    try (CollectionRegistry leader = Storage.open(dir.resolve("leader"))) {
      leader.apply(new CollectionMetaOp.Create(COLLECTION, config, Set.of(0)), 1);
      for (int id = 1; id <= 3; id++) {
        leader
            .require(COLLECTION)
            .writer(0)
            .apply((index - 3 + id) * ShardStateMachine.OPS_PER_ENTRY, upsert(id));
      }
      try (OutputStream out = Files.newOutputStream(archive)) {
        leader.require(COLLECTION).snapshotShard(0, out);
      }
    }
    try (CollectionRegistry follower = Storage.open(dir.resolve("follower"))) {
      follower.apply(new CollectionMetaOp.Create(COLLECTION, config, Set.of(0)), 1);
      follower.require(COLLECTION).writer(0).apply(2L * ShardStateMachine.OPS_PER_ENTRY, upsert(1));
      RaftGroupId group = RaftGroupId.randomId();
      Path raftDir = dir.resolve("raft");
      ShardStateMachine before = machine(follower);
      try (var raft = new InJvmRaft(raftDir, id -> before)) {
        raft.start(group);
        // Ratis published the leader's snapshot; the node stopped before the shard loaded it
        TermIndex at = TermIndex.valueOf(1, index);
        File file = before.snapshotFile(at);
        Files.copy(archive, file.toPath());
        before.keepSnapshot(file, at);
      }
      assertThat(follower.require(COLLECTION).reader(0).count()).isEqualTo(1);

      ShardStateMachine after = machine(follower);
      try (var raft = new InJvmRaft(raftDir, id -> after)) {
        assertThat(raft.division(group).getInfo().getLastAppliedIndex()).isEqualTo(index);
        assertThat(follower.require(COLLECTION).reader(0).count()).isEqualTo(3);
        assertThat(follower.require(COLLECTION).writer(0).lastAppliedOp())
            .isEqualTo(index * ShardStateMachine.OPS_PER_ENTRY);
      }
    }
  }

  /**
   * A snapshot taken when the last applied entry was a read barrier: the shard records that it
   * holds the barrier too, so its files are not behind the snapshot and a start does not load the
   * snapshot over them again.
   */
  @Test
  void aSnapshotTakenAfterAReadBarrierLeavesTheShardHoldingEveryEntryOfIt() throws Exception {
    CollectionConfig config = config();
    long snapshotAt;
    try (CollectionRegistry node = Storage.open(dir.resolve("node"))) {
      node.apply(new CollectionMetaOp.Create(COLLECTION, config, Set.of(0)), 1);
      RaftGroupId group = RaftGroupId.randomId();
      ShardStateMachine machine = machine(node);
      try (var raft = new InJvmRaft(dir.resolve("raft"), id -> machine)) {
        raft.start(group);
        ShardChannel channel = raft.channel(group);
        channel.submit(upsert(1)).get(30, TimeUnit.SECONDS);
        long written = node.require(COLLECTION).writer(0).lastAppliedOp();
        // a linearizable read commits a barrier after the write: the last entry applied
        assertThat(channel.linearizableReader().count()).isEqualTo(1);
        assertThat(raft.division(group).getInfo().getLastAppliedIndex())
            .isGreaterThan(written / ShardStateMachine.OPS_PER_ENTRY);
        machine.wantSnapshot();
        snapshotAt = machine.takeSnapshot();
        assertThat(snapshotAt).isGreaterThan(written / ShardStateMachine.OPS_PER_ENTRY);
      }
    }
    try (CollectionRegistry node = Storage.open(dir.resolve("node"))) {
      assertThat(node.require(COLLECTION).writer(0).lastAppliedOp())
          .isEqualTo(snapshotAt * ShardStateMachine.OPS_PER_ENTRY);
      assertThat(node.require(COLLECTION).reader(0).count()).isEqualTo(1);
    }
  }

  /** A collection of two-dimension vectors, one shard. */
  private static CollectionConfig config() {
    return new CollectionConfig(
        Map.of(CollectionConfig.DEFAULT_VECTOR, new VectorParams(2, Distance.DOT, null)),
        1,
        1,
        1,
        true,
        HnswConfig.DEFAULT,
        OptimizersConfig.DEFAULT,
        WalConfig.DEFAULT);
  }

  private static ShardStateMachine machine(CollectionRegistry registry) {
    return new ShardStateMachine(
        registry,
        COLLECTION,
        0,
        new ClusterAudit(null),
        10_000,
        Duration.ofSeconds(2),
        new FormatGate(WireFormat.NEWEST));
  }

  private static UpdateOp upsert(int id) {
    return new UpdateOp.Upsert(
        List.of(
            new Point(
                PointId.of(id),
                Map.of(CollectionConfig.DEFAULT_VECTOR, new float[] {id, 1}),
                null)));
  }
}
