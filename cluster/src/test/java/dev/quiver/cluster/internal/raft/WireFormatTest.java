package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.AcornParams;
import dev.quiver.storage.PointId;
import dev.quiver.storage.SearchRequest;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.Value;
import dev.quiver.storage.WithPayload;
import dev.quiver.storage.WithVectors;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every message kind in every format: format 0 (as the release before versioned formats wrote it,
 * byte for byte) and format 1 are both read; a message newer than a node reads is refused as such,
 * never read as something else; the gate writes the cluster's format, never above the node's.
 */
class WireFormatTest {
  private static final HexFormat HEX = HexFormat.of();

  /** Bytes of the release before versioned formats, with what they must read as. */
  private static final String PEER_JOINED =
      "0100000000000000070000001368747470733a2f2f706565722d373a36333335";

  private static final String CLUSTER_METADATA = "0d000000066465706c6f79010400000004626c7565";
  private static final String DELETE_BATCH = "00000001020000000100000000000000002a";
  private static final String COUNT_READ = "0400";

  private static final UpdateOp DELETE_42 = new UpdateOp.DeletePoints(List.of(new PointId.Num(42)));

  @Test
  void messagesOfTheReleaseBeforeVersionedFormatsAreRead() throws Exception {
    for (int ceiling = 0; ceiling <= WireFormat.NEWEST; ceiling++) {
      assertThat(Wire.decodeMeta(HEX.parseHex(PEER_JOINED), ceiling))
          .isEqualTo(new Wire.PeerJoined(7, "https://peer-7:6335"));
      assertThat(Wire.decodeMeta(HEX.parseHex(CLUSTER_METADATA), ceiling))
          .isEqualTo(new Wire.SetClusterMetadata("deploy", new Value.Str("blue")));
      assertThat(Wire.decodeBatch(HEX.parseHex(DELETE_BATCH), ceiling)).containsExactly(DELETE_42);
      var in = new DataInputStream(new ByteArrayInputStream(HEX.parseHex(COUNT_READ)));
      assertThat(WireFormat.readHeader(in, ceiling)).isZero();
      assertThat(Wire.decodeRead(in, 0)).isEqualTo(new Wire.Count(null));
    }
  }

  @Test
  void formatZeroIsWrittenAsThePreviousReleaseWroteIt() {
    assertThat(HEX.formatHex(Wire.encode(new Wire.PeerJoined(7, "https://peer-7:6335"), 0)))
        .isEqualTo(PEER_JOINED);
    assertThat(HEX.formatHex(Wire.encodeBatch(List.of(DELETE_42), 0))).isEqualTo(DELETE_BATCH);
    assertThat(HEX.formatHex(Wire.encode(new Wire.Count(null), 0))).isEqualTo(COUNT_READ);
  }

  @Test
  void everyKindRoundTripsInEveryFormat() throws Exception {
    List<Wire.MetaEntry> entries =
        List.of(
            new Wire.PeerJoined(7, "https://peer-7:6335"),
            new Wire.RaiseFormat(1),
            new Wire.SetClusterMetadata("deploy", new Value.Str("blue")));
    for (int version = 0; version <= WireFormat.NEWEST; version++) {
      for (Wire.MetaEntry e : entries) {
        byte[] bytes = Wire.encode(e, version);
        assertThat(WireFormat.versionOf(bytes)).isEqualTo(version);
        assertThat(Wire.decodeMeta(bytes, WireFormat.NEWEST)).isEqualTo(e);
      }
      byte[] batch = Wire.encodeBatch(List.of(DELETE_42, DELETE_42), version);
      assertThat(Wire.decodeBatch(batch, WireFormat.NEWEST)).containsExactly(DELETE_42, DELETE_42);
      byte[] read = Wire.encode(new Wire.Count(null), version);
      var in = new DataInputStream(new ByteArrayInputStream(read));
      assertThat(WireFormat.readHeader(in, WireFormat.NEWEST)).isEqualTo(version);
      assertThat(Wire.decodeRead(in, version)).isEqualTo(new Wire.Count(null));
      byte[] reply = WireFormat.write(version, Wire::writeOk);
      int replied =
          WireFormat.read(
              reply,
              WireFormat.NEWEST,
              (r, got) -> {
                Wire.readStatus(r);
                return got;
              });
      assertThat(replied).isEqualTo(version);
    }
  }

