package dev.quiver.cluster;

import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import java.util.List;

/**
 * Qdrant's cluster metadata ({@code /cluster/metadata/keys}): JSON values by key that the cluster
 * agrees on through its consensus, for applications and operators to coordinate by. Bounded: keys
 * of at most {@value #MAX_KEY_LENGTH} characters, values of at most {@value #MAX_VALUE_BYTES} bytes
 * encoded, at most {@value #MAX_KEYS} keys. A single node has none: every call fails with {@code
 * BadInput} ("Distributed mode disabled"). Implementations are thread-safe.
 */
public interface ClusterMetadata {
  int MAX_KEY_LENGTH = 256;
  int MAX_VALUE_BYTES = 64 << 10;
  int MAX_KEYS = 1024;

  /** The keys set, in ascending order. */
  List<String> keys();

  /** The value of {@code key}, or null when it is not set. */
  Value get(String key);

  /**
   * Sets {@code key} to {@code value}, or removes it when {@code value} is null or JSON null;
   * returns once this node has applied the change.
   */
  void put(String key, Value value);

  /** The metadata of a node that is not part of a cluster. */
  ClusterMetadata STANDALONE =
      new ClusterMetadata() {
        @Override
        public List<String> keys() {
          throw standalone();
        }

        @Override
        public Value get(String key) {
          throw standalone();
        }

        @Override
        public void put(String key, Value value) {
          throw standalone();
        }

        private static StorageException standalone() {
          return new StorageException.BadInput("Distributed mode disabled");
        }
      };
}
