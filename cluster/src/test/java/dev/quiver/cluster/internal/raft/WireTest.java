package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.cluster.TransferMethod;
import dev.quiver.storage.AliasAction;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.ShardKey;
import dev.quiver.storage.Value;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Metadata log entries survive their binary form, and bad bytes are refused, not half-read. */
class WireTest {

  @Test
  void metadataEntriesRoundTrip() throws Exception {
    Map<String, Value> fields = new LinkedHashMap<>();
    fields.put("owner", new Value.Str("search-team"));
    fields.put("shards", new Value.Array(List.of(new Value.Int(1), new Value.Int(2))));
    List<Wire.MetaEntry> entries =
        List.of(
            new Wire.PeerJoined(7, "https://node7:6335"),
            new Wire.PeerRemoved(7),
            new Wire.DropCollection("docs"),
            new Wire.AddReplica("docs", 2, 9),
            new Wire.RemoveReplica("docs", 2, 9),
            new Wire.DropShardKey("docs", new ShardKey.Keyword("eu")),
            new Wire.ChangeAliases(
                List.of(
                    new AliasAction.Create("a", "docs"),
                    new AliasAction.Rename("a", "b"),
                    new AliasAction.Delete("b"))),
            new Wire.SetClusterMetadata("deploy", new Value.Struct(fields)),
            new Wire.SetClusterMetadata("deploy", null),
            new Wire.StartTransfer(
                "docs", new Wire.Transfer(2, 7, 9, false, TransferMethod.SNAPSHOT), false),
            new Wire.StartTransfer(
                "docs", new Wire.Transfer(2, 7, 9, true, TransferMethod.WAL_DELTA), true),
            new Wire.StartTransfer(
                "docs", new Wire.Transfer(0, 1, 2, true, TransferMethod.STREAM_RECORDS), false),
            new Wire.EndTransfer("docs", 2, 7, 9),
            new Wire.PeerRole(7, true),
            new Wire.ShardRecovery("docs", 2, 7, true),
            new Wire.ShardRecovery("docs", 2, 7, false),
            new Wire.StartResharding(
                "docs",
                new Wire.Resharding(null, true, -1, 7, 9, Wire.ReshardStage.MIGRATING),
                List.of(7L, 8L)),
            new Wire.StartResharding(
                "docs",
                new Wire.Resharding(
                    new ShardKey.Number(4), false, 3, 8, 9, Wire.ReshardStage.MIGRATING),
                List.of()),
            new Wire.ReshardingStage("docs", Wire.ReshardStage.SWITCHED),
            new Wire.ReshardingStage("docs", Wire.ReshardStage.ABORTING),
            new Wire.EndResharding("docs"));
    for (Wire.MetaEntry e : entries) {
      assertThat(Wire.decodeMeta(Wire.encode(e, WireFormat.NEWEST), WireFormat.NEWEST))
          .as(e.toString())
          .isEqualTo(e);
    }
  }

  /**
   * Transfer entries exist from message format 2: a node writing an older format cannot write them,
   * and one of them in an older format's message does not decode.
   */
  @Test
  void transferEntriesNeedTheirFormat() {
    var start =
        new Wire.StartTransfer(
            "docs", new Wire.Transfer(2, 7, 9, false, TransferMethod.SNAPSHOT), false);
    assertThatThrownBy(() -> Wire.encode(start, Wire.TRANSFERS_FORMAT - 1))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] bytes = Wire.encode(start, Wire.TRANSFERS_FORMAT);
    bytes[1] = (byte) (Wire.TRANSFERS_FORMAT - 1); // the header's version byte
    assertThatThrownBy(() -> Wire.decodeMeta(bytes, WireFormat.NEWEST))
        .isInstanceOf(ShardCodec.Malformed.class)
        .hasMessageContaining("tag 15");
  }

  /** A peer's node type exists from message format 3, as the transfer entries from theirs. */
  @Test
  void peerRoleEntriesRoundTripAndNeedTheirFormat() throws Exception {
    for (boolean listener : new boolean[] {true, false}) {
      var role = new Wire.PeerRole(7, listener);
      assertThat(Wire.decodeMeta(Wire.encode(role, Wire.LISTENERS_FORMAT), WireFormat.NEWEST))
          .isEqualTo(role);
    }
    var role = new Wire.PeerRole(7, true);
    assertThatThrownBy(() -> Wire.encode(role, Wire.LISTENERS_FORMAT - 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from message format 3");
    byte[] bytes = Wire.encode(role, Wire.LISTENERS_FORMAT);
    bytes[1] = (byte) (Wire.LISTENERS_FORMAT - 1); // the header's version byte
    assertThatThrownBy(() -> Wire.decodeMeta(bytes, WireFormat.NEWEST))
        .isInstanceOf(ShardCodec.Malformed.class)
        .hasMessageContaining("tag 17");
  }

  /** The resharding entries exist from message format 4. */
  @Test
  void reshardingEntriesNeedTheirFormat() {
    var stage = new Wire.ReshardingStage("docs", Wire.ReshardStage.SWITCHED);
    assertThatThrownBy(() -> Wire.encode(stage, Wire.RESHARDING_FORMAT - 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from message format 4");
    byte[] bytes = Wire.encode(stage, Wire.RESHARDING_FORMAT);
    bytes[1] = (byte) (Wire.RESHARDING_FORMAT - 1); // the header's version byte
    assertThatThrownBy(() -> Wire.decodeMeta(bytes, WireFormat.NEWEST))
        .isInstanceOf(ShardCodec.Malformed.class)
        .hasMessageContaining("tag 20");
    byte[] unknownStage = Wire.encode(stage, Wire.RESHARDING_FORMAT);
    unknownStage[unknownStage.length - 6] = 9; // before the part (4 bytes) and frozen (1)
    assertThatThrownBy(() -> Wire.decodeMeta(unknownStage, WireFormat.NEWEST))
        .isInstanceOf(ShardCodec.Malformed.class)
        .hasMessageContaining("resharding stage 9");
  }

  @Test
  void unknownTagsAndTruncatedEntriesAreMalformed() {
    assertThatThrownBy(() -> Wire.decodeMeta(new byte[] {(byte) 200}, WireFormat.NEWEST))
        .isInstanceOf(ShardCodec.Malformed.class);
    byte[] whole =
        Wire.encode(new Wire.SetClusterMetadata("k", new Value.Str("v")), WireFormat.NEWEST);
    byte[] cut = Arrays.copyOf(whole, whole.length - 1);
    assertThatThrownBy(() -> Wire.decodeMeta(cut, WireFormat.NEWEST))
        .isInstanceOf(ShardCodec.Malformed.class);
  }
}
