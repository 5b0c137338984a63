package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.ResourceQuota;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
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

    private synchronized void add(String line) {
      seen.add(line);
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

  /** Commits {@code entry} and returns the index it got; its error is rethrown. */
  private static long propose(RaftClient client, Wire.MetaEntry entry) throws Exception {
    RaftClientReply reply =
        Replies.await(
            client.async().send(Message.valueOf(ByteString.copyFrom(Wire.encode(entry)))),
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
}
