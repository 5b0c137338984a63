package dev.quiver.cluster.internal.raft;

import dev.quiver.cluster.ClusterMetadata;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import java.util.List;
import java.util.function.Consumer;

/**
 * The cluster metadata kept by the metadata Raft group: a change is a log entry that every peer's
 * {@link MetaStateMachine} applies, and reads answer from what this peer has applied. The bounds of
 * {@link ClusterMetadata} are checked before anything is proposed. Thread-safe.
 */
final class RaftClusterMetadata implements ClusterMetadata {
  private final MetaStateMachine meta;
  private final Consumer<Wire.MetaEntry> propose;

  /**
   * @param propose commits an entry and returns once this peer has applied it
   */
  RaftClusterMetadata(MetaStateMachine meta, Consumer<Wire.MetaEntry> propose) {
    this.meta = meta;
    this.propose = propose;
  }

  @Override
  public List<String> keys() {
    return List.copyOf(meta.clusterMetadata().keySet());
  }

  @Override
  public Value get(String key) {
    return meta.clusterMetadata().get(key);
  }

  @Override
  public void put(String key, Value value) {
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new StorageException.BadInput(
          "a cluster metadata key must have 1 to " + MAX_KEY_LENGTH + " characters");
    }
    boolean remove = value == null || value instanceof Value.Null;
    if (!remove) {
      int bytes = ShardCodec.write(out -> ShardCodec.writeValue(out, value)).length;
      if (bytes > MAX_VALUE_BYTES) {
        throw new StorageException.BadInput(
            "the value of cluster metadata key `"
                + key
                + "` takes "
                + bytes
                + " bytes; at most "
                + MAX_VALUE_BYTES
                + " are kept");
      }
      if (!meta.clusterMetadata().containsKey(key) && meta.clusterMetadata().size() >= MAX_KEYS) {
        throw new StorageException.BadInput(
            "the cluster metadata holds " + MAX_KEYS + " keys already; remove one first");
      }
    }
    propose.accept(new Wire.SetClusterMetadata(key, remove ? null : value));
  }
}
