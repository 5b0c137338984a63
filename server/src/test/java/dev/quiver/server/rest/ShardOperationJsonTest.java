package dev.quiver.server.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.cluster.ShardOperation;
import dev.quiver.cluster.TransferMethod;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.ShardKey;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The shard transfer operations of {@code POST /collections/{c}/cluster}, as Qdrant reads them. */
class ShardOperationJsonTest {
  private static final String KEY = "\"shard_id\":2,\"from_peer_id\":7,\"to_peer_id\":9";

  private static ShardOperation op(String body) {
    JsonNode node = Json.parse(body.getBytes(StandardCharsets.UTF_8));
    return CollectionJson.shardOperation(node);
  }

  @Test
  void transfersTakeAMethodOrTheDefault() {
    assertThat(op("{\"move_shard\":{" + KEY + "}}"))
        .isEqualTo(new ShardOperation.Move(2, 7, 9, null));
    assertThat(op("{\"move_shard\":{" + KEY + ",\"method\":null}}"))
        .isEqualTo(new ShardOperation.Move(2, 7, 9, null));
    assertThat(op("{\"replicate_shard\":{" + KEY + ",\"method\":\"snapshot\"}}"))
        .isEqualTo(new ShardOperation.Replicate(2, 7, 9, TransferMethod.SNAPSHOT));
    assertThat(op("{\"restart_transfer\":{" + KEY + ",\"method\":\"wal_delta\"}}"))
        .isEqualTo(new ShardOperation.RestartTransfer(2, 7, 9, TransferMethod.WAL_DELTA));
    assertThat(op("{\"abort_transfer\":{" + KEY + "}}"))
        .isEqualTo(new ShardOperation.AbortTransfer(2, 7, 9));
  }

  @Test
  void badMethodsAreRefusedByName() {
    assertThatThrownBy(() -> op("{\"move_shard\":{" + KEY + ",\"method\":\"telepathy\"}}"))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("unknown variant `telepathy`")
        .hasMessageContaining("at `move_shard.method`");
    assertThatThrownBy(
            () -> op("{\"move_shard\":{" + KEY + ",\"method\":\"resharding_stream_records\"}}"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("move_shard.method");
    assertThatThrownBy(() -> op("{\"restart_transfer\":{" + KEY + "}}"))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("missing field `method`");
    // an abort has no method
    assertThatThrownBy(() -> op("{\"abort_transfer\":{" + KEY + ",\"method\":\"snapshot\"}}"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("`abort_transfer.method`");
    assertThatThrownBy(
            () ->
                op(
                    "{\"replicate_shard\":{\"shard_id\":2,\"from_peer_id\":7,"
                        + "\"to_peer_id\":7}}"))
        .isInstanceOf(RequestException.Invalid.class)
        .hasMessageContaining("cannot transfer shard to itself");
  }

  @Test
  void reshardingTakesADirectionAndOptionallyAPeerAndAKey() {
    assertThat(op("{\"start_resharding\":{\"direction\":\"up\"}}"))
        .isEqualTo(new ShardOperation.StartResharding(true, null, null));
    assertThat(
            op(
                "{\"start_resharding\":{\"direction\":\"down\",\"peer_id\":7,"
                    + "\"shard_key\":\"eu\"}}"))
        .isEqualTo(new ShardOperation.StartResharding(false, 7L, new ShardKey.Keyword("eu")));
    assertThat(op("{\"abort_resharding\":{}}")).isEqualTo(new ShardOperation.AbortResharding());
    assertThatThrownBy(() -> op("{\"start_resharding\":{}}"))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("direction");
    assertThatThrownBy(() -> op("{\"start_resharding\":{\"direction\":\"sideways\"}}"))
        .isInstanceOf(RequestException.Malformed.class)
        .hasMessageContaining("unknown variant `sideways`");
    assertThatThrownBy(() -> op("{\"start_resharding\":{\"direction\":\"up\",\"peer_id\":-1}}"))
        .isInstanceOf(RequestException.class)
        .hasMessageContaining("start_resharding.peer_id");
    assertThatThrownBy(() -> op("{\"abort_resharding\":{\"force\":true}}"))
        .isInstanceOf(RequestException.Unsupported.class)
        .hasMessageContaining("abort_resharding");
  }
}
