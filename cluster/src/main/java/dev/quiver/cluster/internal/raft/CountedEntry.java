package dev.quiver.cluster.internal.raft;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * A shard write entry that knows how often it left this node: {@link FailoverRpc} counts every
 * attempt it hands to the transport, and the {@link ShardChannel} counts the attempts refused
 * before anything was appended (a peer without the group, a leader stepping down or handing over).
 * An entry whose every attempt was refused so (or that never left) is in no replica's log and may
 * be sent again through a new client; any other entry may have been committed, and sending it again
 * under a new client id (which Raft's retry cache cannot match) would apply it twice, the second
 * time after writes that came later. Thread-safe.
 */
final class CountedEntry implements Message {
  private final ByteString content;
  private final AtomicInteger transmissions = new AtomicInteger();
  private final AtomicInteger refusals = new AtomicInteger();

  CountedEntry(ByteString content) {
    this.content = content;
  }

  @Override
  public ByteString getContent() {
    return content;
  }

  /** Called by the transport wrapper for each attempt it forwards towards a peer. */
  void transmitted() {
    transmissions.incrementAndGet();
  }

  /** One attempt was refused before anything was appended. */
  void refused() {
    refusals.incrementAndGet();
  }

  /** Whether no replica can have taken the entry: it never left, or every attempt was refused. */
  boolean inNoLog() {
    return transmissions.get() == refusals.get();
  }

  int transmissions() {
    return transmissions.get();
  }

  @Override
  public String toString() {
    return "shard entry of " + content.size() + " bytes, sent " + transmissions + " times";
  }
}