  @Test
  void aSearchCarriesItsAcornParametersFromFormatFiveAndIsRefusedThemBefore() throws Exception {
    SearchRequest plain =
        new SearchRequest(
            "", new float[] {1, 2}, 5, 0, null, WithPayload.NONE, WithVectors.NONE, 40, false);
    SearchRequest acorn = plain.withAcorn(new AcornParams(0.25));
    for (int version = 0; version <= WireFormat.NEWEST; version++) {
      for (SearchRequest r : List.of(plain, acorn)) {
        if (r.acorn() != null && version < Wire.SEARCH_PARAMS_FORMAT) {
          int v = version;
          assertThatThrownBy(() -> Wire.encode(new Wire.Search(r), v))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("params.acorn is written from message format 5");
          continue;
        }
        var in =
            new DataInputStream(new ByteArrayInputStream(Wire.encode(new Wire.Search(r), version)));
        Wire.Search got =
            (Wire.Search) Wire.decodeRead(in, WireFormat.readHeader(in, WireFormat.NEWEST));
        assertThat(got.request().acorn()).isEqualTo(r.acorn());
        assertThat(got.request().vector()).containsExactly(1, 2);
        assertThat(got.request().hnswEf()).isEqualTo(40);
      }
    }
    // a format-5 search claimed to be format 4 is refused, not read as something else
    byte[] bytes = Wire.encode(new Wire.Search(acorn), Wire.SEARCH_PARAMS_FORMAT);
    var in = new DataInputStream(new ByteArrayInputStream(bytes));
    WireFormat.readHeader(in, WireFormat.NEWEST);
    assertThatThrownBy(() -> Wire.decodeRead(in, Wire.SEARCH_PARAMS_FORMAT - 1))
        .isInstanceOf(ShardCodec.Malformed.class)
        .hasMessageContaining("read tag 6 in message format 4");
  }

  @Test
  void aVersionedMessageStartsWithTheMarkerThatNoFormatZeroMessageStartsWith() {
    byte[] v1 = Wire.encode(new Wire.PeerRemoved(3), 1);
    assertThat(v1[0] & 0xFF).isEqualTo(WireFormat.MARKER);
    assertThat(v1[1]).isEqualTo((byte) 1);
    // format 0: metadata tags and read tags are small, a batch count's first byte is 0
    for (String old : List.of(PEER_JOINED, CLUSTER_METADATA, DELETE_BATCH, COUNT_READ)) {
      assertThat(HEX.parseHex(old)[0] & 0xFF).isLessThan(64);
    }
    assertThat(MetaStateMachine.QUOTA_USAGE.byteAt(0) & 0xFF).isLessThan(128);
    assertThat(MetaStateMachine.AUDIT_QUERY.byteAt(0) & 0xFF).isLessThan(128);
  }

  @Test
  void aMessageNewerThanTheReaderIsRefusedAsTooNew() {
    byte[] v1 = Wire.encode(new Wire.PeerRemoved(3), 1);
    assertThatThrownBy(() -> Wire.decodeMeta(v1, 0))
        .isInstanceOf(WireFormat.TooNew.class)
        .hasMessageContaining("format 1")
        .hasMessageContaining("up to 0");
    byte[] batch = Wire.encodeBatch(List.of(DELETE_42), 1);
    assertThatThrownBy(() -> Wire.decodeBatch(batch, 0)).isInstanceOf(WireFormat.TooNew.class);
    byte[] unknown = {(byte) WireFormat.MARKER, (byte) (WireFormat.NEWEST + 1), 2, 0};
    assertThatThrownBy(() -> Wire.decodeMeta(unknown, WireFormat.NEWEST))
        .isInstanceOf(WireFormat.TooNew.class);
    byte[] zero = {(byte) WireFormat.MARKER, 0, 2};
    assertThatThrownBy(() -> Wire.decodeMeta(zero, WireFormat.NEWEST))
        .isInstanceOf(ShardCodec.Malformed.class)
        .isNotInstanceOf(WireFormat.TooNew.class);
  }

  @Test
  void theGateWritesTheClustersFormatButNeverAboveItsOwn() {
    var gate = new FormatGate(1);
    assertThat(gate.writing()).isZero(); // until the log says every member reads format 1
    gate.raised(1);
    assertThat(gate.writing()).isEqualTo(1);
    gate.raised(0); // formats only rise
    assertThat(gate.cluster()).isEqualTo(1);

    var pinned = new FormatGate(0);
    assertThatThrownBy(() -> pinned.raised(1))
        .isInstanceOf(FormatGate.Refused.class)
        .hasMessageContaining("reads formats up to 0");
    assertThat(pinned.writing()).isZero();
    assertThatThrownBy(() -> new FormatGate(WireFormat.NEWEST + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max_format_version");
  }

  @Test
  void theFormatsAnswerOfAnOlderReleaseReadsAsFormatZero() {
    assertThat(
            MetaStateMachine.decodeFormats(
                org.apache.ratis.thirdparty.com.google.protobuf.ByteString.EMPTY))
        .containsExactly(0, 0);
  }
}
