package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.CollectionConfig;
import dev.quiver.storage.CollectionMetaOp;
import dev.quiver.storage.CollectionRegistry;
import dev.quiver.storage.Filter;
import dev.quiver.storage.PointId;
import dev.quiver.storage.PointRecord;
import dev.quiver.storage.ScoredPoint;
import dev.quiver.storage.ScrollPage;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardContractTest;
import dev.quiver.storage.ShardReader;
import dev.quiver.storage.ShardWriter;
import dev.quiver.storage.Storage;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.statemachine.StateMachine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shard contract with every read going the way a read of a remote replica goes: encoded by
 * {@link Wire}, sent through a {@link ShardChannel} to a real Ratis server in this JVM, answered by
 * the {@link ShardStateMachine} from the shard, and decoded again. Writes go to the shard directly
 * (their Raft path is the state machine's apply, exercised by the cluster ITs), so the contract's
 * operation numbers and reopening hold as they do for a local shard.
 */
class RemoteReaderContractTest extends ShardContractTest {
  private static final String COLLECTION = "c";

  /** One server for the class; each opening of a shard is a group of its own on it. */
  private static InJvmRaft raft;

  private static final Map<RaftGroupId, StateMachine> MACHINES = new ConcurrentHashMap<>();

  @TempDir static Path raftDir;

  @BeforeAll
  static void startRaft() throws IOException {
    raft = new InJvmRaft(raftDir, MACHINES::get);
  }

  @AfterAll
  static void stopRaft() throws IOException {
    raft.close();
  }

  @Override
  protected TestShard open(Path dir, CollectionConfig config) {
    CollectionRegistry registry = Storage.open(dir.resolve("storage"));
    if (registry.get(COLLECTION).isEmpty()) {
      registry.apply(new CollectionMetaOp.Create(COLLECTION, config, Set.of(0)), 1);
    }
    ShardWriter writer = registry.require(COLLECTION).writer(0);
    // the group's log holds no writes here: each opening starts a new group
    RaftGroupId group = RaftGroupId.randomId();
    MACHINES.put(
        group,
        new ShardStateMachine(
            registry,
            COLLECTION,
            0,
            new ClusterAudit(null),
            10_000,
            Duration.ofSeconds(2),
            new FormatGate(WireFormat.NEWEST)));
    ShardChannel channel;
    try {
      raft.start(group);
      channel = raft.channel(group);
    } catch (IOException e) {
      registry.close();
      throw new UncheckedIOException(e);
    }
    ShardReader remote = channel.reader();
    return new TestShard() {
      @Override
      public List<ScoredPoint> search(SearchRequest request) {
        return remote.search(request);
      }

      @Override
      public List<PointRecord> retrieve(
          List<PointId> ids, WithPayload withPayload, WithVectors withVectors) {
        return remote.retrieve(ids, withPayload, withVectors);
      }

      @Override
      public long count() {
        return remote.count();
      }

      @Override
      public long count(Filter filter) {
        return remote.count(filter);
      }

      @Override
      public ScrollPage scroll(
          Filter filter,
          PointId offset,
          int limit,
          WithPayload withPayload,
          WithVectors withVectors) {
        return remote.scroll(filter, offset, limit, withPayload, withVectors);
      }

      @Override
      public boolean anyPayloadMatches(Filter filter) {
        return remote.anyPayloadMatches(filter);
      }

      @Override
      public boolean apply(long opNum, UpdateOp op) {
        return writer.apply(opNum, op);
      }

      @Override
      public long lastAppliedOp() {
        return writer.lastAppliedOp();
      }

      @Override
      public long flush() {
        return writer.flush();
      }

      @Override
      public void awaitIndexed() {
        writer.awaitIndexed();
      }

      @Override
      public void close() {
        channel.close();
        try {
          raft.stop(group);
          MACHINES.remove(group);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          registry.close();
        }
      }
    };
  }
}
