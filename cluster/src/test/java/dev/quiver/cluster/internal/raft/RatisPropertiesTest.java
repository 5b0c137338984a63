package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.cluster.ClusterSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogFormat;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogOutputStream;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RatisPropertiesTest {
  @TempDir Path dir;

  private RaftProperties properties() {
    var settings =
        new ClusterSettings(
            dir.resolve("storage"),
            dir.resolve("snapshots"),
            "127.0.0.1",
            6335,
            URI.create("http://127.0.0.1:6335"),
            null,
            null,
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(60),
            128,
            10_000,
            32L << 20,
            List.of(),
            null,
            null,
            null,
            false,
            null,
            null);
    return RatisProperties.of(settings, dir.resolve("raft"));
  }

  /**
   * Ratis gives up a snapshot stream that failed at once (the peer was down when the install began)
   * only when a chunk's answer is overdue, after the element limit times the chunk timeout: with
   * Ratis' defaults 24 s, which a peer that had just come back waited for its snapshot.
   */
  @Test
  void aSnapshotStreamThatFailedIsGivenUpWithinFourSeconds() {
    RaftProperties p = properties();
    long givenUpAfterMs =
        GrpcConfigKeys.Server.installSnapshotRequestElementLimit(p)
            * GrpcConfigKeys.Server.installSnapshotRequestTimeout(p).toLong(TimeUnit.MILLISECONDS);
    assertThat(givenUpAfterMs).isLessThanOrEqualTo(4_000);
  }

  /**
   * The chunks in flight are held in the leader's heap for each install: one chunk, so a node with
   * a small heap sending several snapshots at once does not hold eight chunks for each.
   */
  @Test
  void anInstallHoldsOneChunkInFlightThatAPeerHasTimeToAnswer() {
    RaftProperties p = properties();
    long inFlight =
        GrpcConfigKeys.Server.installSnapshotRequestElementLimit(p)
            * RaftServerConfigKeys.Log.Appender.snapshotChunkSizeMax(p).getSize();
    assertThat(inFlight).isLessThanOrEqualTo(16L << 20);
    // a 16 MiB chunk within the timeout: 4 MiB/s at least, far below what a peer link carries
    long perChunkMs =
        GrpcConfigKeys.Server.installSnapshotRequestTimeout(p).toLong(TimeUnit.MILLISECONDS);
    assertThat(
            RaftServerConfigKeys.Log.Appender.snapshotChunkSizeMax(p).getSize() * 1000 / perChunkMs)
        .isLessThanOrEqualTo(4L << 20);
  }

  /**
   * A log segment written with these settings and forced after each entry holds what was written
   * and no zeros after it: a force writes every dirty page of the file, so zeros filled ahead
   * reached the disk and were written again under the entries (with Ratis' default fill the segment
   * is 4 MiB after one entry).
   */
  @Test
  void aLogSegmentIsFilledNoFurtherThanItsEntries() throws IOException {
    RaftProperties p = properties();
    Path segment = dir.resolve("log_inprogress_0");
    long written = SegmentedRaftLogFormat.getHeaderLength();
    try (var out =
        new SegmentedRaftLogOutputStream(
            segment.toFile(),
            false,
            RaftServerConfigKeys.Log.segmentSizeMax(p).getSize(),
            RaftServerConfigKeys.Log.preallocatedSize(p).getSize(),
            ByteBuffer.allocateDirect(64 << 10))) {
      for (int i = 0; i < 3; i++) {
        LogEntryProto entry =
            LogEntryProto.newBuilder()
                .setTerm(1)
                .setIndex(i)
                .setStateMachineLogEntry(
                    StateMachineLogEntryProto.newBuilder()
                        .setLogData(ByteString.copyFrom(new byte[10_000])))
                .build();
        out.write(entry);
        out.flush(); // as Ratis' log worker does after each batch it writes
        // the entry's length as a varint, the entry, its 4-byte checksum
        int size = entry.getSerializedSize();
        written += size + 4 + (32 - Integer.numberOfLeadingZeros(size) + 6) / 7;
        assertThat(Files.size(segment)).isEqualTo(written);
      }
    }
  }
}
